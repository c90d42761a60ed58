import { constants } from "node:fs";
import { lstat, open, readdir, type FileHandle } from "node:fs/promises";
import { dirname } from "node:path";
import { fileSystemFault, nonRegularKind } from "../shared/fs-fault.js";

/**
 * The largest journal read. A journal holds the messages waiting at one moment (their images too), goes
 * once none waits and is rewritten once it grows well past them (journal-compaction.ts): far less than this. A larger file is not read whole into memory: it is left
 * where it is, and said.
 */
export const JOURNAL_MAX_BYTES = 256 * 1024 * 1024;

/** The file system calls reading journals makes (tests pass one whose reads hang, or fail). */
export interface JournalFs {
  readdir(path: string): Promise<string[]>;
  lstat(path: string): Promise<{ isFile(): boolean; size: number; mtimeMs: number }>;
  open(path: string, flags: number): Promise<FileHandle>;
}

/** The system's file system. */
export const SYSTEM_JOURNAL_FS: JournalFs = { readdir: (path) => readdir(path), lstat: (path) => lstat(path), open: (path, flags) => open(path, flags) };

/** A journal's text and when it was last written (mtime, ms); or why it was not read (`problem`: absent when it is gone, nothing to say). */
export type JournalRead = { ok: true; text: string; writtenAt: number } | { ok: false; problem?: string | undefined };

/**
 * Reads a journal of a process that is gone without ever blocking on it: opened with O_NONBLOCK (a FIFO
 * opens at once, never waiting for a writer) and O_NOFOLLOW (a symbolic link is refused, not followed
 * to /dev/zero or elsewhere), then checked on the opened descriptor to be a regular file of at most
 * JOURNAL_MAX_BYTES, and read to the size it had then (a file that grows meanwhile is not followed).
 * Anything else is not read: the problem names the path, what it is and what to do, and the file stays.
 */
export async function readJournal(path: string, fs: JournalFs = SYSTEM_JOURNAL_FS): Promise<JournalRead> {
  let handle: FileHandle;
  try {
    handle = await fs.open(path, constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOFOLLOW);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT") return { ok: false };
    if (code === "ELOOP") return notRead(path, "is a symbolic link, not a message journal (those are regular files)");
    // What cannot be opened for reading at all: a socket.
    if (code === "ENXIO" || code === "EOPNOTSUPP") return notRead(path, "is a socket, not a message journal (those are regular files)");
    return unreadable(path, error);
  }
  try {
    const stats = await handle.stat();
    const kind = nonRegularKind(stats);
    if (kind) return notRead(path, `is ${kind}, not a message journal (those are regular files)`);
    if (stats.size > JOURNAL_MAX_BYTES) return notRead(path, `is ${megabytes(stats.size)} MB, larger than a message journal is read (${megabytes(JOURNAL_MAX_BYTES)} MB)`);
    const bytes = Buffer.alloc(stats.size);
    let filled = 0;
    while (filled < bytes.length) {
      const { bytesRead } = await handle.read(bytes, filled, bytes.length - filled, filled);
      if (bytesRead === 0) break;
      filled += bytesRead;
    }
    return { ok: true, text: bytes.toString("utf8", 0, filled), writtenAt: stats.mtimeMs };
  } catch (error) {
    return unreadable(path, error);
  } finally {
    await handle.close().catch(() => undefined);
  }
}

function notRead(path: string, what: string): JournalRead {
  return { ok: false, problem: `${path} ${what}: it is not read, and no message is recovered from it; if you put it there, move it out of ${dirname(path)}, else remove it (rm ${path})` };
}

function unreadable(path: string, error: unknown): JournalRead {
  const fault = fileSystemFault(error, { path, doing: "read the message journal" });
  return { ok: false, problem: `${fault.message} (${fault.details.join("; ")}); its messages are recovered once it can be read (tried again at the next start)` };
}

function megabytes(bytes: number): number {
  return Math.ceil(bytes / (1024 * 1024));
}
