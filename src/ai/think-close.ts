import { MarkdownBlocks } from "../shared/markdown-blocks.js";
import { findTag, type Found, type FoundTag } from "./think-close-search.js";
import { addCandidate, heldLineEnded, holdText, isFenceLine } from "./think-held.js";
import { bestReading, type Held } from "./think-readings.js";
import { StreamedLine } from "./think-line.js";
import { tagKindAt, type TagKind } from "./think-tag-kind.js";
import { closeStart, THINK_TAGS, type TagSpelling } from "./think-spellings.js";

/**
 * Finds the `</think>` that really ends a reasoning block, in text streamed from where the reasoning
 * began, and passes over the tag where it is written as words. Every spelling of `think-spellings.ts`
 * is read alike (`</seed:think>`, `[/THINK]`, `</thinking>`): a block a tag opened ends only with its
 * own spelling's close, and a reasoning model's held text with the first real close of any spelling.
 * What is said of `</think>` here holds for each: a model explaining the tags writes
 * them as Markdown code, and a mention is words wherever Markdown would show it literally
 * (`shared/markdown-blocks.ts` reads the blocks as CommonMark does):
 * - inside an inline code span on its line (`` `</think>` ``, `` `<think>…</think>` ``, ``` ``</think>`` ```);
 * - inside a fenced code block (``` or ~~~), also one in a list item, or in a block quote (where the
 *   tag follows a `>` that a real one never follows: never a fenced candidate, see below);
 * - inside an indented code block (four columns in, after a blank line), or a raw HTML block (`<pre>`);
 * - escaped with a backslash (`\</think>`);
 * - behind a quote's `>` anywhere on its line, or right after a list item's marker (`- </think>`);
 * - loose, with spaces or tabs before `>` (`</think >`: no template emits it);
 * - in reasoning opened by `<think>`, closing a `<think>` written bare inside it (a nested block).
 * Why a real tag is never taken for words: models are trained to write it bare, as the template's
 * own token — on its own line (`<think>\n…\n</think>\n\n`: Qwen3, QwQ, DeepSeek-R1, MiniMax M2;
 * llama.cpp appends `</think>\n\n` to a prompt ending in `<think>\n` to switch reasoning off) or
 * right after the reasoning's last words (`…</think>answer`: DeepSeek V3.2, GLM 4.5) — never right
 * after a backslash, never as code. A tag at the start of a line cannot be inside an inline span;
 * after other words on its line it is taken for code only when a backtick run left open before it is
 * closed by one after it on the same line.
 * A fence the reasoning opens and never closes must not hide a real tag. The first tag inside a fence
 * is a candidate: it and everything after it are held to the end of the output. If the fence never
 * closes, a candidate was the real tag. If it closes, the next real tag after it, or the first tag in
 * the next fence (another candidate), may be the real one instead. At the end every reading is
 * weighed — each candidate taken for the real tag (all after it is the answer, read as Markdown on its
 * own), the real tag after the last closed fence, or none — over the whole held output, and the one
 * whose Markdown is best formed wins. Against a reading count: a fence left open at the end, or cut
 * off by its quote's end; a line inside a fence written to open one (```` ```js ```` or ```` - ``` ````
 * inside a ``` block: a model that believed no fence was open); a `<think>` block that never ends. On
 * a tie the later reading wins (the tag was code, as Markdown reads it) unless it leaves no answer at
 * all: no answer word is lost to a guess. Tags written as words (the list above) are fallback
 * candidates: from the first one on, the output is held too, until a real tag settles it (at once when
 * only fallbacks are held) or the end; when the reading chosen then leaves no answer, the best formed
 * reading that takes a tag for the close wins (a fallback counts one defect against its reading; on a
 * tie the earliest, which keeps more words), so a `<think>` never swallows a whole answer. A tag in a
 * fence that closes later is never taken for the close where that would start the answer inside the
 * fence's remainder (its closing line, or a line of the remainder, opening a fence in the answer that
 * is then left open, cut off or misread): that reading ends the reasoning after the fence's closing
 * line instead, the fence whole in the reasoning (`think-readings.ts`), unless no answer would follow.
 * At most `MAX_CANDIDATES` are weighed; later tags are words.
 * Nothing is ever given out and taken back: text is given out only once no tag can change what it is.
 */
