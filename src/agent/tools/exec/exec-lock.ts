import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { lock } from "proper-lockfile";
import { releaseOnce } from "../../../shared/release-once.js";

/** A held lock; `release()` is safe to call more than once. */
export interface ExecLock {
  release(): Promise<void>;
}

export const EXEC_LOCK_SETTINGS = {
  /** A lock not refreshed for this long was left by a process that died: it is taken over. */
  staleMs: 10_000,
  /** How often a waiting call looks again. */
  retryMs: 50,
} as const;

/** The lock's folder, in the state dir: every hearth process of one state dir (gateway, `chat`, `agent`, cron runs) takes the same one. */
export function execLockPath(stateDir: string): string {
  return join(stateDir, "exec.lock");
}

/**
 * exec's lock across processes: held from a call's checks to its program's end, so that no exec call
 * of another hearth process on the same state dir (a `mv` of a link into a path this call checked)
 * runs in between. A folder made with mkdir by proper-lockfile (atomic on local file systems), its
 * mtime refreshed while held; one left by a killed process is taken over once stale. Undefined when
 * `signal` aborted first (the call never ran).
 */
export async function lockExec(stateDir: string, signal: AbortSignal): Promise<ExecLock | undefined> {
  await mkdir(stateDir, { recursive: true, mode: 0o700 });
  for (;;) {
    if (signal.aborted) return undefined;
    try {
      const release = await lock(join(stateDir, "exec"), { realpath: false, lockfilePath: execLockPath(stateDir), stale: EXEC_LOCK_SETTINGS.staleMs, retries: 0, onCompromised: () => undefined });
      return { release: releaseOnce(release) };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "ELOCKED") throw error;
    }
    await sleep(EXEC_LOCK_SETTINGS.retryMs, undefined, { signal }).catch(() => undefined);
  }
}
