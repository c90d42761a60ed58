import { closeSync, constants, existsSync, fstatSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, unlinkSync, writeFileSync, writeSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { fileSystemFault, nonRegularKind, notARegularFile, unopenableKind, type FaultContext } from "./fs-fault.js";
import { processAlive } from "./process-alive.js";

/**
 * Opens a file hearth keeps in its state dir without ever blocking on it: O_NONBLOCK makes a FIFO
 * open at once (or fail), and the opened descriptor is checked to be a regular file before anything
 * is read or written — a symlink to /dev/zero or a pipe is refused, not read forever.
 * Returns undefined when the file does not exist and `flags` does not create it.
 */
export function openRegularFile(context: FaultContext, flags: number, mode = 0o600): number | undefined {
  let fd: number;
  try {
    fd = openSync(context.path, flags | constants.O_NONBLOCK, mode);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT" && (flags & constants.O_CREAT) === 0) return undefined;
    // A FIFO opened for writing with nobody reading it.
    if (code === "ENXIO") throw notARegularFile(context, unopenableKind(context.path));
    throw fileSystemFault(error, context);
  }
  try {
    const kind = nonRegularKind(fstatSync(fd));
    if (kind) throw notARegularFile(context, kind);
  } catch (error) {
    closeSync(fd);
    throw fileSystemFault(error, context);
  }
  return fd;
}

/** The whole text of a state file, or undefined when there is none. */
export function readStateFile(context: FaultContext): string | undefined {
  const fd = openRegularFile(context, constants.O_RDONLY);
  if (fd === undefined) return undefined;
  try {
    return readFileSync(fd, "utf8");
  } catch (error) {
    throw fileSystemFault(error, context);
  } finally {
    closeSync(fd);
  }
}

/** Appends text to a state file (created 0600), refusing anything but a regular file. */
export function appendStateFile(context: FaultContext, text: string): void {
  writeOpened(context, constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT, text);
}

/** Opens `context.path` with `flags` (a regular file only), writes `text`, closes; faults name the file. */
function writeOpened(context: FaultContext, flags: number, text: string): void {
  const fd = openRegularFile(context, flags);
  if (fd === undefined) return;
  try {
    writeSync(fd, text);
  } catch (error) {
    throw fileSystemFault(error, context);
  } finally {
    closeSync(fd);
  }
}

/**
 * Replaces a state file's whole text at once (a new 0600 file renamed over it): a reader sees the old text or the new.
 * A write or rename that fails (a full disk, the file become a directory) leaves no temporary file behind.
 */
export function replaceStateFile(context: FaultContext, text: string): void {
  throughTemporaryFile(context.path, (temporary) => writeOpened({ ...context, path: temporary }, constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC, text), context);
}

/**
 * Writes `text` to `path` through a temporary file beside it (`mode`), renamed over it: a reader sees
 * the old text or the new. Throws the file system's own error; no temporary file is left behind.
 */
export function replaceFileWhole(path: string, text: string, mode: number): void {
  throughTemporaryFile(path, (temporary) => writeFileSync(temporary, text, { mode }));
}

/**
 * The one way hearth replaces a file whole: `write` makes `<path>.<pid>.tmp`, which is renamed over
 * `path`. When either fails the temporary file is removed (a full disk leaves an empty or partial one;
 * a `path` that became a directory refuses the rename every time), and the error is thrown — as a
 * fault naming `path` and the fix when `context` is given.
 */
export function throughTemporaryFile(path: string, write: (temporary: string) => void, context?: FaultContext): void {
  const temporary = `${path}.${process.pid}.tmp`;
  try {
    write(temporary);
    renameSync(temporary, path);
  } catch (error) {
    removeLeftover(temporary);
    throw context ? fileSystemFault(error, context) : error;
  }
}

/** Removes a temporary file a failed write left; one that cannot be removed (or is not there) is left as it is. */
export function removeLeftover(temporary: string): void {
  try {
    unlinkSync(temporary);
  } catch {
    // Never made (the open failed), or not a file this process made (a directory): nothing to remove.
  }
}

/**
 * Removes the temporary files beside `path` (`<path>.<pid>.tmp`, throughTemporaryFile's) whose process is gone: one
 * killed (kill -9) between its write and the rename left it, and nothing else ever would. A live process's is its
 * write under way, and is left. A folder that cannot be read, or a file that cannot be removed, is left as it is.
 */
export function removeLeftTemporaries(path: string): void {
  const folder = dirname(path);
  const prefix = `${basename(path)}.`;
  let names: string[];
  try {
    names = readdirSync(folder);
  } catch {
    return;
  }
  for (const name of names) {
    if (!name.startsWith(prefix) || !name.endsWith(".tmp")) continue;
    const pid = Number(/^[1-9]\d*$/.exec(name.slice(prefix.length, -".tmp".length))?.[0]);
    if (Number.isSafeInteger(pid) && pid !== process.pid && !processAlive(pid)) removeLeftover(join(folder, name));
  }
}

/** Creates a state directory (0700) and its parents, or says clearly why it cannot. */
export function ensureStateDirectory(context: FaultContext): void {
  try {
    mkdirSync(context.path, { recursive: true, mode: 0o700 });
  } catch (error) {
    throw fileSystemFault(firstMkdirError(context.path) ?? error, context);
  }
}

/**
 * A recursive mkdir reports ENOENT on a read-only file system; making the first missing directory
 * alone gives the real cause (EROFS, EACCES, ENOTDIR…).
 */
function firstMkdirError(path: string): unknown {
  const parent = dirname(path);
  if (parent !== path && !existsSync(parent)) return firstMkdirError(parent);
  try {
    mkdirSync(path, { mode: 0o700 });
    return undefined;
  } catch (error) {
    return error;
  }
}

/**
 * Moves a damaged file hearth wrote itself out of the way (`<file>.bad-<time>`), keeping it for a
 * look, so that the next run starts clean. Returns where it went.
 */
export function setAside(path: string, at: Date): string {
  const aside = `${path}.bad-${at.toISOString().replace(/[:.]/g, "-")}`;
  try {
    renameSync(path, aside);
  } catch (error) {
    throw fileSystemFault(error, { path, doing: "move aside the damaged file" });
  }
  return aside;
}
