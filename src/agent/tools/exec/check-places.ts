import { realpath } from "node:fs/promises";
import { dirname, isAbsolute, join, parse, resolve, sep } from "node:path";
import { lstatIfThere, readlinkChecked } from "./file-status.js";
import type { Refusal } from "./parse-options.js";
import type { ProgramDescription } from "./program.js";

export interface PlaceCheck {
  description: ProgramDescription | undefined;
  args: readonly string[];
  /** The working directory the program runs in. */
  cwd: string;
  /** Whether an OS sandbox runs the program (only its working directory writable). */
  sandboxed: boolean;
}

/**
 * The first path argument that leads outside the working directory with symlinks followed (a link
 * inside it may point anywhere: `tar -C link/…`, `git -C link`), or what the guard cannot make safe
 * without the sandbox; undefined when the program may run. Text checks cannot see links: this asks the
 * file system, just before the program starts.
 */
export async function refusedPlace(check: PlaceCheck): Promise<Refusal | undefined> {
  const description = check.description;
  if (!description) return undefined;
  if (!check.sandboxed) {
    const refusal = description.unsandboxed?.(check.args);
    if (refusal) return refusal;
  }
  const places = description.places?.(check.args) ?? [];
  if (places.length === 0) return undefined;
  const root = await realpath(check.cwd).catch(() => resolve(check.cwd));
  for (const place of places) {
    let at = root;
    for (const step of place.chain) at = await followLinks(at, step);
    if (at !== root && !at.startsWith(root.endsWith(sep) ? root : `${root}${sep}`)) {
      return { argument: place.argument, reason: `it leads outside the working directory (to ${at}, symlinks followed); exec works only inside ${root}` };
    }
  }
  return undefined;
}

/** Symlinks followed in one path at most, as the kernel's own limit (ELOOP past it). */
const MAX_LINKS = 40;

/**
 * Where `path` (relative to the real directory `base`) leads: each existing component resolved with
 * its symlinks, as the program will open it; a component that does not exist yet is taken as written,
 * below what its existing parent resolves to (and what follows it too, until a `..` climbs back to
 * where names exist). A symlink whose target does not exist (yet) is followed by its target all the
 * same: writing through it (`cp a link`) creates the file where it points. A component that cannot be
 * looked at (a path longer than PATH_MAX, no permission) throws UncheckablePath (file-status.ts): it
 * is never taken as "not a link".
 */
export async function followLinks(base: string, path: string): Promise<string> {
  return walk(isAbsolute(path) ? parse(path).root : base, path, { links: MAX_LINKS });
}

async function walk(start: string, path: string, budget: { links: number }): Promise<string> {
  let at = start;
  // Below a name that is not there nothing is: no need to ask (a long script read as a path costs nothing).
  let missing = false;
  for (const part of path.split(/[\\/]+/)) {
    if (part === "" || part === ".") continue;
    if (part === "..") {
      at = dirname(at);
      missing = false;
      continue;
    }
    const next = join(at, part);
    const found = missing ? undefined : await lstatIfThere(next);
    if (!found) missing = true;
    const link = budget.links > 0 && found?.isSymbolicLink() ? await readlinkChecked(next) : undefined;
    if (link === undefined) {
      at = next;
      continue;
    }
    budget.links -= 1;
    at = await walk(isAbsolute(link) ? parse(link).root : at, link, budget);
  }
  return at;
}
