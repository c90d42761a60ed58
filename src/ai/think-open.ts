import { MarkdownBlocks, readMarkdown } from "../shared/markdown-blocks.js";
import { ClosingTagFinder, type CloseScan } from "./think-close.js";
import { StreamedLine } from "./think-line.js";
import { tagKindAt } from "./think-tag-kind.js";
import { TAG_SPELLINGS, type TagSpelling } from "./think-spellings.js";

/** A real opening tag found: its spelling, and everything streamed after it. */
export interface FoundOpen {
  spelling: TagSpelling;
  after: string;
}

/**
 * Finds a `<think>` (or an opening tag of another spelling: `think-spellings.ts`) that opens reasoning
 * after answer text (`Sure. <think>plan</think> Done.`), in text streamed from where the output began. The tag counts where a template's own would stand:
 * written bare, not as Markdown code (an inline span, a fenced or indented block, raw HTML), not
 * escaped, not behind a quote's `>` or a list item's marker (`think-tag-kind.ts`). A tag whose kind
 * the rest of its line decides is looked at again as the line goes on, so that however the text is
 * streamed the same tag is found.
 */
export class OpeningTagFinder {
  private readonly blocks = new MarkdownBlocks();
  /** The current line so far, with its newline once complete; it notes where each opening tag is as it streams. */
  private line = this.newLine();
  /** Where in `line` the next tag is looked for: tags before it were words. */
  private searchFrom = 0;

  /** Once a real opening tag was found: its spelling and everything streamed after it. */
  push(delta: string): FoundOpen | undefined {
    let rest = delta;
    for (;;) {
      const newline = rest.indexOf("\n");
      const complete = newline >= 0;
      this.line.append(complete ? rest.slice(0, newline + 1) : rest);
      rest = complete ? rest.slice(newline + 1) : "";
      const after = this.scanLine(complete);
      if (after !== undefined) return { spelling: after.spelling, after: after.after + rest };
      if (!complete) {
        this.line.forgetBefore(this.searchFrom);
        return undefined;
      }
      this.blocks.endLine(this.line.text);
      this.line = this.newLine();
      this.searchFrom = 0;
      if (rest === "") return undefined;
    }
  }

  private scanLine(complete: boolean): FoundOpen | undefined {
    for (;;) {
      const found = this.nextTag();
      if (found === undefined) {
        this.searchFrom = Math.max(this.searchFrom, this.line.unnotedFrom); // a tag the next pieces complete is noted then
        return undefined;
      }
      const { at, spelling } = found;
      const kind = tagKindAt(this.line, { at, loose: false }, complete);
      if (kind === "unknown") {
        this.searchFrom = at;
        return undefined;
      }
      if (kind === "real") return { spelling, after: this.line.slice(at + spelling.open.length) };
      this.searchFrom = at + spelling.open.length;
    }
  }

  /** The first opening tag of any spelling in the line from `searchFrom` (the line notes each as it streams). */
  private nextTag(): { at: number; spelling: TagSpelling } | undefined {
    let first: { at: number; spelling: TagSpelling } | undefined;
    for (const spelling of TAG_SPELLINGS) {
      const at = this.line.nextOccurrence(spelling.open, this.searchFrom);
      if (at >= 0 && (!first || at < first.at)) first = { at, spelling };
    }
    return first;
  }

  private newLine(): StreamedLine {
    return new StreamedLine(this.blocks, TAG_SPELLINGS.map((spelling) => spelling.open));
  }
}

/**
 * A reasoning model's held output in which a real `<think>` (at `openAt`) came after a `</think>` in a
 * fence that may have been the real close: at the end, the reading in which the `<think>` opens a
 * block (the text before it the answer's, as written) wins over the close's reading (`close`) unless
 * it is less well formed — counting each part's lines written inside a fence to open one, or cut off
 * by their quote's end, and a fence the answer leaves open. Returns where that block ends (in the text
 * after the `<think>`), or undefined when the close's reading wins or the block never ends.
 */
export function weighOpen(held: string, open: { at: number; spelling: TagSpelling }, close: CloseScan): CloseScan | undefined {
  const openAt = open.at;
  const rest = held.slice(openAt + open.spelling.open.length);
  const finder = new ClosingTagFinder("middle", [open.spelling]);
  const pushed = finder.push(rest);
  const block = pushed.after !== undefined ? pushed : finder.finish();
  if (block.after === undefined) return undefined;
  const reasoning = rest.slice(0, rest.length - block.after.length - (block.tag ?? "").length);
  const opened = formDefects(held.slice(0, openAt)) + readMarkdown(reasoning).defects + formDefects(block.after);
  return opened <= closeReadingDefects(held, close) ? block : undefined;
}

/** The close's reading: the reasoning's misread lines and the answer's defects, or all of it as the answer. */
function closeReadingDefects(held: string, close: CloseScan): number {
  if (close.after === undefined) return formDefects(held);
  const end = held.length - close.after.length - (close.tag ?? "").length;
  return readMarkdown(held.slice(0, end)).defects + formDefects(close.after);
}

function formDefects(text: string): number {
  const blocks = readMarkdown(text);
  return blocks.defects + (blocks.fenceOpen ? 1 : 0);
}
