import type { LineRead, MarkdownBlocks } from "../shared/markdown-blocks.js";
import { StreamedCodeSpans } from "../shared/markdown-code.js";

/** What the line's blocks say of it (`MarkdownBlocks.classifyLine`), and where its content starts past its last marker. */
export interface LineShape extends LineRead {
  /** The first character past `afterMarker` that is not whitespace (none yet: the line's length). */
  contentAt: number;
}

/**
 * The current line of streamed text, kept so that each piece costs time in proportion to the piece
 * however long the line grows (a model writing minified JSON or a base64 blob on one line): a tag
 * finder reads only the line's recent text — from where it still looks (`forgetBefore`) — and learns
 * what it needs of the rest as it arrives: where each of `needles` (the tags it looks for) occurs,
 * and for a tag's kind the line's backslash runs and inline code spans. The whole line is read once
 * for its blocks' shape and once more when it is complete, never per piece.
 */
export class StreamedLine {
  /** Characters of the line so far, its newline included once complete. */
  length = 0;
  private whole = "";
  /** The line from `windowFrom` on. */
  private window = "";
  private windowFrom = 0;
  /** The line's last characters, enough to find a needle a piece completes. */
  private carry = "";
  private readonly longestNeedle: number;
  /** Where each needle occurs in the line so far, in order. */
  private readonly found = new Map<string, number[]>();
  private readonly spans = new StreamedCodeSpans();
  /** The length of each run of backslashes, by where it ends. */
  private readonly backslashRuns = new Map<number, number>();
  private backslashRun: { start: number; length: number } | undefined;
  /** Where the spaces and tabs that end the line so far begin. */
  private blankFrom = 0;
  private partialShape: LineShape | undefined;
  private completeShape: LineShape | undefined;

  /** `needles`: strings whose every occurrence is noted as the line streams (`nextOccurrence`). */
  constructor(
    private readonly blocks: MarkdownBlocks,
    needles: readonly string[] = [],
  ) {
    for (const needle of needles) this.found.set(needle, []);
    this.longestNeedle = Math.max(0, ...needles.map((needle) => needle.length));
  }

  append(piece: string): void {
    if (piece === "") return;
    const start = this.length;
    this.whole += piece;
    this.window += piece;
    this.length += piece.length;
    this.completeShape = undefined;
    this.spans.append(piece);
    this.noteBackslashes(piece, start);
    this.noteBlank(piece, start);
    this.noteNeedles(piece, start);
  }

  /** The whole line: read once it is complete (or for its shape), never per piece. */
  get text(): string {
    return this.whole;
  }

  /** Text of the line from `start` (not before the part still looked at) to `end`. */
  slice(start: number, end: number = this.length): string {
    return this.window.slice(this.inWindow(start), Math.max(0, end - this.windowFrom));
  }

  charAt(index: number): string {
    return index < this.windowFrom ? "" : (this.window[index - this.windowFrom] ?? "");
  }

  /** Nothing before `position` is looked at again (a slice or search from before it would be wrong). */
  forgetBefore(position: number): void {
    const drop = Math.min(position, this.length) - this.windowFrom;
    if (drop <= 0) return;
    this.window = this.window.slice(drop);
    this.windowFrom += drop;
  }

  /** Whether the line from `from` to its end so far is spaces and tabs only. */
  blankAfter(from: number): boolean {
    return this.blankFrom <= from;
  }

  /** Where an occurrence of a needle not noted yet may start: the next pieces may complete one begun before the end. */
  get unnotedFrom(): number {
    return Math.max(0, this.length - (this.longestNeedle - 1));
  }

  /** Where `needle` (one the line was made to note) first occurs from `from` on, or -1: found without reading the line. */
  nextOccurrence(needle: string, from: number): number {
    const found = this.found.get(needle);
    if (!found) throw new Error(`think-line: "${needle}" is not a needle this line notes`);
    let low = 0;
    let high = found.length;
    while (low < high) {
      const middle = (low + high) >> 1;
      if ((found[middle] as number) < from) low = middle + 1;
      else high = middle;
    }
    return found[low] ?? -1;
  }

  /** An odd number of backslashes right before `at`. */
  escapedAt(at: number): boolean {
    return (this.backslashRuns.get(at) ?? 0) % 2 === 1;
  }

  /** Whether `at` lies inside an inline code span ("unknown" while the rest of the line decides). */
  codeSpanAt(at: number, complete: boolean): "inside" | "outside" | "unknown" {
    return this.spans.at(at, complete);
  }

  /**
   * The line's shape as its blocks read it. While the line is incomplete it is read when a tag on it is
   * first asked about, and kept: a tag's own first character ends every container marker, so what the
   * start of a line cut after a tag reads as never changes as the line goes on.
   */
  shape(complete: boolean): LineShape {
    const kept = complete ? this.completeShape : this.partialShape;
    if (kept) return kept;
    const text = this.whole;
    const read = this.blocks.classifyLine(text, complete);
    const content = read.afterMarker < 0 ? -1 : text.slice(read.afterMarker).search(/\S/);
    const shape: LineShape = { ...read, contentAt: content < 0 ? text.length : read.afterMarker + content };
    if (complete) this.completeShape = shape;
    else if (content >= 0 || read.afterMarker < 0) this.partialShape = shape;
    return shape;
  }

  private inWindow(position: number): number {
    if (position < this.windowFrom) throw new Error(`think-line: position ${position} of the line was forgotten (kept from ${this.windowFrom})`);
    return position - this.windowFrom;
  }

  private noteBackslashes(piece: string, start: number): void {
    let index = 0;
    while (index < piece.length) {
      const slash = piece.indexOf("\\", index);
      if (slash !== index && this.backslashRun) {
        this.backslashRuns.set(this.backslashRun.start + this.backslashRun.length, this.backslashRun.length);
        this.backslashRun = undefined;
      }
      if (slash < 0) break;
      let end = slash;
      while (piece[end] === "\\") end++;
      if (this.backslashRun) this.backslashRun.length += end - slash;
      else this.backslashRun = { start: start + slash, length: end - slash };
      index = end;
    }
  }

  private noteBlank(piece: string, start: number): void {
    let end = piece.length;
    while (end > 0 && (piece[end - 1] === " " || piece[end - 1] === "\t")) end--;
    if (end > 0) this.blankFrom = start + end;
  }

  private noteNeedles(piece: string, start: number): void {
    if (this.found.size === 0) return;
    const text = this.carry + piece;
    const textStart = start - this.carry.length;
    for (const [needle, found] of this.found) {
      for (let at = text.indexOf(needle); at >= 0; at = text.indexOf(needle, at + 1)) {
        if (at + needle.length > this.carry.length) found.push(textStart + at); // not one found with the pieces before
      }
    }
    this.carry = text.slice(Math.max(0, text.length - (this.longestNeedle - 1)));
  }
}
