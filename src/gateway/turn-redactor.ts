import type { AgentEvent } from "../agent/agent-events.js";
import type { SecretRedactor } from "../shared/secret-redactor.js";
import { SecretStream } from "../shared/secret-stream.js";

/** A turn's streams of deltas: its text, its reasoning, and summaries of reasoning (reasoning-deltas marked `summary`), each held apart. */
type Stream = "text" | "reasoning" | "summary";

/**
 * What a channel is shown of one turn, with every secret the config knows and every key-shaped token
 * masked: its events, its result, and its streamed text — where a secret may arrive split over several
 * deltas, so the end of a delta that could be a secret's beginning is held back until the next piece
 * says what it is (secret-stream.ts). Held text goes out before any other event and before the result;
 * nothing is lost, only masked.
 */
export class TurnRedactor {
  /** Each made when its first delta comes (most answers stream text alone; a whole reply, none). */
  private readonly streams: Partial<Record<Stream, SecretStream>> = {};

  constructor(private readonly secrets: SecretRedactor) {}

  /**
   * The events to show for `event` (none while a delta is held back whole). Any event stream whose
   * deltas are `{ type: "text-delta" | "reasoning-delta", delta }` — a turn's, or a proxied route's.
   */
  event(event: AgentEvent): AgentEvent[];
  event<E extends { type: string }>(event: E): E[];
  event<E extends { type: string }>(event: E): E[] {
    const out: E[] = [];
    this.each(event, (shown) => out.push(shown));
    return out;
  }

  /**
   * `event`'s events to show, each handed to `show` as it is made: a delta with nothing held back or
   * masked goes on as it came, and no list is made per event (a proxied stream's path, per delta).
   */
  each<E extends { type: string }>(event: E, show: (shown: E) => void): void {
    const delta = (event as { delta?: unknown }).delta;
    if ((event.type === "text-delta" || event.type === "reasoning-delta") && typeof delta === "string") {
      const stream: Stream = event.type === "text-delta" ? "text" : (event as { summary?: unknown }).summary === true ? "summary" : "reasoning";
      const shown = (this.streams[stream] ??= new SecretStream(this.secrets)).push(delta);
      if (shown === delta) show(event);
      else if (shown !== "") show(deltaEvent(stream, shown) as unknown as E);
      return;
    }
    if (event.type === "answer-restart") {
      for (const stream of STREAMS) this.streams[stream]?.reset();
      return show(event);
    }
    // Passed on as it came where nothing in it is masked (most events): no copy.
    const shown = this.secrets.redactShared(event);
    for (const held of this.flush()) show(held as unknown as E);
    show(shown);
  }

  /** The text still held back, as deltas (at the end of the turn, or before another event: a failure). */
  flush(): AgentEvent[] {
    const out: AgentEvent[] = [];
    const reasoning = this.streams.reasoning?.end() ?? "";
    if (reasoning !== "") out.push({ type: "reasoning-delta", delta: reasoning });
    const summary = this.streams.summary?.end() ?? "";
    if (summary !== "") out.push(summaryDelta(summary));
    const text = this.streams.text?.end() ?? "";
    if (text !== "") out.push({ type: "text-delta", delta: text });
    return out;
  }

  value<T>(value: T): T {
    return this.secrets.redactValue(value);
  }
}

const STREAMS: readonly Stream[] = ["text", "reasoning", "summary"];

/** A delta of `stream` as its events carry it. */
function deltaEvent(stream: Stream, delta: string): AgentEvent {
  return stream === "text" ? { type: "text-delta", delta } : stream === "summary" ? summaryDelta(delta) : { type: "reasoning-delta", delta };
}

/** A delta of a reasoning summary, marked as the model's stream marks it. */
function summaryDelta(delta: string): AgentEvent {
  return { type: "reasoning-delta", delta, summary: true };
}
