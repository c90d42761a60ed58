import { execFile } from "node:child_process";
import { lstat, readdir, statfs } from "node:fs/promises";
import { join } from "node:path";
import { systemProgram } from "./system-programs.js";

/** What one turn's exec calls have added under one working directory. */
export interface TurnDiskAccount {
  /** The directory's usage (bytes on disk) when the turn's first exec call there began. */
  readonly baseline: number;
  /** Bytes added since, as last measured (what was deleted counts off; never below 0). */
  added: number;
}

/** How often the file system is looked at while a program runs. */
const WATCH_MS = 250;

/**
 * The disk a turn's exec calls may fill: at most `limitBytes` added under the working directory, sandbox
 * or not (the per-file limit alone let one turn write tens of GiB). Measured exactly with `du` (allocated
 * blocks, each hard-linked file once, staying on the directory's file system) at the turn's first call and
 * after each call; while a program runs, the file system's free space (one statfs, cheap) is watched, and
 * when it has dropped by more than the turn has left, `du` confirms before the program is stopped.
 */
export class TurnDiskBudget {
  private readonly turns = new WeakMap<object, Map<string, TurnDiskAccount>>();

  constructor(readonly limitBytes: number) {}

  /** This turn's account for this directory: made, measuring it, at the turn's first call there. */
  async account(turn: object, directory: string): Promise<TurnDiskAccount> {
    let accounts = this.turns.get(turn);
    if (!accounts) this.turns.set(turn, (accounts = new Map()));
    let account = accounts.get(directory);
    if (!account) accounts.set(directory, (account = { baseline: await diskUsage(directory), added: 0 }));
    return account;
  }

  /** Measures what the turn has added after a call; true when it is past the limit. */
  async settle(account: TurnDiskAccount, directory: string): Promise<boolean> {
    account.added = Math.max(0, (await diskUsage(directory)) - account.baseline);
    return account.added > this.limitBytes;
  }

  /** Watches while a program runs; `onOver` once the turn is past its limit. Returns the function that stops watching. */
  watch(account: TurnDiskAccount, directory: string, onOver: () => void): () => void {
    let stopped = false;
    let checking = false;
    const start = freeBytes(directory);
    const timer = setInterval(() => {
      if (checking || stopped) return;
      checking = true;
      void (async () => {
        const [before, now] = await Promise.all([start, freeBytes(directory)]);
        if (before !== undefined && now !== undefined && before - now <= this.limitBytes - account.added) return;
        if ((await this.settle(account, directory)) && !stopped) onOver();
      })().finally(() => {
        checking = false;
      });
    }, WATCH_MS);
    timer.unref();
    return () => {
      stopped = true;
      clearInterval(timer);
    };
  }

  /** What the model reads when the limit is reached. */
  note(account: TurnDiskAccount, directory: string): string {
    return `this turn's exec calls have added ${mebibytes(account.added)} MiB under ${directory}, more than the ${mebibytes(this.limitBytes)} MiB one turn may add (exec's disk limit); the files stay where they are, and no more exec calls run this turn — say what you made, and the user can free the space or go on in the next turn`;
  }
}

function mebibytes(bytes: number): string {
  return (bytes / 1024 / 1024).toFixed(0);
}

/** Free bytes on the directory's file system; undefined where it cannot be asked (then only the exact measurement decides). */
async function freeBytes(directory: string): Promise<number | undefined> {
  return statfs(directory).then(
    (found) => found.bavail * found.bsize,
    () => undefined,
  );
}

/**
 * Bytes on disk under `directory`: `du -skx` (POSIX; from a system folder, never one a program exec ran
 * could have written: system-programs.ts), or a walk of its own where du cannot run.
 */
export async function diskUsage(directory: string): Promise<number> {
  const du = await systemProgram("du", process.env.PATH ?? "");
  const fromDu = du === undefined ? undefined : await new Promise<number | undefined>((resolve) => {
    // du exits 1 when a folder was unreadable; its total still counts the rest.
    execFile(du, ["-skx", directory], { env: { PATH: process.env.PATH ?? "", LC_ALL: "C" }, windowsHide: true }, (_error, stdout) => {
      const kib = /^(\d+)\s/m.exec(String(stdout));
      resolve(kib?.[1] === undefined ? undefined : Number(kib[1]) * 1024);
    });
  });
  if (fromDu !== undefined) return fromDu;
  const top = await lstat(directory).catch(() => undefined);
  return top ? walk(directory, top.dev) : 0;
}

async function walk(directory: string, device: number): Promise<number> {
  const entries = await readdir(directory).catch(() => []);
  let total = 0;
  for (const name of entries) {
    const path = join(directory, name);
    const found = await lstat(path).catch(() => undefined);
    if (!found) continue;
    total += found.blocks * 512;
    if (found.isDirectory() && found.dev === device) total += await walk(path, device);
  }
  return total;
}
