/**
 * Splits streamed text into final text and reasoning that servers leave inline. A reasoning block is
 * recognised only where models put one, so an answer that talks about the tags keeps every word:
 * - `<think>…</think>` at the very start of the output (leading whitespace allowed; tags may be split
 *   across chunks anywhere), from any model, and likewise a `</think>` that starts the output (an empty
 *   block whose opening tag was in the prompt);
 * - an orphan `</think>` with no opening tag before anything was shown, from a model known or
 *   configured to reason (MiniMax M2.1 in LM Studio streams its reasoning as plain text, then
 *   `</think>`; Qwen3 and DeepSeek-R1 chat templates put the opening tag in the prompt). Such a model's
 *   leading text is held back until `</think>` (it was reasoning) or the end (it was the answer).
 * Anywhere else `<think>` and `</think>` are text. Nothing shown is ever taken back.
 */
export interface Segment {
  kind: "text" | "reasoning";
  text: string;
}

const OPEN = "<think>";
const CLOSE = "</think>";

export class ThinkTagSplitter {
  private state: "start" | "holding" | "thinking" | "text" = "start";
  private held = "";
  private afterReasoning = false;

  /** `reasoner`: the model is known or configured to reason, so leading text may end in an orphan `</think>`. */
  constructor(private readonly reasoner: boolean) {}

  /** Reasoning arrived on a separate channel: the text is the answer, no need to hold it back. */
  structuredReasoningSeen(): void {
    if ((this.state === "start" || this.state === "holding") && this.held.trim() === "") {
      this.state = "text";
      this.afterReasoning = true;
    }
  }

  push(delta: string): Segment[] {
    this.held += delta;
    const out: Segment[] = [];
    for (;;) {
      if (this.state === "start") {
        const trimmed = this.held.trimStart();
        if (trimmed.startsWith(OPEN)) {
          this.held = trimmed.slice(OPEN.length);
          this.state = "thinking";
          continue;
        }
        if (trimmed.startsWith(CLOSE)) {
          // An empty block whose opening tag was in the prompt (chat templates do that): only the tag goes.
          this.held = trimmed.slice(CLOSE.length);
          this.state = "text";
          this.afterReasoning = true;
          continue;
        }
        if (OPEN.startsWith(trimmed) || CLOSE.startsWith(trimmed)) return out; // nothing yet but whitespace, or maybe "<thi…"
        this.state = this.reasoner ? "holding" : "text";
        continue;
      }
      if (this.state === "holding") {
        // Held reasoning may mention "<think>": only the first "</think>" ends it.
        const close = this.held.indexOf(CLOSE);
        if (close < 0) return out;
        this.emit(out, "reasoning", this.held.slice(0, close));
        this.held = this.held.slice(close + CLOSE.length);
        this.state = "text";
        this.afterReasoning = true;
        continue;
      }
      if (this.state === "thinking") {
        const close = this.held.indexOf(CLOSE);
        const end = close < 0 ? this.held.length - partialSuffix(this.held, CLOSE) : close;
        this.emit(out, "reasoning", this.held.slice(0, end));
        if (close < 0) {
          this.held = this.held.slice(end);
          return out;
        }
        this.held = this.held.slice(close + CLOSE.length);
        this.state = "text";
        this.afterReasoning = true;
        continue;
      }
      this.emit(out, "text", this.held);
      this.held = "";
      return out;
    }
  }

  /** The end of the reply: whatever is held is flushed as what it is (an unclosed block stays reasoning). */
  finish(): Segment[] {
    const out: Segment[] = [];
    this.emit(out, this.state === "thinking" ? "reasoning" : "text", this.held);
    this.held = "";
    return out;
  }

  private emit(out: Segment[], kind: Segment["kind"], text: string): void {
    let value = text;
    if (kind === "text" && this.afterReasoning) {
      value = value.replace(/^\s+/, "");
      if (value === "") return;
      this.afterReasoning = false;
    }
    if (value === "") return;
    const last = out[out.length - 1];
    if (last && last.kind === kind) last.text += value;
    else out.push({ kind, text: value });
  }
}

/** How many characters at the end of `text` could begin `tag`. */
function partialSuffix(text: string, tag: string): number {
  for (let length = Math.min(tag.length - 1, text.length); length > 0; length--) {
    if (tag.startsWith(text.slice(text.length - length))) return length;
  }
  return 0;
}
