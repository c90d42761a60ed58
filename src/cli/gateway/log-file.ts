import { closeSync, fchmodSync, fstatSync, mkdirSync, openSync, statSync, writeSync, type Stats } from "node:fs";
import { dirname } from "node:path";

/** How often, at most, a line's write first checks that the path still names the file being written. */
export const FOLLOW_EVERY_MS = 100;

/** The stream pino writes the gateway's log to. */
export interface LogFileDestination {
  write(line: string): void;
  /**
   * Reopens the path when it no longer names the file being written (set aside by another gateway
   * on the same state dir, or removed); throws when it cannot be opened again.
   */
  follow(): void;
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
 */
export function logFileDestination(file: string): LogFileDestination {
  let open = openLog(file);
  let looked = performance.now();
  const follow = (): void => {
    looked = performance.now();
    const named = statSync(file, { throwIfNoEntry: false });
    if (named && named.ino === open.stats.ino && named.dev === open.stats.dev) return;
    const reopened = openLog(file);
    closeSync(open.fd);
    open = reopened;
  };
  return {
    write: (line) => {
      try {
        if (performance.now() - looked >= FOLLOW_EVERY_MS) follow();
      } catch {
        // Written where it was going; the periodic check logs why the path cannot be reopened.
      }
      writeSync(open.fd, line);
    },
    follow,
  };
}

function openLog(file: string): { fd: number; stats: Stats } {
  let fd: number;
  try {
    fd = openSync(file, "a", 0o600);
  } catch (error) {
    // `logs/` removed while the gateway runs (`rm -rf ~/.hearth/logs`): made again, owner-only.
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
    mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
    fd = openSync(file, "a", 0o600);
  }
  try {
    fchmodSync(fd, 0o600);
    return { fd, stats: fstatSync(fd) };
  } catch (error) {
    closeSync(fd);
    throw error;
  }
}
