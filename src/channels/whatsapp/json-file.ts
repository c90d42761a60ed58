import { rename, rm, writeFile } from "node:fs/promises";
import { dirname } from "node:path";
import { fileSystemFault } from "../../shared/fs-fault.js";
import { ensureStateDirectory, readStateFile, replaceStateFile, setAside } from "../../shared/state-file.js";

/** A small JSON state file: read (a damaged one set aside, so the channel starts clean), written whole (0600, atomically). */
export function readJsonFile<T>(path: string, empty: T, isValid: (value: unknown) => value is T): T {
  const text = readStateFile({ path, doing: "read" });
  if (text === undefined) return empty;
  try {
    const value: unknown = JSON.parse(text);
    if (isValid(value)) return value;
  } catch {
    // Falls through to set the damaged file aside.
  }
  setAside(path, new Date());
  return empty;
}

export function writeJsonFile(path: string, value: unknown): void {
  ensureStateDirectory({ path: dirname(path), doing: "create the directory for" });
  replaceStateFile({ path, doing: "write" }, `${JSON.stringify(value, null, 2)}\n`);
}

/**
 * writeJsonFile off the event loop's thread, for a file written often while the gateway serves (the
 * caller keeps these writes of one file from overlapping). `stillWanted` is asked before the written
 * copy replaces the file: a write made since (writeJsonFile at a stop) is not replaced by this older one.
 */
export async function writeJsonFileLater(path: string, value: unknown, stillWanted: () => boolean): Promise<void> {
  ensureStateDirectory({ path: dirname(path), doing: "create the directory for" });
  const temporary = `${path}.${process.pid}.later.tmp`;
  try {
    await writeFile(temporary, `${JSON.stringify(value)}\n`, { mode: 0o600 });
    if (stillWanted()) await rename(temporary, path);
    else await rm(temporary, { force: true });
  } catch (error) {
    await rm(temporary, { force: true }).catch(() => undefined);
    throw fileSystemFault(error, { path, doing: "write" });
  }
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
