/**
 * Splits streamed text into final text and reasoning that servers leave inline:
 * `<think>…</think>` (tags may be split across chunks anywhere), and an orphan `</think>` with no
 * opening tag — MiniMax M2.1 in LM Studio streams its reasoning as plain text and then `</think>`.
 *
 * Text at the start of a reply is held back until it is clear which it is: until `</think>` (it was
 * reasoning), or until `holdChars` characters passed without one (it is text). Models known to
 * reason hold without limit. If an orphan `</think>` still comes later, `lateOrphan` is set and
 * everything before it is reasoning: the final message is corrected even though deltas went out.
 */
export interface Segment {
  /** "orphan-boundary": an orphan </think> arrived after text went out; all text before this point was reasoning. */
  kind: "text" | "reasoning" | "orphan-boundary";
  text: string;
}

const OPEN = "<think>";
const CLOSE = "</think>";

export class ThinkTagSplitter {
  private state: "start" | "thinking" | "text" = "start";
  private held = "";
  private afterReasoning = false;
  private reasoningSeen = false;
  lateOrphan = false;

  constructor(private readonly holdChars: number) {}

  /** Reasoning arrived on a separate channel: text is the answer, no need to hold it back. */
  structuredReasoningSeen(): void {
    this.reasoningSeen = true;
    if (this.state === "start" && this.held === "") {
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
        if (OPEN.startsWith(trimmed) && trimmed !== "") return out; // maybe "<thi…"
        // Only an opening tag at the very start opens a block here: reasoning held back may mention "<think>".
        const close = this.held.indexOf(CLOSE);
        if (close >= 0) {
          this.emit(out, "reasoning", this.held.slice(0, close));
          this.held = this.held.slice(close + CLOSE.length);
          this.state = "text";
          this.afterReasoning = true;
          continue;
        }
        if (this.held.length <= this.holdChars) return out;
        this.state = "text";
        continue;
      }
      if (this.state === "thinking") {
        const close = this.held.indexOf(CLOSE);
        if (close < 0) {
          const keep = partialSuffix(this.held, CLOSE);
          this.emit(out, "reasoning", this.held.slice(0, this.held.length - keep));
          this.held = this.held.slice(this.held.length - keep);
          return out;
        }
        this.emit(out, "reasoning", this.held.slice(0, close));
        this.held = this.held.slice(close + CLOSE.length);
        this.state = "text";
        this.afterReasoning = true;
        continue;
      }
      // text
      const open = this.held.indexOf(OPEN);
      const close = this.held.indexOf(CLOSE);
      if (close >= 0 && (open < 0 || close < open) && this.reasoningSeen) {
        // Reasoning was already closed once: a later "</think>" is the answer talking about tags.
        this.emit(out, "text", this.held.slice(0, close + CLOSE.length));
        this.held = this.held.slice(close + CLOSE.length);
        continue;
      }
      if (close >= 0 && (open < 0 || close < open)) {
        // An orphan </think> after text went out: all of it was reasoning.
        this.lateOrphan = true;
        this.emit(out, "reasoning", this.held.slice(0, close));
        out.push({ kind: "orphan-boundary", text: "" });
        this.held = this.held.slice(close + CLOSE.length);
        this.afterReasoning = true;
        continue;
      }
      if (open >= 0) {
        this.emit(out, "text", this.held.slice(0, open));
        this.held = this.held.slice(open + OPEN.length);
        this.state = "thinking";
        continue;
      }
      const keep = Math.max(partialSuffix(this.held, OPEN), partialSuffix(this.held, CLOSE));
      this.emit(out, "text", this.held.slice(0, this.held.length - keep));
      this.held = this.held.slice(this.held.length - keep);
      return out;
    }
  }

  /** The end of the reply: whatever is held is flushed as what it most likely is. */
  finish(): Segment[] {
    const out: Segment[] = [];
    this.emit(out, this.state === "thinking" ? "reasoning" : "text", this.held);
    this.held = "";
    return out;
  }

  private emit(out: Segment[], kind: "text" | "reasoning", text: string): void {
    if (kind === "reasoning") this.reasoningSeen = true;
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
