import { realpath, stat } from "node:fs/promises";
import { join } from "node:path";
import { HOME_CREDENTIALS } from "./guarded-places.js";

/**
 * Where in a home folder keys and credentials are kept (guarded-places.ts, the one list): hidden from
 * the sandbox when the working directory is the home folder or above it (otherwise the whole home folder is).
 */
const CREDENTIAL_PLACES = HOME_CREDENTIALS;

export interface SandboxPlacesOptions {
  /** The working directory, its real path. */
  cwd: string;
  /** hearth's state dir. */
  stateDir: string;
  /** Your home folders: the HOME exec's programs get, and the account's own (its passwd entry) when HOME names another. */
  homes: readonly string[];
  /** XDG_RUNTIME_DIR, where the session bus and the agents' sockets are. */
  runtimeDir: string | undefined;
  /** Files to hide besides: the config file, gateway.env. */
  files: readonly string[];
}

/**
 * What the sandbox covers, as real paths of things that exist (bwrap can only mount over those):
 * the state dir; each home folder, the working directory inside it bound back; /run, /var/run and the
 * runtime dir (sockets, and the session's secrets there). When the working directory is a home
 * folder or above it, that home folder stays, less the places of CREDENTIAL_PLACES.
 */
export async function sandboxPlaces(options: SandboxPlacesOptions): Promise<{ hidden: string[]; hiddenFiles: string[] }> {
  const homes = [...new Set((await Promise.all(options.homes.map(real))).filter((home) => home !== undefined))];
  const shown = (home: string) => options.cwd === home || home.startsWith(options.cwd === "/" ? "/" : `${options.cwd}/`);
  const folders = [options.stateDir, "/run", "/var/run", ...(options.runtimeDir ? [options.runtimeDir] : []), ...homes.filter((home) => !shown(home))];
  const credentials = homes.filter(shown).flatMap((home) => CREDENTIAL_PLACES.map((place) => join(home, place)));
  const found = await Promise.all([...folders, ...credentials, ...options.files].map(async (path) => ({ path, real: await real(path), kind: await kind(path) })));
  const hidden = new Set<string>();
  const hiddenFiles = new Set<string>();
  for (const place of found) {
    if (place.real === undefined || place.kind === undefined) continue;
    // A link (/var/run → /run) is covered where it leads.
    if (place.kind === "directory") hidden.add(place.real);
    else hiddenFiles.add(place.real);
  }
  return { hidden: [...hidden], hiddenFiles: [...hiddenFiles] };
}

async function real(path: string): Promise<string | undefined> {
  return realpath(path).catch(() => undefined);
}

async function kind(path: string): Promise<"directory" | "file" | undefined> {
  return stat(path).then(
    (found) => (found.isDirectory() ? "directory" : "file"),
    () => undefined,
  );
}
