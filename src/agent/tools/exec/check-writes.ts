import { lstat, realpath, stat } from "node:fs/promises";
import { basename, delimiter, dirname, isAbsolute, join, resolve } from "node:path";
import { followLinks } from "./check-places.js";
import type { Refusal } from "./parse-options.js";
import type { ProgramDescription } from "./program.js";
import { within } from "./working-directory.js";
import { writeTargets, type WriteTarget } from "./write-targets.js";

/** A folder no exec call writes into, even inside its working directory, and what it is. */
export interface GuardedFolder {
  /** Its real path. */
  path: string;
  what: string;
  /** Only what lies directly in it (a PATH folder: programs are run from its entries), not deeper; else all of it. */
  entriesOnly?: boolean | undefined;
}

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
    let at = root;
    for (const step of target.chain) at = await followLinks(at, step);
    const written = target.into && (await isDirectory(at)) ? await Promise.all(target.into.map((name) => followLinks(at, basename(name)))) : [at];
    for (const path of written) {
      if (!within(path, root)) {
        return { argument: target.argument, reason: `${unsure}it would write ${path}, outside the working directory ${root} (symlinks followed); with no sandbox exec writes only inside its working directory: ${HOW_TO_WRITE_ELSEWHERE}` };
      }
      const guard = check.guarded.find((folder) => (folder.entriesOnly ? path === folder.path || dirname(path) === folder.path : within(path, folder.path)) || within(folder.path, path));
      if (guard) {
        const where = within(path, guard.path) ? `${path}, inside ${guard.path}` : `${path}, which holds ${guard.path}`;
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
 * The folders no exec call writes into: hearth's own install (the folder holding its `bin/` and `dist/`,
 * which the next `hearth` command runs, and the `node_modules` it loads, wherever that link leads), and
 * what lies directly in a folder on PATH (what hearth, your shell or another program runs by name). Each by its real path.
 */
export async function writeGuards(options: { installRoot: string | undefined; path: string }): Promise<GuardedFolder[]> {
  const real = (path: string) => realpath(path).catch(() => undefined);
  const guarded: GuardedFolder[] = [];
  if (options.installRoot !== undefined) {
    const install = await real(options.installRoot);
    if (install) guarded.push({ path: install, what: "hearth's own install (its bin/ and dist/ run the next time hearth starts)" });
    const modules = await real(join(options.installRoot, "node_modules"));
    if (modules && (!install || !within(modules, install))) guarded.push({ path: modules, what: "the modules hearth loads" });
  }
  for (const entry of options.path.split(delimiter)) {
    if (!isAbsolute(entry)) continue;
    const folder = await real(entry);
    if (folder) guarded.push({ path: folder, what: `a folder on PATH (${entry}), which programs are run from by name`, entriesOnly: true });
  }
  return guarded;
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

async function isDirectory(path: string): Promise<boolean> {
  return (await stat(path).catch(() => undefined))?.isDirectory() ?? false;
}

/** How many names the file at `path` has; 1 for a folder or what does not exist. */
async function hardLinks(path: string): Promise<number> {
  const found = await lstat(path).catch(() => undefined);
  return found && !found.isDirectory() ? found.nlink : 1;
}
