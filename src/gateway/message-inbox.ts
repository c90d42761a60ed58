import { randomUUID } from "node:crypto";
import { appendFile, mkdir, readdir, rm } from "node:fs/promises";
import { join } from "node:path";
import type { InboundImage } from "../agent/inbound-images.js";
import { QUOTED_SOURCE, UntrustedMarker } from "../agent/untrusted.js";
import type { SessionEntry } from "../sessions/entries.js";
import { newEntryId, type SessionStore } from "../sessions/session-store.js";
import { fileSystemFault } from "../shared/fs-fault.js";
import { processAlive } from "../shared/process-alive.js";
import { cutTurnEnd, NOT_STARTED } from "./cut-turn.js";
import { readJournal } from "./journal-file.js";
import { checkedJournalLines, type JournalText } from "./journal-lines.js";

/** A message taken in and not yet in its session: it waits behind another turn, or for the session's lock. */
export interface InboxItem {
  id: string;
  session: string;
  text: string;
  channel: string;
  /** The agent that answers it ("main" when the message named none). */
  agent: string;
  /** ISO time it was taken in. */
  at: string;
  /** Forwarded or quoted text that came with it (a WhatsApp reply's), as sent: wrapped as untrusted when saved. */
  quoted?: string | undefined;
  /** The images its session keeps (keptMessage: one too large is a line of `text` instead), base64. */
  images?: readonly InboundImage[] | undefined;
}

/** A turn under way: its message is (being) saved in `session` as the user entry `entry`. */
interface TurnUnderWay {
  session: string;
  entry: string;
}

type Line = { add: InboxItem } | { take: string } | { turn: TurnUnderWay & { id: string } };

/** What a message kept because its session could not be written becomes once it can: saved, unanswered. */
const SAVED_LATE = "its session could not be written when it came: it was kept, and saved once the session could take it — Retry sends it";

/** What the journals of gone processes hold: their unfinished work by id, in order; their paths; and how many journals of running processes were left. */
interface DeadJournals {
  work: [string, Unfinished][];
  paths: string[];
  left: number;
}

/** What a journal of a process that is gone still holds for one id: a message not yet saved, a turn not ended, or both. */
interface Unfinished {
  item: InboxItem | undefined;
  turn: TurnUnderWay | undefined;
}

/**
 * Messages taken in but not yet saved to their session, kept on disk so that a crash or `kill -9`
 * loses none: a message accepted while its session was busy waits in memory for its turn, and until
 * that turn saves it this journal is the only copy. Only the messages a stop before their turn keeps
 * are added (`InboundMessage.keepWhenStopped`: the web chat's, WhatsApp's): an API request's client saw
 * its connection break and sends it again, so a crash saves it no more than a stop does. Every turn, any
 * channel's, also says here when it begins (`begun`: the user entry its message is saved as), so that
 * a turn a crash cut is known at the next start. One file per process (`<state dir>/inbox/<pid>.jsonl`,
 * an `add` line when a message comes in, a `turn` line when its turn begins, a `take` line when its turn
 * is over and its message in its session (a message its session could not take stays: `keep`); removed when nothing waits or runs; secrets masked as in a session). `recover()` turns the
 * files of processes that are gone into saved, unanswered messages, and closes the turns they cut.
 */
export class MessageInbox {
  /**
   * By id, in arrival order: what the journal holds — a message (in memory as it came: the journal has it
   * masked), or undefined for a turn under way whose message was not journaled (`begun`).
   */
  private readonly waiting = new Map<string, InboxItem | undefined>();
  /** The ids whose turn ended without saving their message (its session could not be written): kept until `saveKept` can. */
  private readonly unsaved = new Set<string>();
  /** The messages of gone processes' journals not yet saved to their session (recover): shown waiting meanwhile. */
  private readonly recovering = new Map<string, InboxItem>();
  /** The sessions those messages and the turns gone processes cut are in, each until its recovery is over. */
  private readonly sessionsRecovering = new Map<string, Promise<{ saved: number; cut: number }>>();
  /** Resolves once `recover` has read the journals (and filled `sessionsRecovering`): the start waits for it, a message never does. */
  private listing: Promise<void> = Promise.resolve();
  /** What was said about the journals (a file that is not one, a line dropped): each once. */
  private readonly told = new Set<string>();
  /** This process's journal. */
  readonly file: string;
  private ready: Promise<void> | undefined;
  /** Writes go out one after the other, in order. */
  private tail: Promise<void> = Promise.resolve();