export interface CloseScan {
  /** Text known to come before the real closing tag (the reasoning, or the answer if none comes). */
  before: string;
  /** Once the real closing tag was found: everything after it. */
  after?: string;
  /** With `after`: the closing tag as written (`</think>`, or `</think >` taken for want of any other). */
  tag?: string;
}

/** At most this many tags are weighed as the possible real one (each reads the rest of the output). */
const MAX_CANDIDATES = 8;

/**
 * Where the reasoning began: "start", at a `<think>` that opens the output (a reading in which it
 * never ends leaves no answer); "middle", at a `<think>` after answer text (a reading in which it never
 * ends leaves the tag a word of the answer); "none", at the output's start with no tag (a reasoning
 * model's held text, ended by an orphan `</think>`). After a `<think>`, a bare `<think>` inside the
 * reasoning opens a nested block whose `</think>` is words.
 */
export type ReasoningStart = "start" | "middle" | "none";

/**
 * Each piece streamed costs time in proportion to the piece, however long its line grows: the line is
 * a StreamedLine, read from where the finder still looks; a tag whose kind the rest of its line decides,
 * or a loose tag's spaces still arriving, is asked about again without searching the line again.
 */
export class ClosingTagFinder {
  private readonly blocks = new MarkdownBlocks();
  /** The current line so far, with its newline once complete: what comes before a tag on it is context. */
  private line: StreamedLine;
  /** How much of `line` was given out. */
  private settled = 0;
  /** Where in `line` the next tag is looked for: tags before it were words. */
  private searchFrom = 0;
  private held: Held | undefined;
  /** Bare `<think>` tags inside the reasoning not closed yet: the next real-looking `</think>` closes one. */
  private depth = 0;
  /** Where in `line` the next `<think>` is looked for. */
  private openFrom = 0;
  /** Where `line` starts in the text streamed to the finder. */
  private lineStart = 0;
  private readonly longestStart: number;
  /** The first tag from `searchFrom`, found while what follows it on its line decides its kind. */
  private waiting: FoundTag | undefined;
  /** Where a loose tag may still be arriving from, while only spaces or tabs follow its start. */
  private pending: { at: number; blankFrom: number } | undefined;

  /**
   * `spellings`: the closing tags that end the reasoning — the opening tag's own spelling after a tag
   * ("start", "middle"), any spelling for a reasoning model's held text ("none").
   */
  constructor(
    private readonly start: ReasoningStart,
    private readonly spellings: readonly TagSpelling[] = [THINK_TAGS],
  ) {
    this.longestStart = Math.max(...spellings.map((spelling) => closeStart(spelling).length));
    this.line = this.newLine();
  }

  /**
   * While the output is held: where the first tag is, in the text streamed to the finder, that a
   * reading takes for the real one unless none leaves an answer (a fenced candidate, or a real tag
   * weighed against them) — not a fallback, a tag written as words.
   */
  get closeWeighedAt(): number | undefined {
    const held = this.held;
    if (!held) return undefined;
    const at = held.candidates.find((candidate) => !candidate.fallback)?.at ?? held.closeAt;
    return at === undefined ? undefined : held.from + at;
  }

  /**
   * While the output is held: where the real tag is, in the text streamed to the finder, that came
   * after the fence of the last fenced candidate closed. Every reading then ends the reasoning at or
   * before it, so nothing after it opens reasoning again.
   */
  get realCloseAt(): number | undefined {
    const held = this.held;
    return held?.closeAt === undefined ? undefined : held.from + held.closeAt;
  }

  /** A bare `<think>` inside reasoning that a `<think>` opened opens a nested block. */
  private get nests(): boolean {
    return this.start !== "none";
  }

