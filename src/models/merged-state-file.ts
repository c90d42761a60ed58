import { mkdirSync, statSync } from "node:fs";
import { dirname } from "node:path";
import { fileSystemFault } from "../shared/fs-fault.js";
import { readStateFile, removeLeftTemporaries, replaceFileWhole, setAside } from "../shared/state-file.js";
import { acquireLock, withoutLockWords } from "./state-file-lock.js";

/** What a state file holds, in the words its warnings say it with. */
export interface StateFileWords {
  /** "the cooldowns": as in "cannot read the cooldowns from <file>". */
  holds: string;
  /** "cooldowns": as in "<file> is not a valid cooldowns file". */
  kind: string;
  /** What a read that fails comes to: "going on without remembered cooldowns". */
  afterReadFailed: string;
  /** What a save that fails comes to: "cooldowns are kept in this process only …". */
  afterSaveFailed: string;
  /** What a damaged file set aside leaves: "no cooldowns" (as in "started with no cooldowns"). */
  startedWith: string;
}

export interface MergedStateFileOptions<T> {
  file: string;
  words: StateFileWords;
  /** The file's text as hearth wrote it, or why it is not (the reason is said with the file set aside). */
  parse(text: string): { ok: true; value: T } | { ok: false; reason: string };
  /** What a missing, unreadable or damaged file counts as. */
  empty(): T;
  warn(line: string): void;
  now(): number;
}

export interface MergedStateFile<T> {
  /** What the file holds now; never throws (a fault is said once, a damaged file set aside). */
  load(): T;
  /** Reads the file again under its lock, writes `merge(what it holds)` through a rename; never throws. */
  save(merge: (onDisk: T) => T): void;
}

/**
 * A small JSON file of the state dir that several hearth processes (a gateway, the commands beside it)
 * write: each write reads it again under a short lock (`<file>.lock`), merges this process's part into
 * what the others wrote, and replaces the file whole through a rename. A missing file is an empty one; a
 * file that is not what hearth writes is set aside as `<file>.bad-<time>` with a warning. A file that
 * cannot be read or written (a directory where it should be, a full disk) is said once, with the fix,
 * until a write succeeds again; a write that went without the lock (one left by a killed process, not
 * yet stale) is said once, until a write takes the lock again (so a gateway that runs for weeks says each
 * such episode, not only its first). Temporaries a killed process left (`<file>.<pid>.tmp`) are removed
 * when it is opened. What these files hold only saves time, so nothing here fails a turn.
 */
export function mergedStateFile<T>(options: MergedStateFileOptions<T>): MergedStateFile<T> {
  const { file, words, warn } = options;
  const said = new Set<string>();
  let toldWithoutLock = false;
  removeLeftTemporaries(file);
  const warnOnce = (error: unknown, saving: boolean): void => {
    const fault = fileSystemFault(error, { path: file, doing: saving ? `save ${words.holds} to` : `read ${words.holds} from` });
    const line = `${[fault.message, ...fault.details].join(" — ")}; ${saving ? words.afterSaveFailed : words.afterReadFailed}`;
    if (said.has(line)) return;
    said.add(line);
    warn(line);
  };
  const load = (): T => {
    let text: string | undefined;
    try {
      text = readStateFile({ path: file, doing: `read ${words.holds} from` });
    } catch (error) {
      warnOnce(error, false);
      return options.empty();
    }
    if (text === undefined) return options.empty();
    const parsed = options.parse(text);
    if (parsed.ok) return parsed.value;
    try {
      const aside = setAside(file, new Date(options.now()));
      warn(`${file} is not a valid ${words.kind} file (${parsed.reason}); moved it to ${aside} and started with ${words.startedWith}`);
    } catch (error) {
      warn(`${file} is not a valid ${words.kind} file (${parsed.reason}), and ${error instanceof Error ? error.message : String(error)}; ${words.afterReadFailed}`);
    }
    return options.empty();
  };
  const save = (merge: (onDisk: T) => T): void => {
    try {
      mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
    } catch (error) {
      warnOnce(error, true);
      return;
    }
    const lock = acquireLock(file);
    if (lock.without && !toldWithoutLock) {
      toldWithoutLock = true;
      warn(withoutLockWords(file, lock));
    }
    // A write that took its lock ends the episode: the next one that goes without is said again.
    if (!lock.without) toldWithoutLock = false;
    try {
      replaceFileWhole(file, JSON.stringify(merge(load())), 0o600);
      said.clear();
    } catch (error) {
      warnOnce(error, true);
    } finally {
      lock.release();
    }
  };
  return { load, save };
}

/** A state file's size and time (undefined: none, or not readable): whether another process wrote it since the last look. */
export function fileLook(file: string): { size: number; mtimeMs: number } | undefined {
  try {
    const stat = statSync(file);
    return { size: stat.size, mtimeMs: stat.mtimeMs };
  } catch {
    return undefined;
  }
}
