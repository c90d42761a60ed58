import { randomUUID } from "node:crypto";
import { closeSync, constants, existsSync, fstatSync, fsyncSync, readdirSync, readSync, statSync, unlinkSync, writeSync } from "node:fs";
import { join } from "node:path";
import { HearthError } from "../shared/errors.js";
import { fileSystemFault } from "../shared/fs-fault.js";
import { ensureStateDirectory, openRegularFile, readStateFile } from "../shared/state-file.js";
import type { SessionEntry, SessionSummary } from "./entries.js";
import { checkEntry } from "./entry-schema.js";
import { DEFAULT_LOCK, lockSession, type LockSettings, type SessionLock } from "./session-lock.js";

export { busyNotice, type SessionLock } from "./session-lock.js";

const KEY = /^[A-Za-z0-9][A-Za-z0-9._:@+-]{0,127}$/;

export function newEntryId(): string {
  return randomUUID().slice(0, 8);
}

/** `/new`, `hearth sessions reset`: the conversation starts afresh here; what came before stays in the file. */
export function resetEntry(at: Date = new Date()): SessionEntry {
  return { type: "reset", id: newEntryId(), at: at.toISOString() };
}

export function checkSessionKey(key: string): string {
  if (!KEY.test(key) || key.includes("..")) {
    throw new HearthError("usage", `"${key}" is not a valid session key: use letters, digits and . _ - : @ + (up to 128 characters)`);
  }
  return key;
}

/** Lines that could not be used, for the caller to mention. */
export interface ReadResult {
  entries: SessionEntry[];
  /** A last line cut short by a crash mid-write: ignored. */
  tornTail: boolean;
  /** Lines elsewhere that are not valid entries (line number, why): skipped. */
  damaged: { line: number; reason: string }[];
}

/** Every session that could be read, and a sentence for each one that could not. */
export interface SessionListing {
  sessions: SessionSummary[];
  problems: string[];
}

export interface SessionStoreOptions {
  /** Skipped lines and a lost lock are reported here (once per session and problem); default: ignored. */
  onWarning?: ((message: string) => void) | undefined;
  lock?: Partial<LockSettings> | undefined;
  /** Masks keys in what is stored (a server's error text may quote one); the composition root passes it. */
  secrets?: { redactValue<T>(value: T): T } | undefined;
}

export interface LockOptions {
  /** Called once when another process holds the session and the wait begins. */
  onWait?: (() => void) | undefined;
  signal?: AbortSignal | undefined;
}

/**
 * Sessions as append-only JSONL, one file per session under `<stateDir>/sessions/`. Every append is
 * one write of whole lines followed by fsync, so a crash leaves at worst a torn last line, which
 * reading tolerates. Every line is checked on read; one that is not a valid entry is skipped with a
 * warning. Only regular files are read or written. A turn holds `lock(key)` from its first read to its
 * last append, so two processes never interleave turns of one session.
 *
 * Contract (what an async store for the gateway keeps): `read` never throws for a damaged line,
 * `append` writes whole entries or nothing readable, `lock` waits a bounded time and then fails with
 * a HearthError, every file-system failure is a HearthError naming the path, what is wrong and the fix.
 */
export class SessionStore {
  readonly dir: string;
  private readonly lockSettings: LockSettings;
  private readonly warned = new Set<string>();

  constructor(
    stateDir: string,
    private readonly options: SessionStoreOptions = {},
  ) {
    this.dir = join(stateDir, "sessions");
    this.lockSettings = { ...DEFAULT_LOCK, ...options.lock };
  }

  path(key: string): string {
    return join(this.dir, `${checkSessionKey(key)}.jsonl`);
  }

  /** Something is at the session's path (reading it says what is wrong when it is not a regular file). */
  exists(key: string): boolean {
    return existsSync(this.path(key));
  }

  read(key: string): ReadResult {
    const text = readStateFile({ path: this.path(key), doing: `read session "${key}" from` });
    if (text === undefined) return { entries: [], tornTail: false, damaged: [] };
    const lines = text.split("\n");
    const entries: SessionEntry[] = [];
    const damaged: ReadResult["damaged"] = [];
    let tornTail = false;
    lines.forEach((line, index) => {
      if (line.trim() === "") return;
      let value: unknown;
      try {
        value = JSON.parse(line);
      } catch {
        if (index === lines.length - 1) tornTail = true;
        else damaged.push({ line: index + 1, reason: "not JSON" });
        return;
      }
      const checked = checkEntry(value);
      if (checked.ok) entries.push(checked.entry);
      else damaged.push({ line: index + 1, reason: checked.reason });
    });
    for (const { line, reason } of damaged) this.warnOnce(`session "${key}": skipped line ${line} of ${this.path(key)} (${reason})`);
    return { entries, tornTail, damaged };
  }

