import { closeSync, fchmodSync, fstatSync, ftruncateSync, mkdirSync, openSync, readSync, statSync, writeSync, type Stats } from "node:fs";
import { dirname } from "node:path";

/** How often, at most, a line's write first checks that the path still names the file being written. */
export const FOLLOW_EVERY_MS = 100;

/** What the log's writes went through: lines dropped since `error`, or writing again after `dropped` were. */
export type LogTrouble = { type: "dropping"; error: unknown } | { type: "writing-again"; dropped: number; error: unknown };

/** The stream pino writes the gateway's log to. */
export interface LogFileDestination {
  /** Writes one line; never throws: a line the file cannot take (a full disk) is dropped and counted. */
  write(line: string): void;
  /**
   * Reopens the path when it no longer names the file being written (set aside by another gateway
   * on the same state dir, or removed); throws when it cannot be opened again.
   */
  follow(): void;
  /** Why lines are being dropped now (the last write's error); undefined while they are written. */
  dropping(): unknown;
}

/**
 * Appends to `file` (created owner-only: the log names sessions, models and servers), always the
 * file its path names now: before a line it compares the path's inode with the one it writes (at
 * most every FOLLOW_EVERY_MS: a stat per line cost a busy gateway a syscall per request), and reopens
 * when they differ or the path is gone. Another gateway on the same state dir (the
 * service beside one run in a terminal, a restart overlapping the old process) may set the log aside
 * at any time; without this the one that did not would go on writing into `gateway.log.1`, which
 * `hearth logs` does not read. Lines are whole `O_APPEND` writes, so two writers never mix theirs.
 * A line written in the moment between another gateway's rotation and the next look goes to the file
 * set aside, where `hearth logs --follow` still reads it (src/ops/gateway-log.ts).
 * A line that cannot reach the new file (it cannot be created) goes to the old one; `follow()` says why.
 *
 * A process that serves every session must not end because its log cannot be written (a full disk,
 * EIO): a line the file refuses is dropped and counted, `onTrouble` hears it once, and the first line
 * that can be written again is preceded by one saying how many were dropped and why (`onTrouble`
 * hears that too). The part of a line the disk took before it filled is taken back out (the log keeps
 * whole lines); a line cut short otherwise (by a process that died mid-line before this one opened
 * the file) is ended first: the next line starts on a line of its own.
 */
export function logFileDestination(file: string, onTrouble: (trouble: LogTrouble) => void = () => undefined): LogFileDestination {
  let open = openLog(file);
  let looked = performance.now();
  /** Lines dropped since the last one written, and the error of the last refusal. */
  const lost = { dropped: 0, error: undefined as unknown };
  const follow = (): void => {
    looked = performance.now();
    const named = statSync(file, { throwIfNoEntry: false });
    if (named && named.ino === open.stats.ino && named.dev === open.stats.dev) return;
    const reopened = openLog(file);
    closeSync(open.fd);
    open = reopened;
  };
  /** Writes `text` whole (a write may take part of it); false, with the error kept, when the file refuses the rest. */
  const writeAll = (text: string): boolean => {
    const bytes = Buffer.from(text);
    let offset = 0;
    while (offset < bytes.length) {
      try {
        const written = writeSync(open.fd, bytes, offset);
        if (written === 0) throw Object.assign(new Error("no space left on device, write"), { code: "ENOSPC" });
        offset += written;
      } catch (error) {
        // Part of the line went in: taken back out, so the log keeps whole lines; else the next write ends it first.
        if (offset > 0 && !cutBack(open.fd, bytes.subarray(0, offset))) open.torn = true;
        lost.error = error;
        return false;
      }
    }
    return true;
  };
  const drop = (): void => {
    lost.dropped++;
    if (lost.dropped === 1) onTrouble({ type: "dropping", error: lost.error });
  };
  return {
    write: (line) => {
      try {
        if (performance.now() - looked >= FOLLOW_EVERY_MS) follow();
      } catch {
        // Written where it was going; the periodic check logs why the path cannot be reopened.
      }
      if (open.torn) {
        if (!writeAll("\n")) return drop();
        open.torn = false;
      }
      if (lost.dropped > 0) {
        if (!writeAll(droppedLine(lost.dropped, lost.error))) return drop();
        const dropped = lost.dropped;
        lost.dropped = 0;
        onTrouble({ type: "writing-again", dropped, error: lost.error });
      }
      if (!writeAll(line)) drop();
    },
    follow,
    dropping: () => (lost.dropped > 0 ? lost.error : undefined),
  };
}

/** The log's own line for the lines it could not write, in pino's shape (a warning). */
function droppedLine(dropped: number, error: unknown): string {
  return `${JSON.stringify({ level: 40, time: Date.now(), pid: process.pid, dropped, msg: `${dropped} log line(s) were dropped: ${droppedWhy(error)}` })}\n`;
}

/** Why lines were dropped, in words: "the disk was full (ENOSPC)". */
export function droppedWhy(error: unknown): string {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (code === "ENOSPC" || code === "EDQUOT") return `the disk was full (${code})`;
  return code ? `the file refused writes (${code})` : `the file refused writes (${error instanceof Error ? error.message : String(error)})`;
}

function openLog(file: string): { fd: number; stats: Stats; torn: boolean } {
  let fd: number;
  try {
    fd = openSync(file, "a+", 0o600);
  } catch (error) {
    // `logs/` removed while the gateway runs (`rm -rf ~/.hearth/logs`): made again, owner-only.
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
    mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
    fd = openSync(file, "a+", 0o600);
  }
  try {
    fchmodSync(fd, 0o600);
    const stats = fstatSync(fd);
    return { fd, stats, torn: endsTorn(fd, stats.size) };
  } catch (error) {
    closeSync(fd);
    throw error;
  }
}

/**
 * Removes the start of a line the disk took only part of from the file's end (a shorter file needs no
 * space). Only when the file still ends with exactly those bytes: another process's line written after
 * them is never cut. False when they are left.
 */
function cutBack(fd: number, written: Buffer): boolean {
  try {
    const size = fstatSync(fd).size;
    if (size < written.length) return false;
    const end = Buffer.alloc(written.length);
    if (readSync(fd, end, 0, written.length, size - written.length) !== written.length || !end.equals(written)) return false;
    ftruncateSync(fd, size - written.length);
    return true;
  } catch {
    return false;
  }
}

/** Whether the file's last line is cut short (no newline at its end): a process died, or its disk filled, mid-line. */
function endsTorn(fd: number, size: number): boolean {
  if (size === 0) return false;
  const last = Buffer.alloc(1);
  // A file that cannot be read back is taken as whole.
  try {
    return readSync(fd, last, 0, 1, size - 1) === 1 && last[0] !== 0x0a;
  } catch {
    return false;
  }
}
