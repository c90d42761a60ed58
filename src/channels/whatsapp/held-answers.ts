import type { Clock } from "../../shared/clock.js";
import type { Outbox } from "./outbox.js";
import type { PendingMessage, PendingStore } from "./pending-store.js";

/** How long after a send failed the answers still held are tried again (a reconnect, or the chat's next answer, tries them sooner). */
export const HELD_RETRY_MS = 30_000;

/** A pending message whose answer (or its rest) waits to be sent. */
export function isHeld(message: PendingMessage): boolean {
  return message.answer !== undefined || message.answerParts !== undefined;
}

/**
 * Answers on their way to WhatsApp, in each chat's order: an answer goes out only after every answer
 * held in its chat before it (one whose send failed), so a later message's answer never overtakes an
 * earlier one's; an answer cut by a failed send keeps the parts that did not go, and goes on from the
 * first of them — a part that went is never sent twice. Held answers are tried again before the chat's
 * next answer, on a reconnect ({@link flush}), and every {@link HELD_RETRY_MS} while any is held.
 */
export class HeldAnswers {
  /** Per chat, the send under way: the next waits for it (two turns ending together never mix their parts). */
  private readonly lines = new Map<string, Promise<void>>();
  private retry: { cancel(): void } | undefined;
  private stopped = false;
  /** The chats with an answer held (read from pending.json once, then kept here): an answer to any other goes at once, with no read of the file. */
  private readonly chats: Set<string>;

  constructor(
    private readonly options: {
      outbox: Outbox;
      pending: PendingStore;
      clock: Clock;
      track: (work: Promise<void>) => void;
      /** Whether a held answer may still go to its sender (still allowed); false: it was dropped, nothing is sent for it. */
      mayAnswer: (message: PendingMessage) => boolean;
    },
  ) {
    this.chats = new Set(options.pending.list().filter(isHeld).map((message) => message.chat));
  }

  /** Sends `text` as the answer to `message` once the chat's held answers went; holds it (or what did not go of it) otherwise. */
  send(message: PendingMessage, text: string): Promise<void> {
    return this.inOrder(message.chat, async () => {
      const settled: PendingMessage = { ...message, answer: undefined, answerParts: undefined };
      if (!(await this.sendHeld(message.chat))) {
        this.options.pending.put({ ...settled, answer: text });
        this.chats.add(message.chat);
        return;
      }
      const rest = await this.options.outbox.sendParts(message.chat, this.options.outbox.parts(text));
      if (rest === undefined) {
        this.options.pending.remove(message.id);
        return;
      }
      this.options.pending.put({ ...settled, answerParts: rest });
      this.chats.add(message.chat);
      this.retryLater();
    });
  }

  /** Whether an answer of `chat` is held (a note about a later message would go out before it). */
  holds(chat: string): boolean {
    return this.chats.has(chat);
  }

  /** Tries every chat's held answers now (connected again). */
  async flush(): Promise<void> {
    await Promise.all([...this.chats].map((chat) => this.inOrder(chat, async () => void (await this.sendHeld(chat)))));
  }

  stop(): void {
    this.stopped = true;
    this.retry?.cancel();
    this.retry = undefined;
  }

  /** The chat's held answers, oldest message first; false when one still could not go (the rest stay held behind it). */
  private async sendHeld(chat: string): Promise<boolean> {
    if (!this.chats.has(chat)) return true;
    const held = this.options.pending
      .list()
      .filter((message) => message.chat === chat && isHeld(message))
      .sort((a, b) => a.receivedAt.localeCompare(b.receivedAt));
    for (const message of held) {
      // A sender taken out of the allowlist since the answer was made: it is not sent (mayAnswer dropped it).
      if (!this.options.mayAnswer(message)) continue;
      const parts = message.answerParts ?? this.options.outbox.parts(message.answer ?? "");
      const rest = await this.options.outbox.sendParts(chat, parts);
      if (rest === undefined) {
        this.options.pending.remove(message.id);
        continue;
      }
      if (message.answerParts === undefined || rest.length < parts.length) this.options.pending.put({ ...message, answer: undefined, answerParts: rest });
      this.retryLater();
      return false;
    }
    this.chats.delete(chat);
    return true;
  }

  private retryLater(): void {
    if (this.retry || this.stopped) return;
    this.retry = this.options.clock.setTimeout(() => {
      this.retry = undefined;
      this.options.track(this.flush());
    }, HELD_RETRY_MS);
  }

  private inOrder(chat: string, work: () => Promise<void>): Promise<void> {
    const next = (this.lines.get(chat) ?? Promise.resolve()).then(work);
    const line = next.catch(() => undefined);
    this.lines.set(chat, line);
    void line.then(() => {
      if (this.lines.get(chat) === line) this.lines.delete(chat);
    });
    return next;
  }
}
