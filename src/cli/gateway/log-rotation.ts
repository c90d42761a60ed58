import { closeSync, fchmodSync, openSync, readFileSync, renameSync, statSync, unlinkSync, writeSync } from "node:fs";

export interface RotationLimits {
  /** A log this large is set aside at the next check. */
  maxBytes: number;
  /** How many set-aside logs are kept: `gateway.log.1` (newest) … `gateway.log.<keep>`. */
  keep: number;
  /** How often the size is checked. */
  checkMs: number;
}

/** 10 MiB a file, three old ones: the log never takes more than 40 MiB of the state dir. */
export const DEFAULT_ROTATION: RotationLimits = { maxBytes: 10 * 1024 * 1024, keep: 3, checkMs: 30_000 };

/** Setting a log aside takes a few renames: a lock older than this was left by a process that died holding it. */
const STALE_LOCK_MS = 60_000;

/** Creates the log file owner-only (it names sessions, models and servers) if it is not there. */
export function ensureLogFile(file: string): void {
  // fchmod, not chmod: another gateway may set the path aside between the open and the chmod.
  const fd = openSync(file, "a", 0o600);
  try {
    fchmodSync(fd, 0o600);
  } finally {
    closeSync(fd);
  }
}

const sizeOf = (file: string): number => statSync(file, { throwIfNoEntry: false })?.size ?? 0;

/**
 * Sets `file` aside as `file.1` (shifting older ones up, dropping the one past `keep`) when it has
 * reached `maxBytes`, and starts a new empty one; returns whether it did. Two gateways on one state
 * dir may both find the file too large at once: the renames are done under `file.lock`, and the size
 * is looked at again once it is held, so the second finds the new file small and leaves it (setting
 * it aside again would drop a whole file). A process that finds the lock held leaves the rotation to
 * its holder. Every writer reopens its path when it no longer names the file it writes (see
 * log-file.ts), so lines after a rotation reach the new file whichever process set the old one aside.
 */
export function rotateIfLarge(file: string, limits: Pick<RotationLimits, "maxBytes" | "keep">): boolean {
  if (sizeOf(file) < limits.maxBytes) return false;
  const lock = `${file}.lock`;
  if (!takeLock(lock)) return false;
  try {
    if (sizeOf(file) < limits.maxBytes) return false;
    const aside = (index: number): string => `${file}.${index}`;
    unlinkIfThere(aside(limits.keep));
    for (let index = limits.keep - 1; index >= 1; index--) renameIfThere(aside(index), aside(index + 1));
    renameSync(file, aside(1));
    ensureLogFile(file);
    return true;
  } finally {
    unlinkIfThere(lock);
  }
}

/** Creates `lock` (holding this pid); false when another living process holds it. A lock left by a dead process is taken over. */
function takeLock(lock: string): boolean {
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(lock, "wx", 0o600);
      try {
        writeSync(fd, String(process.pid));
      } finally {
        closeSync(fd);
      }
      return true;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
      const holder = lockHolder(lock);
      if (holder === "alive") return false;
      // A dead holder's lock is removed; one just released is simply tried again.
      if (holder === "dead") unlinkIfThere(lock);
    }
  }
  return false;
}

/** Whether the process holding `lock` still runs ("gone": the lock was released meanwhile). */
function lockHolder(lock: string): "alive" | "dead" | "gone" {
  let holder: number;
  let age: number;
  try {
    holder = Number(readFileSync(lock, "utf8"));
    age = Date.now() - statSync(lock).mtimeMs;
  } catch {
    return "gone";
  }
  if (age > STALE_LOCK_MS) return "dead";
  // Just created and not yet written: its holder is at work.
  if (!Number.isInteger(holder) || holder <= 0) return "alive";
  try {
    process.kill(holder, 0);
    return "alive";
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "ESRCH" ? "dead" : "alive";
  }
}

function unlinkIfThere(path: string): void {
  try {
    unlinkSync(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
  }
}

function renameIfThere(from: string, to: string): void {
  try {
    renameSync(from, to);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
  }
}
