import { randomUUID } from "node:crypto";
import * as fs from "node:fs";
import { readdir, readFile, rename, rm, stat } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
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

/** A held turn on one lock (`<lock>-taking`): let go with `release`; `held()` tells whether it is still this one's (not taken over as stale meanwhile: a process stopped past 2 s). */
export interface LockTurn {
  release(): Promise<void>;
  held(): Promise<boolean>;
}

/** How long a turn is held before another process may take it over as its holder's (a holder stopped, or killed). */
const TURN_STALE_MS = 2_000;
/** How often a settling of leftovers looks again for a busy turn. */
const TURN_RETRY_MS = 100;

/**
 * Takes the turn on `lockDirectory` (`<lock>-taking`, a lock of its own made with mkdir): every making of
 * the lock and every takeover of it holds it, so that no lock can be made while a takeover has one
 * moved aside. Undefined when another process has it now (the caller tries again at its next round).
 * A turn busy now is waited for up to ~150 ms (it is held for a few file system calls).
 * Its directory is told from a later one by its inode and birth time: `held()` is false once another
 * process took the turn over as stale (this one was stopped past TURN_STALE_MS) — whatever it made since is another's.
 */
export async function takeTurn(lockDirectory: string): Promise<LockTurn | undefined> {
  const path = `${lockDirectory}-taking`;
  let release: () => Promise<void>;
  try {
    // A turn is held for a few file system calls: one busy now is waited for a little (two makers at once both come to the mkdir, as they would without turns).
    release = await acquire(path, { realpath: false, lockfilePath: path, stale: TURN_STALE_MS, retries: { retries: 10, minTimeout: 5, maxTimeout: 20 }, onCompromised: () => undefined });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ELOCKED") return undefined;
    throw error;
  }
  const identity = async (): Promise<string | undefined> => {
    const facts = await stat(path, { bigint: true }).catch(() => undefined);
    return facts && `${facts.dev}:${facts.ino}:${facts.birthtimeNs}`;
  };
  const mine = await identity();
  return {
    release: async () => {
      await release().catch(() => undefined);
    },
    held: async () => mine !== undefined && (await identity()) === mine,
  };
}

/** The name a takeover moves a lock aside to: the lock's, `.gone-`, the taker's pid and a random word (a later takeover tells whether its taker still runs). */
function asideName(lockDirectory: string): string {
  return `${lockDirectory}.gone-${process.pid}-${randomUUID().slice(0, 8)}`;
}

/**
 * Removes a signed session lock whose holder is gone (`lockGone`), so that the next mkdir takes it. It
 * holds the lock's turn (`takeTurn`), as every making of the lock does: two processes that find the same
 * dead holder do not each remove what the other has just taken, and no lock is made while this one is
 * moved aside. Just before the move the turn is checked to be still this process's (a takeover stopped
 * past 2 s has lost it, and gives up); the directory is moved aside (an atomic rename) and its record
 * checked to be the gone holder's still, then removed — one that is not (the turn lost between the check and the
 * move) is moved back while the turn is still held, else left for the next takeover, which gives it back
 * (`settleLeftAside`). Leftovers of takeovers killed midway are settled first. Returns whether the lock
 * was removed; false when another takeover is under way or the holder changed.
 */
export async function takeOverGone(lockDirectory: string, check: TakeoverCheck): Promise<boolean> {
  // Looked at first without taking turns: a lock whose holder lives (the common wait) costs one read.
  if ((await lockGone(lockDirectory, check)) === undefined) return false;
  const turn = await takeTurn(lockDirectory).catch(() => undefined);
  if (turn === undefined) return false;
  try {
    const gone = await lockGone(lockDirectory, check);
    if (gone === undefined) return false;
    await settleLeftAside(lockDirectory, check);
    const aside = asideName(lockDirectory);
    await check.pause?.("rename");
    if (!(await turn.held())) return false;
    try {
      await rename(lockDirectory, aside);
    } catch {
      return false;
    }
    await check.pause?.("renamed");
    if ((await lockOwner(aside))?.token !== gone.token) {
      if (await turn.held()) await rename(aside, lockDirectory).catch(() => undefined);
      return false;
    }
    await rm(aside, { recursive: true, force: true });
    return true;
  } finally {
    await turn.release();
  }
}

/**
 * The locks takeovers of `lockDirectory` moved aside and left (`<lock>.gone-…`: the taker was killed, or
 * stopped past its turn), settled while the caller holds the lock's turn: one whose taker still runs is
 * left to it; one whose holder is gone, or that has no record, is removed; one whose holder lives (moved
 * by a takeover that had lost its turn) is given back when the lock is free, else left to go stale.
 */
export async function settleLeftAside(lockDirectory: string, check: TakeoverCheck): Promise<void> {
  const prefix = `${basename(lockDirectory)}.gone-`;
  const names = await readdir(dirname(lockDirectory)).catch(() => [] as string[]);
  for (const name of names) {
    if (!name.startsWith(prefix)) continue;
    const taker = Number(/^(\d+)-/.exec(name.slice(prefix.length))?.[1]);
    if (Number.isSafeInteger(taker) && taker !== process.pid && check.facts.alive(taker)) continue;
    const aside = join(dirname(lockDirectory), name);
    const owner = await lockOwner(aside);
    if (owner === undefined || (await lockGone(aside, check)) !== undefined) {
      await rm(aside, { recursive: true, force: true }).catch(() => undefined);
      continue;
    }
    // Only into no lock (a rename replaces an empty directory: one just made, not yet signed).
    if ((await stat(lockDirectory).catch(() => undefined)) === undefined) await rename(aside, lockDirectory).catch(() => undefined);
  }
}

/**
 * The leftovers of takeovers killed midway in a sessions folder, settled once when a process first locks a
 * session there: each lock's under its turn, waited for while it is busy — a taker killed holding it
 * leaves it until it is stale (TURN_STALE_MS), so this waits up to twice that; past it the lock is left to its next takeover.
 */
export async function settleLeftTakeovers(sessionsDirectory: string, check: TakeoverCheck): Promise<void> {
  const names = await readdir(sessionsDirectory).catch(() => [] as string[]);
  const locks = new Set(names.flatMap((name) => /^(.+\.lock)\.gone-[^/]+$/.exec(name)?.[1] ?? []));
  for (const lock of locks) {
    const lockDirectory = join(sessionsDirectory, lock);
    let turn: LockTurn | undefined;
    for (let tries = 0; turn === undefined && tries < (2 * TURN_STALE_MS) / TURN_RETRY_MS; tries++) {
      turn = await takeTurn(lockDirectory).catch(() => undefined);
      if (turn === undefined) await sleep(TURN_RETRY_MS);
    }
    if (turn === undefined) continue;
    try {
      await settleLeftAside(lockDirectory, check);
    } finally {
      await turn.release();
    }
  }
}