  push(delta: string): CloseScan {
    let before = "";
    let rest = delta;
    for (;;) {
      const newline = rest.indexOf("\n");
      const complete = newline >= 0;
      const piece = complete ? rest.slice(0, newline + 1) : rest;
      rest = complete ? rest.slice(newline + 1) : "";
      this.line.append(piece);
      if (this.held) holdText(this.held, piece);
      const step = this.scanLine(complete);
      before += step.before;
      if (step.after !== undefined) return { before, after: step.after + rest, tag: step.tag };
      if (!complete) {
        this.line.forgetBefore(this.lookingFrom());
        return { before };
      }
      this.nextLine();
      if (rest === "") return { before };
    }
  }

  /** The output ended: the last line is complete, and held candidates are weighed. */
  finish(): CloseScan {
    const step = this.scanLine(true);
    if (step.after !== undefined) return step;
    const held = this.held;
    if (!held) return { before: step.before + this.line.slice(this.settled) };
    if (this.line.length > 0) this.nextLine(); // takes in the last line, in every reading
    const reading = bestReading(held, { opened: this.start === "start", blocks: this.blocks });
    if (reading.close === undefined) return { before: step.before + held.text };
    const end = reading.close + reading.length;
    return { before: step.before + held.text.slice(0, reading.close), after: held.text.slice(end), tag: held.text.slice(reading.close, end) };
  }

  private scanLine(complete: boolean): CloseScan {
    if (this.held) return this.scanHeld(this.held, complete) ?? { before: "" };
    const found = this.nextTag(complete);
    if (found === undefined) return this.settleTo(this.line.length);
    if ("pending" in found) return this.settleTo(found.at);
    const kind = this.tagKind(found, complete);
    if (kind === "unknown") {
      this.waiting = found;
      return this.settleTo(found.at);
    }
    const end = found.at + found.length;
    if (kind === "real") return { before: this.line.slice(this.settled, found.at), after: this.line.slice(end), tag: this.line.slice(found.at, end) };
    const step = this.settleTo(found.at);
    this.held = { from: this.lineStart + found.at, text: this.line.slice(found.at), candidates: [], defectsAtStart: this.blocks.defects, fenceClosed: kind === "words" };
    this.addCandidate(this.held, found, kind === "words");
    this.searchFrom = end;
    const settled = this.scanHeld(this.held, complete);
    return settled ? { ...settled, before: step.before + settled.before } : step;
  }

  /**
   * Reads on where the held tags were not real: the next real tag (which settles the output at once
   * when only fallback candidates are held), or the next candidate.
   */
  private scanHeld(held: Held, complete: boolean): CloseScan | undefined {
    if (held.closeAt !== undefined) return undefined;
    for (;;) {
      const found = this.nextTag(complete);
      if (found === undefined) {
        if (!complete) this.searchFrom = this.line.length; // not even part of a tag ends the line: none starts before its end
        return undefined;
      }
      if ("pending" in found) {
        this.searchFrom = Math.max(this.searchFrom, found.at); // none before it is a tag
        return undefined;
      }
      const kind = this.tagKind(found, complete);
      if (kind === "unknown") {
        this.waiting = found;
        this.searchFrom = found.at; // the first tag from where it looked
        return undefined;
      }
      const end = found.at + found.length;
      this.searchFrom = end;
      if (!held.fenceClosed) continue; // inside the fence of the last fenced candidate, which keeps more words
      if (kind === "real") {
        if (held.candidates.some((candidate) => !candidate.fallback)) {
          held.closeAt = this.inHeld(held, found.at);
          held.closeLength = found.length;
          return undefined;
        }
        this.held = undefined;
        return { before: held.text.slice(0, this.inHeld(held, found.at)), after: this.line.slice(end), tag: this.line.slice(found.at, end) };
      }
      if (held.candidates.length < MAX_CANDIDATES) {
        this.addCandidate(held, found, kind === "words");
        if (kind === "fenced") held.fenceClosed = false;
      }
    }
  }

