import { constants, existsSync, type Stats } from "node:fs";
import * as fsPromises from "node:fs/promises";
import { join } from "node:path";
import { fileSystemFault, nonRegularKind, notARegularFile, unopenableKind, type FaultContext, type WriteWatch } from "../shared/fs-fault.js";
import { takeBackAppend } from "./append-take-back.js";
import { ensureStateDirectory } from "../shared/state-file.js";
import type { SessionEntry, SessionSummary } from "./entries.js";
import { endsWithNewline, readFully } from "./file-bytes-at.js";
import { parseSessionLines } from "./parse-session-lines.js";
import { SharedStrings } from "./shared-strings.js";
import { foldLines, SummaryFold } from "./session-summary.js";
import { DEFAULT_LOCK, lockSession, lockSessionIfFree, sessionLocked, WaitTicket, type LockSettings, type SessionLock } from "./session-lock.js";
import { checkSessionKey, isSessionKey, newestFirst, summarize, type AppendOptions, type LockOptions, type ReadResult, type SessionListing, type SessionPlace, type SessionStore } from "./session-store.js";
import { SessionLooks } from "./session-looks.js";
import { watchSessions, type FileLook, type SessionWatchOptions } from "./session-watch.js";
import { arrivalNow } from "./wait-line.js";

/** The file operations the store uses (injected by tests that count reads). */
export type SessionFiles = Pick<typeof fsPromises, "open" | "stat" | "readdir" | "unlink">;

export interface JsonlSessionStoreOptions {
  /** Skipped lines and a lost lock are reported here (once per session and problem); default: ignored. */
  onWarning?: ((message: string) => void) | undefined;
  lock?: Partial<LockSettings> | undefined;
  /** Masks keys in what is stored (a server's error text may quote one); the composition root passes it. */
  secrets?: { redactValue<T>(value: T): T } | undefined;
  /** How many sessions are kept in memory (least recently used first out); default 256: more than the sessions a busy gateway serves at once, so none is read from its file again each turn (64 MiB of files is the real bound). */
  openSessions?: number | undefined;
  /** At most this many bytes of session files kept in memory (the one in use always is); default 64 MiB. */
  openBytes?: number | undefined;
  files?: SessionFiles | undefined;
  /** Told of each append (saved, or refused by the file system) and of each lock sessions/ refuses: the gateway's StateWrites. */
  writes?: WriteWatch | undefined;
  /** How `watch` looks for other processes' writes (tests: a poll interval, an fs.watch that fails). */
  watching?: Pick<SessionWatchOptions, "settleMs" | "pollMs" | "watcher"> | undefined;
  /** The time now, in ms (when a watch began: see SessionLooks); default Date.now. */
  now?: (() => number) | undefined;
}

/** A session held in memory: its entries and what of its file they stand for. */
interface OpenSession {
  entries: SessionEntry[];
  damaged: ReadResult["damaged"];
  tornTail: boolean;
  /** The file these entries came from: same inode, size and mtime means nothing changed. */
  ino: number;
  size: number;
  mtimeMs: number;
  /** Bytes parsed (a torn tail after them is read again next time). */
  consumed: number;
  lines: number;
  endsWithNewline: boolean;
}

/**
 * Sessions as append-only JSONL, one file per session under `<stateDir>/sessions/`. Open sessions stay
 * in memory (an LRU bounded in sessions and bytes): a file is read once, and afterwards only what another process appended to it
 * (its size, inode and mtime tell). An append is one write of whole lines at the tail; `sync` adds one
 * fsync (a turn's user message, before any model call), which also makes the session's earlier
 * writes durable; `close()` syncs the sessions written since their last one. A write that fails partway (a full disk)
 * is taken back, the file cut to its length before it; a crash leaves at worst a torn last line, which reading tolerates; a line that is not a valid entry is skipped with a warning. Only regular
 * files are read or written. Operations on one session run one at a time; sessions never wait on
 * each other.
 */