  /** Appends whole lines and flushes them to disk before returning. */
  append(key: string, entries: readonly SessionEntry[]): void {
    if (entries.length === 0) return;
    const context = { path: this.path(key), doing: `save session "${key}" to` };
    ensureStateDirectory({ path: this.dir, doing: "create the sessions directory" });
    const fd = openRegularFile(context, constants.O_RDWR | constants.O_APPEND | constants.O_CREAT);
    if (fd === undefined) throw fileSystemFault(new Error("the file vanished while opening it"), context);
    try {
      // A torn last line from a crash must not swallow the next entry: start on a fresh line.
      const prefix = endsWithNewline(fd) ? "" : "\n";
      const secrets = this.options.secrets;
      const stored = secrets ? entries.map((entry) => secrets.redactValue(entry)) : entries;
      writeAll(fd, Buffer.from(prefix + stored.map((entry) => JSON.stringify(entry)).join("\n") + "\n"));
      fsyncSync(fd);
    } catch (error) {
      throw fileSystemFault(error, context);
    } finally {
      closeSync(fd);
    }
  }

  /** Holds the session against turns of other processes (and of this one) until released. */
  async lock(key: string, options: LockOptions = {}): Promise<SessionLock> {
    const file = this.path(key);
    ensureStateDirectory({ path: this.dir, doing: "create the sessions directory" });
    return lockSession({ key, file, settings: this.lockSettings, onWait: options.onWait, signal: options.signal, onLost: (message) => this.warnOnce(message) });
  }

  /** Removes a session's file (the caller holds its lock). */
  delete(key: string): void {
    try {
      unlinkSync(this.path(key));
    } catch (error) {
      throw fileSystemFault(error, { path: this.path(key), doing: `delete session "${key}" at` });
    }
  }

  /** The keys of every session; none when the directory does not exist yet. */
  keys(): string[] {
    let names: string[];
    try {
      names = readdirSync(this.dir);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return [];
      throw fileSystemFault(error, { path: this.dir, doing: "list the sessions in" });
    }
    return names
      .filter((name) => name.endsWith(".jsonl"))
      .map((name) => name.slice(0, -".jsonl".length))
      .filter((key) => KEY.test(key) && !key.includes(".."))
      .sort();
  }

  /** A summary of every session; a session that cannot be read is a problem, not a crash and not an absence. */
  list(): SessionListing {
    const sessions: SessionSummary[] = [];
    const problems: string[] = [];
    for (const key of this.keys()) {
      try {
        const entries = this.read(key).entries;
        sessions.push(summarize(key, entries, statSync(this.path(key)).mtime.toISOString()));
      } catch (error) {
        const fault = fileSystemFault(error, { path: this.path(key), doing: `read session "${key}" from` });
        problems.push([fault.message, ...fault.details].join("; "));
      }
    }
    return { sessions, problems };
  }

  private warnOnce(message: string): void {
    if (this.warned.has(message)) return;
    this.warned.add(message);
    this.options.onWarning?.(message);
  }
}

function endsWithNewline(fd: number): boolean {
  const size = fstatSync(fd).size;
  if (size === 0) return true;
  const buffer = Buffer.alloc(1);
  readSync(fd, buffer, 0, 1, size - 1);
  return buffer[0] === 0x0a;
}

function writeAll(fd: number, buffer: Buffer): void {
  let offset = 0;
  while (offset < buffer.length) offset += writeSync(fd, buffer, offset, buffer.length - offset);
}

export function summarize(key: string, entries: readonly SessionEntry[], updated: string): SessionSummary {
  let turns = 0;
  let lastText = "";
  let cost = 0;
  const usage = { input: 0, output: 0, cacheRead: 0, cacheWrite: 0, reasoning: 0, estimated: false };
  for (const entry of entries) {
    if (entry.type === "user") {
      turns++;
      lastText = entry.text;
    } else if (entry.type === "assistant") {
      cost += entry.message.cost;
      usage.input += entry.message.usage.input;
      usage.output += entry.message.usage.output;
      usage.cacheRead += entry.message.usage.cacheRead;
      usage.cacheWrite += entry.message.usage.cacheWrite;
      usage.reasoning += entry.message.usage.reasoning;
      usage.estimated ||= entry.message.usage.estimated;
    }
  }
  return { key, updated, turns, lastText: lastText.length > 80 ? `${lastText.slice(0, 77)}...` : lastText, usage, cost };
}
