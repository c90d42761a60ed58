import { randomUUID } from "node:crypto";
import { rm } from "node:fs/promises";
import { join } from "node:path";
import type { SessionLock, SessionStore } from "../sessions/session-store.js";
import { fileSystemFault, type WriteWatch } from "../shared/fs-fault.js";
import type { JournalFs } from "./journal-file.js";
import { removeLeftRewrites, type JournalWriteFs } from "./journal-compaction.js";
import { JournalWriter } from "./journal-writer.js";
import { JournalFullFault } from "./port.js";
import { cutTurnNotice, type TurnProcess } from "./cut-turn.js";
import { bySession, deadJournals, finishUnfinished, markDone, type JournalsRead, saveUnanswered, sessionOf, type DeadJournals, type InboxItem, type JournalLine, type TurnUnderWay, type Unfinished } from "./gone-journals.js";

export type { InboxItem } from "./gone-journals.js";

/**
 * How much the messages waiting in one journal may hold together (their words and images, as the journal
 * has them): 64 MB, some nine photos at the largest a turn keeps. A message past it is refused as it comes,
 * saying so (JournalFullFault), never kept in part; with the journal's rewrites (JOURNAL_COMPACT_AT_BYTES)
 * the bound keeps a journal far below what is read back at a start (JOURNAL_MAX_BYTES).
 */
export const JOURNAL_HOLDS_BYTES = 64 * 1024 * 1024;

/** How long a turn waits for the journals of gone processes to be read before it goes on without closing what they left (closeGoneIn). */
const CLOSE_READ_WAIT_MS = 2_000;

/** What a message kept because its session could not be written becomes once it can: saved, unanswered. */
const SAVED_LATE = "its session could not be written when it came: it was kept, and saved once the session could take it — Retry sends it";

/**
 * Messages taken in but not yet saved to their session, kept on disk so that a crash or `kill -9`
 * loses none: a message accepted while its session was busy waits in memory for its turn, and until
 * that turn saves it this journal is the only copy. Only the messages a stop before their turn keeps
 * are added (`InboundMessage.keepWhenStopped`: the web chat's, WhatsApp's): an API request's client saw
 * its connection break and sends it again, so a crash saves it no more than a stop does. Every turn, any
 * channel's, also says here when it begins (`begun`: the user entry its message is saved as), so that
 * a turn a crash cut is known at the next start. One file per process (`<state dir>/inbox/<pid>.jsonl`,
 * an `add` line when a message comes in, a `turn` line when its turn begins, a `take` line when its turn
 * is over and its message in its session (a message its session could not take stays: `keep`); removed when nothing waits or runs, rewritten with only what waits once it has grown well past that (JournalWriter); secrets masked as in a session). `recover()` turns the
 * files of processes that are gone into saved, unanswered messages, and closes the turns they cut.
 */
export class MessageInbox {
  /**
   * By id, in arrival order: what the journal holds — a message (in memory as it came: the journal has it
   * masked), or undefined for a turn under way whose message was not journaled (`begun`).
   */
  private readonly waiting = new Map<string, InboxItem | undefined>();
  /** The bytes of each waiting message's `add` line: what the journal holds for it (JOURNAL_HOLDS_BYTES). */
  private readonly heldBytes = new Map<string, number>();
  /** The ids whose turn ended without saving their message (its session could not be written): kept until `saveKept` can. */
  private readonly unsaved = new Set<string>();
  /** The messages of gone processes' journals not yet saved to their session (recover): shown waiting meanwhile. */
  private readonly recovering = new Map<string, InboxItem>();
  /** The sessions those messages and the turns gone processes cut are in, each until its recovery is over. */
  private readonly sessionsRecovering = new Map<string, Promise<{ saved: number; cut: number }>>();
  /** Resolves once `recover` has read the journals (and filled `sessionsRecovering`): the start waits for it, a message never does. */
  private listing: Promise<void> = Promise.resolve();
  /** The reading of gone processes' journals for a turn under way, if one is (goneJournalsWithin). */
  private reading: Promise<DeadJournals> | undefined;
  /** The journals of gone processes as last read: each turn reads one again only once it changed (closeGoneIn). */
  private readonly journalsRead: JournalsRead = new Map();
  /** What was said about the journals (a file that is not one, a line dropped): each once. */
  private readonly told = new Set<string>();
  /** This process's journal. */
  readonly file: string;
  /** Its lines written in order, and kept as written for its rewrites. */
  private readonly writer: JournalWriter;

