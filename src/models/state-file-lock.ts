import { lockSync } from "proper-lockfile";

/** A lock older than this was left by a process that died while writing: it is taken over. */
export const LOCK_STALE_MS = 5_000;
/**
 * A holder that is writing lets go within a millisecond or two (a write takes well under one): 10 looks 2 ms apart.
 * A lock still there then was most likely left by a process that was killed (kill -9) while it wrote; until it
 * is stale, each write waits this little for it on the event loop, not 200 ms.
 */
const LOCK_TRIES = 10;
const LOCK_RETRY_MS = 2;

/** A state file's lock as taken: `release` gives it back; `without`: why the write goes without it (no lock was taken). */
export interface StateFileLock {
  release(): void;
  without?: string | undefined;
}

/**
 * A small state file's lock (`<file>.lock`, by proper-lockfile), taken by each process that merges its
 * write into the file, waited for a little; a lock that cannot be had (a holder that does not let go, a
 * lock left by a killed process not yet stale, a state dir that refuses it) is gone without — the write
 * still merges, and `without` says why, for the caller to say (once).
 */
export function acquireLock(file: string): StateFileLock {
  const pause = new Int32Array(new SharedArrayBuffer(4));
  const lockfilePath = `${file}.lock`;
  for (let attempt = 0; attempt < LOCK_TRIES; attempt++) {
    try {
      const release = lockSync(file, { realpath: false, lockfilePath, stale: LOCK_STALE_MS });
      return {
        release: () => {
          try {
            release();
          } catch {
            // Released already (taken over as stale): nothing to give back.
          }
        },
      };
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code !== "ELOCKED") return { release: () => undefined, without: `${lockfilePath} could not be made (${code ?? String(error)})` };
      Atomics.wait(pause, 0, 0, LOCK_RETRY_MS);
    }
  }
  return {
    release: () => undefined,
    without: `${lockfilePath} is held: by another hearth process writing it, or left by one killed while it wrote (it is taken over once ${LOCK_STALE_MS / 1000} s old)`,
  };
}

/**
 * What a state file's writer says, once, when a write went without its lock: the write is done, but a
 * save another process makes at the same moment may drop this one's (or this one, theirs).
 */
export function withoutLockWords(file: string, lock: StateFileLock): string {
  return `${file} was written without its lock — ${lock.without ?? "no lock"}; a save another hearth process makes at the same moment may be lost (said once)`;
}