export class JsonlSessionStore implements SessionStore {
  readonly dir: string;
  private readonly lockSettings: LockSettings;
  private readonly warned = new Set<string>();
  private readonly open = new Map<string, OpenSession>();
  private readonly queues = new Map<string, Promise<unknown>>();
  /** How each session file looked when this process last wrote it or told a change of it: `watch` and `writtenElsewhere` tell only what differs. */
  private readonly looks: SessionLooks;
  /** Sessions written since their last fsync: `close()` syncs them. */
  private readonly unsynced = new Set<string>();
  private readonly files: SessionFiles;
  private readonly capacity: number;
  private readonly byteBudget: number;
  /** What listing summed of each session's file, and up to where (a listing reads only what was appended since). */
  private readonly summaries = new Map<string, { ino: number; size: number; mtimeMs: number; consumed: number; fold: SummaryFold; withTail: SummaryFold }>();
  /** The repeated values of the entries held in memory, one string each. */
  private readonly shared = new SharedStrings();
  private directoryReady = false;

  constructor(
    stateDir: string,
    private readonly options: JsonlSessionStoreOptions = {},
  ) {
    this.dir = join(stateDir, "sessions");
    this.lockSettings = { ...DEFAULT_LOCK, ...options.lock };
    this.files = options.files ?? fsPromises;
    this.capacity = Math.max(1, options.openSessions ?? 256);
    this.byteBudget = options.openBytes ?? 64 * 1024 * 1024;
    // A look is a few numbers: far more are kept than sessions, so that a session out of memory is not news at its next turn.
    this.looks = new SessionLooks({ bound: Math.max(this.capacity, 4096), now: options.now ?? Date.now });
  }

  where(key: string): string {
    return join(this.dir, `${checkSessionKey(key)}.jsonl`);
  }

  async exists(key: string): Promise<boolean> {
    try {
      await this.files.stat(this.where(key));
      return true;
    } catch {
      return false;
    }
  }

  async read(key: string): Promise<ReadResult> {
    const path = this.where(key);
    return this.serially(key, async () => {
      // Found not as this process last wrote it (gone, a directory, unreadable): a file put back later looking as that write left it
      // (moved aside and back) is a change all the same, told to whoever shows the session (t19 #9).
      const session = await this.load(key, path, true).catch((error: unknown) => {
        this.looks.note(key, undefined);
        throw error;
      });
      return session ? { entries: [...session.entries], tornTail: session.tornTail, damaged: [...session.damaged] } : { entries: [], tornTail: false, damaged: [] };
    });
  }

  async append(key: string, entries: readonly SessionEntry[], options: AppendOptions = {}): Promise<void> {
    if (entries.length === 0) return;
    await this.refusalsTold(() => this.appendNow(key, entries, options));
    this.options.writes?.wrote("sessions");
  }

  private async appendNow(key: string, entries: readonly SessionEntry[], options: AppendOptions): Promise<void> {
    const path = this.where(key);
    return this.serially(key, async () => {
      const context: FaultContext = { path, doing: `save session "${key}" to` };
      this.ensureDirectory();
      const cached = this.open.get(key);
      const secrets = this.options.secrets;
      const stored = secrets ? entries.map((entry) => secrets.redactValue(entry)) : entries;
      const { handle, stats: before, created } = await this.openForAppend(context);
      let started = false;
      try {
        const current = cached && cached.ino === before.ino && cached.size === before.size && !cached.tornTail ? cached : undefined;
        // A torn last line from a crash must not swallow the next entry: start on a fresh line.
        const prefix = before.size === 0 || (current ? current.endsWithNewline : await endsWithNewline(handle, before.size)) ? "" : "\n";
        const lines = stored.map((entry) => JSON.stringify(entry));
        const bytes = Buffer.from(prefix + lines.join("\n") + "\n");
        let offset = 0;
        started = true;
        while (offset < bytes.length) offset += (await handle.write(bytes, offset, bytes.length - offset)).bytesWritten;
        if (options.sync) {
          await handle.sync();
          this.unsynced.delete(key);
        } else {
          this.unsynced.add(key);
        }
        const after = await handle.stat();
        if (after.size === before.size + bytes.length) this.looks.note(key, after);
        if (current && after.size === before.size + bytes.length) {
          // Kept as the file has it (a copy the caller cannot change): each line as written, parsed.
          current.entries.push(...lines.map((line) => this.shared.shareIn(JSON.parse(line) as SessionEntry)));
          current.size = current.consumed = after.size;
          current.mtimeMs = after.mtimeMs;
          current.lines += stored.length + (prefix ? 1 : 0);
          current.endsWithNewline = true;
          this.remember(key, current);
        } else {
          // Written beside another process, or after a torn line: read the file afresh next time.
          this.open.delete(key);
        }
      } catch (error) {
        this.open.delete(key);
        const fault = fileSystemFault(error, context);
        if (!started) {
          await handle.close().catch(() => undefined);
          if (created) await this.files.unlink(path).catch(() => undefined);
          throw fault;
        }
        throw await takeBackAppend({ handle, size: before.size, created, path, fault, unlink: (file) => this.files.unlink(file) });
      } finally {
        await handle.close().catch(() => undefined);
      }
    });
  }

