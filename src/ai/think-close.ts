import { MarkdownBlocks } from "../shared/markdown-blocks.js";
import { insideCodeSpan } from "../shared/markdown-code.js";

/**
 * Finds the `</think>` that really ends a reasoning block, in text streamed from where the reasoning
 * began, and passes over the tag where it is written as words: a model explaining the tags writes
 * them as Markdown code, and a mention is words wherever Markdown would show it literally
 * (`shared/markdown-blocks.ts` reads the blocks as CommonMark does):
 * - inside an inline code span on its line (`` `</think>` ``, `` `<think>…</think>` ``, ``` ``</think>`` ```);
 * - inside a fenced code block (``` or ~~~), also one in a list item, or in a block quote (where the
 *   tag follows a `>` that a real one never follows: never a candidate, see below);
 * - inside an indented code block (four columns in, after a blank line);
 * - escaped with a backslash (`\</think>`).
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
 * all: no answer word is lost to a guess. At most `MAX_CANDIDATES` are weighed; later fenced tags are code.
 * Nothing is ever given out and taken back: text is given out only once no tag can change what it is.
 */
export interface CloseScan {
  /** Text known to come before the real closing tag (the reasoning, or the answer if none comes). */
  before: string;
  /** Once the real closing tag was found: everything after it. */
  after?: string;
}

const CLOSE = "</think>";

/** At most this many fenced tags are weighed as the possible real one (each reads the rest of the output). */
const MAX_CANDIDATES = 8;

/** A tag inside a fenced block that may have been the real one. */
interface Candidate {
  /** Where the tag starts in `Held.text`. */
  at: number;
  /** The reading's defects (from the first candidate on) when the tag was seen. */
  defectsBefore: number;
  /** The reading where it was real: the text after it, as Markdown on its own. */
  answer: MarkdownBlocks;
  answerLine: string;
}

/** Everything from the first candidate on, held until the output ends. */
interface Held {
  text: string;
  candidates: Candidate[];
  defectsAtStart: number;
  /** Whether the fence around the last candidate has closed. */
  fenceClosed: boolean;
  /** A real tag after that fence closed. */
  closeAt?: number;
}

interface Reading {
  /** Where the reasoning's closing tag is in `Held.text`; none: it never ends. */
  close?: number;
  defects: number;
  noAnswer: boolean;
}

type TagKind = "words" | "real" | "fenced" | "unknown";

export class ClosingTagFinder {
  private readonly blocks = new MarkdownBlocks();
  /** The current line so far, with its newline once complete: what comes before a tag on it is context. */
  private line = "";
  /** How much of `line` was given out. */
  private settled = 0;
  /** Where in `line` the next tag is looked for: tags before it were words. */
  private searchFrom = 0;
  private held: Held | undefined;

  push(delta: string): CloseScan {
    let before = "";
    let rest = delta;
    for (;;) {
      const newline = rest.indexOf("\n");
      const complete = newline >= 0;
      const piece = complete ? rest.slice(0, newline + 1) : rest;
      rest = complete ? rest.slice(newline + 1) : "";
      this.line += piece;
      if (this.held) this.hold(this.held, piece);
      const step = this.scanLine(complete);
      before += step.before;
      if (step.after !== undefined) return { before, after: step.after + rest };
      if (!complete) return { before };
      this.nextLine();
      if (rest === "") return { before };
    }
  }

  /**
   * The output ended: the last line is complete, and held candidates are weighed. `opened`: the
   * reasoning began with `<think>`, so a reading in which it never ends leaves no answer.
   */
  finish(opened: boolean): CloseScan {
    const step = this.scanLine(true);
    if (step.after !== undefined) return step;
    const held = this.held;
    if (!held) return { before: step.before + this.line.slice(this.settled) };
    if (this.line !== "") this.nextLine(); // takes in the last line, in every reading
    const close = bestReading(held, { opened, blocks: this.blocks }).close;
    if (close === undefined) return { before: step.before + held.text };
    return { before: step.before + held.text.slice(0, close), after: held.text.slice(close + CLOSE.length) };
  }

  private scanLine(complete: boolean): CloseScan {
    if (this.held) {
      this.scanHeld(this.held, complete);
      return { before: "" };
    }
    for (;;) {
      const at = this.line.indexOf(CLOSE, this.searchFrom);
      if (at < 0) return this.settleTo(complete ? this.line.length : this.line.length - partialSuffix(this.line, CLOSE));
      const kind = this.tagKind(at, complete);
      if (kind === "unknown") return this.settleTo(at);
      if (kind === "words") {
        this.searchFrom = at + CLOSE.length;
        continue;
      }
      if (kind === "real") return { before: this.line.slice(this.settled, at), after: this.line.slice(at + CLOSE.length) };
      const step = this.settleTo(at);
      this.held = { text: this.line.slice(at), candidates: [], defectsAtStart: this.blocks.defects, fenceClosed: false };
      this.addCandidate(this.held, at);
      this.searchFrom = at + CLOSE.length;
      this.scanHeld(this.held, complete);
      return step;
    }
  }

