import { realpath } from "node:fs/promises";
import { join, relative, resolve } from "node:path";
import { followLinks } from "./check-places.js";
import { isDirectory, opendirIfThere } from "./file-status.js";
import { type MultiplyLinked, noteMultiplyLinked, refusedHardLink } from "./check-hard-links.js";
import { pathsIn, PROCESS_FILES } from "./check-secrets.js";
import { KEPT_BY_HEARTH, KEPT_BY_OTHERS } from "./guarded-places.js";
import type { Refusal } from "./parse-options.js";
import type { PathArgument, ProgramDescription } from "./program.js";
import { within } from "./working-directory.js";

/** Most entries (files, folders, links) looked at under one call's folders before it is refused as too many to check. */
export const LINK_CHECK_ENTRIES = 20_000;

export interface OutwardLinkCheck {
  description: ProgramDescription | undefined;
  args: readonly string[];
  /** The working directory the program runs in. */
  cwd: string;
  /** hearth's own places (state dir, config file, gateway.env, /proc), named in a refusal when a link leads there. */
  places: readonly string[];
  /** Other programs' credential places (guarded-places.ts), named the same way. */
  otherPlaces: readonly string[];
  /** Folders later relative paths are resolved in (`git -C`, `tar -C`), each a chain from the working directory. */
  directories: readonly (readonly string[])[];
  /** Most entries looked at; default LINK_CHECK_ENTRIES. */
  maxEntries?: number | undefined;
  /** Most entries of the guarded places looked at when a file the call reaches has other names; default GUARDED_ENTRIES (check-hard-links.ts). */
  guardedEntries?: number | undefined;
}

const SANDBOX_HINT = 'or let exec run in the OS sandbox (tools.exec.sandbox "auto" with bubblewrap installed)';

/**
 * With no OS sandbox, a symlink in the working directory that leads out of it is never acted through:
 * a program given a folder reaches what the folder holds (`diff DIR1 DIR2` reads through the links in
 * it, `cp FILE DIR` writes `DIR/FILE`, which may be a link), and a cloned repository or an archive can
 * carry a link to the config, the state dir or `~/.ssh`. Refused, naming the link: a path argument that
 * lies inside the working directory but leads out through a link, and any link that leads out found
 * under a folder an argument names (or the working directory itself, for a program that walks it with
 * no path given: `find`, `grep -r`, `rg`, `du`, `ls -R`) when the program follows the links its walk
 * meets (`diff -r`, `cp -r`, `grep -R`: ProgramDescription.walkFollowsLinks), links to folders inside
 * followed as such programs would; `grep -r`, `find`, `ls -R`, `du` and `tar -c` leave them be (a
 * `.venv/bin/python` leading to /usr/bin is no refusal), though a file with other names is still found. A link out into an unguarded place is refused too: the model reaches only
 * what its arguments name. The walk reads folders and links (no file is opened); past `maxEntries`
 * entries the call is refused as too large to check.
 */
export async function refusedOutwardLink(check: OutwardLinkCheck): Promise<Refusal | undefined> {
  const root = await realpath(check.cwd).catch(() => resolve(check.cwd));
  const real = (paths: readonly string[]) => Promise.all(paths.map((place) => realpath(place).catch(() => resolve(place))));
  const places = { hearths: await real(check.places), others: await real(check.otherPlaces) };
  const bases = [root];
  for (const chain of check.directories) {
    let at = root;
    for (const step of chain) at = await followLinks(at, step);
    if (within(at, root)) bases.push(at);
  }
  const folders: { argument: string; path: string }[] = [];
  const multiplyLinked: MultiplyLinked = new Map();
  if (check.description?.walksWorkingDirectory?.(check.args)) folders.push({ argument: ".", path: root });
  for (const named of pathArgumentsOf(check)) {
    for (const candidate of pathsIn(named.path)) {
      for (const base of bases) {
        const at = await followLinks(base, candidate);
        if (within(resolve(base, candidate), root) && !within(at, root)) {
          return { argument: named.argument, reason: outwardReason(relative(root, resolve(base, candidate)), at, places) };
        }
        if (named.walked && within(at, root) && (await isDirectory(at))) folders.push({ argument: named.argument, path: at });
        // Inside the working directory or not: a named file's other name may be a key (`cat ~/dotfiles/bashrc`).
        await noteMultiplyLinked(multiplyLinked, { path: at, argument: named.argument });
      }
    }
  }
  // A program with no description of its walk is taken to follow every link it meets.
  const followsLinks = check.description?.walkFollowsLinks?.(check.args) ?? true;
  const walk: Walk = { root, places, seen: new Set<string>(), entries: 0, maxEntries: check.maxEntries ?? LINK_CHECK_ENTRIES, multiplyLinked, argument: ".", followsLinks };
  for (const folder of folders) {
    walk.argument = folder.argument;
    const refusal = await walkFolder(folder.path, walk);
    if (refusal) return { argument: folder.argument, reason: refusal };
  }
  // /proc holds no file a hard link can name.
  return refusedHardLink({ found: multiplyLinked, root, hearths: places.hearths.filter((place) => place !== PROCESS_FILES), others: places.others, maxEntries: check.guardedEntries });
}

/**
 * The arguments to judge as paths: what the program's description says it opens (a pattern, script or
 * expression is text, not walked), or, for a program hearth has no description of, every argument, walked.
 */
