import { closesFence, FENCE_START, fenceOpenedBy, insideCodeSpan, type Fence } from "../shared/markdown-code.js";

/**
 * Finds the `</think>` that really ends a reasoning block, in text streamed from where the reasoning
 * began, and passes over the tag where it is written as words: a model explaining the tags writes
 * them as Markdown code, and a mention is words wherever Markdown would show it literally:
 * - inside an inline code span on its line (`` `</think>` ``, `` `<think>…</think>` ``, ``` ``</think>`` ```);
 * - inside a fenced code block (``` or ~~~, any indentation, so fences in list items count);
 * - escaped with a backslash (`\</think>`).
 * Why a real tag is never taken for words: models are trained to write it bare, as the template's
 * own token — on its own line (`<think>\n…\n</think>\n\n`: Qwen3, QwQ, DeepSeek-R1, MiniMax M2;
 * llama.cpp appends `</think>\n\n` to a prompt ending in `<think>\n` to switch reasoning off) or
 * right after the reasoning's last words (`…</think>answer`: DeepSeek V3.2, GLM 4.5) — never right
 * after a backslash, never as code. A tag at the start of a line cannot be inside an inline span;
 * after other words on its line it is taken for code only when a backtick run left open before it is
 * closed by one after it on the same line: for a real tag, the reasoning's last words would have to
 * leave a code span open and the answer's first line close it. A fence the reasoning
 * opens and never closes does not hide a real tag: the first tag inside it is held back (with what
 * follows) until the fence closes, which proves it was code, or the output ends, which proves it was
 * not. Left ambiguous: reasoning that leaves a fence open and an answer that closes it look exactly
 * like an answer showing the tags in a code block; the tag is taken for code then.
 * Nothing is ever given out and taken back: text is given out only once no tag can change what it is.
 */
export interface CloseScan {
  /** Text known to come before the real closing tag (the reasoning, or the answer if none comes). */
  before: string;
  /** Once the real closing tag was found: everything after it. */
  after?: string;
}

const CLOSE = "</think>";

export class ClosingTagFinder {
  /** The fenced block open at the start of the current line. */
  private fence: Fence | undefined;
  /** The current line so far, with its newline once complete: what comes before a tag on it is context. */
  private line = "";
  /** How much of `line` was given out (or moved to `held`). */
  private settled = 0;
  /** Where in `line` the next tag is looked for: tags before it were words. */
  private searchFrom = 0;
  /** A tag in a fenced block was seen: everything from it is held until the fence closes or the output ends. */
  private deferred = false;
  /** The held text of earlier lines, from the deferred tag on. */
  private held = "";

  push(delta: string): CloseScan {
    let before = "";
    let rest = delta;
    for (;;) {
      const newline = rest.indexOf("\n");
      const complete = newline >= 0;
      this.line += complete ? rest.slice(0, newline + 1) : rest;
      rest = complete ? rest.slice(newline + 1) : "";
      const step = this.scanLine(complete);
      before += step.before;
      if (step.after !== undefined) return { before, after: step.after + rest };
      if (!complete) return { before };
      this.nextLine();
      if (rest === "") return { before };
    }
  }

  /** The output ended: the last line is complete, and a tag held back in a fence never closed was real. */
  finish(): CloseScan {
    const step = this.scanLine(true);
    if (step.after !== undefined) return step;
    const remaining = this.held + this.line.slice(this.settled);
    if (this.deferred) return { before: step.before, after: remaining.slice(CLOSE.length) };
    return { before: step.before + remaining };
  }

  private scanLine(complete: boolean): CloseScan {
    // The line without its newline, looked at only once the line is complete (fences are whole lines).
    const body = complete ? this.line.replace(/\n$/, "") : "";
    if (this.fence) {
      if (complete && closesFence(body, this.fence)) {
        // The fence closed: a tag held back inside it was code.
        const before = this.held + this.line.slice(this.settled);
        this.fence = undefined;
        this.deferred = false;
        this.held = "";
        this.settled = this.line.length;
        return { before };
      }
      if (this.deferred) return { before: "" };
      const at = this.line.indexOf(CLOSE, this.searchFrom);
      if (at >= 0) return this.defer(at);
      return this.settleTo(complete ? this.line.length : this.line.length - partialSuffix(this.line, CLOSE));
    }
    if (this.deferred) return complete ? this.openFenceOrClose(body) : { before: "" };
    for (;;) {
      const at = this.line.indexOf(CLOSE, this.searchFrom);
      if (at < 0) {
        const step = this.settleTo(complete ? this.line.length : this.line.length - partialSuffix(this.line, CLOSE));
        if (complete) this.fence = fenceOpenedBy(body);
        return step;
      }
      if (escaped(this.line, at)) {
        this.searchFrom = at + CLOSE.length;
        continue;
      }
      const span = insideCodeSpan(this.line, at, complete);
      if (span === "unknown") return this.settleTo(at);
      if (span === "inside") {
        this.searchFrom = at + CLOSE.length;
        continue;
      }
      if (FENCE_START.test(this.line.slice(0, at))) {
        // On a line that opens a fence (its info string): code if the fence really opens.
        const step = this.defer(at);
        if (!complete) return step;
        const resolved = this.openFenceOrClose(body);
        return resolved.after === undefined ? step : { before: step.before, after: resolved.after };
      }
      return this.close(at);
    }
  }

  /** The deferred tag sits on a line that looked like a fence's opening line; the line is now complete. */
  private openFenceOrClose(body: string): CloseScan {
    this.fence = fenceOpenedBy(body);
    if (this.fence) return { before: "" };
    return this.close(this.settled);
  }

  private defer(at: number): CloseScan {
    const step = this.settleTo(at);
    this.deferred = true;
    return step;
  }

  private close(at: number): CloseScan {
    const before = this.line.slice(this.settled, at);
    return { before, after: this.line.slice(at + CLOSE.length) };
  }

  private settleTo(end: number): CloseScan {
    const before = this.line.slice(this.settled, Math.max(end, this.settled));
    this.settled = Math.max(end, this.settled);
    if (this.searchFrom < this.settled) this.searchFrom = this.settled;
    return { before };
  }

  private nextLine(): void {
    if (this.deferred) this.held += this.line.slice(this.settled);
    this.line = "";
    this.settled = 0;
    this.searchFrom = 0;
  }
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
