import type { GatewayEvent, GatewayPort } from "../../gateway/port.js";
import { sseText } from "./openai/answer-stream.js";
import type { SseOut } from "./openai/sse-body.js";

/** Text a subscriber may have waiting for its connection (beyond what the socket took) before it is let go: a client that stopped reading. */
export const MAX_BEHIND_CHARS = 4 * 1024 * 1024;

/** A subscriber's end: `ended` resolves when its stream is to end, saying why; `close` says its client went away. */
export interface Subscription {
  ended: Promise<EndReason>;
  close(): void;
}

/** Why a subscriber's stream ends: its client went away, the gateway stops, or the client stopped reading. */
export type EndReason = "closed" | "stopping" | "behind";

/** One `/api/events` connection: its events go out as `sseText` made them, in order, several at once when they came together. */
class Subscriber {
  /** Text told and not yet written (a write waits for the one before). */
  pending = "";
  /** A write is waiting for the connection to take it. */
  waiting = false;
  reason: EndReason | undefined;
  readonly ended: Promise<EndReason>;
  private finish!: (reason: EndReason) => void;

  constructor(readonly out: SseOut) {
    this.ended = new Promise((resolve) => (this.finish = resolve));
  }

  end(reason: EndReason): void {
    if (this.reason) return;
    this.reason = reason;
    this.pending = "";
    this.finish(reason);
  }

  /** Writes what is pending, unless a write is still waiting (it writes the rest when taken). */
  flush(): void {
    if (this.waiting || this.reason || this.pending === "") return;
    if (this.out.cancelled) return this.end("closed");
    const text = this.pending;
    this.pending = "";
    const wait = this.out.writeNow ? this.out.writeNow(text) : this.out.write(text);
    if (!wait) return;
    this.waiting = true;
    void wait.then(() => {
      this.waiting = false;
      this.flush();
    });
  }
}

/**
 * Every `/api/events` subscriber of one HTTP server, behind one subscription to the gateway: an event
 * is made into text once and that text handed to each subscriber (not a JSON pass, a promise and
 * three web streams per subscriber and event); what is told within one turn of the event loop goes out
 * in one write per subscriber, and one timer writes the keep-alives of all. A subscriber holds its
 * connection and the text waiting for it, nothing else: on close it is dropped, and with the last one
 * the gateway subscription ends. At most `max` at once (`join` says no past it), and one whose client
 * stopped reading is let go once MAX_BEHIND_CHARS wait for it.
 */
export class EventSubscribers {
  private readonly members = new Set<Subscriber>();
  private unsubscribe: (() => void) | undefined;
  private keepAlive: NodeJS.Timeout | undefined;
  private flushDue: NodeJS.Immediate | undefined;
  /** The setup and health every subscriber gets on connect, made once for the connections of one turn of the event loop (and until an event). */
  private greeting: string | undefined;
  /** Each turn-live's text, by turn id and seq: the same snapshot is not made into text again for each subscriber. */
  private readonly liveTexts = new Map<string, { seq: number; text: string }>();

  constructor(private readonly options: { port: GatewayPort; max: number; keepAliveMs: number; shutdown?: AbortSignal | undefined }) {
    options.shutdown?.addEventListener("abort", () => this.endAll("stopping"), { once: true });
  }

  /** How many subscribers are connected. */
  get size(): number {
    return this.members.size;
  }

  get max(): number {
    return this.options.max;
  }

  /**
   * A new subscriber: it is sent the setup problems, each provider's health and each turn under way,
   * then every event after them (taken in the same tick: no gap, no overlap). Undefined at the cap.
   */
  join(out: SseOut): Subscription | undefined {
    if (this.members.size >= this.options.max) return undefined;
    const member = new Subscriber(out);
    const subscription = { ended: member.ended, close: () => member.end("closed") };
    if (this.options.shutdown?.aborted) {
      member.end("stopping");
      return subscription;
    }
    member.pending = this.greetingText() + this.liveText();
    this.members.add(member);
    this.unsubscribe ??= this.options.port.subscribe((event) => this.tell(event));
    this.keepAlive ??= setInterval(() => this.keepAliveAll(), this.options.keepAliveMs);
    member.flush();
    void member.ended.then(() => this.leave(member));
    return subscription;
  }

  private leave(member: Subscriber): void {
    this.members.delete(member);
    if (this.members.size > 0) return;
    this.unsubscribe?.();
    this.unsubscribe = undefined;
    clearInterval(this.keepAlive);
    this.keepAlive = undefined;
    clearImmediate(this.flushDue);
    this.flushDue = undefined;
    this.greeting = undefined;
    this.liveTexts.clear();
  }

  private endAll(reason: EndReason): void {
    for (const member of [...this.members]) member.end(reason);
  }

  private tell(event: GatewayEvent): void {
    this.greeting = undefined;
    const text = sseText([{ event: event.type, data: JSON.stringify(event) }]);
    for (const member of this.members) {
      if (member.reason) continue;
      member.pending += text;
      if (member.pending.length > MAX_BEHIND_CHARS) member.end("behind");
    }
    this.flushDue ??= setImmediate(() => {
      this.flushDue = undefined;
      for (const member of this.members) member.flush();
    });
  }

  private keepAliveAll(): void {
    // A connection with text going out is not idle.
    for (const member of this.members) if (!member.waiting && member.pending === "") member.pending = ": keep-alive\n\n";
    for (const member of this.members) member.flush();
  }

  private greetingText(): string {
    if (this.greeting !== undefined) return this.greeting;
    const { port } = this.options;
    const events: GatewayEvent[] = [{ type: "setup", problems: port.setupProblems() }, ...port.health().map((health): GatewayEvent => ({ type: "provider-health", health }))];
    this.greeting = sseText(events.map((event) => ({ event: event.type, data: JSON.stringify(event) })));
    // Good for the connections of this turn of the event loop: health changes as time passes (a cooldown ends).
    setImmediate(() => (this.greeting = undefined));
    return this.greeting;
  }

  /** Each turn under way so far, as `turn-live` text (remade only when the turn told more since). */
  private liveText(): string {
    const turns = this.options.port.sessions().underWay();
    const now = new Map<string, { seq: number; text: string }>();
    let text = "";
    for (const turn of turns) {
      const known = this.liveTexts.get(turn.turn);
      const entry = known && known.seq === turn.seq ? known : { seq: turn.seq, text: sseText([{ event: "turn-live", data: JSON.stringify({ type: "turn-live", ...turn }) }]) };
      now.set(turn.turn, entry);
      text += entry.text;
    }
    this.liveTexts.clear();
    for (const [id, entry] of now) this.liveTexts.set(id, entry);
    return text;
  }
}
