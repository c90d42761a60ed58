import { closesFence, fenceOpenedBy, lineSpans, type Fence } from "./markdown-code.js";

/**
 * Which lines Markdown shows as code, read line by line as CommonMark reads blocks: container blocks
 * (block quotes `>`, list items `-`/`+`/`*`/`1.`/`1)` with their content column) hold fenced code
 * blocks (``` or ~~~) and indented code blocks (four columns past the container's content, after a
 * blank line or another block, never inside a paragraph). Lenient where models are sloppy, so that a
 * fence is never missed: a fence line opens or closes at any indentation, and a fence opened in a list
 * item keeps its lines however little they are indented (only a block quote that ends closes it).
 * Also counts signs that the text was not written as it reads ("defects"): a line inside a fence that
 * would close it but for an info string (```` ```js ```` inside a ``` block: written by someone who
 * believed no fence was open), and a fence that its block quote's end cut off before its closing line.
 */
/**
 * "quoted-fence": inside a fenced block held by a block quote, where every line starts with `>`.
 * "html": a line of an HTML block whose text is raw (`<pre>`, `<script>`, `<style>`, `<textarea>`, up
 * to the line holding its closing tag), as CommonMark's HTML block of type 1.
 */
export type LineKind = "text" | "fence" | "quoted-fence" | "indented" | "opener" | "html";

/**
 * A line as read: its kind, whether it is a block quote's line (it carries a `>` marker), and where
 * its content starts past the last container marker written on it (a `>` or a list item's marker; -1
 * when it carries none).
 */
export interface LineRead {
  kind: LineKind;
  quoted: boolean;
  afterMarker: number;
}

/** The read of a paragraph's line outside any container: the fast path. */
const PLAIN_LINE: LineRead = Object.freeze({ kind: "text", quoted: false, afterMarker: -1 });

type Container = { kind: "quote" } | { kind: "item"; indent: number };

interface State {
  depth: number;
  fence: { fence: Fence; depth: number } | undefined;
  /** The container depth of an open raw HTML block. */
  htmlDepth: number | undefined;
  indentedDepth: number | undefined;
  paragraph: boolean;
  /** The line carries a `>` marker. */
  quoted: boolean;
  /** Where its content starts past the last marker on it; -1: none. */
  afterMarker: number;
}

