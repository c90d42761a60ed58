import { realpath } from "node:fs/promises";
import { basename, dirname, resolve } from "node:path";
import { followLinks } from "./check-places.js";
import { isDirectory, lstatIfThere } from "./file-status.js";
import type { Refusal } from "./parse-options.js";
import type { ProgramDescription } from "./program.js";
import { within } from "./working-directory.js";
import type { GuardedFolder } from "./write-guards.js";
import { writeTargets, type WriteTarget } from "./write-targets.js";

export interface WriteCheck {
  /** The program's base name (`cp` for `/usr/bin/cp`). */
  program: string;
  description: ProgramDescription | undefined;
  args: readonly string[];
  /** The working directory the program runs in. */
  cwd: string;
  /** Folders never written (writeGuards). */
  guarded: readonly GuardedFolder[];
}

/** The sandbox's promise, named where a refusal says how to write elsewhere. */
const HOW_TO_WRITE_ELSEWHERE = 'to let it write there, set tools.exec.cwd to a folder that holds it (the OS sandbox, tools.exec.sandbox "auto" with bubblewrap installed, writes only inside the working directory too)';

/** Programs that remove or rename a name, never writing through it: a file's other names (hard links) stay as they were. */
const NAME_ONLY = new Set(["rm", "unlink", "rmdir", "mv", "ln"]);

/**
 * With no OS sandbox, the first argument that would have the program write outside its working
 * directory, or into a guarded folder inside it; undefined when every write stays in. Writes are what
 * write-targets.ts says the program may write, each followed on the file system (symlinks of the
 * existing part resolved, a name not there yet judged below its nearest existing parent, a dangling link
 * by its target); a destination folder by each name written into it (`cp a b DIR`: `DIR/a`, `DIR/b`).
 * Without this, a program could put a file where hearth or your shell runs programs from: a `prlimit`
 * in `~/.local/bin`, first on PATH, or a rewritten `dist/` of hearth itself, run by the next `hearth`
 * command. An existing file with more than one name (a hard link) is not written through either: its
 * other names may lie anywhere on the same disk.
 */
export async function refusedWrite(check: WriteCheck): Promise<Refusal | undefined> {
  const root = await realpath(check.cwd).catch(() => resolve(check.cwd));
  const found = writeTargets(check.program, check.args, check.description);
  const every = found.every;
  const targets: WriteTarget[] = found.every ? check.args.flatMap((argument) => writtenCandidates(argument).map((path) => ({ argument, chain: [path] }))) : found.targets;
  const unsure = every ? `exec cannot tell which arguments of ${check.program} it writes, so each is judged as written: ` : "";
  for (const target of targets) {
    for (const path of await writtenPaths(target, root)) {
      if (!within(path, root)) {
        return { argument: target.argument, reason: `${unsure}it would write ${path}, outside the working directory ${root} (symlinks followed); with no sandbox exec writes only inside its working directory: ${HOW_TO_WRITE_ELSEWHERE}` };
      }
      const guard = check.guarded.find((folder) => (folder.entriesOnly ? path === folder.path || dirname(path) === folder.path : within(path, folder.path)) || within(folder.path, path));
      if (guard) {
        const where = path === guard.path ? path : within(path, guard.path) ? `${path}, inside ${guard.path}` : `${path}, which holds ${guard.path}`;
        return { argument: target.argument, reason: `${unsure}it would write ${where}, ${guard.what}; exec never writes there, even inside its working directory: set tools.exec.cwd to a folder that does not hold it` };
      }
      const names = NAME_ONLY.has(check.program) ? 1 : await hardLinks(path);
      if (names > 1) {
        return { argument: target.argument, reason: `${unsure}${path} has ${names} names (hard links): writing it changes the one file under every name, and the others may lie outside the working directory; with no sandbox exec never writes such a file: remove it first (rm), then write it anew` };
      }
    }
  }
  return undefined;
}

/**
 * Where a program exec knows the writes of (write-targets.ts) writes, as real paths (each target
 * followed, a destination folder by the names written into it); undefined when exec cannot tell.
 */
export async function writtenPlaces(check: Omit<WriteCheck, "guarded">): Promise<string[] | undefined> {
  const found = writeTargets(check.program, check.args, check.description);
  if (found.every) return undefined;
  const root = await realpath(check.cwd).catch(() => resolve(check.cwd));
  const paths: string[] = [];
  for (const target of found.targets) paths.push(...(await writtenPaths(target, root)));
  return paths;
}

async function writtenPaths(target: WriteTarget, root: string): Promise<string[]> {
  let at = root;
  for (const step of target.chain) at = await followLinks(at, step);
  return target.into && (await isDirectory(at)) ? Promise.all(target.into.map((name) => followLinks(at, basename(name)))) : [at];
}

/** The ways an argument of a program exec knows nothing of may name a file it writes: as it is, an option's value after `=`, and the tail of `-oFILE`. */
function writtenCandidates(argument: string): string[] {
  const paths = [argument];
  const equals = argument.indexOf("=");
  if (equals >= 0) paths.push(argument.slice(equals + 1));
  if (/^-[^-]/.test(argument)) {
    paths.push(argument.slice(2));
    for (let index = 2; index < argument.length; index++) if ("/.~".includes(argument[index] as string)) paths.push(argument.slice(index));
  }
  return [...new Set(paths)].filter((path) => path !== "");
}

/** How many names the file at `path` has; 1 for a folder or what does not exist. */
async function hardLinks(path: string): Promise<number> {
  const found = await lstatIfThere(path);
  return found && !found.isDirectory() ? found.nlink : 1;
}
