import type { AgentEvent } from "../agent/agent-events.js";
import { REDACTED, type SecretRedactor } from "../shared/secret-redactor.js";

/** A turn's streams of deltas: its text, its reasoning, and summaries of reasoning (reasoning-deltas marked `summary`), each held apart. */
type Stream = "text" | "reasoning" | "summary";

/** How much of what a stream has shown is kept to read the next piece after (the redactor reads its last 32 characters). */
const SHOWN_KEPT = 64;

/** A secret's beginning this long, where a stream stopped, is masked: shorter says nothing of the key (`sk-`), longer gives part of it away. */
const PARTIAL_MASKED = 8;

/**
 * What a channel is shown of one turn, with every secret the config knows masked: its events, its
 * result, and its streamed text — where a secret may arrive split over several deltas, so the end of
 * a delta that could be a secret's beginning is held back until the next piece says what it is.
 * Held text goes out before any other event and before the result; nothing is lost, only masked.
 */
export class TurnRedactor {
  private readonly held: Record<Stream, string> = { text: "", reasoning: "", summary: "" };
  /** The last characters each stream has shown, as written: a run of a secret begun there (too short to hold back) is masked on from the next piece. */
  private readonly shown: Record<Stream, string> = { text: "", reasoning: "", summary: "" };

  constructor(private readonly secrets: SecretRedactor) {}

  /**
   * The events to show for `event` (none while a delta is held back whole). Any event stream whose
   * deltas are `{ type: "text-delta" | "reasoning-delta", delta }` — a turn's, or a proxied route's.
   */
  event(event: AgentEvent): AgentEvent[];
  event<E extends { type: string }>(event: E): E[];
  event<E extends { type: string }>(event: E): E[] {
    const delta = (event as { delta?: unknown }).delta;
    if (event.type === "text-delta" && typeof delta === "string") return this.delta("text", delta) as E[];
    if (event.type === "reasoning-delta" && typeof delta === "string") return this.delta((event as { summary?: unknown }).summary === true ? "summary" : "reasoning", delta) as E[];
    if (event.type === "answer-restart") {
      this.reset();
      return [event];
    }
    return [...(this.flush() as E[]), this.secrets.redactValue(event)];
  }

  /**
   * The text still held back, as deltas (at the end of the turn, or before another event: a failure).
   * Held text is what could be a secret's beginning; if the stream stopped there (a server that broke
   * off in the middle of echoing a key), PARTIAL_MASKED characters or more of it are a piece of the key:
   * masked, not shown.
   */
  flush(): AgentEvent[] {
    const out: AgentEvent[] = [];
    if (this.held.reasoning !== "") out.push({ type: "reasoning-delta", delta: this.release("reasoning") });
    if (this.held.summary !== "") out.push(summaryDelta(this.release("summary")));
    if (this.held.text !== "") out.push({ type: "text-delta", delta: this.release("text") });
    this.reset();
    return out;
  }

  value<T>(value: T): T {
    return this.secrets.redactValue(value);
  }

  private reset(): void {
    for (const stream of STREAMS) {
      this.held[stream] = "";
      this.shown[stream] = "";
    }
  }

  private release(stream: Stream): string {
    const held = this.held[stream];
    const shownBefore = this.shown[stream];
    const from = this.secrets.partialFrom(held, { streamEnded: true, shownBefore });
    return held.length - from >= PARTIAL_MASKED ? `${this.secrets.redact(held.slice(0, from), { shownBefore })}${REDACTED}` : this.secrets.redact(held, { shownBefore });
  }

  private delta(stream: Stream, delta: string): AgentEvent[] {
    const text = this.held[stream] + delta;
    const from = this.secrets.partialFrom(text, { shownBefore: this.shown[stream] });
    this.held[stream] = text.slice(from);
    const released = text.slice(0, from);
    const shown = this.secrets.redact(released, { shownBefore: this.shown[stream] });
    this.shown[stream] = (this.shown[stream] + released).slice(-SHOWN_KEPT);
    if (shown === "") return [];
    return [stream === "text" ? { type: "text-delta", delta: shown } : stream === "summary" ? summaryDelta(shown) : { type: "reasoning-delta", delta: shown }];
  }
}

const STREAMS: readonly Stream[] = ["text", "reasoning", "summary"];

/** A delta of a reasoning summary, marked as the model's stream marks it. */
function summaryDelta(delta: string): AgentEvent {
  return { type: "reasoning-delta", delta, summary: true };
}
