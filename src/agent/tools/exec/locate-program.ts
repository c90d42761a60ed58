import { constants } from "node:fs";
import { access, realpath, stat } from "node:fs/promises";
import { basename, delimiter, isAbsolute, join, resolve } from "node:path";
import type { Refusal } from "./parse-options.js";
import { within } from "./working-directory.js";

export interface LocateProgram {
  /** The allowed program as configured: a name searched on PATH, or a path. */
  program: string;
  /** The PATH searched (hearth's own). */
  path: string;
  /** The working directory, its real path. */
  cwd: string;
  /** Whether an OS sandbox runs the program: then a program written in the working directory runs inside it, like anything the model writes there. */
  sandboxed: boolean;
}

export type Located = { ok: true; path: string } | { ok: false; refusal?: Refusal | undefined };

/**
 * The file exec runs for an allowed program, as an absolute path, found once before the checks that
 * run it (git's version and config, the sandbox, prlimit): the first executable file of that name in
 * an absolute PATH entry (a relative one, `.` or `bin`, would be read in the working directory).
 * With no sandbox the program must not lie in the working directory, where exec writes: a PATH entry
 * there (or a configured path, or a link to a file there) would run what a model put there as your
 * user. That is refused, naming the entry, rather than passed over for a later one. `{ ok: false }`
 * without a refusal: not found.
 */
export async function locateProgram(locate: LocateProgram): Promise<Located> {
  const named = /[/\\]/.test(locate.program);
  const candidates = named ? [{ file: resolve(locate.cwd, locate.program), entry: undefined }] : searchFolders(locate.path).map((entry) => ({ file: join(entry, locate.program), entry }));
  for (const candidate of candidates) {
    if (!(await isExecutableFile(candidate.file))) continue;
    const real = await realpath(candidate.file).catch(() => candidate.file);
    const entry = candidate.entry === undefined ? undefined : await realpath(candidate.entry).catch(() => candidate.entry as string);
    if (!locate.sandboxed && (within(real, locate.cwd) || (entry !== undefined && within(entry, locate.cwd)))) {
      const where = candidate.entry === undefined ? `${candidate.file}` : `${candidate.file} (PATH holds ${candidate.entry})`;
      return {
        ok: false,
        refusal: {
          argument: basename(locate.program),
          reason: `the program would run from ${where}, inside the working directory ${locate.cwd}, where exec writes; with no sandbox exec never runs a program from there (anything exec wrote there would run as your user): take that folder off PATH, set tools.exec.cwd to a folder that does not hold it, or let exec run in the OS sandbox (tools.exec.sandbox "auto" with bubblewrap installed)`,
        },
      };
    }
    return { ok: true, path: resolve(candidate.file) };
  }
  return { ok: false };
}

/**
 * PATH as exec's programs get it: absolute entries only, and with no sandbox none inside the working
 * directory; a program that starts another by name (git its helpers, a script its tools) then finds
 * none there either.
 */
export async function programSearchPath(path: string, options: { cwd: string; sandboxed: boolean }): Promise<string> {
  const kept: string[] = [];
  for (const entry of searchFolders(path)) {
    const real = await realpath(entry).catch(() => entry);
    if (options.sandboxed || !within(real, options.cwd)) kept.push(entry);
  }
  return kept.join(delimiter);
}

/** PATH's absolute entries, in order. */
function searchFolders(path: string): string[] {
  return path.split(delimiter).filter((entry) => entry !== "" && isAbsolute(entry));
}

async function isExecutableFile(file: string): Promise<boolean> {
  try {
    await access(file, constants.X_OK);
    return (await stat(file)).isFile();
  } catch {
    return false;
  }
}
