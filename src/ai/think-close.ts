import { MarkdownBlocks } from "../shared/markdown-blocks.js";
import { insideCodeSpan } from "../shared/markdown-code.js";

/**
 * Finds the `</think>` that really ends a reasoning block, in text streamed from where the reasoning
 * began, and passes over the tag where it is written as words: a model explaining the tags writes
 * them as Markdown code, and a mention is words wherever Markdown would show it literally
 * (`shared/markdown-blocks.ts` reads the blocks as CommonMark does):
 * - inside an inline code span on its line (`` `</think>` ``, `` `<think>…</think>` ``, ``` ``</think>`` ```);
 * - inside a fenced code block (``` or ~~~), also one in a block quote or a list item;
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
 * is a candidate: it and everything after it are held. If the fence never closes, it was the real
 * tag. If the fence closes, the output is read to its end both ways — the tag was code (then the
 * reasoning ends at the next real tag, if any), or the tag was real (then everything after it is the
 * answer, read as Markdown on its own) — and the reading under which the Markdown is well formed
 * wins: each fence left open at the end, each line inside a fence that would close it but for an
 * info string (an opener written by a model that believed no fence was open), and a reasoning block
 * opened by `<think>` that never ends count against a reading. On a tie the reading that gives more
 * of the output to the answer wins: no answer word is lost to a guess.
 * Nothing is ever given out and taken back: text is given out only once no tag can change what it is.
 */
export interface CloseScan {
  /** Text known to come before the real closing tag (the reasoning, or the answer if none comes). */
  before: string;
  /** Once the real closing tag was found: everything after it. */
  after?: string;
}

const CLOSE = "</think>";

/** A tag inside a fenced block, held with everything after it until the output ends or the choice is made. */
interface Candidate {
  /** The output from the tag on (the tag included). */
  held: string;
  fenceClosed: boolean;
  misreadsBefore: number;
  /** The reading where the candidate was real: the text after it, as Markdown on its own. */
  answer: MarkdownBlocks;
  answerLine: string;
  /** The reading where the candidate was code: where in `held` the real tag is, once found… */
  closeAt?: number;
  misreadsAtClose?: number;
  /** …or a later tag inside another fence, the real one if that fence never closes. */
  pendingAt?: number;
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
  private candidate: Candidate | undefined;

  push(delta: string): CloseScan {
    let before = "";
    let rest = delta;
    for (;;) {
      const newline = rest.indexOf("\n");
      const complete = newline >= 0;
      const piece = complete ? rest.slice(0, newline + 1) : rest;
      rest = complete ? rest.slice(newline + 1) : "";
      this.line += piece;
      if (this.candidate) this.hold(this.candidate, piece);
      const step = this.scanLine(complete);
      before += step.before;
      if (step.after !== undefined) return { before, after: step.after + rest };
      if (!complete) return { before };
      this.nextLine();
      if (rest === "") return { before };
    }
  }

  /**
   * The output ended: the last line is complete, and a held candidate is decided. `opened`: the
   * reasoning began with `<think>`, so a reading in which it never ends is the worse for it.
   */
  finish(opened: boolean): CloseScan {
    const step = this.scanLine(true);
    if (step.after !== undefined) return step;
    const candidate = this.candidate;
    if (!candidate) return { before: step.before + this.line.slice(this.settled) };
    if (this.line !== "") this.nextLine();
    if (candidate.answerLine !== "") candidate.answer.endLine(candidate.answerLine);
    const decided = decide(candidate, { opened, blocks: this.blocks });
    return { ...decided, before: step.before + decided.before };
  }

  private scanLine(complete: boolean): CloseScan {
    if (this.candidate) {
      this.scanHeld(this.candidate, complete);
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
      const answer = new MarkdownBlocks();
      this.candidate = { held: "", fenceClosed: false, misreadsBefore: this.blocks.misreads, answer, answerLine: "" };
      this.hold(this.candidate, this.line.slice(at));
      this.searchFrom = at + CLOSE.length;
      this.scanHeld(this.candidate, complete);
      return step;
    }
  }

  /** The reading where the candidate was code: tags in the candidate's fence are words; the next real one ends the reasoning. */
  private scanHeld(candidate: Candidate, complete: boolean): void {
    if (candidate.closeAt !== undefined) return;
    for (;;) {
      const at = this.line.indexOf(CLOSE, this.searchFrom);
      if (at < 0) return;
      const kind = this.tagKind(at, complete);
      if (kind === "unknown") return;
      this.searchFrom = at + CLOSE.length;
      const inHeld = candidate.held.length - (this.line.length - at);
      if (kind === "real") {
        candidate.closeAt = inHeld;
        candidate.misreadsAtClose = this.blocks.misreads;
        return;
      }
      if (kind === "fenced" && candidate.fenceClosed && candidate.pendingAt === undefined) candidate.pendingAt = inHeld;
    }
  }

  private tagKind(at: number, complete: boolean): TagKind {
    if (escaped(this.line, at)) return "words";
    const kind = this.blocks.classify(this.line, complete);
    if (kind === "indented") return "words";
    if (kind === "fence") return "fenced";
    if (kind === "opener") return complete ? "fenced" : "unknown";
    const span = insideCodeSpan(this.line, at, complete);
    if (span === "unknown") return "unknown";
    return span === "inside" ? "words" : "real";
  }

  private hold(candidate: Candidate, text: string): void {
    candidate.held += text;
    const tagAt = candidate.held.length === text.length ? CLOSE.length : 0; // the candidate's own tag is not the answer's
    candidate.answerLine += text.slice(tagAt);
    if (candidate.answerLine.endsWith("\n")) {
      candidate.answer.endLine(candidate.answerLine);
      candidate.answerLine = "";
    }
  }

  private settleTo(end: number): CloseScan {
    const before = this.line.slice(this.settled, Math.max(end, this.settled));
    this.settled = Math.max(end, this.settled);
    if (this.searchFrom < this.settled) this.searchFrom = this.settled;
    return { before };
  }

  private nextLine(): void {
    const candidate = this.candidate;
    if (!candidate || candidate.closeAt === undefined) this.blocks.endLine(this.line);
    if (candidate && !this.blocks.fenceOpen) {
      candidate.fenceClosed = true;
      candidate.pendingAt = undefined;
    }
    this.line = "";
    this.settled = 0;
    this.searchFrom = 0;
  }
}

/** Which reading of a held candidate wins, once the output has ended. */
function decide(candidate: Candidate, context: { opened: boolean; blocks: MarkdownBlocks }): CloseScan {
  const asAnswer: CloseScan = { before: "", after: candidate.held.slice(CLOSE.length) };
  if (!candidate.fenceClosed) return asAnswer;
  const close = candidate.closeAt ?? candidate.pendingAt;
  const misreads = (candidate.misreadsAtClose ?? context.blocks.misreads) - candidate.misreadsBefore;
  const unended = close === undefined ? (context.blocks.fenceOpen ? 1 : 0) + (context.opened ? 1 : 0) : 0;
  const codeDefects = misreads + unended;
  const answerDefects = candidate.answer.misreads + (candidate.answer.fenceOpen ? 1 : 0);
  const codeShowsAll = close === undefined && !context.opened;
  if (answerDefects < codeDefects || (answerDefects === codeDefects && !codeShowsAll)) return asAnswer;
  if (close === undefined) return { before: candidate.held };
  return { before: candidate.held.slice(0, close), after: candidate.held.slice(close + CLOSE.length) };
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
