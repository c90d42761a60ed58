import { randomUUID } from "node:crypto";
import * as fs from "node:fs";
import { mkdir, readFile, rename, rm, stat, utimes } from "node:fs/promises";
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
export async function lockGone(lockDirectory: string, check: Pick<TakeoverCheck, "staleMs" | "facts">): Promise<LockOwner | undefined> {
  const owner = await lockOwner(lockDirectory);
  if (owner === undefined) return undefined;
  if (ownerGone(owner, check.facts)) return owner;
  const refreshed = (await stat(lockDirectory).catch(() => undefined))?.mtimeMs;
  return refreshed !== undefined && refreshed < Date.now() - check.staleMs ? owner : undefined;
}

/** A step of a takeover a test may stop a process at (to SIGSTOP or SIGKILL it there): just before the lock is moved aside, and just after. */
export type TakeoverStep = "rename" | "renamed";

/** What a takeover is given: when a holder is gone (`lockGone`), and, in tests, where to stop. */
export interface TakeoverCheck {
  staleMs: number;
  facts: MachineFacts;
  pause?: ((step: TakeoverStep) => Promise<void>) | undefined;
}

/** A held turn on one lock (`<lock>-taking`): `fence` is a folder of this holding's own inside it, there only while the turn is this one's; let go with `release`. */
export interface LockTurn {
  fence: string;
  release(): Promise<void>;
}

/** How long a turn is held before another process may take it over as its holder's (a holder stopped, or killed). */
const TURN_STALE_MS = 2_000;

/**
 * The file system a turn is taken with: a turn taken over as stale, or let go, is removed whole — its
 * holder's fence, and a lock a taker killed midway had moved into it (its holder was judged gone).
 */
const turnFs: typeof fs = {
  ...fs,
  rmdir: ((directory: string, callback: (error: NodeJS.ErrnoException | null) => void) => fs.rm(directory, { recursive: true, force: true }, callback)) as typeof fs.rmdir,
  rmdirSync: ((directory: string) => fs.rmSync(directory, { recursive: true, force: true })) as typeof fs.rmdirSync,
};

/**
 * Takes the turn on `lockDirectory` (`<lock>-taking`, a lock of its own made with mkdir): every making of
 * the lock and every takeover of it holds it, so that no lock can be made while a takeover has one
 * moved aside. Undefined when another process has it now (the caller tries again at its next round).
 * A turn busy now is waited for up to ~150 ms (it is held for a few file system calls). A turn not
 * refreshed for TURN_STALE_MS (its holder stopped, or killed) is taken over, removed whole: the holder's
 * fence, a folder of its own made inside it, goes with it — a takeover moves the lock into its fence,
 * so a move by a holder that lost its turn fails, and is never made.
 */
export async function takeTurn(lockDirectory: string): Promise<LockTurn | undefined> {
  const path = `${lockDirectory}-taking`;
  let release: () => Promise<void>;
  try {
    // A turn is held for a few file system calls: one busy now is waited for a little (two makers at once both come to the mkdir, as they would without turns).
    release = await acquire(path, { realpath: false, lockfilePath: path, fs: turnFs, stale: TURN_STALE_MS, retries: { retries: 10, minTimeout: 5, maxTimeout: 20 }, onCompromised: () => undefined });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ELOCKED") return undefined;
    throw error;
  }
  const fence = join(path, randomUUID().slice(0, 8));
  try {
    // The fence changes the turn folder's time, which proper-lockfile's refresh reads as another's (compromised, never
    // refreshed, not removed at release): its own time is put back.
    const made = await stat(path);
    await mkdir(fence);
    await utimes(path, made.atime, made.mtime);
  } catch (error) {
    await release().catch(() => undefined);
    // Taken over between the two (this process stopped past TURN_STALE_MS): another's turn now.
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw error;
  }
  return {
    fence,
    release: async () => {
      // A turn taken over is another's: its folder is not removed. Still this one's (its fence there) where the release fails: removed here.
      if (!(await stat(fence).then(() => true, () => false))) return;
      await release().catch(() => rm(path, { recursive: true, force: true }).catch(() => undefined));
    },
  };
}

/**
 * Removes a signed session lock whose holder is gone (`lockGone`), so that the next mkdir takes it. It
 * holds the lock's turn (`takeTurn`), as every making of the lock does: two processes that find the same
 * dead holder do not each remove what the other has just taken, and no lock is made while this one is
 * moved aside. The lock is moved (an atomic rename) into the turn's fence: a takeover stopped past its
 * turn (SIGSTOP, a suspended laptop) has lost its fence with it, and its move fails — it never moves a
 * lock another process made meanwhile. Its record is checked to be the gone holder's still, then it is
 * removed; a taker killed midway leaves it in its turn, which the next process removes with the turn
 * once stale. Returns whether the lock was removed; false when another takeover is under way or the holder changed.
 */
export async function takeOverGone(lockDirectory: string, check: TakeoverCheck): Promise<boolean> {
  // Looked at first without taking turns: a lock whose holder lives (the common wait) costs one read.
  if ((await lockGone(lockDirectory, check)) === undefined) return false;
  const turn = await takeTurn(lockDirectory).catch(() => undefined);
  if (turn === undefined) return false;
  try {
    const gone = await lockGone(lockDirectory, check);
    if (gone === undefined) return false;
    await check.pause?.("rename");
    const aside = join(turn.fence, "gone");
    try {
      await rename(lockDirectory, aside);
    } catch {
      // No lock there any more (its holder let go), or no fence (the turn was taken over): nothing moved.
      return false;
    }
    await check.pause?.("renamed");
    // Not the gone holder's (made by a hearth that takes no turns, from before them): given back.
    if ((await lockOwner(aside))?.token !== gone.token) {
      await rename(aside, lockDirectory).catch(() => undefined);
      return false;
    }
    await rm(aside, { recursive: true, force: true });
    return true;
  } finally {
    await turn.release();
  }
}
