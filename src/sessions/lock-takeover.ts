import { randomUUID } from "node:crypto";
import * as fs from "node:fs";
import { readFile, rename, rm, stat } from "node:fs/promises";
import { join } from "node:path";
import { lock as acquire } from "proper-lockfile";
import { ownerGone, parseOwner, type LockOwner, type MachineFacts } from "./lock-owner.js";

/** The owner record's name inside a lock directory. */
const OWNER_FILE = "owner.json";

/**
 * The file system proper-lockfile is given for one holding of a session's lock: making the lock
 * directory writes the owner record inside it at once (before the lock's mtime is taken: its refresh
 * stays its own), and removing it takes the record out first — but only this holding's own record (its
 * release, its process's exit) or none that can be read (a lock of an earlier hearth, one made a moment ago
 * and not yet signed, a torn record): a directory another holder signed is left to `takeOverGone`, which checks that holder is gone.
 */
export function ownerSigningFs(owner: LockOwner): typeof fs {
  const ownerPath = (directory: string): string => join(directory, OWNER_FILE);
  const heldByAnother = (directory: string): NodeJS.ErrnoException => Object.assign(new Error(`${directory} is held by another process (its owner record says so)`), { code: "ELOCKED" });
  return {
    ...fs,
    mkdir: ((directory: string, callback: (error: NodeJS.ErrnoException | null) => void) => {
      fs.mkdir(directory, (made) => {
        if (made) return callback(made);
        fs.writeFile(ownerPath(directory), `${JSON.stringify(owner)}\n`, { mode: 0o600 }, (written) => {
          if (!written) return callback(null);
          // Not signed (a full disk makes the file and refuses its bytes): held unsigned, as an earlier hearth held it — taken over only once stale.
          fs.unlink(ownerPath(directory), () => callback(null));
        });
      });
    }) as typeof fs.mkdir,
    rmdir: ((directory: string, callback: (error: NodeJS.ErrnoException | null) => void) => {
      fs.readFile(ownerPath(directory), "utf8", (unread, text) => {
        if (unread) return unread.code === "ENOENT" ? fs.rmdir(directory, callback) : callback(unread);
        const signer = parseOwner(text);
        // A record that is not one (torn, empty) signs nothing: the lock goes as an unsigned one does, by its staleness.
        if (signer !== undefined && signer.token !== owner.token) return callback(heldByAnother(directory));
        fs.unlink(ownerPath(directory), () => fs.rmdir(directory, callback));
      });
    }) as typeof fs.rmdir,
    rmdirSync: ((directory: string) => {
      try {
        const signer = parseOwner(fs.readFileSync(ownerPath(directory), "utf8"));
        if (signer !== undefined && signer.token !== owner.token) return;
        fs.unlinkSync(ownerPath(directory));
      } catch {
        // No record (or unreadable): the directory alone is removed, if it is empty.
      }
      fs.rmdirSync(directory);
    }) as typeof fs.rmdirSync,
  };
}

/** The owner record inside a lock directory, or undefined when there is none that can be read. */
export async function lockOwner(lockDirectory: string): Promise<LockOwner | undefined> {
  const text = await readFile(join(lockDirectory, OWNER_FILE), "utf8").catch(() => undefined);
  return text === undefined ? undefined : parseOwner(text);
}

/** Whether the signed lock at `lockDirectory` belongs to a holder that is gone: killed on this machine (`ownerGone`), or not refreshed for `staleMs`. */
export async function lockGone(lockDirectory: string, check: { staleMs: number; facts: MachineFacts }): Promise<LockOwner | undefined> {
  const owner = await lockOwner(lockDirectory);
  if (owner === undefined) return undefined;
  if (ownerGone(owner, check.facts)) return owner;
  const refreshed = (await stat(lockDirectory).catch(() => undefined))?.mtimeMs;
  return refreshed !== undefined && refreshed < Date.now() - check.staleMs ? owner : undefined;
}

/**
 * Removes a signed session lock whose holder is gone (`lockGone`), so that the next mkdir takes it. Takeovers
 * of one lock take turns (`<lock>-taking`, a lock of its own, stale after 2 s): two processes that find
 * the same dead holder do not each remove what the other has just taken. The directory is first moved
 * aside (an atomic rename) and its record checked to be the gone holder's still — a holder that came
 * back to life and let go, with another process taking the lock meanwhile, gets its lock back — then
 * removed. Returns whether it was removed; false when another takeover is under way or the holder changed.
 */
export async function takeOverGone(lockDirectory: string, check: { staleMs: number; facts: MachineFacts }): Promise<boolean> {
  // Looked at first without taking turns: a lock whose holder lives (the common wait) costs one read.
  if ((await lockGone(lockDirectory, check)) === undefined) return false;
  let releaseTurn: () => Promise<void>;
  try {
    releaseTurn = await acquire(`${lockDirectory}-taking`, { realpath: false, lockfilePath: `${lockDirectory}-taking`, stale: 2_000, retries: 0 });
  } catch {
    return false;
  }
  try {
    const gone = await lockGone(lockDirectory, check);
    if (gone === undefined) return false;
    const aside = `${lockDirectory}.gone-${randomUUID().slice(0, 8)}`;
    try {
      await rename(lockDirectory, aside);
    } catch {
      return false;
    }
    if ((await lockOwner(aside))?.token !== gone.token) {
      await rename(aside, lockDirectory).catch(() => undefined);
      return false;
    }
    await rm(aside, { recursive: true, force: true });
    return true;
  } finally {
    await releaseTurn().catch(() => undefined);
  }
}
