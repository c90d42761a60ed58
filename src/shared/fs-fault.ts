import { statSync } from "node:fs";
import { dirname } from "node:path";
import { HearthError } from "./errors.js";

/** What hearth was doing when the file system refused, in the user's words. */
export interface FaultContext {
  /** The file or directory hearth was working on. */
  path: string;
  /** "save session \"main\" to", "read session \"main\" from", "list the sessions in"… */
  doing: string;
}

/**
 * One place that turns a file-system error on the state dir into what the user can act on: the path,
 * what is wrong with it, and the fix — never `unexpected error`. Errors that are already a HearthError
 * pass through.
 */
export function fileSystemFault(error: unknown, context: FaultContext): HearthError {
  if (error instanceof HearthError) return error;
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  const { what, fix } = describe(code, context.path, error);
  return new FileSystemFault({ message: `cannot ${context.doing} ${context.path}: ${what}`, details: [fix], code });
}

/** A file-system error on the state dir as the user reads it, with the system's code (ENOSPC, EROFS…) kept for who judges it (StateWrites, isStateDirRefusal). */
export class FileSystemFault extends HearthError {
  /** ENOSPC, EACCES, …; undefined when the error had none. */
  readonly code: string | undefined;

  constructor(fault: { message: string; details: readonly string[]; code: string | undefined }) {
    super("runtime", fault.message, fault.details);
    this.code = fault.code;
  }
}

/** A place in the state dir whose writes matter to the user: `sessions/` (the conversations), `inbox/` (the journal of messages waiting for their turn). */
export type StatePlace = "sessions" | "journal";

/**
 * Who hears of each write to the state dir that matters to its user (a session saved, a message kept):
 * `wrote` after one that succeeded, `failed` with the error of one that did not — each with the place written to.
 */
export interface WriteWatch {
  wrote(place: StatePlace): void;
  failed(place: StatePlace, error: unknown): void;
}

/**
 * Codes of a state dir that cannot take a write now, which the disk or the user's fix to it mends (space
 * freed, a mode or mount changed, a file moved aside, files closed) — not a fault in hearth.
 */
const STATE_DIR_CODES = new Set(["ENOSPC", "EDQUOT", "EROFS", "EACCES", "EPERM", "EMFILE", "ENFILE", "EIO", "ENOTDIR", "EEXIST", "EISDIR", "ELOOP", "ENAMETOOLONG"]);

/** Whether an error is the state dir refusing a write (STATE_DIR_CODES), as a FileSystemFault or the errno error itself. */
export function isStateDirRefusal(error: unknown): boolean {
  const code = error instanceof FileSystemFault ? error.code : (error as NodeJS.ErrnoException | undefined)?.code;
  return typeof code === "string" && STATE_DIR_CODES.has(code);
}

/** A path that exists but is not a regular file (a directory, a device, a FIFO, a socket). */
export function notARegularFile(context: FaultContext, kind: string): HearthError {
  return new HearthError("runtime", `cannot ${context.doing} ${context.path}: it is ${kind}, not a regular file`, [
    `hearth keeps its state in plain files: move ${context.path} aside (or set HEARTH_STATE_DIR to another directory)`,
  ]);
}

/**
 * What an open refused with ENXIO is: a FIFO with nobody at the other end, or a device with no
 * device behind it (/dev/tty without a terminal). Asked of the path; a FIFO when it cannot be told.
 */
export function unopenableKind(path: string): string {
  try {
    return nonRegularKind(statSync(path)) ?? "a named pipe (FIFO)";
  } catch {
    return "a named pipe (FIFO)";
  }
}

/** "a directory", "a character device", … for a path that exists; undefined when it is a regular file or absent. */
export function nonRegularKind(stats: { isFile(): boolean; isDirectory(): boolean; isCharacterDevice(): boolean; isBlockDevice(): boolean; isFIFO(): boolean; isSocket(): boolean }): string | undefined {
  if (stats.isFile()) return undefined;
  if (stats.isDirectory()) return "a directory";
  if (stats.isCharacterDevice()) return "a character device";
  if (stats.isBlockDevice()) return "a block device";
  if (stats.isFIFO()) return "a named pipe (FIFO)";
  if (stats.isSocket()) return "a socket";
  return "a special file";
}

const MOVE_OR_ELSEWHERE = "or set HEARTH_STATE_DIR to a directory you can write";

function describe(code: string | undefined, path: string, error: unknown): { what: string; fix: string } {
  switch (code) {
    case "ENOTDIR":
    case "EEXIST": {
      const blocker = firstNonDirectory(path);
      return {
        what: `${blocker} is a file where a directory should be`,
        fix: `move ${blocker} aside (hearth creates the directory), ${MOVE_OR_ELSEWHERE}`,
      };
    }
    case "EISDIR":
      return { what: "it is a directory, not a file", fix: `move ${path} aside, ${MOVE_OR_ELSEWHERE}` };
    case "EROFS":
      return { what: "the file system is read-only (EROFS)", fix: `remount it read-write, ${MOVE_OR_ELSEWHERE}` };
    case "ENOSPC":
    case "EDQUOT":
      return { what: `the disk is full (${code}); nothing was written`, fix: `free some space on the disk that holds ${dirname(path)}, then try again` };
    case "EACCES":
      return { what: "permission denied (EACCES)", fix: `check the owner and mode of ${dirname(path)} and ${path} (ls -ld), ${MOVE_OR_ELSEWHERE}` };
    case "EPERM":
      return { what: "the operation is not permitted (EPERM: an immutable file, or owned by another user)", fix: `check ${path} with ls -ld and lsattr, ${MOVE_OR_ELSEWHERE}` };
    case "ELOOP":
      return { what: "too many symbolic links (a link loop)", fix: `fix or remove the symbolic links on the way to ${path}` };
    case "ENAMETOOLONG":
      return { what: "the path is too long", fix: "set HEARTH_STATE_DIR to a shorter path" };
    case "EIO":
      return { what: "an input/output error from the disk (EIO)", fix: "check the disk (dmesg), then try again" };
    case "EMFILE":
    case "ENFILE":
      return { what: `too many open files (${code})`, fix: "close some programs or raise the open-file limit (ulimit -n), then try again" };
    default: {
      const message = error instanceof Error ? error.message : String(error);
      return { what: code ? `${code}: ${message}` : message, fix: `check ${path}, ${MOVE_OR_ELSEWHERE}` };
    }
  }
}

/** The nearest ancestor (or the path itself) that exists and is not a directory: what blocks a mkdir or open. */
function firstNonDirectory(path: string): string {
  const chain: string[] = [];
  for (let current = path; ; current = dirname(current)) {
    chain.unshift(current);
    if (dirname(current) === current) break;
  }
  for (const candidate of chain) {
    try {
      if (!statSync(candidate).isDirectory()) return candidate;
    } catch {
      return path;
    }
  }
  return path;
}