  /** Reads on where the held tags were code: the next real tag, or the first tag in the next fence. */
  private scanHeld(held: Held, complete: boolean): void {
    if (held.closeAt !== undefined) return;
    for (;;) {
      const at = this.line.indexOf(CLOSE, this.searchFrom);
      if (at < 0) return;
      const kind = this.tagKind(at, complete);
      if (kind === "unknown") return;
      this.searchFrom = at + CLOSE.length;
      if (!held.fenceClosed || kind === "words") continue;
      if (kind === "real") {
        held.closeAt = this.inHeld(held, at);
        return;
      }
      if (held.candidates.length < MAX_CANDIDATES) {
        this.addCandidate(held, at);
        held.fenceClosed = false;
      }
    }
  }

  private addCandidate(held: Held, at: number): void {
    const answer = new MarkdownBlocks();
    held.candidates.push({ at: this.inHeld(held, at), defectsBefore: this.blocks.defects, answer, answerLine: this.line.slice(at + CLOSE.length) });
  }

  /** Where `line[at]` is in the held text. */
  private inHeld(held: Held, at: number): number {
    return held.text.length - (this.line.length - at);
  }

  private tagKind(at: number, complete: boolean): TagKind {
    if (escaped(this.line, at)) return "words";
    const kind = this.blocks.classify(this.line, complete);
    if (kind === "indented" || kind === "quoted-fence") return "words"; // a real tag is never written behind `>`
    if (kind === "fence") return "fenced";
    if (kind === "opener") return complete ? "fenced" : "unknown";
    const span = insideCodeSpan(this.line, at, complete);
    if (span === "unknown") return "unknown";
    return span === "inside" ? "words" : "real";
  }

  private hold(held: Held, text: string): void {
    held.text += text;
    for (const candidate of held.candidates) {
      candidate.answerLine += text;
      if (candidate.answerLine.endsWith("\n")) {
        candidate.answer.endLine(candidate.answerLine);
        candidate.answerLine = "";
      }
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
    this.blocks.endLine(this.line);
    if (held) {
      for (const candidate of held.candidates) {
        if (candidate.answerLine !== "") {
          candidate.answer.endLine(candidate.answerLine);
          candidate.answerLine = "";
        }
      }
      if (!this.blocks.fenceOpen) held.fenceClosed = true;
    }
    this.line = "";
    this.settled = 0;
    this.searchFrom = 0;
  }
}

/**
 * The best formed reading of held output: each candidate taken for the real tag, then the real tag
 * after the last closed fence or none. Fewest defects wins; on a tie the later, unless it leaves no answer.
 */
function bestReading(held: Held, context: { opened: boolean; blocks: MarkdownBlocks }): Reading {
  const readings: Reading[] = held.candidates.map((candidate) => ({
    close: candidate.at,
    defects: candidate.defectsBefore - held.defectsAtStart + candidate.answer.defects + (candidate.answer.fenceOpen ? 1 : 0),
    noAnswer: false,
  }));
  // The held tags were code: the text is read on as it was written, to the end.
  const defects = context.blocks.defects - held.defectsAtStart + (context.blocks.fenceOpen ? 1 : 0);
  if (held.closeAt !== undefined) readings.push({ close: held.closeAt, defects, noAnswer: false });
  else if (held.fenceClosed) readings.push({ defects: defects + (context.opened ? 1 : 0), noAnswer: context.opened }); // a fence never closed hides no tag
  let best = readings[0] as Reading;
  for (const reading of readings.slice(1)) {
    if (reading.defects < best.defects || (reading.defects === best.defects && !reading.noAnswer)) best = reading;
  }
  return best;
}

/** An odd number of backslashes right before the tag escapes its `<`. */
function escaped(line: string, at: number): boolean {
  let count = 0;
  while (at - count - 1 >= 0 && line[at - count - 1] === "\\") count++;
  return count % 2 === 1;
}

/** How many characters at the end of `text` could begin `tag`. */
function partialSuffix(text: string, tag: string): number {
  for (let length = Math.min(tag.length - 1, text.length); length > 0; length--) {
    if (tag.startsWith(text.slice(text.length - length))) return length;
  }
  return 0;
}