  /**
   * `secrets`: what the session store masks (keys, key-shaped tokens) is masked in the journal too, so
   * a key in a waiting message is never on disk in clear — not even after a `kill -9` leaves the file.
   * `process`: which hearth this is (the gateway unless said), written with each turn: a turn it is cut
   * in is said as cut by it.
   */
  constructor(private readonly options: { stateDir: string; pid?: number | undefined; onWarning?: ((message: string) => void) | undefined; secrets?: { redactValue<T>(value: T): T } | undefined; process?: TurnProcess | undefined; holdsBytes?: number | undefined; journalFs?: JournalFs | undefined; closeReadWaitMs?: number | undefined; compactAtBytes?: number | undefined; journalWriteFs?: JournalWriteFs | undefined; writes?: WriteWatch | undefined }) {
    this.file = join(this.dir(), `${options.pid ?? process.pid}.jsonl`);
    this.writer = new JournalWriter({ file: this.file, tell: (problem) => this.tellOnce(problem), compactAtBytes: options.compactAtBytes, writeFs: options.journalWriteFs });
  }

  /**
   * Keeps a message until `take`; resolves once it is on disk (a channel says "accepted" only then).
   * An `inbox/` removed while the gateway runs (`rm -rf ~/.hearth/…`) is made again. A state dir that
   * cannot take the line (full, read-only, not a directory) rejects it: the message is not kept, and the
   * error names the path, what is wrong and the fix.
   */
  async add(item: Omit<InboxItem, "id">): Promise<string> {
    const id = randomUUID();
    // Made before the write: a fault in making it is hearth's, not the state dir's. No images: none in the line.
    const line: JournalLine = { add: { id, ...item, images: item.images?.length ? item.images : undefined } };
    const text = this.lineText(line);
    const bytes = Buffer.byteLength(text);
    this.refuseWhenFull(bytes, item);
    // Counted before the write (two messages at once each see the other's), given back if it fails.
    this.heldBytes.set(id, bytes);
    try {
      await this.writer.write(id, text);
    } catch (error) {
      this.heldBytes.delete(id);
      const fault = fileSystemFault(error, { path: this.file, doing: "keep the message (it waits for its turn) in" });
      this.options.writes?.failed("journal", fault);
      throw fault;
    }
    this.options.writes?.wrote("journal");
    this.waiting.set(id, { id, ...item });
    return id;
  }

  /**
   * A turn begins: its message is saved to `session` as the user entry `entry` (`journaled`: the
   * message's own journal id, when it has one). Returns the id to `take` once the turn is over. Not
   * waited for: a line not written (a crash in between, a state dir that cannot take it) leaves a cut
   * turn unmarked at the next start — it still shows unanswered — and costs the turn nothing.
   */
  begun(turn: Omit<TurnUnderWay, "by"> & { journaled?: string | undefined }): string {
    const id = turn.journaled ?? randomUUID();
    if (!this.waiting.has(id)) this.waiting.set(id, undefined);
    const by = this.options.process === undefined || this.options.process === "gateway" ? {} : { by: this.options.process };
    const line: JournalLine = { turn: { id, session: turn.session, entry: turn.entry, ...by } };
    const text = this.lineText(line);
    void this.writer.write(id, text).catch(() => undefined);
    return id;
  }

