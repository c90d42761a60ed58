import { unlink } from "node:fs/promises";
import { basename, dirname, join, relative } from "node:path";
import { followLinks } from "./check-places.js";
import { lstatIfThere, opendirIfThere, readlinkChecked, UncheckablePath } from "./file-status.js";
import { writtenPlaces } from "./check-writes.js";
import type { Refusal } from "./parse-options.js";
import type { ProgramDescription } from "./program.js";
import { within } from "./working-directory.js";
import type { GuardedFolder } from "./write-guards.js";

/** The symlinks under some folders: each one's text, and those that lead out of the working directory with where they lead. */
export type LinkSnapshot = { ok: true; links: Map<string, string>; outward: { path: string; target: string }[] } | { ok: false; maxEntries: number };

/**
 * Every symlink under `scopes` (real paths: folders walked without following links, so each link is met
 * once, where it lies; a scope that is itself a link is taken as one), with its text and, for those that
 * lead out of `root` (followed as the kernel would, through other links too), where. Past `maxEntries`
 * entries it stops: `{ ok: false }`. Listings and links are read, no file is opened; what cannot be
 * read throws UncheckablePath (file-status.ts).
 */
export async function linksUnder(scopes: readonly string[], options: { root: string; maxEntries: number }): Promise<LinkSnapshot> {
  const links = new Map<string, string>();
  const outward: { path: string; target: string }[] = [];
  let entries = 0;
  const note = async (path: string) => {
    links.set(path, await readlinkChecked(path));
    const target = await followLinks(dirname(path), basename(path));
    if (!within(target, options.root)) outward.push({ path, target });
  };
  const seen = new Set<string>();
  for (const scope of scopes) {
    if (seen.has(scope)) continue;
    const top = await lstatIfThere(scope);
    if (top?.isSymbolicLink()) await note(scope);
    if (!top?.isDirectory()) continue;
    const pending = [scope];
    for (let folder = pending.pop(); folder !== undefined; folder = pending.pop()) {
      if (seen.has(folder)) continue;
      seen.add(folder);
      const listing = await opendirIfThere(folder);
      if (!listing) continue;
      for await (const entry of listing) {
        entries += 1;
        if (entries > options.maxEntries) return { ok: false, maxEntries: options.maxEntries };
        const path = join(folder, entry.name);
        if (entry.isDirectory()) pending.push(path);
        else if (entry.isSymbolicLink()) await note(path);
      }
    }
  }
  return { ok: true, links, outward };
}

/** What a sweep did: the links it removed (where each led), and those it could not. */
export interface Swept {
  removed: { path: string; target: string }[];
  failed: { path: string; target: string; error: string }[];
  /** The walk after the call stopped at its bound: links past it were not looked at. */
  tooMany?: number | undefined;
}

/**
 * After an unsandboxed call: every link under `scopes` that leads out of `root` and was not there, with
 * the same text and leading out already, before the call (`before`) is removed — a link the call made
 * (unzip's and patch's symlink members, a relative link `mv` carried up a folder) or one the call made
 * lead out (a link it put along another's way). With no sandbox exec leaves no such link behind.
 */
export async function sweepOutwardLinks(scopes: readonly string[], before: Extract<LinkSnapshot, { ok: true }>, options: { root: string; maxEntries: number }): Promise<Swept> {
  const after = await linksUnder(scopes, options);
  if (!after.ok) return { removed: [], failed: [], tooMany: after.maxEntries };
  const leadingOut = new Set(before.outward.map((link) => link.path));
  const made = after.outward.filter((link) => !leadingOut.has(link.path) || before.links.get(link.path) !== after.links.get(link.path));
  const swept: Swept = { removed: [], failed: [] };
  for (const link of made) {
    try {
      if ((await lstatIfThere(link.path))?.isSymbolicLink()) await unlink(link.path);
      swept.removed.push(link);
    } catch (error) {
      swept.failed.push({ ...link, error: (error as NodeJS.ErrnoException).code ?? String(error) });
    }
  }
  return swept;
}

const SANDBOX_HINT = 'or let exec run in the OS sandbox (tools.exec.sandbox "auto" with bubblewrap installed)';

/**
 * Why a program whose writes exec cannot tell (write-targets.ts: its input decides them — an archive's
 * members, a patch's files, a script) may not run with no sandbox: the working directory holds a link
 * leading out, which it could write through, or too many entries to look at for one.
 */
export function refusedUnknownWriter(program: string, snapshot: LinkSnapshot, root: string): Refusal | undefined {
  const why = `exec cannot tell what ${program} writes (its input may decide: an archive's members, a patch's files, a script), so with no sandbox it runs only while no link leads out of the working directory, which it looks at before and after the call`;
  if (!snapshot.ok) return { argument: program, reason: `${why}, and there are too many files to check for links without the sandbox (more than ${snapshot.maxEntries.toLocaleString("en-US")} under the working directory): set tools.exec.cwd to a smaller folder, ${SANDBOX_HINT}` };
  const [link] = snapshot.outward;
  if (!link) return undefined;
  return { argument: relative(root, link.path), reason: `${relative(root, link.path)} is a symlink to ${link.target}, outside the working directory; ${why}: remove the link, ${SANDBOX_HINT}` };
}

