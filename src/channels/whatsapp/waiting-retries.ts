import type { TranscriptItem } from "../../gateway/port.js";
import type { WhatsAppGateway } from "./gateway.js";
import type { Clock } from "../../shared/clock.js";
import { isHeld } from "./held-answers.js";
import type { PendingMessage, PendingStore } from "./pending-store.js";

export interface WaitingRetriesOptions {
  port: WhatsAppGateway;
  pending: PendingStore;
  clock: Clock;
  /** The retry window (read each time: a config reload can change it). */
  windowMs: () => number;
  /**
   * Runs the message's turn again (`retry`: resend the saved message — `retryOf`, its id in the transcript, where known)
   * and delivers what it comes to; `laterAnswered`: a later message of its conversation has its answer already, so
   * this one's answer comes after it and says which message it answers.
   */
  run: (message: PendingMessage, retry: ChannelResend | undefined) => Promise<void>;
  /** Sends a text to the message's chat and settles the pending message. */
  send: (message: PendingMessage, text: string) => Promise<void>;
  /** Sends the answers held (not sent when they came), each chat's in order. */
  flushHeld: () => Promise<void>;
  track: (work: Promise<void>) => void;
  /** Whether a message taken earlier may still be answered (its sender still allowed); false: it was dropped, nothing is sent for it. */
  mayAnswer: (message: PendingMessage) => boolean;
}

/** A message the channel itself sends again (after a crash, or once a model is back): not the sender's /retry. */
export interface ChannelResend {
  retryOf?: string | undefined;
  laterAnswered: boolean;
}

const FIRST_RETRY_MS = 60_000;
const LONGEST_RETRY_MS = 5 * 60_000;

/** How much earlier than the channel took a message in its entry's time may read (clocks of two writers). */
const ENTRY_TIME_SLACK_MS = 1_000;

/**
 * Where each of one session's messages is in its transcript (its user entry's index; absent: never saved),
 * matched from the latest back: the last message takes the last entry with its words, the one before it the
 * last such entry before that — so two messages with the same words are two entries — and never an entry
 * written before the message came (the same words said earlier in the conversation, answered then).
 */
export function ownEntries(messages: readonly PendingMessage[], items: readonly TranscriptItem[]): Map<string, number> {
  const found = new Map<string, number>();
  let before = items.length;
  for (const message of [...messages].sort((a, b) => a.receivedAt.localeCompare(b.receivedAt)).reverse()) {
    const came = Date.parse(message.receivedAt) - ENTRY_TIME_SLACK_MS;
    const index = items.findLastIndex((item, at) => at < before && item.role === "user" && item.text === message.text && !(Date.parse(item.at) < came));
    if (index === -1) continue;
    found.set(message.id, index);
    before = index;
  }
  return found;
}

function excerpt(text: string): string {
  return text.length > 80 ? `${text.slice(0, 77)}…` : text;
}

/**
 * Messages no model could answer wait here: retried when a provider reports "up" and on a timer with
 * backoff, until the retry window ends; then the sender is told. Also answers, after a restart, what
 * a crash left unanswered. Nothing is dropped without the sender hearing of it.
 */
export class WaitingRetries {
  private timer: { cancel(): void } | undefined;
  private attempt = 0;
  private running = false;

  constructor(private readonly options: WaitingRetriesOptions) {}

  /** A message that got no answer because every model was down. */
  wait(message: PendingMessage): void {
    this.options.pending.put({ ...message, waitingSince: message.waitingSince ?? new Date(this.options.clock.now()).toISOString() });
    this.schedule();
  }

  /** A provider came back: retry now. */
  modelsBack(): void {
    if (this.waiting().length > 0) this.options.track(this.retryAll());
  }

  stop(): void {
    this.timer?.cancel();
    this.timer = undefined;
  }

  /** On the first connection after a start: send kept answers, answer what a crash interrupted, resume waiting. */
  async recover(): Promise<void> {
    // What the stopped hearth left, read before anything is awaited: a message taken in meanwhile is this run's own.
    const cut = this.options.pending.list().filter((message) => !isHeld(message) && message.waitingSince === undefined);
    await this.options.flushHeld();
    const left = cut.filter((message) => this.options.mayAnswer(message));
    const transcripts = new Map<string, readonly TranscriptItem[]>();
    for (const message of left) if (!transcripts.has(message.session)) transcripts.set(message.session, await this.transcript(message.session));
    // Each message finds its own entry: two that said the same words are two entries, never one answered twice.
    const entries = new Map<string, number>();
    for (const [session, items] of transcripts) for (const [id, index] of ownEntries(left.filter((message) => message.session === session), items)) entries.set(id, index);
    for (const message of left) await this.resume(message, { items: transcripts.get(message.session) ?? [], asked: entries.get(message.id) ?? -1, recovering: true });
    if (this.waiting().length > 0) this.schedule();
  }

