import { realpath } from "node:fs/promises";
import { resolve } from "node:path";
import { followLinks } from "./check-places.js";
import { isDirectory } from "./file-status.js";
import type { Refusal } from "./parse-options.js";
import { KEPT_BY_HEARTH, KEPT_BY_OTHERS } from "./guarded-places.js";
import { within } from "./working-directory.js";

export interface SecretPlaceCheck {
  args: readonly string[];
  /** The working directory the program runs in. */
  cwd: string;
  /** Where hearth keeps what must not be read: the state dir, the config file, gateway.env. */
  places: readonly string[];
  /** Where other programs keep keys and logins: the home's credential places (guarded-places.ts). */
  otherPlaces?: readonly string[] | undefined;
  /**
   * Folders the program resolves relative paths in besides the working directory (`git -C a -C b`,
   * `tar -C a`), each a chain from it (program.ts); undefined for a program hearth has no description
   * of, whose options may do the same (`make -C`): then every argument that names a folder is one.
   */
  directories?: readonly (readonly string[])[] | undefined;
}

/** Most folders an argument list is resolved in: past it, folders an undescribed program names are not added. */
const MAX_DIRECTORIES = 16;

/**
 * Other processes' environment and memory (`/proc/<gateway pid>/environ` holds the keys the gateway
 * was started with); nothing a tool needs from exec lives there.
 */
export const PROCESS_FILES = "/proc";

/**
 * With no OS sandbox, the first argument that would let the program read hearth's own secrets; undefined
 * when none does. Masking keeps a key out of what exec prints only while it is printed as it is: a
 * program that reads the file can print it spaced out, reversed or a part at a time (`sed 's/./& /g'
 * ~/.hearth/gateway.env`), so the file must not be read at all. The sandbox hides hearth's places; without
 * it, this refuses (the working directory itself is judged by working-directory.ts):
 * - any argument that names one of them, or a folder holding one (symlinks followed): an operand, an
 *   option's value (`--file=…`, `-f…`), a `file://` address. Every argument is looked at, whatever the
 *   program makes of it, so a program hearth has no description of is covered too; a pattern or script
 *   that happens to read as such a path is refused along with them, which the message explains.
 * Arguments that lead inside the working directory stay allowed (the default one sits in the state dir).
 */
export async function refusedSecretPlace(check: SecretPlaceCheck): Promise<Refusal | undefined> {
  const root = await realpath(check.cwd).catch(() => resolve(check.cwd));
  const real = (paths: readonly string[]) => Promise.all(paths.map((place) => realpath(place).catch(() => resolve(place))));
  const hearths = [...(await real(check.places)), PROCESS_FILES];
  const places = [...hearths, ...(await real(check.otherPlaces ?? []))];
  // Each path is judged in every folder it may be resolved in: the working directory and each -C (a
  // superset of where the program resolves it, which tar decides by position).
  const bases = [root];
  for (const chain of check.directories ?? []) {
    let at = root;
    for (const step of chain) at = await followLinks(at, step);
    bases.push(at);
  }
  for (const argument of check.args) {
    for (const candidate of pathsIn(argument)) {
      for (const base of [...bases]) {
        const at = await followLinks(base, candidate);
        if (check.directories === undefined && bases.length < MAX_DIRECTORIES && !bases.includes(at) && (await isDirectory(at))) bases.push(at);
        if (within(at, root)) continue;
        const inside = places.find((place) => within(at, place));
        if (inside) return { argument, reason: secretReason(at, inside, hearths.includes(inside)) };
        const holder = places.find((place) => within(place, at));
        if (holder && (await isDirectory(at))) return { argument, reason: secretReason(at, holder, hearths.includes(holder)) };
      }
    }
  }
  return undefined;
}

function secretReason(at: string, place: string, hearths: boolean): string {
  const what = at === place ? at : within(at, place) ? `${at}, inside ${place}` : `${at}, which holds ${place}`;
  return `it leads to ${what}, ${hearths ? KEPT_BY_HEARTH : KEPT_BY_OTHERS}; with no sandbox exec never reads there (the OS sandbox hides it: tools.exec.sandbox "auto" with bubblewrap installed)`;
}

/**
 * The ways an argument may name a path: as it is, an option's attached value, a `file://` address, and
 * each part of a list (`file -m a:b:c`, `--opt=a,b`): whatever program reads it, a `:` or `,` may
 * separate paths.
 */
export function pathsIn(argument: string): string[] {
  const paths = [argument];
  const equals = argument.indexOf("=");
  if (equals >= 0) paths.push(argument.slice(equals + 1));
  // `-fFILE`, and a bundle ending in one (`-xvfFILE`): the tail after the option letter, and each tail from a `/` or `.` on.
  if (/^-[^-]/.test(argument)) {
    paths.push(argument.slice(2));
    for (let index = 2; index < argument.length; index++) if ("/.".includes(argument[index] as string)) paths.push(argument.slice(index));
  }
  for (const path of [...paths]) {
    const address = /^file:\/\/(?:localhost)?(\/.*)$/i.exec(path);
    if (address?.[1]) paths.push(decodeURIComponentSafe(address[1]));
  }
  for (const path of [...paths]) if (/[:,]/.test(path)) paths.push(...path.split(/[:,]/));
  return [...new Set(paths)].filter((path) => path !== "");
}

function decodeURIComponentSafe(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