  /** Opens a session file to append to, creating it when absent (`created`: this call made it, so a failed first write removes it). */
  private async openForAppend(context: FaultContext): Promise<{ handle: fsPromises.FileHandle; stats: Stats; created: boolean }> {
    const flags = constants.O_RDWR | constants.O_APPEND;
    for (;;) {
      try {
        return { ...(await this.openRegular(context, flags, { raw: true })), created: false };
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw fileSystemFault(error, context);
      }
      try {
        return { ...(await this.openRegular(context, flags | constants.O_CREAT | constants.O_EXCL, { raw: true })), created: true };
      } catch (error) {
        // Made by another process between the two opens: append to it.
        if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw fileSystemFault(error, context);
      }
    }
  }

  async lock(key: string, options: LockOptions = {}): Promise<SessionLock> {
    const file = this.where(key);
    const ticket = options.place instanceof WaitTicket ? options.place : undefined;
    return this.refusalsTold(async () => {
      this.ensureDirectory();
      return lockSession({ key, file, settings: this.lockSettings, onWait: options.onWait, signal: options.signal, ticket, onLost: (message) => this.warnOnce(message) });
    });
  }

  async lockIfFree(key: string): Promise<SessionLock | undefined> {
    const file = this.where(key);
    return this.refusalsTold(async () => {
      this.ensureDirectory();
      return lockSessionIfFree({ key, file, settings: this.lockSettings, onLost: (message) => this.warnOnce(message) });
    });
  }

