import { randomUUID } from "node:crypto";
import { appendFile, mkdir, readdir, readFile, rm } from "node:fs/promises";
import { join } from "node:path";
import { newEntryId, type SessionStore } from "../sessions/session-store.js";
import { fileSystemFault } from "../shared/fs-fault.js";
import { processAlive } from "../shared/process-alive.js";

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
}

type Line = { add: InboxItem } | { take: string };

/** What a crashed process's message becomes: saved, unanswered, and `/retry` sends it. */
const NOT_STARTED = "not answered: hearth stopped before this message's turn began (nothing was lost: /retry sends it)";

/** What a message kept because its session could not be written becomes once it can: saved, unanswered. */
const SAVED_LATE = "its session could not be written when it came: it was kept, and saved once the session could take it (/retry sends it)";

/**
 * Messages taken in but not yet saved to their session, kept on disk so that a crash or `kill -9`
 * loses none: a message accepted while its session was busy waits in memory for its turn, and until
 * that turn saves it this journal is the only copy. Only the messages a stop before their turn keeps
 * are added (`InboundMessage.keepWhenStopped`: the web chat's, WhatsApp's): an API request's client saw
 * its connection break and sends it again, so a crash saves it no more than a stop does. One file per process (`<state dir>/inbox/<pid>.jsonl`,
 * an `add` line when a message comes in, a `take` line once it is in its session (a message its session could not take stays: `keep`); removed when nothing
 * waits; secrets masked as in a session). `recover()` turns the files of processes that are gone into saved, unanswered messages.
 */
export class MessageInbox {
  /** By id, in arrival order: the messages in the journal (in memory as they came: the journal has them masked). */
  private readonly waiting = new Map<string, InboxItem>();
  /** The ids whose turn ended without saving them (their session could not be written): kept until `saveKept` can. */
  private readonly unsaved = new Set<string>();
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
    // Made before the write: a fault in making it is hearth's, not the state dir's.
    const text = this.lineText({ add: { id, ...item } });
    try {
      await this.write(text);
    } catch (error) {
      throw fileSystemFault(error, { path: this.file, doing: "keep the message (it waits for its turn) in" });
    }
    this.waiting.set(id, { id, ...item });
    return id;
  }

  /** The message is in its session: it leaves the journal. */
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
    if (this.waiting.has(id)) this.unsaved.add(id);
  }

  /** The sessions with kept messages, in the order the first of each came. */
  keptSessions(): string[] {
    return [...new Set([...this.waiting.values()].filter((item) => this.unsaved.has(item.id)).map((item) => item.session))];
  }

  /**
   * Saves the kept messages of `session` to it, in order, unanswered (`/retry` sends one), and takes
   * them from the journal; throws the state dir's fault (path, cause, fix) at the first that still
   * cannot be saved, which stays kept with those after it. The caller holds the session's line. Returns how many were saved.
   */
  async saveKept(store: SessionStore, session: string): Promise<number> {
    let saved = 0;
    for (const item of [...this.waiting.values()]) {
      if (item.session !== session || !this.unsaved.has(item.id)) continue;
      const masked = this.options.secrets ? this.options.secrets.redactValue(item) : item;
      if (await saveUnanswered(store, masked, SAVED_LATE)) saved++;
      await this.take(item.id);
    }
    return saved;
  }

  /**
   * The messages of processes that are gone (a crash, `kill -9`) that never reached their session:
   * each is saved to it now, where it was said, as a message that got no answer (a channel shows it
   * unanswered; `/retry` sends it). A message its session already holds is not saved twice.
   * Returns how many were saved, and how many journals of processes still running were left (a
   * process just killed may still be there a moment, unreaped: ask again a little later).
   */
  async recover(store: SessionStore): Promise<{ saved: number; left: number }> {
    let names: string[];
    try {
      names = await readdir(this.dir());
    } catch {
      return { saved: 0, left: 0 };
    }
    let saved = 0;
    let left = 0;
    for (const name of names) {
      const pid = Number(name.replace(/\.jsonl$/, ""));
      if (!name.endsWith(".jsonl") || !Number.isInteger(pid) || pid <= 0 || pid === (this.options.pid ?? process.pid)) continue;
      if (processAlive(pid)) {
        left++;
        continue;
      }
      const path = join(this.dir(), name);
      for (const item of pendingItems(await readFile(path, "utf8").catch(() => ""))) {
        if (await saveUnanswered(store, item, NOT_STARTED)) saved++;
      }
      await rm(path, { force: true });
    }
    return { saved, left };
  }

  private dir(): string {
    return join(this.options.stateDir, "inbox");
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


/** The `add`s of a journal without their `take`, in order; damaged lines are skipped. */
function pendingItems(text: string): InboxItem[] {
  const items = new Map<string, InboxItem>();
  for (const raw of text.split("\n")) {
    if (raw.trim() === "") continue;
    let line: Partial<{ add: Partial<InboxItem>; take: unknown }>;
    try {
      line = JSON.parse(raw) as typeof line;
    } catch {
      continue;
    }
    const add = line.add;
    if (add && typeof add.id === "string" && typeof add.session === "string" && typeof add.text === "string" && typeof add.at === "string") {
      items.set(add.id, { id: add.id, session: add.session, text: add.text, channel: typeof add.channel === "string" ? add.channel : "unknown", agent: typeof add.agent === "string" ? add.agent : "main", at: add.at });
    } else if (typeof line.take === "string") items.delete(line.take);
  }
  return [...items.values()];
}

/** Saves `item` to its session, marked unanswered with `why`; false when the session holds it already (saved since it was taken in). */
async function saveUnanswered(store: SessionStore, item: InboxItem, why: string): Promise<boolean> {
  const lock = await store.lock(item.session);
  try {
    const { entries } = await store.read(item.session);
    if (entries.some((entry) => entry.type === "user" && entry.text === item.text && entry.at >= item.at)) return false;
    const at = new Date().toISOString();
    await store.append(item.session, [
      ...(entries.length === 0 ? [{ type: "session" as const, version: 1 as const, at: item.at, agent: item.agent }] : []),
      { type: "user", id: newEntryId(), at: item.at, text: item.text, ...(item.channel === "unknown" ? {} : { channel: item.channel }) },
      { type: "turn-failed", id: newEntryId(), at, error: why, attempts: [], cause: "transient" },
    ]);
    return true;
  } finally {
    await lock.release();
  }
}
