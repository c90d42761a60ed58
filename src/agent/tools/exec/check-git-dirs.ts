import { realpath } from "node:fs/promises";
import { resolve, sep } from "node:path";
import { followLinks } from "./check-places.js";
import { pathsIn } from "./check-secrets.js";
import type { Refusal } from "./parse-options.js";
import type { Place, ProgramDescription } from "./program.js";

export interface GitDirCheck {
  description: ProgramDescription | undefined;
  args: readonly string[];
  /** The working directory the program runs in. */
  cwd: string;
}

/**
 * Whether a path component is a repository's own folder as git (or the file system under it) reads
 * it: `.git` in any case (macOS and Windows file systems ignore case), with the characters HFS+
 * ignores (zero-width joiners and marks) and the trailing dots and spaces Windows drops, or its
 * 8.3 short name `git~1`.
 */
export function isGitDirName(part: string): boolean {
  const name = part
    .replace(/[\u200b-\u200f\u202a-\u202e\u2060-\u206f\ufeff]/g, "")
    .replace(/[. ]+$/, "")
    .toLowerCase();
  return name === ".git" || name === "git~1";
}

const INTO_GIT = "it leads into a repository's .git folder (symlinks followed), whose config, hooks and commondir decide which programs git runs (a textconv, diff or filter driver, core.fsmonitor); exec never writes there";

/**
 * The first path a program could write that leads into a `.git` folder, symlinks followed (a link a
 * cloned repository carried, or a name that does not exist yet below one); undefined when none does.
 * git runs only the programs its config names, and every config it reads is in the repository's
 * `.git` (the system's and the user's are never read: git-launch-settings.ts), so a repository exec
 * cannot write into runs nothing a model chose. A program hearth has no description of may write
 * any of its arguments (`cp x r/.git/config`, `mv`, `ln`, `dd of=…`): every one is looked at, as
 * check-secrets.ts does. A described program writes only where its description says (git clone's
 * directory, the archive tar creates, the folder tar extracts into).
 */
export async function refusedGitDirWrite(check: GitDirCheck): Promise<Refusal | undefined> {
  const root = await realpath(check.cwd).catch(() => resolve(check.cwd));
  const places: Place[] = check.description
    ? (check.description.writes?.(check.args) ?? [])
    : check.args.flatMap((argument) => pathsIn(argument).map((path) => ({ argument, chain: [path] })));
  for (const place of places) {
    let at = root;
    for (const step of place.chain) at = await followLinks(at, step);
    if (at.split(sep).some(isGitDirName)) return { argument: place.argument, reason: `${INTO_GIT} (${at})` };
  }
  return undefined;
}
