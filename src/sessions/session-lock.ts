import { setTimeout as sleep } from "node:timers/promises";
import { check, lock as acquire } from "proper-lockfile";
import { fileSystemFault } from "../shared/fs-fault.js";
import { HearthError } from "../shared/errors.js";
import { releaseOnce } from "../shared/release-once.js";
import { machineFacts, ownerRecord, type MachineFacts } from "./lock-owner.js";
import { lockGone, ownerSigningFs, takeOverGone, takeTurn, type LockTurn, type TakeoverStep } from "./lock-takeover.js";
import { arrivalNow, olderTicketWaits, WaitTicket } from "./wait-line.js";

export { WaitTicket } from "./wait-line.js";

/** A held lock on one session; `release()` is safe to call more than once. */
export interface SessionLock {
  release(): Promise<void>;
}

export interface LockSettings {
  /** How long a turn waits for another process's turn on the same session before giving up. */
  waitMs: number;
  /** A lock not refreshed for this long belongs to a process that died: it is taken over. */
  staleMs: number;
  /** How often a waiting process looks again. */
  retryMs: number;
  /** What this machine says of its processes (tests pass their own); default: asked of the system. */
  facts?: MachineFacts | undefined;
  /** Tests only: called at each step of a takeover (lock-takeover.ts), to stop the process there. */
  pauseTakeover?: ((step: TakeoverStep) => Promise<void>) | undefined;
}

/** What a channel shows while a turn waits for the session. */
export function busyNotice(key: string): string {
  return `session "${key}" is busy with a turn in another hearth process; waiting for it to finish…`;
}

export const DEFAULT_LOCK: LockSettings = { waitMs: 120_000, staleMs: 10_000, retryMs: 100 };

export interface LockRequest {
  key: string;
  /** The session file (it need not exist yet). */
  file: string;
  settings: LockSettings;
  /** Called once when the session is busy and the wait begins. */
  onWait?: (() => void) | undefined;
  /** Called when the held lock was lost (its directory removed or taken over). */
  onLost?: ((message: string) => void) | undefined;
  signal?: AbortSignal | undefined;
  /** The caller's place in the session's line, taken when its message arrived (WaitTicket.take); released here once the lock is taken or the wait ends. */
  ticket?: WaitTicket | undefined;
}

/**
 * An advisory lock on a session across processes: `<key>.jsonl.lock`, a directory made with mkdir
 * (atomic on every local file system) by proper-lockfile, which refreshes its mtime while held. A lock
 * whose mtime is older than `staleMs` was left by a process that was killed, and is taken over. Each
 * holding signs the lock (`owner.json` inside it: pid, host, machine id, boot, the process's start mark;
 * lock-owner.ts): a lock whose holder was killed on this machine — its pid runs no process, or one started
 * since — is taken over at once, not after `staleMs` (lock-takeover.ts).
 * Fair across processes: a process that must wait takes a ticket in the session's line (wait-line.ts),
 * and a process whose arrival is later than a live ticket's does not take the lock, even when it is
 * free, until that ticket's holder has had it. Arrival is the request's (`ticket`) or the call's.
 */
export async function lockSession(request: LockRequest): Promise<SessionLock> {
  const { key, file, settings } = request;
  const lockfilePath = `${file}.lock`;
  const started = performance.now();
  let ticket = request.ticket;
  const arrivedAt = arrivalNow();
  let waiting = false;
  try {
    for (;;) {
      if (!(await olderTicketWaits({ file, arrivedAt, mine: ticket, staleMs: settings.staleMs }))) {
        const held = await tryLock(request, lockfilePath);
        if (held) {
          await ticket?.release();
          return held;
        }
      }
      if (request.signal?.aborted) throw new HearthError("runtime", `cancelled while waiting for session "${key}" (another hearth process is answering in it); your message was not saved`);
      const waited = performance.now() - started;
      if (waited >= settings.waitMs) {
        throw new HearthError("runtime", `session "${key}" is busy: another hearth process has been answering in it for the last ${Math.round(waited / 1000)} s; your message was not saved`, [
          `try again when that turn has finished, or use another session (--session KEY); a lock left by a killed process (${lockfilePath}) clears itself after ${Math.round(settings.staleMs / 1000)} s`,
        ]);
      }
      ticket ??= await WaitTicket.take({ file, arrivedAt, staleMs: settings.staleMs });
      if (!waiting) {
        waiting = true;
        request.onWait?.();
      }
      await sleep(Math.min(settings.retryMs, Math.max(1, settings.waitMs - waited)), undefined, { signal: request.signal }).catch(() => undefined);
    }
  } catch (error) {
    await ticket?.release();
    throw error;
  }
}

/** The session's lock if it is free now and no other process waits for it (nothing waited for, no place taken in its line); undefined otherwise. */
export async function lockSessionIfFree(request: Omit<LockRequest, "onWait" | "signal" | "ticket">): Promise<SessionLock | undefined> {
  if (await olderTicketWaits({ file: request.file, arrivedAt: arrivalNow(), mine: undefined, staleMs: request.settings.staleMs })) return undefined;
  return tryLock(request, `${request.file}.lock`);
}

/** The lock if it is free now; undefined when another holds it. */
async function tryLock(request: Omit<LockRequest, "onWait" | "signal" | "ticket">, lockfilePath: string): Promise<SessionLock | undefined> {
  const taken = await tryOnce(request, lockfilePath);
  if (taken) return taken;
  const facts = request.settings.facts ?? machineFacts();
  return (await takeOverGone(lockfilePath, { staleMs: request.settings.staleMs, facts, pause: request.settings.pauseTakeover })) ? tryOnce(request, lockfilePath) : undefined;
}

/** The lock made now if it is free, holding the lock's turn meanwhile (takeTurn: no lock is made while a takeover has one moved aside); undefined when another holds it or its turn. */
async function tryOnce(request: Omit<LockRequest, "onWait" | "signal" | "ticket">, lockfilePath: string): Promise<SessionLock | undefined> {
  const { key, file, settings } = request;
  let turn: LockTurn | undefined;
  try {
    turn = await takeTurn(lockfilePath);
  } catch (error) {
    throw fileSystemFault(error, { path: `${lockfilePath}-taking`, doing: `lock session "${key}" at` });
  }
  if (turn === undefined) return undefined;
  try {
    const release = await acquire(file, {
      realpath: false,
      lockfilePath,
      fs: ownerSigningFs(ownerRecord(settings.facts ?? machineFacts())),
      stale: settings.staleMs,
      retries: 0,
      onCompromised: (error: Error) => request.onLost?.(`the lock on session "${key}" was lost (${error.message}); another process may now write to it too`),
    });
    return { release: releaseOnce(release) };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ELOCKED") throw fileSystemFault(error, { path: lockfilePath, doing: `lock session "${key}" at` });
    return undefined;
  } finally {
    await turn.release();
  }
}

/** Whether some process (this one too) holds the session's lock now (a stale lock, or one whose holder was killed on this machine, does not count). */
export async function sessionLocked(file: string, settings: LockSettings): Promise<boolean> {
  const held = await check(file, { realpath: false, lockfilePath: `${file}.lock`, stale: settings.staleMs }).catch(() => false);
  return held && (await lockGone(`${file}.lock`, { staleMs: settings.staleMs, facts: settings.facts ?? machineFacts() })) === undefined;
}
