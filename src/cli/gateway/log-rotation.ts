import { randomBytes } from "node:crypto";
import { closeSync, fchmodSync, linkSync, openSync, readFileSync, renameSync, statSync, unlinkSync, writeFileSync } from "node:fs";
import { processAlive } from "../../shared/process-alive.js";

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
 * its holder; a lock its holder left by dying is taken over by one process only (takeOver). Every writer reopens its path when it no longer names the file it writes (see
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

/**
 * Takes `lock`; false when another living process holds it. The lock is made whole (this pid written)
 * under a name of this process's own and linked into place: a link, like O_EXCL, fails when the lock
 * exists, so a lock is never seen half-written. A lock left by a dead process is taken over by one
 * process only (see takeOver).
 */
function takeLock(lock: string): boolean {
  const mine = `${lock}.${process.pid}-${randomBytes(4).toString("hex")}`;
  writeFileSync(mine, String(process.pid), { flag: "wx", mode: 0o600 });
  try {
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        linkSync(mine, lock);
        return true;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
      }
      const holder = lockHolder(lock);
      if (holder.state === "alive") return false;
      if (holder.state === "dead") return takeOver(lock, mine, holder.id);
      // Released meanwhile: tried again.
    }
    return false;
  } finally {
    unlinkIfThere(mine);
  }
}

/**
 * Replaces the lock a dead process left (`dead`: that lock file's inode and mtime) by `mine`. Two
 * processes may judge it dead at the same instant, so removing it and creating a new one would let
 * both hold it (the second removes the first one's fresh lock). Instead each must first create a claim
 * named for that very lock file, with O_EXCL: one process wins it; it checks the lock is still that
 * file (not one taken since) and renames its own over it, atomically. A later claim of the same name
 * finds the lock changed and gives up. A claim older than STALE_LOCK_MS was left by a process that
 * died taking over: the next claim in line (`.2`, `.3`, …) is made instead, again by one process.
 */
function takeOver(lock: string, mine: string, dead: LockId): boolean {
  const claim = (round: number): string => `${lock}.stale-${dead.ino}-${dead.mtimeNs}.${round}`;
  let round = 1;
  for (;;) {
    try {
      closeSync(openSync(claim(round), "wx", 0o600));
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    }
    // Another process is taking it over, unless its claim is old (it died) — or gone (it is done).
    const made = statSync(claim(round), { throwIfNoEntry: false })?.mtimeMs;
    if (made === undefined || Date.now() - made <= STALE_LOCK_MS) return false;
    round += 1;
  }
  try {
    const now = lockId(lock);
    if (now?.ino !== dead.ino || now.mtimeNs !== dead.mtimeNs) return false;
    renameSync(mine, lock);
    return true;
  } finally {
    for (let index = 1; index <= round; index++) unlinkIfThere(claim(index));
  }
}

/** One lock file, as distinct from a later one at the same path. */
interface LockId {
  ino: bigint;
  mtimeNs: bigint;
}

function lockId(lock: string): LockId | undefined {
  const stat = statSync(lock, { bigint: true, throwIfNoEntry: false });
  return stat ? { ino: stat.ino, mtimeNs: stat.mtimeNs } : undefined;
}

/** Whether the process holding `lock` still runs ("gone": the lock was released meanwhile); a dead holder's lock with what identifies that file. */
function lockHolder(lock: string): { state: "alive" | "gone" } | { state: "dead"; id: LockId } {
  let holder: number;
  let id: LockId | undefined;
  try {
    id = lockId(lock);
    holder = Number(readFileSync(lock, "utf8"));
  } catch {
    return { state: "gone" };
  }
  if (!id) return { state: "gone" };
  if (Date.now() - Number(id.mtimeNs / 1_000_000n) > STALE_LOCK_MS) return { state: "dead", id };
  // Not a pid (a file hearth did not write): left to age out.
  if (!Number.isInteger(holder) || holder <= 0) return { state: "alive" };
  return processAlive(holder) ? { state: "alive" } : { state: "dead", id };
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