  /** Refuses a message of `bytes` (its journal line) that would take what the waiting messages hold past the bound. */
  private refuseWhenFull(bytes: number, item: Omit<InboxItem, "id">): void {
    const limit = this.options.holdsBytes ?? JOURNAL_HOLDS_BYTES;
    let held = 0;
    for (const size of this.heldBytes.values()) held += size;
    if (held + bytes <= limit) return;
    const count = this.heldBytes.size;
    const images = item.images?.length ?? 0;
    throw new JournalFullFault({
      message: `not kept: the messages already waiting for their turn hold ${megabytes(held)} of the ${megabytes(limit)} hearth keeps waiting (${count} message${count === 1 ? "" : "s"}, in ${this.file}), and this one (${megabytes(bytes)}${images > 0 ? `, with ${images} image${images === 1 ? "" : "s"}` : ""}) would go past it`,
      details: [`nothing of this message was kept: send it again once hearth has answered the messages before it${images > 0 ? ", or send it without its images" : ""}`],
    });
  }

  /** How many messages and turns the journal holds now (at the end of a stop: the messages kept for the next start). */
  held(): number {
    return this.waiting.size;
  }

  /** The messages a stopped hearth had taken in for `session` that recovery has not saved yet (it waits for the session). */
  recoveringIn(session: string): InboxItem[] {
    return [...this.recovering.values()].filter((item) => item.session === session);
  }

  /** The message is in its session (and its turn, if one began, is over): it leaves the journal. */
  async take(id: string): Promise<void> {
    this.unsaved.delete(id);
    this.heldBytes.delete(id);
    if (!this.waiting.delete(id)) return;
    await this.writer.take(id, this.lineText({ take: id }));
  }

  /**
   * The message's turn ended without saving it (its session could not be written: a full disk, a
   * read-only one): it stays in the journal — the next start saves it, as any message a stopped
   * gateway left there — and `saveKept` saves it while this one runs, once the session can take it.
   */
  keep(id: string): void {
    if (this.waiting.get(id) !== undefined) this.unsaved.add(id);
  }

  /** The sessions with kept messages, in the order the first of each came. */
  keptSessions(): string[] {
    return [...new Set(this.keptItems().map((item) => item.session))];
  }

  /**
   * Saves the kept messages of `session` to it, in order, unanswered (`/retry` sends one), and takes
   * them from the journal; throws the state dir's fault (path, cause, fix) at the first that still
   * cannot be saved, which stays kept with those after it. The caller holds the session's line. Returns how many were saved.
   */
  async saveKept(store: SessionStore, session: string): Promise<number> {
    let saved = 0;
    for (const item of this.keptItems()) {
      if (item.session !== session) continue;
      const masked = this.options.secrets ? this.options.secrets.redactValue(item) : item;
      if (await saveUnanswered(store, masked, SAVED_LATE)) saved++;
      await this.take(item.id);
    }
    return saved;
  }

  /** The messages of `session` kept because it could not be written (shown waiting until saved). */
  keptIn(session: string): InboxItem[] {
    return this.keptItems().filter((item) => item.session === session);
  }

  private keptItems(): InboxItem[] {
    return [...this.waiting.values()].filter((item): item is InboxItem => item !== undefined && this.unsaved.has(item.id));
  }

