import type { Dir, Stats } from "node:fs";
import { lstat, opendir, readlink, stat } from "node:fs/promises";
import type { Refusal } from "./parse-options.js";

/**
 * A path exec's checks could not look at (an error other than "not there": a name longer than the
 * system takes, no permission, an I/O error). Every check fails closed on it: what cannot be looked at
 * is never taken as "no link" or "inside" (a path past PATH_MAX whose lstat failed once passed as "not
 * a link", and cp, opening it relative to its working directory, wrote through a link in it).
 */
export class UncheckablePath extends Error {
  constructor(
    readonly path: string,
    readonly code: string,
  ) {
    super(`exec cannot check ${path} (${code})`);
  }
}

/** Errors that mean the name is not there, and no program can open anything through it either. */
const NOT_THERE = new Set(["ENOENT", "ENOTDIR"]);

/** The longest name of one folder entry the kernel takes (Linux's NAME_MAX, in bytes); a longer one no program can open or make. */
const NAME_MAX = 255;

function uncheckable(path: string, error: unknown): UncheckablePath {
  const code = (error as NodeJS.ErrnoException | undefined)?.code ?? String(error);
  return new UncheckablePath(path, code);
}

/** The path's own status (a link not followed), undefined when it is not there; any other error throws UncheckablePath. */
export async function lstatIfThere(path: string): Promise<Stats | undefined> {
  try {
    return await lstat(path);
  } catch (error) {
    if (NOT_THERE.has((error as NodeJS.ErrnoException).code ?? "")) return undefined;
    // A last name longer than any folder entry can be: nothing is there, and nothing can be made there.
    if ((error as NodeJS.ErrnoException).code === "ENAMETOOLONG" && Buffer.byteLength(path.slice(path.lastIndexOf("/") + 1)) > NAME_MAX) return undefined;
    throw uncheckable(path, error);
  }
}

/** The status of what the path leads to (links followed), undefined when it is not there (a dangling link too); other errors throw. */
export async function statIfThere(path: string): Promise<Stats | undefined> {
  try {
    return await stat(path);
  } catch (error) {
    if (NOT_THERE.has((error as NodeJS.ErrnoException).code ?? "")) return undefined;
    throw uncheckable(path, error);
  }
}

/** A symlink's text; any error throws UncheckablePath (the caller has just seen the link). */
export async function readlinkChecked(path: string): Promise<string> {
  try {
    return await readlink(path);
  } catch (error) {
    throw uncheckable(path, error);
  }
}

/** The folder's listing, undefined when it is gone; any other error (no permission to read it) throws UncheckablePath. */
export async function opendirIfThere(path: string): Promise<Dir | undefined> {
  try {
    return await opendir(path);
  } catch (error) {
    if (NOT_THERE.has((error as NodeJS.ErrnoException).code ?? "")) return undefined;
    throw uncheckable(path, error);
  }
}

export async function isDirectory(path: string): Promise<boolean> {
  return (await statIfThere(path))?.isDirectory() ?? false;
}

/** The refusal for a check that met a path it could not look at; undefined for any other error (rethrown by the caller). */
export function uncheckableRefusal(error: unknown): Refusal | undefined {
  if (!(error instanceof UncheckablePath)) return undefined;
  return {
    argument: error.path,
    reason: `exec cannot check this path (${error.code}${error.code === "ENAMETOOLONG" ? ": longer than the system takes as a whole path" : ""}), and a link along it could lead anywhere: exec runs nothing through a path it cannot look at. Use a shorter path (or one you can read)`,
  };
}
