import type { AgentEvent } from "../agent/agent-events.js";
import type { ChannelId, LiveTurnSnapshot, TurnMessage } from "./port.js";

/** One turn under way, as its live events told it so far. */
interface LiveTurnRecord {
  turn: string;
  channel: ChannelId;
  text: string;
  at: string;
  /** How many live events the turn published: the last one's `seq`. */
  seq: number;
  /** Those events, a run of text (or reasoning) deltas kept as one: folded the same, far fewer. */
  events: AgentEvent[];
  /** The id of the user's entry this turn writes, once it is being written. */
  messageId: string | undefined;
  /** A resend: the entry of the try it sends again. */
  retryOf: string | undefined;
  /** A resend shown again, after the messages said since that try (TurnMessage). */
  again: boolean;
}

/**
 * The turns under way in this gateway, one per session, with every live event each has published so
 * far, numbered from 1 (`seq`). A page that opens a conversation mid-turn, or connects to the events
 * mid-turn, takes the snapshot and then only the events numbered after it: the two join without a gap
 * or an overlap.
 */
export class LiveTurns {
  private readonly turns = new Map<string, LiveTurnRecord>();
  /** Turn ids are this gateway's: a restarted one never reuses an id a page still holds. */
  private readonly prefix = Date.now().toString(36);
  private count = 0;

  /** A turn begins (its `turn-start` is about to be told): returns its id. */
  begin(session: string, turn: { channel: ChannelId; text: string; retryOf?: string | undefined; again?: boolean | undefined }): string {
    const id = `${this.prefix}-${++this.count}`;
    this.turns.set(session, { turn: id, channel: turn.channel, text: turn.text, at: new Date().toISOString(), seq: 0, events: [], messageId: undefined, retryOf: turn.retryOf, again: turn.again === true });
    return id;
  }

  /** The turn's user message is being written with this id (its entry and the ones after it are the turn's). */
  messageSaving(session: string, id: string): void {
    const record = this.turns.get(session);
    if (record) record.messageId = id;
  }

  /** A live event of the session's turn is told: kept, and numbered (undefined: no turn under way, e.g. the wait before one). */
  record(session: string, event: AgentEvent): { turn: string; seq: number } | undefined {
    const record = this.turns.get(session);
    if (!record) return undefined;
    record.seq += 1;
    const last = record.events.at(-1);
    if ((event.type === "text-delta" || event.type === "reasoning-delta") && last?.type === event.type) {
      record.events[record.events.length - 1] = { type: event.type, delta: last.delta + event.delta };
    } else record.events.push(event);
    return { turn: record.turn, seq: record.seq };
  }

  /** The session's turn ended: its id (undefined when none was under way). */
  end(session: string): string | undefined {
    const record = this.turns.get(session);
    this.turns.delete(session);
    return record?.turn;
  }

  /** Where the session's turn under way cuts its saved entries: its message's id, and the resend's first try. */
  cut(session: string): { messageId: string | undefined; retryOf: string | undefined } | undefined {
    const record = this.turns.get(session);
    return record ? { messageId: record.messageId, retryOf: record.retryOf } : undefined;
  }

  /** The session's turn under way so far, or undefined. */
  snapshot(session: string): LiveTurnSnapshot | undefined {
    const record = this.turns.get(session);
    return record ? { session, turn: record.turn, seq: record.seq, channel: record.channel, text: record.text, at: record.at, events: [...record.events], ...this.message(record) } : undefined;
  }

  /** The turn's message as a page places it (TurnMessage); undefined when no turn of the session is under way. */
  turnMessage(session: string): TurnMessage | undefined {
    const record = this.turns.get(session);
    return record && this.message(record);
  }

  private message(record: LiveTurnRecord): TurnMessage {
    return { ...(record.messageId === undefined ? {} : { message: record.messageId }), ...(record.retryOf === undefined ? {} : { retryOf: record.retryOf, again: record.again }) };
  }

  /** Every turn under way, so far. */
  all(): LiveTurnSnapshot[] {
    return [...this.turns.keys()].flatMap((session) => this.snapshot(session) ?? []);
  }
}