  /**
   * The messages of processes that are gone (a crash, `kill -9`) that never reached their session:
   * each is saved to it now, where it was said, as a message that got no answer (a channel shows it
   * unanswered; `/retry` sends it). A message its session already holds is not saved twice. A turn
   * that began and never ended (the process died while answering it) is closed with a `turn-failed`
   * saying so (cutTurnEnd), in the journal's order: before the messages that waited behind it. Every
   * session the journals name is asked for at once (each waits for the dead process's lock to go
   * stale), and a new message to one of them waits until its recovery is over (`recovered`): a cut turn
   * is closed before any later message, which would otherwise end it unmarked. Returns how many were
   * saved, how many cut turns were closed, and how many journals of processes still running were left
   * (a process just killed may still be there a moment, unreaped: ask again a little later).
   */
  async recover(store: SessionStore): Promise<{ saved: number; cut: number; left: number }> {
    // Set before the first await: the start waits for the journals to be read (a message does not: see `recovered`).
    let listed: () => void = () => undefined;
    this.listing = new Promise((resolve) => (listed = resolve));
    let found: DeadJournals;
    try {
      await removeLeftRewrites(this.dir());
      // A journal under this process's own pid is an earlier process's (a container's pid 1): set aside first, then read as gone.
      await this.writer.prepare();
      found = await deadJournals({ dir: this.dir(), ownPid: this.options.pid ?? process.pid, tell: (problem) => this.tellOnce(problem), read: this.journalsRead, fs: this.options.journalFs });
      for (const [id, { item, turn }] of found.work) if (item && !turn) this.recovering.set(id, item);
      for (const [session, pieces] of bySession(found.work)) this.sessionsRecovering.set(session, this.recoverSession(store, { session, pieces }));
    } finally {
      listed();
    }
    const sessions = [...this.sessionsRecovering.values()];
    const outcomes = await Promise.allSettled(sessions);
    this.sessionsRecovering.clear();
    let saved = 0;
    let cut = 0;
    for (const outcome of outcomes) {
      if (outcome.status === "rejected") throw outcome.reason;
      saved += outcome.value.saved;
      cut += outcome.value.cut;
    }
    // Kept until every piece is done: one that failed is tried again at the next start (a piece done is not done twice).
    for (const path of found.paths) await rm(path, { force: true });
    return { saved, cut, left: found.left };
  }

  /**
   * Resolves once the session's recovery is over (at once when the journals of gone processes name it
   * not, or are still being read: a message never waits for the reading itself, which the start waits
   * for before it listens); `onWait` is called first when it has to wait. A signal that aborts ends the wait (the caller then gives up as at its lock).
   */
  async recovered(session: string, options: { onWait?: () => void; signal?: AbortSignal | undefined } = {}): Promise<void> {
    const recovery = this.sessionsRecovering.get(session);
    const { signal } = options;
    if (recovery === undefined || signal?.aborted) return;
    options.onWait?.();
    const aborted = new Promise<void>((resolve) => signal?.addEventListener("abort", () => resolve(), { once: true }));
    await Promise.race([recovery.catch(() => undefined), ...(signal ? [aborted] : [])]);
  }

  /**
   * What processes that are gone left unfinished in `session`, finished now as `recover` finishes it —
   * above all a turn a killed `hearth agent` or `hearth chat` was answering, which no gateway start may
   * come to close — before anything else is done in the session: a later message would end the cut turn
   * unmarked. Every turn does it (the gateway's and the one-shot commands'), and so do `sessions show`
   * and `export`, and the gateway's read of the session for a page. `lock`: how to hold the session
   * meanwhile (one that gives none: the session is busy, and nothing is done); absent, the caller holds it. Asked for only
   * when a journal names the session. Given a `lock` to take, a session this process's `recover` is
   * recovering is left to it, looked at before the lock and again once it is held (a recovery round may
   * begin meanwhile): the recovery closes the same pieces, counts and says them, and shows its messages
   * waiting until then — taken here by a page's read, they were saved while the page still showed them
   * waiting, and the start said nothing of them. (A caller that holds the lock, a turn, waited for the
   * recovery first, and closes what is left itself.) A journal whose pieces were all in this session is removed (one
   * that names others too is left to their turns and the next start; a piece done is not done twice). A
   * fault is said (`onWarning`) and left for the next try. Returns what to say of each cut turn closed (cutTurnNotice).
   */
  async closeGoneIn(store: SessionStore, session: string, options: { lock?: (() => Promise<SessionLock | undefined>) | undefined } = {}): Promise<string[]> {
    const found = await this.goneJournalsWithin();
    // Not read in time (a slow or hung disk): this turn goes on, the next one looks again.
    if (found === undefined) return [];
    const pieces = bySession(found.work).get(session);
    // A page's read (a lock to take) leaves a session under recovery to it.
    const leftToRecovery = (): boolean => options.lock !== undefined && this.sessionsRecovering.has(session);
    if (pieces === undefined || leftToRecovery()) return [];
    const closed: string[] = [];
    try {
      const lock = await options.lock?.();
      // Busy (a `lock` that does not wait, as a page's read of the session takes it): its holder's turn closes it first.
      if (options.lock && lock === undefined) return [];
      try {
        if (leftToRecovery()) return [];
        for (const [, work] of pieces) {
          const done = await finishUnfinished(store, { session, work });
          if (done.cut) closed.push(cutTurnNotice(done.cut));
        }
      } finally {
        await lock?.release();
      }
      for (const path of found.paths) {
        if (found.work.every(([, work]) => work.path !== path || sessionOf(work) === session)) await rm(path, { force: true });
        else await markDone(pieces.filter(([, work]) => work.path === path));
      }
    } catch (error) {
      this.options.onWarning?.(`could not close what a stopped hearth left unfinished in session "${session}" (${error instanceof Error ? error.message : String(error)}); it stays in ${this.dir()}, and is tried again at the session's next turn`);
    }
    return closed;
  }