  /**
   * The first tag from `searchFrom`, or where one may be arriving. A tag waiting for its line to decide
   * its kind is that tag still, and a loose one's start with only spaces or tabs after it still may be
   * arriving: neither is searched for again.
   */
  private nextTag(complete: boolean): Found | undefined {
    const waiting = this.waiting;
    this.waiting = undefined;
    if (waiting) return waiting;
    const pending = this.pending;
    this.pending = undefined;
    if (pending && !complete && this.line.blankAfter(pending.blankFrom)) {
      this.pending = pending;
      return { at: pending.at, pending: true };
    }
    const found = findTag(this.line, this.searchFrom, { complete, spellings: this.spellings });
    if (found && "pending" in found && found.blankFrom !== undefined) this.pending = { at: found.at, blankFrom: found.blankFrom };
    return found;
  }

  /**
   * Where in the line the finder may still look: what comes before it is forgotten. A partial tag is
   * read at the line's end (even before where tags are looked for): its last characters are kept.
   */
  private lookingFrom(): number {
    const held = this.held;
    const looking = !held ? this.settled : held.closeAt === undefined ? this.searchFrom : this.line.length;
    return Math.min(looking, this.line.length - (this.longestStart - 1));
  }

  private addCandidate(held: Held, tag: { at: number; length: number }, fallback: boolean): void {
    addCandidate(held, { at: this.inHeld(held, tag.at), length: tag.length, fallback, defectsBefore: this.blocks.defects, answerLine: fallback ? "" : this.line.slice(tag.at + tag.length) });
  }

  /** Where `line[at]` is in the held text. */
  private inHeld(held: Held, at: number): number {
    return held.text.length - (this.line.length - at);
  }

  /** What a closing tag is, once the bare `<think>` tags before it on its line are counted. */
  private tagKind(tag: { at: number; loose: boolean }, complete: boolean): TagKind {
    if (this.nests && this.countOpens(tag.at, complete) === "unknown") return "unknown";
    const kind = tagKindAt(this.line, tag, complete);
    if (kind !== "real" || this.depth === 0) return kind;
    this.depth--;
    return "words"; // it closes a nested block
  }

  /** Counts the bare `<think>` tags in the line before `end` (the line notes where each is as it streams). */
  private countOpens(end: number, complete: boolean): "unknown" | undefined {
    const open = this.openTag;
    for (;;) {
      const at = this.line.nextOccurrence(open, this.openFrom);
      if (at < 0 || at + open.length > end) return undefined;
      const kind = tagKindAt(this.line, { at, loose: false }, complete);
      if (kind === "unknown") return "unknown";
      if (kind === "real") this.depth++;
      this.openFrom = at + open.length;
    }
  }

  private settleTo(end: number): CloseScan {
    const before = this.line.slice(this.settled, Math.max(end, this.settled));
    this.settled = Math.max(end, this.settled);
    if (this.searchFrom < this.settled) this.searchFrom = this.settled;
    return { before };
  }

  private nextLine(): void {
    const held = this.held;
    if (this.nests) this.countOpens(this.line.length, true);
    this.openFrom = 0;
    const text = this.line.text;
    const fenced = held?.candidates.some((candidate) => candidate.inFence === undefined) ? isFenceLine(this.blocks.classify(text, true)) : false;
    this.blocks.endLine(text);
    if (held) heldLineEnded(held, { lineLength: this.line.length, fenced, blocks: this.blocks });
    this.lineStart += this.line.length;
    this.line = this.newLine();
    this.settled = 0;
    this.searchFrom = 0;
    this.waiting = undefined;
    this.pending = undefined;
  }

  /** The line notes where each closing tag's start occurs, and the opening tag that nests. */
  private newLine(): StreamedLine {
    const starts = this.spellings.map(closeStart);
    return new StreamedLine(this.blocks, this.nests ? [...starts, this.openTag] : starts);
  }

  /** After a tag, the one spelling it opened: a bare one inside the reasoning nests. */
  private get openTag(): string {
    return (this.spellings[0] ?? THINK_TAGS).open;
  }
}
