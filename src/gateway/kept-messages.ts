import type { TurnResult } from "../agent/agent-events.js";
import { emptyUsage } from "../ai/usage.js";
import type { SessionStore } from "../sessions/session-store.js";
import type { HearthError } from "../shared/errors.js";
import { KeptMessageFault } from "./port.js";
import type { MessageInbox } from "./message-inbox.js";
import type { SessionQueue } from "./session-queue.js";

/** How often the messages kept while their session could not be written are tried again, while any are. */
export const KEPT_RETRY_MS = 15_000;

/**
 * The messages a channel accepted (a web chat's 202, WhatsApp's) whose session could not be written
 * when their turn came (a full disk, a read-only one, a session file that is not a file): they stay in
 * the journal (MessageInbox.keep) and are saved to their session, unanswered, as soon as it can take
 * them — before the next message of that session (in order: a fault there fails that one too, and keeps
 * it), right after any other message's save succeeds (space came back), every `everyMs` while any are
 * kept, and at the next start (the journal of a process that is gone: MessageInbox.recover).
 */
export class KeptMessages {
  private timer: NodeJS.Timeout | undefined;
  private trying = false;
  private stopped = false;

  /**
   * `writing`: runs a save of `session` as this gateway's own write (its session watcher tells none of it: the page
   * would read the session between the message and its note, and show neither); `onSaved`: told once it is saved.
   */
  constructor(private readonly options: { inbox: MessageInbox; store: SessionStore; queue: SessionQueue; everyMs?: number | undefined; onSaved: (session: string, count: number) => void; writing?: (<T>(session: string, work: () => Promise<T>) => Promise<T>) | undefined }) {}

  /** The message's turn ended without saving it: it is kept, and tried again. */
  keep(id: string): void {
    this.options.inbox.keep(id);
    this.schedule();
  }

  /**
   * Before a message's turn in `session` (its line held): the session's kept messages are saved first,
   * in the order they came; throws the state dir's fault when they still cannot be.
   */
  async before(session: string): Promise<void> {
    const save = (): Promise<number> => this.options.inbox.saveKept(this.options.store, session);
    const saved = await (this.options.writing ? this.options.writing(session, save) : save());
    if (saved > 0) this.options.onSaved(session, saved);
  }

  /** A save succeeded (the disk has room again): the other sessions' kept messages are tried now. */
  nudge(): void {
    if (this.options.inbox.keptSessions().length > 0) void this.tryAll();
  }

  /** The gateway stops: no more tries (what is kept stays in the journal for the next start). */
  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  private schedule(): void {
    if (this.timer || this.stopped) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.tryAll();
    }, this.options.everyMs ?? KEPT_RETRY_MS);
    this.timer.unref();
  }

  /** Each session with kept messages, in its line; a session whose line is busy is left to its next message (or the next try). */
  private async tryAll(): Promise<void> {
    if (this.trying || this.stopped) return;
    this.trying = true;
    try {
      for (const session of this.options.inbox.keptSessions()) {
        if (this.stopped) return;
        if (this.options.queue.has(session)) continue;
        await this.options.queue.run(session, () => this.before(session)).catch(() => undefined);
      }
    } finally {
      this.trying = false;
      if (this.options.inbox.keptSessions().length > 0) this.schedule();
    }
  }
}

/**
 * A turn that could not run because hearth could not keep or read its session: what is wrong, where,
 * and the fix — and, for a message its channel was told is kept, that it is (`keptIn`: the journal).
 */
export function stateFault(session: string, error: HearthError, keptIn: string | undefined): TurnResult {
  const kept = keptIn === undefined ? [] : [keptWords(keptIn)];
  return { ok: false, error: [error.message, ...error.details, ...kept].join(" — "), session, attempts: [], cause: "permanent", compaction: undefined, usage: emptyUsage() };
}

const keptWords = (keptIn: string): string => `your message is not lost: it is kept in ${keptIn} and saved to this session, unanswered, as soon as the session can be written (tried every ${KEPT_RETRY_MS / 1000} s, and at the next start)`;

/** The fault as its caller gets it: a KeptMessageFault where the message is kept (`keptIn`), else as it was. */
export function callerFault(error: HearthError, keptIn: string | undefined): HearthError {
  return keptIn === undefined ? error : new KeptMessageFault({ error, keptIn, said: keptWords(keptIn) });
}