function pathArgumentsOf(check: OutwardLinkCheck): PathArgument[] {
  return check.description?.paths?.(check.args) ?? check.args.map((argument) => ({ argument, path: argument, walked: true }));
}

interface Walk {
  root: string;
  places: { hearths: string[]; others: string[] };
  /** Folders already walked (real paths): each once, however many arguments or links reach it. */
  seen: Set<string>;
  entries: number;
  maxEntries: number;
  /** Regular files met with other names (hard links), matched against the guarded places afterwards (check-hard-links.ts). */
  multiplyLinked: MultiplyLinked;
  /** Whether the program follows the links its walk meets (ProgramDescription.walkFollowsLinks): if not, a link out under the folder is left be. */
  followsLinks: boolean;
  /** The argument whose folder is being walked. */
  argument: string;
}

/** Why the folder may not be acted on, or undefined: every link under it (folders reached through links included) leads inside the working directory. */
async function walkFolder(start: string, walk: Walk): Promise<string | undefined> {
  const pending = [start];
  for (let folder = pending.pop(); folder !== undefined; folder = pending.pop()) {
    if (walk.seen.has(folder)) continue;
    walk.seen.add(folder);
    // One gone since is not walked; one exec cannot read (no permission) refuses the call (file-status.ts).
    const listing = await opendirIfThere(folder);
    if (!listing) continue;
    for await (const entry of listing) {
      walk.entries += 1;
      if (walk.entries > walk.maxEntries) {
        return `there are too many files to check for links without the sandbox (more than ${walk.maxEntries.toLocaleString("en-US")} under ${relative(walk.root, start) || "the working directory"}): name a smaller folder, ${SANDBOX_HINT}`;
      }
      const path = join(folder, entry.name);
      if (entry.isDirectory()) pending.push(path);
      if (entry.isFile()) await noteMultiplyLinked(walk.multiplyLinked, { path, argument: walk.argument });
      if (!entry.isSymbolicLink() || !walk.followsLinks) continue;
      const target = await followLinks(folder, entry.name);
      if (!within(target, walk.root)) return outwardReason(relative(walk.root, path), target, walk.places);
      if (await isDirectory(target)) pending.push(target);
    }
  }
  return undefined;
}

function outwardReason(link: string, target: string, places: Walk["places"]): string {
  const hearths = places.hearths.some((place) => within(target, place));
  const others = places.others.some((place) => within(target, place));
  const where = hearths ? `, ${KEPT_BY_HEARTH}` : others ? `, ${KEPT_BY_OTHERS}` : "";
  return `${link} is a symlink to ${target}${where}, outside the working directory; with no sandbox exec never acts through a link that leads out of it (a cloned repository can carry one): remove the link, ${SANDBOX_HINT}`;
}

/**
 * How each program makes a link, soft or hard: the long options (as far as they must be written to mean
 * them) and the letters of its short ones; `always` when it makes one whatever its options (`ln`, `link`).
 */
const LINK_MAKING: Readonly<Record<string, { long: readonly string[]; short: string; always?: boolean }>> = {
  ln: { long: [], short: "", always: true },
  link: { long: [], short: "", always: true },
  // cp -s/--symbolic-link and -l/--link; rsync --link-dest and cpio -l/--link (in copy-pass mode) hard-link to files they are given.
  cp: { long: ["--sy", "--l"], short: "sl" },
  rsync: { long: ["--link-dest"], short: "" },
  cpio: { long: ["--link"], short: "l" },
};

const MAKES_LINK = "it makes a link; with no sandbox exec makes none: where a symlink leads is read from where it lies, which no check of the arguments sees, and a hard link is another name of the same file, which nothing in the working directory tells from the original (a key's other name would read as a file of its own): copy the file, or let exec run in the OS sandbox (tools.exec.sandbox \"auto\" with bubblewrap installed), where no link to a place outside the working directory can be made";

/**
 * With no OS sandbox, an argument of a program hearth has no description of (options given under
 * `tools.exec.allowUnknownOptions`) that makes a link of either kind: `ln` at all (a hard link is its
 * default, `-s` a symlink) and `link`, but for `--help`/`--version`; `cp -s`/`-l` alone or in a bundle
 * (`-sf`, `-al`) and `--symbolic-link`/`--link` or a prefix of them, up to `--`; rsync's `--link-dest`;
 * cpio's `-l`/`--link`. Inside the sandbox a hard link out of the working directory fails (it is a
 * mount of its own: EXDEV) and a symlink is read where the sandbox hides what it leads to.
 */
export function refusedLinkMaking(program: string, args: readonly string[]): Refusal | undefined {
  const ways = LINK_MAKING[program.replace(/\.exe$/i, "")];
  if (ways === undefined) return undefined;
  if (ways.always) {
    const acting = args.find((argument) => argument !== "--help" && argument !== "--version");
    return acting === undefined ? undefined : { argument: acting, reason: MAKES_LINK };
  }
  for (const argument of args) {
    if (argument === "--") return undefined;
    const name = argument.split("=", 1)[0] ?? "";
    const long = argument.startsWith("--") && ways.long.some((prefix) => name.startsWith(prefix));
    const short = /^-[^-]/.test(argument) && [...ways.short].some((letter) => argument.includes(letter));
    if (long || short) return { argument, reason: MAKES_LINK };
  }
  return undefined;
}