  async flushAnswers(): Promise<void> {
    await this.options.flushHeld();
  }

  /** A message whose turn a crash cut short, or that waits for a model: its answer may be in the transcript already, or it is resent (by its id). */
  private async resume(message: PendingMessage, found?: { items: readonly TranscriptItem[]; asked: number; recovering: boolean }): Promise<void> {
    const items = found?.items ?? (await this.transcript(message.session));
    const asked = found?.asked ?? ownEntries([message], items).get(message.id) ?? -1;
    // Its answer is before the next message (a later one's answer is not its own): one with words — a turn whose replies were tool calls
    // alone shows its notes beside an empty one, which is no answer to send.
    const next = items.findIndex((item, index) => index > asked && item.role === "user");
    const answered = asked === -1 ? undefined : items.slice(asked + 1, next === -1 ? undefined : next).find((item) => item.role === "assistant" && item.text !== "");
    if (answered) await this.options.send(message, answered.text);
    // After a crash, the cut messages are answered one by one in the order they came: this answer says which message it is to
    // only when a later one's answer went already. A message that waited for a model is answered while later ones may be
    // (their turns run as the model comes back): it says which message it answers whenever later messages came.
    else {
      const laterAnswered = found?.recovering !== true || (next !== -1 && items.slice(next).some((item) => item.role === "assistant" && item.text !== ""));
      await this.options.run(message, asked === -1 ? undefined : { retryOf: items[asked]?.id, laterAnswered });
    }
  }

  /** The session's transcript as it is now (a copy: what a resend adds later is not read as an earlier message's answer). */
  private async transcript(session: string): Promise<readonly TranscriptItem[]> {
    const items = await this.options.port
      .sessions()
      .transcript(session)
      .catch(() => []);
    return [...items];
  }

  private waiting(): PendingMessage[] {
    return this.options.pending.list().filter((message) => message.waitingSince !== undefined && !isHeld(message));
  }

  private schedule(): void {
    if (this.timer || this.running) return;
    const waiting = this.waiting();
    if (waiting.length === 0) return;
    const now = this.options.clock.now();
    const firstExpiry = Math.min(...waiting.map((message) => Date.parse(message.waitingSince ?? "") + this.options.windowMs()));
    const delay = Math.max(0, Math.min(FIRST_RETRY_MS * 2 ** this.attempt, LONGEST_RETRY_MS, firstExpiry - now));
    this.attempt += 1;
    this.timer = this.options.clock.setTimeout(() => {
      this.timer = undefined;
      this.options.track(this.retryAll());
    }, delay);
  }

  private async retryAll(): Promise<void> {
    if (this.running) return;
    this.running = true;
    this.timer?.cancel();
    this.timer = undefined;
    try {
      const now = this.options.clock.now();
      const sessions = new Map<string, PendingMessage[]>();
      // A sender taken out of the allowlist meanwhile: dropped, no model asked and nothing sent (mayAnswer).
      for (const message of this.waiting()) if (this.options.mayAnswer(message)) sessions.set(message.session, [...(sessions.get(message.session) ?? []), message]);
      for (const messages of sessions.values()) {
        const live: PendingMessage[] = [];
        for (const message of messages) {
          if (now - Date.parse(message.waitingSince ?? "") >= this.options.windowMs()) {
            const minutes = Math.round(this.options.windowMs() / 60_000);
            await this.options.send(message, `Sorry — no model could answer for ${minutes} minute${minutes === 1 ? "" : "s"}, so this message got no answer: “${excerpt(message.text)}”. Send it again later.`);
          } else live.push(message);
        }
        const latest = live.at(-1);
        if (!latest) continue;
        // This message by its own id (a retry naming none would take the latest unanswered message of the whole
        // conversation: an older one, if this was answered meanwhile) — or its answer, when the transcript has one.
        await this.resume(latest);
        // Once the latest is answered, earlier ones are named, not dropped.
        if (this.waiting().some((message) => message.id === latest.id)) continue;
        for (const older of live.slice(0, -1)) await this.options.send(older, `This message got no answer while the models were down: “${excerpt(older.text)}”. Send it again if it still matters.`);
      }
    } finally {
      this.running = false;
    }
    if (this.waiting().length > 0) this.schedule();
    else this.attempt = 0;
  }
}
