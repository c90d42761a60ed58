import type { Stats } from "node:fs";
import { join, relative } from "node:path";
import { lstatIfThere, opendirIfThere } from "./file-status.js";
import { KEPT_BY_HEARTH, KEPT_BY_OTHERS } from "./guarded-places.js";
import { within } from "./working-directory.js";

/** Most entries looked at in the places where keys are kept, when a file with other names is to be matched against them. */
export const GUARDED_ENTRIES = 100_000;

/** Files inside the working directory that have other names (a link count above 1), by device and inode: where each was found, and the argument that reached it. */
export type MultiplyLinked = Map<string, { path: string; argument: string }>;

/** Adds the file at `path` when it is a regular file with other names. */
export async function noteMultiplyLinked(found: MultiplyLinked, at: { path: string; argument: string }): Promise<void> {
  const info = await lstatIfThere(at.path);
  if (info?.isFile() && info.nlink > 1) found.set(`${info.dev}:${info.ino}`, at);
}

export interface HardLinkCheck {
  /** The multiply-linked files a call names or reaches (check-links.ts collects them). */
  found: MultiplyLinked;
  /** The working directory (real path): what lies in it is never a guarded place's other name. */
  root: string;
  /** hearth's places (real paths): the state dir, the config file, gateway.env. */
  hearths: readonly string[];
  /** Other programs' credential places (real paths). */
  others: readonly string[];
  /** Most entries looked at; default GUARDED_ENTRIES. */
  maxEntries?: number | undefined;
}

/**
 * With no OS sandbox, why a file the call reaches may not be acted on because it is another name — a
 * hard link — of a file where keys are kept, or undefined. A hard link has no direction: `dotfiles/bashrc`
 * made with `ln ~/.bashrc dotfiles/bashrc` is the same file as `~/.bashrc`, read and written through either
 * name, and nothing in the working directory says so but its link count. So each such file (link count
 * above 1) is matched, by device and inode, against the files of the guarded places that have other names
 * too; only those are refused. Files linked elsewhere (a pnpm or uv store, a `git clone --local`'s
 * objects, a backup's snapshots) stay usable. The places are walked only when the call reaches such a
 * file on one of their devices, bounded: past `maxEntries` such a file is refused as not checkable.
 */
export async function refusedHardLink(check: HardLinkCheck): Promise<{ argument: string; reason: string } | undefined> {
  if (check.found.size === 0) return undefined;
  const devices = new Set([...check.found.keys()].map((key) => key.split(":", 1)[0]));
  const walk = { entries: 0, maxEntries: check.maxEntries ?? GUARDED_ENTRIES, root: check.root, found: check.found, devices };
  for (const [places, kept] of [[check.hearths, KEPT_BY_HEARTH], [check.others, KEPT_BY_OTHERS]] as const) {
    for (const place of places) {
      const match = await matchIn(place, walk);
      if (match === "too many") {
        const [first = { path: "", argument: "" }] = check.found.values();
        return { argument: first.argument, reason: `${shown(first.path, check.root)} has other names (hard links), and the places where keys are kept hold too many files (more than ${walk.maxEntries.toLocaleString("en-US")}) to check that none of them is one; with no sandbox exec does not act on it: copy it (cp makes a file of its own) and remove this name` };
      }
      if (match) return { argument: match.inside.argument, reason: `${shown(match.inside.path, check.root)} is another name (a hard link) of ${match.guarded}, ${kept}: the same file, read and written through either name; with no sandbox exec never acts on it. Remove this name (the file stays at ${match.guarded})` };
    }
  }
  return undefined;
}

interface GuardedWalk {
  entries: number;
  maxEntries: number;
  root: string;
  found: MultiplyLinked;
  devices: Set<string | undefined>;
}

/** The first file under `place` (a file or a folder; links not followed) that is one of `found`, with its name there. */
async function matchIn(place: string, walk: GuardedWalk): Promise<{ inside: { path: string; argument: string }; guarded: string } | "too many" | undefined> {
  const top = await lstatIfThere(place);
  if (!top || within(place, walk.root) || !walk.devices.has(String(top.dev))) return undefined;
  if (!top.isDirectory()) return same(place, top, walk);
  const pending = [place];
  for (let folder = pending.pop(); folder !== undefined; folder = pending.pop()) {
    // The working directory may lie inside a place (the default one is the state dir's workspace): its files are not the place's.
    if (within(folder, walk.root)) continue;
    const listing = await opendirIfThere(folder);
    if (!listing) continue;
    for await (const entry of listing) {
      walk.entries += 1;
      if (walk.entries > walk.maxEntries) return "too many";
      const path = join(folder, entry.name);
      if (entry.isDirectory()) pending.push(path);
      if (!entry.isFile()) continue;
      const info = await lstatIfThere(path);
      const match = info ? same(path, info, walk) : undefined;
      if (match) return match;
    }
  }
  return undefined;
}

function same(path: string, info: Stats, walk: GuardedWalk): { inside: { path: string; argument: string }; guarded: string } | undefined {
  if (!info.isFile() || info.nlink < 2) return undefined;
  const inside = walk.found.get(`${info.dev}:${info.ino}`);
  return inside === undefined ? undefined : { inside, guarded: path };
}

/** A path as the refusal names it: relative inside the working directory, whole outside it. */
function shown(path: string, root: string): string {
  return within(path, root) ? relative(root, path) || "." : path;
}