  /** A save or a lock sessions/ refuses (full, read-only, not a folder) is told to `writes`; a lock it takes tells nothing (a full disk may take the lock and refuse the save). */
  private async refusalsTold<T>(work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      this.options.writes?.failed("sessions", error);
      throw error;
    }
  }

  async locked(key: string): Promise<boolean> {
    return sessionLocked(this.where(key), this.lockSettings);
  }

  async reserve(key: string): Promise<SessionPlace> {
    const file = this.where(key);
    const arrivedAt = arrivalNow();
    this.ensureDirectory();
    return WaitTicket.take({ file, arrivedAt, staleMs: this.lockSettings.staleMs });
  }

  watch(onChange: (key: string) => void): () => void {
    try {
      this.ensureDirectory();
    } catch {
      // A state dir that cannot be made now: looked at by polling until it can (reads and writes report the fault).
    }
    // A session as this process last wrote it, or as a change of it was told, is not told (again). A change told is
    // noted as it looked (gone: any file there later is news, even one put back as it was).
    const ended = this.looks.watchBegan();
    const told = (key: string, look: FileLook | undefined): void => {
      this.looks.note(key, look);
      onChange(key);
    };
    const stop = watchSessions({ ...this.options.watching, dir: this.dir, onChange: told, isOwn: (key, look) => this.looks.isNoted(key, look) });
    return () => {
      stop();
      ended();
    };
  }

  async writtenElsewhere(key: string): Promise<boolean> {
    // What was noted before the stat: a change the watch tells meanwhile (to a gateway whose turn holds the lock, which hides it) is still news here.
    const noted = this.looks.noted(key);
    const look = await this.files.stat(this.where(key)).catch(() => undefined);
    return this.looks.news(key, noted, look);
  }

  async delete(key: string): Promise<void> {
    const path = this.where(key);
    return this.serially(key, async () => {
      this.open.delete(key);
      this.looks.note(key, undefined);
      this.summaries.delete(key);
      try {
        await this.files.unlink(path);
      } catch (error) {
        throw fileSystemFault(error, { path, doing: `delete session "${key}" at` });
      }
    });
  }

  async keys(): Promise<string[]> {
    let names: string[];
    try {
      names = await this.files.readdir(this.dir);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return [];
      throw fileSystemFault(error, { path: this.dir, doing: "list the sessions in" });
    }
    return names
      .filter((name) => name.endsWith(".jsonl"))
      .map((name) => name.slice(0, -".jsonl".length))
      .filter(isSessionKey)
      .sort();
  }

  /**
   * Every session's summary, without holding any session in memory for it: a session held already is
   * summed from memory; another from what the last listing summed of its file (nothing read when
   * the file is unchanged, only the lines appended since when it grew), else by folding its lines a
   * chunk at a time.
   */
  async list(): Promise<SessionListing> {
    const sessions: SessionSummary[] = [];
    const problems: string[] = [];
    const keys = await this.keys();
    for (const key of keys) {
      const path = this.where(key);
      try {
        const summary = await this.serially(key, () => this.summary(key, path));
        if (summary) sessions.push(summary);
      } catch (error) {
        this.looks.note(key, undefined);
        const fault = fileSystemFault(error, { path, doing: `read session "${key}" from` });
        problems.push([fault.message, ...fault.details].join("; "));
      }
    }
    const listed = new Set(keys);
    for (const key of [...this.summaries.keys()]) if (!listed.has(key)) this.summaries.delete(key);
    return { sessions: newestFirst(sessions), problems };
  }

  private async summary(key: string, path: string): Promise<SessionSummary | undefined> {
    let stats: Stats;
    try {
      stats = await this.files.stat(path);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
      this.looks.note(key, undefined);
      return undefined;
    }
    const updated = new Date(stats.mtimeMs).toISOString();
    const open = this.open.get(key);
    if (open && open.ino === stats.ino && open.size === stats.size && open.mtimeMs === stats.mtimeMs) return summarize(key, open.entries, updated);
    const known = this.summaries.get(key);
    if (known && known.ino === stats.ino && known.size === stats.size && known.mtimeMs === stats.mtimeMs) return known.withTail.summary(key, updated);
    const { handle, stats: now } = await this.openRegular({ path, doing: `read session "${key}" from` }, constants.O_RDONLY);
    try {
      const grown = known && known.ino === now.ino && now.size >= known.consumed ? known : undefined;
      const fold = grown ? grown.fold : new SummaryFold();
      const { consumed, withTail } = await foldLines(handle, { from: grown ? grown.consumed : 0, size: now.size, fold });
      this.summaries.set(key, { ino: now.ino, size: now.size, mtimeMs: now.mtimeMs, consumed, fold, withTail });
      return withTail.summary(key, new Date(now.mtimeMs).toISOString());
    } catch (error) {
      // A fold left halfway is not a place to go on from.
      this.summaries.delete(key);
      throw error;
    } finally {
      await handle.close().catch(() => undefined);
    }
  }

  async close(): Promise<void> {
    await Promise.all([...this.queues.values()].map((queued) => queued.catch(() => undefined)));
    for (const key of [...this.unsynced]) {
      const path = this.where(key);
      await this.serially(key, async () => {
        const handle = await this.openRegular({ path, doing: `save session "${key}" to` }, constants.O_RDONLY).then(
          (opened) => opened.handle,
          () => undefined,
        );
        await handle?.sync().catch(() => undefined);
        await handle?.close().catch(() => undefined);
        this.unsynced.delete(key);
      });
    }
    this.open.clear();
  }

  /**
   * Lets go of the sessions held in memory (a process gone quiet): each is read from its file again,
   * once, when next used. What is written is all on disk; nothing is lost. An operation under way
   * holds its session again as it ends.
   */
  releaseMemory(): void {
    this.open.clear();
  }

  /** The session as its file holds it now: from memory when the file is unchanged, reading only what was appended since. */
  private async load(key: string, path: string, keep: boolean): Promise<OpenSession | undefined> {
    const context: FaultContext = { path, doing: `read session "${key}" from` };
    const cached = this.open.get(key);
    let stats;
    try {
      stats = await this.files.stat(path);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw fileSystemFault(error, context);
      this.looks.note(key, undefined);
      this.open.delete(key);
      return undefined;
    }
    if (cached && cached.ino === stats.ino && cached.size === stats.size && cached.mtimeMs === stats.mtimeMs) {
      if (keep) this.remember(key, cached);
      return cached;
    }
    const grown = cached && cached.ino === stats.ino && stats.size > cached.size ? cached : undefined;
    const { handle, stats: now } = await this.openRegular(context, constants.O_RDONLY);
    let session: OpenSession;
    try {
      if (grown && now.ino === grown.ino && now.size >= grown.consumed) {
        const tail = Buffer.alloc(now.size - grown.consumed);
        await readFully(handle, tail, grown.consumed);
        // A line this process could not finish was completed by another: it starts a fresh line.
        const from = !grown.endsWithNewline && tail[0] === 0x0a ? 1 : 0;
        const parsed = parseSessionLines(tail.subarray(from), { line: grown.lines + 1, shared: this.shared });
        session = {
          ...grown,
          entries: [...grown.entries, ...parsed.entries],
          damaged: [...grown.damaged, ...parsed.damaged],
          tornTail: parsed.tornTail,
          size: now.size,
          mtimeMs: now.mtimeMs,
          consumed: grown.consumed + from + parsed.consumed,
          lines: grown.lines + parsed.lines,
          endsWithNewline: parsed.consumed + from === 0 ? grown.endsWithNewline : parsed.endsWithNewline,
        };
        this.warnDamaged(key, path, parsed.damaged);
      } else {
        const bytes = await handle.readFile();
        const parsed = parseSessionLines(bytes, { line: 1, shared: this.shared });
        session = { entries: parsed.entries, damaged: parsed.damaged, tornTail: parsed.tornTail, ino: now.ino, size: bytes.length, mtimeMs: now.mtimeMs, consumed: parsed.consumed, lines: parsed.lines, endsWithNewline: parsed.endsWithNewline };
        this.warnDamaged(key, path, parsed.damaged);
      }
    } catch (error) {
      throw fileSystemFault(error, context);
    } finally {
      await handle.close().catch(() => undefined);
    }
    if (keep) this.remember(key, session);
    return session;
  }

  /** Opens without ever blocking on a FIFO, and refuses anything but a regular file; with the file's stats as opened (one fstat serves both). */
  private async openRegular(context: FaultContext, flags: number, how: { raw?: boolean } = {}): Promise<{ handle: fsPromises.FileHandle; stats: Stats }> {
    let handle: fsPromises.FileHandle;
    try {
      handle = await this.files.open(context.path, flags | constants.O_NONBLOCK, 0o600);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENXIO") throw notARegularFile(context, unopenableKind(context.path));
      // `raw`: the caller tells an absent file (ENOENT) or one made meanwhile (EEXIST) by the code.
      throw how.raw ? error : fileSystemFault(error, context);
    }
    try {
      const stats = await handle.stat();
      const kind = nonRegularKind(stats);
      if (kind) throw notARegularFile(context, kind);
      return { handle, stats };
    } catch (error) {
      await handle.close().catch(() => undefined);
      throw fileSystemFault(error, context);
    }
  }

  private remember(key: string, session: OpenSession): void {
    this.open.delete(key);
    this.open.set(key, session);
    let bytes = 0;
    for (const open of this.open.values()) bytes += open.size;
    while (this.open.size > 1 && (this.open.size > this.capacity || bytes > this.byteBudget)) {
      const oldest = this.open.keys().next().value;
      if (oldest === undefined) break;
      bytes -= this.open.get(oldest)?.size ?? 0;
      this.open.delete(oldest);
    }
  }

  /** Runs one operation on a session after the ones before it: a read never sees half an append. */
  private serially<T>(key: string, operation: () => Promise<T>): Promise<T> {
    const before = this.queues.get(key) ?? Promise.resolve();
    const result = before.catch(() => undefined).then(operation);
    const settled = result.catch(() => undefined);
    this.queues.set(key, settled);
    void settled.then(() => {
      if (this.queues.get(key) === settled) this.queues.delete(key);
    });
    return result;
  }

  /** `sessions/` made once, and again when it was removed while hearth runs (`rm -rf ~/.hearth/sessions`: "clear my history"). */
  private ensureDirectory(): void {
    if (this.directoryReady && existsSync(this.dir)) return;
    ensureStateDirectory({ path: this.dir, doing: "create the sessions directory" });
    this.directoryReady = true;
  }

  private warnDamaged(key: string, path: string, damaged: ReadResult["damaged"]): void {
    for (const { line, reason } of damaged) this.warnOnce(`session "${key}": skipped line ${line} of ${path} (${reason})`);
  }

  private warnOnce(message: string): void {
    if (this.warned.has(message)) return;
    this.warned.add(message);
    this.options.onWarning?.(message);
  }
}