  /**
   * `secrets`: what the session store masks (keys, key-shaped tokens) is masked in the journal too, so
   * a key in a waiting message is never on disk in clear — not even after a `kill -9` leaves the file.
   */
  constructor(private readonly options: { stateDir: string; pid?: number | undefined; onWarning?: ((message: string) => void) | undefined; secrets?: { redactValue<T>(value: T): T } | undefined }) {
    this.file = join(this.dir(), `${options.pid ?? process.pid}.jsonl`);
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
    const text = this.lineText({ add: { id, ...item, images: item.images?.length ? item.images : undefined } });
    try {
      await this.write(text);
    } catch (error) {
      throw fileSystemFault(error, { path: this.file, doing: "keep the message (it waits for its turn) in" });
    }
    this.waiting.set(id, { id, ...item });
    return id;
  }

  /**
   * A turn begins: its message is saved to `session` as the user entry `entry` (`journaled`: the
   * message's own journal id, when it has one). Returns the id to `take` once the turn is over. Not
   * waited for: a line not written (a crash in between, a state dir that cannot take it) leaves a cut
   * turn unmarked at the next start — it still shows unanswered — and costs the turn nothing.
   */
  begun(turn: TurnUnderWay & { journaled?: string | undefined }): string {
    const id = turn.journaled ?? randomUUID();
    if (!this.waiting.has(id)) this.waiting.set(id, undefined);
    void this.write(this.lineText({ turn: { id, session: turn.session, entry: turn.entry } })).catch(() => undefined);
    return id;
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
    if (!this.waiting.delete(id)) return;
    await this.write(this.lineText({ take: id })).catch(() => undefined);
    // Nothing waits: the file goes (the next message makes it again), so it never grows and no process leaves one behind.
    if (this.waiting.size === 0) await this.serially(() => rm(this.file, { force: true })).catch(() => undefined);
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
      found = await this.deadJournals();
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

  /** Resolves once the latest `recover` has read the journals: from then on a message to a session it recovers waits for it (`recovered`). */
  listed(): Promise<void> {
    return this.listing;
  }

  /**
   * The journals of processes that are gone: their unfinished work, in their order, and their paths; `left`:
   * those of processes still running. Only regular files are read (readJournal: never a FIFO, a link or a
   * file past the size bound), each line checked (checkedJournalLines); what is not read stays, said once.
   */
  private async deadJournals(): Promise<DeadJournals> {
    const found: DeadJournals = { work: [], paths: [], left: 0 };
    let names: string[];
    try {
      names = await readdir(this.dir());
    } catch {
      return found;
    }
    for (const name of names) {
      const pid = Number(name.replace(/\.jsonl$/, ""));
      if (!/^[1-9]\d*\.jsonl$/.test(name) || !Number.isSafeInteger(pid) || pid === (this.options.pid ?? process.pid)) continue;
      if (processAlive(pid)) {
        found.left++;
        continue;
      }
      const path = join(this.dir(), name);
      const read = await readJournal(path);
      if (!read.ok) {
        if (read.problem !== undefined) this.tellOnce(read.problem);
        continue;
      }
      const skipped = (line: number, reason: string): void => this.tellOnce(`skipped line ${line} of ${path} (${reason}): that piece of a stopped hearth's journal is dropped, the rest is recovered`);
      found.work.push(...unfinishedWork({ text: read.text, writtenAt: read.writtenAt, skipped }));
      found.paths.push(path);
    }
    return found;
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
  private lineText(line: Line): string {
    return `${JSON.stringify(this.options.secrets ? this.options.secrets.redactValue(line) : line)}\n`;
  }

  private write(text: string): Promise<void> {
    return this.serially(async () => {
      this.ready ??= mkdir(this.dir(), { recursive: true, mode: 0o700 }).then(() => undefined);
      // A failed mkdir is tried again next time (the state dir may be fixed meanwhile).
      await this.ready.catch((error: unknown) => {
        this.ready = undefined;
        throw error;
      });
      try {
        await appendFile(this.file, text, { mode: 0o600 });
      } catch (error) {
        // The folder was removed while the gateway ran: made again, and the line written there.
        if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
        await mkdir(this.dir(), { recursive: true, mode: 0o700 });
        await appendFile(this.file, text, { mode: 0o600 });
      }
    });
  }

  private serially(work: () => Promise<void>): Promise<void> {
    const next = this.tail.then(work);
    this.tail = next.catch(() => undefined);
    return next;
  }
}


/** What a journal left unfinished, by id in the order it was said: the `add`s and `turn`s without their `take`; a line that fails its check is skipped (and said). */
function unfinishedWork(journal: JournalText): Map<string, Unfinished> {
  const work = new Map<string, Unfinished>();
  for (const line of checkedJournalLines(journal)) {
    const { add, turn } = line;
    if (add && typeof add.id === "string" && typeof add.session === "string" && typeof add.text === "string" && typeof add.at === "string") {
      const item: InboxItem = { id: add.id, session: add.session, text: add.text, channel: typeof add.channel === "string" ? add.channel : "unknown", agent: typeof add.agent === "string" ? add.agent : "main", at: add.at, ...(typeof add.quoted === "string" ? { quoted: add.quoted } : {}), ...journaledImages(add.images) };
      work.set(add.id, { item, turn: work.get(add.id)?.turn });
    } else if (turn && typeof turn.id === "string" && typeof turn.session === "string" && typeof turn.entry === "string") {
      work.set(turn.id, { item: work.get(turn.id)?.item, turn: { session: turn.session, entry: turn.entry } });
    } else if (typeof line.take === "string") work.delete(line.take);
  }
  return work;
}

/** A journal line's images, where they are whole (a damaged list is left out: the message keeps its words, which say it had images only when one was too large). */
function journaledImages(value: unknown): { images?: InboundImage[] } {
  if (!Array.isArray(value)) return {};
  const images = value.filter((image): image is InboundImage => typeof image === "object" && image !== null && typeof (image as InboundImage).mediaType === "string" && typeof (image as InboundImage).data === "string");
  return images.length > 0 ? { images: images.map(({ mediaType, data }) => ({ mediaType, data })) } : {};
}

/** The unfinished pieces of the journals, by the session each is in (a piece in none is dropped), each session's in the journals' order. */
function bySession(work: readonly [string, Unfinished][]): Map<string, [string, Unfinished][]> {
  const sessions = new Map<string, [string, Unfinished][]>();
  for (const piece of work) {
    const session = piece[1].turn?.session ?? piece[1].item?.session;
    if (session === undefined) continue;
    sessions.set(session, [...(sessions.get(session) ?? []), piece]);
  }
  return sessions;
}

/**
 * One unfinished piece of a gone process's journal, finished while the caller holds the session's lock: a
 * turn it cut is closed (cutTurnEnd), a message its session does not hold is saved unanswered. A message
 * found in the session by its words (its turn began, the `turn` line never written) has its turn closed the same way.
 */
async function finishUnfinished(store: SessionStore, piece: { session: string; work: Unfinished }): Promise<{ saved: boolean; cut: boolean }> {
  const { session, work } = piece;
  const { entries } = await store.read(session);
  const item = work.item;
  const saved = work.turn ? entries.find((entry) => entry.type === "user" && entry.id === work.turn?.entry) : item && entries.find((entry) => entry.type === "user" && entry.text === item.text && entry.at >= item.at);
  if (saved) {
    const end = cutTurnEnd(entries, saved.type === "user" ? saved.id : "");
    if (end) await store.append(session, [end]);
    return { saved: false, cut: end !== undefined };
  }
  if (!item) return { saved: false, cut: false };
  await store.append(session, unansweredEntries(item, { first: entries.length === 0, why: NOT_STARTED }));
  return { saved: true, cut: false };
}

/** Saves `item` to its session, marked unanswered with `why`; false when the session holds it already (saved since it was taken in). */
async function saveUnanswered(store: SessionStore, item: InboxItem, why: string): Promise<boolean> {
  const lock = await store.lock(item.session);
  try {
    const { entries } = await store.read(item.session);
    if (entries.some((entry) => entry.type === "user" && entry.text === item.text && entry.at >= item.at)) return false;
    await store.append(item.session, unansweredEntries(item, { first: entries.length === 0, why }));
    return true;
  } finally {
    await lock.release();
  }
}

/** A message hearth took in and never began to answer (`why`), as its session keeps it: saved, and marked unanswered. */
function unansweredEntries(item: InboxItem, saving: { first: boolean; why: string }): SessionEntry[] {
  const { first } = saving;
  return [
    ...(first ? [{ type: "session" as const, version: 1 as const, at: item.at, agent: item.agent }] : []),
    {
      type: "user",
      id: newEntryId(),
      at: item.at,
      text: item.text,
      ...(item.quoted === undefined ? {} : { quoted: new UntrustedMarker().wrap(item.quoted, QUOTED_SOURCE) }),
      ...(item.images && item.images.length > 0 ? { images: item.images } : {}),
      ...(item.channel === "unknown" ? {} : { channel: item.channel }),
    },
    { type: "turn-failed", id: newEntryId(), at: new Date().toISOString(), error: saving.why, attempts: [], cause: "transient" },
  ];
}