/** After the call: the sweep (sweepOutwardLinks) and the line the call's result gets, if any. */
export async function sweepAfter(plan: SweepPlan, options: { root: string; maxEntries: number }): Promise<string | undefined> {
  try {
    return sweptNote(await sweepOutwardLinks(plan.scopes, plan.before, options), options.root);
  } catch (error) {
    if (!(error instanceof UncheckablePath)) throw error;
    return `exec could not look for symlinks this call made: ${error.message}; a later call naming a link that leads out is refused, and programs whose writes exec cannot tell do not run until it can look again`;
  }
}

/** The line a call's result gets when the sweep removed links, could not, or could not look at all. */
export function sweptNote(swept: Swept, root: string): string | undefined {
  const shown = (links: readonly { path: string; target: string }[]) => links.map((link) => `${relative(root, link.path)} -> ${link.target}`).join(", ");
  const notes: string[] = [];
  if (swept.removed.length > 0) notes.push(`exec removed ${swept.removed.length === 1 ? "a symlink" : `${swept.removed.length} symlinks`} this call made leading out of the working directory (with no sandbox exec leaves none): ${shown(swept.removed)}`);
  if (swept.failed.length > 0) notes.push(`exec could not remove ${swept.failed.length === 1 ? "a symlink" : "symlinks"} this call made leading out of the working directory: ${swept.failed.map((link) => `${relative(root, link.path)} -> ${link.target} (${link.error})`).join(", ")}; remove ${swept.failed.length === 1 ? "it" : "them"} before anything else`);
  if (swept.tooMany !== undefined) notes.push(`exec could not look for symlinks this call made: the working directory now holds more than ${swept.tooMany.toLocaleString("en-US")} entries; a later call naming a link that leads out is refused, and programs whose writes exec cannot tell do not run until it holds fewer`);
  return notes.length > 0 ? notes.join("\n") : undefined;
}

/** Programs exec knows the writes of that carry existing links along (`cp -r`, `mv`): a relative link moved up a folder may lead out. */
const LINK_MOVERS: ReadonlySet<string> = new Set(["cp", "mv"]);

export interface SweepCall {
  /** The program's base name. */
  program: string;
  description: ProgramDescription | undefined;
  args: readonly string[];
  /** The working directory, its real path. */
  root: string;
  /** Places never written (write-guards.ts). */
  guarded: readonly GuardedFolder[];
  maxEntries: number;
}

/** Where to look for links after the call, and what was there before it. */
export interface SweepPlan {
  scopes: string[];
  before: Extract<LinkSnapshot, { ok: true }>;
}

/**
 * Before an unsandboxed call: what to sweep after it, or why it may not run. A program exec cannot tell
 * the writes of (unzip, patch, cpio, an interpreter: write-targets.ts judges only its arguments) has the
 * whole working directory looked at before and after, and does not run while a link there leads out,
 * while a guarded place (hearth's install, a PATH folder, a login file) lies inside it, or while it holds
 * more than `maxEntries` entries; cp and mv have the places they write looked at. Any other program makes
 * no link (git writes none, tar extracts nothing, ln is refused): nothing to sweep.
 */
export async function planSweep(call: SweepCall): Promise<{ refusal: Refusal } | { plan: SweepPlan | undefined }> {
  const name = call.program.replace(/\.exe$/i, "");
  const written = await writtenPlaces({ program: name, description: call.description, args: call.args, cwd: call.root });
  const options = { root: call.root, maxEntries: call.maxEntries };
  if (written === undefined) {
    const held = call.guarded.find((place) => within(place.path, call.root));
    if (held) return { refusal: { argument: call.program, reason: `exec cannot tell what ${call.program} writes (its input may decide: an archive's members, a patch's files, a script), and the working directory holds ${held.path}, ${held.what}; with no sandbox exec does not run it here: set tools.exec.cwd to a folder that does not hold it, ${SANDBOX_HINT}` } };
    const before = await linksUnder([call.root], options);
    const refusal = refusedUnknownWriter(call.program, before, call.root);
    if (refusal || !before.ok) return { refusal: refusal ?? { argument: call.program, reason: "exec could not look at the working directory" } };
    return { plan: { scopes: [call.root], before } };
  }
  if (!LINK_MOVERS.has(name) || written.length === 0) return { plan: undefined };
  const before = await linksUnder(written, options);
  if (!before.ok) return { refusal: { argument: call.program, reason: `there are too many files to check for links without the sandbox (more than ${call.maxEntries.toLocaleString("en-US")} where ${call.program} writes): name a smaller folder, ${SANDBOX_HINT}` } };
  return { plan: { scopes: written, before } };
}
