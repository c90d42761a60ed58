import type { FileHandle } from "node:fs/promises";
import { HearthError } from "../shared/errors.js";
import { FileSystemFault } from "../shared/fs-fault.js";

/**
 * A write to a session file that failed partway (a full disk, a quota, an I/O error) is taken back: the file is
 * cut to its length before it (no torn line for the next reader), and a file this append created is removed (no
 * empty session left by a message that could not be saved). The fault as it stands then: when the cut fails too,
 * it says what the file holds now (a FileSystemFault keeps its system code).
 */
export async function takeBackAppend(write: { handle: FileHandle; size: number; created: boolean; path: string; fault: HearthError; unlink: (path: string) => Promise<void> }): Promise<HearthError> {
  const { handle, size, created, path, fault } = write;
  try {
    await handle.truncate(size);
    if (created) {
      await handle.close().catch(() => undefined);
      await write.unlink(path);
    }
    return fault;
  } catch (error) {
    const why = error instanceof Error ? ((error as NodeJS.ErrnoException).code ?? error.message) : String(error);
    const message = `${fault.message.replace(/; nothing was written$/, "")}; what was written of it could not be taken back (${why}): the file ends in a broken line, which reading skips`;
    return fault instanceof FileSystemFault ? new FileSystemFault({ message, details: fault.details, code: fault.code }) : new HearthError(fault.kind, message, fault.details);
  }
}
