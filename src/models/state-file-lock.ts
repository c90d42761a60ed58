import { lockSync } from "proper-lockfile";

/** A lock older than this was left by a process that died while writing: it is taken over. */
const LOCK_STALE_MS = 5_000;
const LOCK_TRIES = 40;
const LOCK_RETRY_MS = 5;

/**
 * A small state file's lock (`<file>.lock`, by proper-lockfile), taken by each process that merges its
 * write into the file, waited for a little (a write takes well under a millisecond); a lock that cannot
 * be had (a state dir that refuses it, a holder that hangs) is gone without: the write still merges.
 */
export function acquireLock(file: string): () => void {
  const pause = new Int32Array(new SharedArrayBuffer(4));
  for (let attempt = 0; attempt < LOCK_TRIES; attempt++) {
    try {
      const release = lockSync(file, { realpath: false, lockfilePath: `${file}.lock`, stale: LOCK_STALE_MS });
      return () => {
        try {
          release();
        } catch {
          // Released already (taken over as stale): nothing to give back.
        }
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "ELOCKED") return () => undefined;
      Atomics.wait(pause, 0, 0, LOCK_RETRY_MS);
    }
  }
  return () => undefined;
}

