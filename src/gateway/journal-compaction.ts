import { readdir, rename, rm, open } from "node:fs/promises";
import { dirname, join } from "node:path";
import { processAlive } from "../shared/process-alive.js";

/**
 * Past this size a journal is rewritten with only what still waits in it, once that is under half the
 * file (`compactionDue`): a gateway whose sessions always have a message waiting (one kept because its
 * session cannot be written, turns that overlap) would otherwise keep every message it ever took in since
 * the last moment nothing waited — photos too — and a start reads no journal past 256 MB (JOURNAL_MAX_BYTES).
 * With the waiting messages bounded to 64 MB (JOURNAL_HOLDS_BYTES) the file stays under 192 MB.
 */
export const JOURNAL_COMPACT_AT_BYTES = 16 * 1024 * 1024;

/** The suffix of a journal's rewrite under way (`<pid>.jsonl.compacting`): never read as a journal, removed once its process is gone. */
const COMPACTING = ".compacting";

/** An open file of a rewrite: its text written, flushed to the disk, closed. */
export interface RewriteHandle {
  write(text: string): Promise<unknown>;
  sync(): Promise<void>;
  close(): Promise<void>;
}

/** The file system calls a journal's rewrite makes (a test passes one that stops at a step, to kill the process there). */
export interface JournalWriteFs {
  open(path: string, flags: string, mode: number): Promise<RewriteHandle>;
  rename(from: string, to: string): Promise<void>;
}

/** The system's file system. */
export const SYSTEM_JOURNAL_WRITE_FS: JournalWriteFs = {
  open: async (path, flags, mode) => {
    const handle = await open(path, flags, mode);
    return { write: (text) => handle.writeFile(text), sync: () => handle.sync(), close: () => handle.close() };
  },
  rename: (from, to) => rename(from, to),
};

/** Whether a journal of `fileBytes` whose waiting lines hold `liveBytes` is due to be rewritten (`atBytes`: JOURNAL_COMPACT_AT_BYTES unless said). */
export function compactionDue(sizes: { fileBytes: number; liveBytes: number; atBytes?: number | undefined }): boolean {
  return sizes.fileBytes > (sizes.atBytes ?? JOURNAL_COMPACT_AT_BYTES) && sizes.fileBytes > 2 * sizes.liveBytes;
}

/**
 * Replaces the journal `file` by `text` so that a crash at any moment leaves one whole journal, the old
 * or the new: the text is written beside it (`<file>.compacting`), flushed to the disk, and renamed over
 * it (a rename is atomic); the folder is flushed after. A rewrite that fails leaves the journal as it was
 * (the file beside it removed) and throws. The caller holds the journal's writes back meanwhile.
 */
export async function rewriteJournal(file: string, text: string, fs: JournalWriteFs = SYSTEM_JOURNAL_WRITE_FS): Promise<void> {
  const aside = `${file}${COMPACTING}`;
  try {
    const handle = await fs.open(aside, "w", 0o600);
    try {
      await handle.write(text);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await fs.rename(aside, file);
  } catch (error) {
    await rm(aside, { force: true }).catch(() => undefined);
    throw error;
  }
  // The rename made durable too; a folder that cannot be opened for it (some file systems) is left to the system.
  const folder = await open(dirname(file), "r").catch(() => undefined);
  await folder?.sync().catch(() => undefined);
  await folder?.close().catch(() => undefined);
}

/** Removes the rewrites a process killed mid-way left in `dir` (its journal itself is whole: the old one). */
export async function removeLeftRewrites(dir: string): Promise<void> {
  const names = await readdir(dir).catch(() => [] as string[]);
  for (const name of names) {
    const pid = Number(/^([1-9]\d*)\.jsonl\.compacting$/.exec(name)?.[1]);
    if (Number.isSafeInteger(pid) && pid > 0 && !processAlive(pid)) await rm(join(dir, name), { force: true }).catch(() => undefined);
  }
}
