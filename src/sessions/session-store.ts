import { randomUUID } from "node:crypto";
import { HearthError } from "../shared/errors.js";
import type { SessionEntry, SessionSummary } from "./entries.js";
import type { SessionLock } from "./session-lock.js";
import type { SpentPrice } from "./spent-cost.js";
import { SummaryFold } from "./session-summary.js";

export { isResend } from "./session-summary.js";

export { busyNotice, type SessionLock } from "./session-lock.js";

const KEY = /^[A-Za-z0-9][A-Za-z0-9._:@+-]{0,127}$/;

/** What `newEntryId` makes: 8 lowercase hex digits. */
export const ENTRY_ID = /^[0-9a-f]{8}$/;

export function newEntryId(): string {
  return randomUUID().slice(0, 8);
}

/** `/new`, `hearth sessions reset`: the conversation starts afresh here; what came before stays in the file. */
export function resetEntry(at: Date = new Date()): SessionEntry {
  return { type: "reset", id: newEntryId(), at: at.toISOString() };
}

/** The current conversation: the entries after the last reset (`/new`, `hearth sessions reset`); all of them when there is none. */
export function currentConversation<T extends { type: string }>(entries: readonly T[]): readonly T[] {
  return entries.slice(entries.findLastIndex((entry) => entry.type === "reset") + 1);
}

export function checkSessionKey(key: string): string {
  if (!isSessionKey(key)) {
    throw new HearthError("usage", `"${key}" is not a valid session key: use letters, digits and . _ - : @ + (up to 128 characters)`);
  }
  return key;
}

export function isSessionKey(key: string): boolean {
  return KEY.test(key) && !key.includes("..");
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

export interface LockOptions {
  /** Called once when another process holds the session and the wait begins. */
  onWait?: (() => void) | undefined;
  signal?: AbortSignal | undefined;
  /** The place in the session's line taken when the message arrived (`reserve`): the lock is taken in that turn; released once the lock is taken or the wait ends. */
  place?: SessionPlace | undefined;
}

/** A message's place in a session's line, held from its arrival until its lock is taken; `release()` gives it up (safe more than once). */
export interface SessionPlace {
  release(): Promise<void>;
}

export interface AppendOptions {
  /**
   * On disk before this returns (fsync): a turn's user message, before any model is called. Other
   * entries are written at once (a killed process keeps them) and made durable by the next sync.
   */
  sync?: boolean | undefined;
}

/**
 * Contract: the sessions of one state dir, append-only. `read` of an unknown session is empty and
 * never throws for a damaged line (it is skipped and reported); `append` writes whole entries in
 * order, secrets masked, or nothing (a write that fails partway is taken back; a session file it would have created is not left); `read` after `append` returns what was appended, in
 * order, in this process and in the next; `lock` holds a session against every other holder (this
 * process and others) until released, waits a bounded time, and fails with a HearthError when it
 * gives up or the signal aborts, and is given in arrival order across processes (a `reserve`d place counts from then); a bad key is a usage HearthError; every storage failure is a
 * HearthError naming where, what and the fix. All of it is asynchronous: no call blocks other sessions.
 */
export interface SessionStore {
  /** Where a session is kept, for messages (a file path). */
  where(key: string): string;
  exists(key: string): Promise<boolean>;
  read(key: string): Promise<ReadResult>;
  append(key: string, entries: readonly SessionEntry[], options?: AppendOptions): Promise<void>;
  /** The keys of every session, sorted. */
  keys(): Promise<string[]>;
  /** A summary of every session, the most recently updated first; a session that cannot be read is a problem, not a crash and not an absence. */
  list(): Promise<SessionListing>;
  lock(key: string, options?: LockOptions): Promise<SessionLock>;
  /** The session's lock if no one holds or waits for it now (a holder that is gone does not count), without waiting; undefined when it is busy. */
  lockIfFree(key: string): Promise<SessionLock | undefined>;
  /** Whether a holder (of this process or another) has the session's lock now: a turn is under way in it. */
  locked(key: string): Promise<boolean>;
  /**
   * Takes a place in the session's line now, for a message that waits behind another before it asks
   * for the lock: holders in other processes that arrive later wait for it (arrival order across processes).
   */
  reserve(key: string): Promise<SessionPlace>;
  /** Calls `onChange(key)` when a session is written by another process (this one's own writes, and a change told already, are not told); returns the function that stops it. */
  watch(onChange: (key: string) => void): () => void;
  /**
   * Whether another process wrote the session's file since this process last wrote it or told a change of it
   * (by `watch`, or an earlier true answer here; a file it holds no look of counts when written since the watch
   * began). Asked once a turn holds the lock, when every other writer is done: what `watch` has not told yet (a
   * write settling as this process took the lock). A true answer counts as told: it is not news twice.
   */
  writtenElsewhere(key: string): Promise<boolean>;
  /** Removes a session (the caller holds its lock). */
  delete(key: string): Promise<void>;
  /** Makes everything written durable and lets go of what is cached. */
  close(): Promise<void>;
  /** Lets go of what it holds in memory only to make later reads cheaper (a process gone quiet); a store whose memory is its data has none. */
  releaseMemory?(): void;
}

/** Summaries in the order a person looks for them: the most recently updated first (then by key). */
export function newestFirst(sessions: SessionSummary[]): SessionSummary[] {
  return sessions.sort((a, b) => (a.updated === b.updated ? a.key.localeCompare(b.key) : a.updated < b.updated ? 1 : -1));
}

/** Every turn the session's file keeps: the current conversation's and those before its resets. */
export function turnsInFile(summary: Pick<SessionSummary, "turns" | "reset">): number {
  return summary.turns + (summary.reset?.earlierTurns ?? 0);
}

/**
 * A session's turns, last message, tokens and cost (SummaryFold: a resend counted once, broken calls'
 * spending priced as any call of their model; `price` prices a record from before the cost was kept).
 */
export function summarize(key: string, entries: readonly SessionEntry[], updated: string, price?: SpentPrice): SessionSummary {
  const fold = new SummaryFold(price);
  for (const entry of entries) fold.add(entry);
  return fold.summary(key, updated);
}