  /**
   * The journals of gone processes, read for a turn (closeGoneIn) — or undefined when the reading has not
   * ended within `closeReadWaitMs` (2 s unless said): a read that hangs (a hung disk) never holds a turn up.
   * One reading at a time: a turn that comes while one hangs waits for that one, within its own bound.
   */
  private async goneJournalsWithin(): Promise<DeadJournals | undefined> {
    this.reading ??= deadJournals({ dir: this.dir(), ownPid: this.options.pid ?? process.pid, tell: (problem) => this.tellOnce(problem), read: this.journalsRead, fs: this.options.journalFs }).finally(() => (this.reading = undefined));
    const waitMs = this.options.closeReadWaitMs ?? CLOSE_READ_WAIT_MS;
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<undefined>((resolve) => (timer = setTimeout(() => resolve(undefined), waitMs)));
    try {
      const found = await Promise.race([this.reading, late]);
      if (found === undefined) this.tellOnce(`the message journals in ${this.dir()} are still being read after ${waitMs / 1000} s (a slow or hung disk?): turns go on meanwhile, and a turn a stopped hearth cut in a conversation is closed once they can be read`);
      return found;
    } finally {
      clearTimeout(timer);
    }
  }

  /** Resolves once the latest `recover` has read the journals: from then on a message to a session it recovers waits for it (`recovered`). */
  listed(): Promise<void> {
    return this.listing;
  }

  /** One session's unfinished pieces, finished in order under one hold of its lock. */
  private async recoverSession(store: SessionStore, what: { session: string; pieces: readonly [string, Unfinished][] }): Promise<{ saved: number; cut: number }> {
    let saved = 0;
    let cut = 0;
    try {
      const lock = await store.lock(what.session);
      try {
        for (const [id, work] of what.pieces) {
          const done = await finishUnfinished(store, { session: what.session, work });
          if (done.saved) saved++;
          if (done.cut) cut++;
          this.recovering.delete(id);
        }
      } finally {
        await lock.release();
      }
    } finally {
      for (const [id] of what.pieces) this.recovering.delete(id);
    }
    return { saved, cut };
  }

  private dir(): string {
    return join(this.options.stateDir, "inbox");
  }

  private tellOnce(message: string): void {
    if (this.told.has(message)) return;
    this.told.add(message);
    this.options.onWarning?.(message);
  }

  /** A journal line, what the session store masks masked. */
  private lineText(line: JournalLine): string {
    return `${JSON.stringify(this.options.secrets ? this.options.secrets.redactValue(line) : line)}\n`;
  }
}

/** Bytes as a person reads them, in MB to one decimal ("0.2 MB"). */
function megabytes(bytes: number): string {
  return `${(bytes / (1024 * 1024)).toFixed(1)} MB`;
}