const FENCE_RUN = /^(`{3,}|~{3,})/;
const LIST_MARKER = /^(?:[-+*]|\d{1,9}[.)])(?=[ \t]|$)/;
const HEADING = /^#{1,6}(?:[ \t]|$)/;
const RAW_HTML_START = /^<(?:pre|script|style|textarea)(?:[ \t>]|$)/i;
const RAW_HTML_END = /<\/(?:pre|script|style|textarea)>/i;
/** The first characters of a line that may start something other than a paragraph's words. */
const BLOCK_STARTS = " \t>-+*`~#0123456789<";

export class MarkdownBlocks {
  private containers: Container[] = [];
  private fence: { fence: Fence; depth: number } | undefined;
  private htmlDepth: number | undefined;
  private indentedDepth: number | undefined;
  private paragraph = false;
  /** Lines read inside a fence that were written to open one, and fences cut off by their quote's end. */
  defects = 0;

  get fenceOpen(): boolean {
    return this.fence !== undefined;
  }

  /**
   * What the current line (complete, or its start so far) is, without taking it in. For a line still
   * arriving, "opener" means it may open a fence (decided once complete); a tag's own `<` ends every
   * marker, so the kind of a line cut right after a tag never changes as the line goes on.
   */
  classify(line: string, complete: boolean): LineKind {
    return this.read(stripNewline(line), complete, false).kind;
  }

  /** Like `classify`, with where the line's container markers are. */
  classifyLine(line: string, complete: boolean): LineRead {
    return this.read(stripNewline(line), complete, false);
  }

  /** Takes in a complete line. */
  endLine(line: string): void {
    this.read(stripNewline(line), true, true);
  }

  private read(text: string, complete: boolean, commit: boolean): LineRead {
    if (this.containers.length === 0 && !this.fence && this.htmlDepth === undefined && this.indentedDepth === undefined && text !== "" && !BLOCK_STARTS.includes(text[0] as string)) {
      if (commit) this.paragraph = true; // most lines: a paragraph's words (the fast path the splitter takes per line)
      return PLAIN_LINE;
    }
    const state: State = { depth: 0, fence: this.fence, htmlDepth: this.htmlDepth, indentedDepth: this.indentedDepth, paragraph: this.paragraph, quoted: false, afterMarker: -1 };
    const containers = commit ? this.containers : [...this.containers];
    let at: Position = { index: 0, column: 0 };
    for (; state.depth < containers.length; state.depth++) {
      const container = containers[state.depth] as Container;
      if (container.kind === "quote") {
        const next = quoteMarker(text, at);
        if (!next) break;
        at = next;
        state.quoted = true;
        state.afterMarker = next.index;
      } else {
        const indent = whitespace(text, at);
        const fenceInside = state.fence !== undefined && state.fence.depth > state.depth;
        if (!fenceInside && indent.index < text.length && indent.column - at.column < container.indent) break;
        at = skipColumns(text, at, container.indent);
      }
    }
    if (state.depth < containers.length) {
      const rest = text.slice(whitespace(text, at).index);
      const lazy = state.paragraph && !state.fence && state.htmlDepth === undefined && rest !== "" && !rest.startsWith(">") && !LIST_MARKER.test(rest) && !FENCE_RUN.test(rest);
      if (lazy) return { kind: "text", quoted: state.quoted, afterMarker: state.afterMarker };
      containers.length = state.depth;
      if (state.fence && state.fence.depth > state.depth) {
        state.fence = undefined;
        if (commit) this.defects++;
      }
      if (state.indentedDepth !== undefined && state.indentedDepth > state.depth) state.indentedDepth = undefined;
      if (state.htmlDepth !== undefined && state.htmlDepth > state.depth) state.htmlDepth = undefined;
      state.paragraph = false;
    }
    const kind = this.leaf(text, at, { state, containers, complete, commit });
    if (commit) {
      this.fence = state.fence;
      this.htmlDepth = state.htmlDepth;
      this.indentedDepth = state.indentedDepth;
      this.paragraph = state.paragraph;
    }
    return { kind, quoted: state.quoted, afterMarker: state.afterMarker };
  }

  private leaf(text: string, start: Position, context: { state: State; containers: Container[]; complete: boolean; commit: boolean }): LineKind {
    const { state, containers, complete, commit } = context;
    let at = start;
    if (state.fence) {
      const rest = text.slice(at.index);
      if (complete && closesFence(rest, state.fence.fence)) state.fence = undefined;
      else if (complete && commit && misread(rest, state.fence.fence)) this.defects++;
      const depth = state.fence?.depth ?? containers.length;
      return containers.slice(0, depth).some((container) => container.kind === "quote") ? "quoted-fence" : "fence";
    }
    if (state.htmlDepth !== undefined) {
      if (complete && RAW_HTML_END.test(text.slice(at.index))) state.htmlDepth = undefined;
      return "html";
    }
    if (state.indentedDepth !== undefined) {
      const indent = whitespace(text, at);
      if (indent.index === text.length || indent.column - at.column >= 4) return "indented";
      state.indentedDepth = undefined;
    }
    for (;;) {
      const indent = whitespace(text, at);
      if (indent.column - at.column >= 4) break;
      const rest = text.slice(indent.index);
      if (rest.startsWith(">")) {
        containers.push({ kind: "quote" });
        at = skipColumns(text, { index: indent.index + 1, column: indent.column + 1 }, 1);
        state.quoted = true;
      } else {
        const marker = LIST_MARKER.exec(rest);
        if (!marker || (state.paragraph && rest.slice(marker[0].length).trim() === "")) break;
        const afterMarker = { index: indent.index + marker[0].length, column: indent.column + marker[0].length };
        const spaced = whitespace(text, afterMarker);
        const spaces = spaced.index === text.length || spaced.column - afterMarker.column > 4 ? 1 : spaced.column - afterMarker.column;
        containers.push({ kind: "item", indent: afterMarker.column + spaces - at.column });
        at = skipColumns(text, afterMarker, spaces);
      }
      state.afterMarker = at.index;
      state.depth = containers.length;
      state.paragraph = false;
    }
    const indent = whitespace(text, at);
    const rest = text.slice(indent.index);
    if (rest === "") {
      state.paragraph = false;
      return "text";
    }
    if (FENCE_RUN.test(rest)) {
      if (!complete) return "opener";
      const fence = fenceOpenedBy(rest);
      if (fence) {
        state.fence = { fence, depth: state.depth };
        state.paragraph = false;
        return "opener";
      }
    }
    if (indent.column - at.column < 4 && RAW_HTML_START.test(rest)) {
      state.htmlDepth = complete && RAW_HTML_END.test(rest) ? undefined : state.depth;
      state.paragraph = false;
      return "html";
    }
    if (indent.column - at.column >= 4 && !state.paragraph) {
      state.indentedDepth = state.depth;
      return "indented";
    }
    state.paragraph = !HEADING.test(rest);
    return "text";
  }
}

/**
 * The parts of a complete text Markdown shows as code: inline spans, indented code blocks, and fenced
 * blocks that end (at their closing line, or where the quote or list item holding them ends). A fence
 * left open at the end is not trusted: it may be a server's leftover, not the answer's code.
 */
export function codeRanges(text: string): { start: number; end: number }[] {
  const ranges: { start: number; end: number }[] = [];
  const blocks = new MarkdownBlocks();
  let fenceStart: number | undefined;
  let lineStart = 0;
  while (lineStart <= text.length) {
    const newline = text.indexOf("\n", lineStart);
    const lineEnd = newline < 0 ? text.length : newline;
    const line = text.slice(lineStart, lineEnd);
    const kind = blocks.classify(line, true);
    const inFence = kind === "fence" || kind === "quoted-fence";
    if (fenceStart !== undefined && !inFence) {
      ranges.push({ start: fenceStart, end: Math.max(fenceStart, lineStart - 1) }); // ended with its container
      fenceStart = undefined;
    }
    blocks.endLine(line);
    if (kind === "opener") fenceStart = lineStart;
    else if (inFence && !blocks.fenceOpen && fenceStart !== undefined) {
      ranges.push({ start: fenceStart, end: lineEnd });
      fenceStart = undefined;
    } else if (kind === "indented" && line.trim() !== "") ranges.push({ start: lineStart, end: lineEnd });
    else if (kind === "text") for (const span of lineSpans(line)) ranges.push({ start: lineStart + span.start, end: lineStart + span.end });
    if (newline < 0) break;
    lineStart = newline + 1;
  }
  return ranges;
}

/** `text` read as Markdown on its own, line by line: its defects, and whether a fence is left open at its end. */
export function readMarkdown(text: string): MarkdownBlocks {
  const blocks = new MarkdownBlocks();
  for (let start = 0; start < text.length; ) {
    const newline = text.indexOf("\n", start);
    const end = newline < 0 ? text.length : newline + 1;
    blocks.endLine(text.slice(start, end));
    start = end;
  }
  return blocks;
}

interface Position {
  index: number;
  column: number;
}

function stripNewline(line: string): string {
  return line.endsWith("\n") ? line.slice(0, line.endsWith("\r\n") ? -2 : -1) : line;
}

/** Spaces and tabs from `at` (a tab stops at the next multiple of four columns). */
function whitespace(text: string, at: Position): Position {
  let { index, column } = at;
  for (;;) {
    const char = text[index];
    if (char === " ") column++;
    else if (char === "\t") column += 4 - (column % 4);
    else return { index, column };
    index++;
  }
}

/** Skips up to `columns` columns of whitespace. */
function skipColumns(text: string, at: Position, columns: number): Position {
  let { index, column } = at;
  const end = at.column + columns;
  while (column < end) {
    const char = text[index];
    if (char === " ") column++;
    else if (char === "\t") column += 4 - (column % 4);
    else break;
    index++;
  }
  return { index, column };
}

/** A block quote marker continuing a quote: up to three spaces, `>`, and one optional space. */
function quoteMarker(text: string, at: Position): Position | undefined {
  const indent = whitespace(text, at);
  if (indent.column - at.column > 3 || text[indent.index] !== ">") return undefined;
  return skipColumns(text, { index: indent.index + 1, column: indent.column + 1 }, 1);
}

/**
 * A line inside `fence` written to open a new one: a run that would close it but for the info string
 * after it (```` ```js ````), or such a run behind a list item or quote marker (```` - ``` ````).
 */
function misread(line: string, fence: Fence): boolean {
  const match = /^[ \t]*((?:(?:[-+*]|\d{1,9}[.)])[ \t]+|>[ \t]?)*)(`{3,}|~{3,})([ \t]*[^\s`~])?/.exec(line);
  const run = match?.[2];
  if (run === undefined || run[0] !== fence.marker || run.length < fence.length) return false;
  return match?.[1] !== "" || match[3] !== undefined;
}
