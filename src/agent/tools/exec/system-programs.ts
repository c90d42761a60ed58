import { constants } from "node:fs";
import { access, realpath, stat } from "node:fs/promises";
import { delimiter, dirname, isAbsolute, join } from "node:path";
import { homeFolders } from "./guarded-places.js";
import { within } from "./working-directory.js";

/** What the folders hearth takes its own helpers from must be, in a refusal's or the sandbox status's words. */
export const SYSTEM_FOLDER_RULE = "a folder on PATH that only root can change, outside the home folders: its real path and every folder above owned by root and writable by no one else";

/**
 * The helper `name` as hearth runs it (prlimit, bwrap, du): searched in the absolute entries of `path`
 * (hearth's own PATH), in its order, symlinks followed, in a folder only root can change (see
 * rootOnlyFolder): /usr/bin, and NixOS's /run/current-system/sw/bin or Guix's profile, which lead into a
 * root-owned store. The file found must be owned by root, writable by no one else, and lie (really) in
 * such a folder too. Never from a PATH entry a user can write (`~/.local/bin`, `~/.cargo/bin`, a pyenv
 * shim folder), where a program exec ran, or anything else, could have put a file of that name; nor,
 * for a hearth running as root (who owns them), from one in a home folder or below a folder anyone
 * may write (/tmp). Undefined when there is none.
 */
export async function systemProgram(name: string, path: string): Promise<string | undefined> {
  // A home at "/" (a system user's) holds everything: it rules nothing out.
  const homes = (await Promise.all(homeFolders().map((home) => realpath(home).catch(() => home)))).filter((home) => dirname(home) !== home);
  const systemFolder = async (folder: string) => !homes.some((home) => within(folder, home)) && (await rootOnlyFolder(folder));
  for (const entry of path.split(delimiter)) {
    if (!isAbsolute(entry)) continue;
    const folder = await realpath(entry).catch(() => undefined);
    if (folder === undefined || !(await systemFolder(folder))) continue;
    const file = await realpath(join(folder, name)).catch(() => undefined);
    // Where the file really is must be as safe as the folder: a link in /usr/bin to a user's file is not.
    if (file === undefined || !(await trustedFile(file)) || !(await systemFolder(dirname(file)))) continue;
    return file;
  }
  return undefined;
}

/** The sticky bit: in such a folder only an entry's owner (or the folder's) may rename or remove it (/nix/store, /tmp). */
const STICKY = 0o1000;

/**
 * Whether only root can change what the real folder holds: it is owned by root, writable by neither
 * group nor others and (for a user other than root) not by this one; so is every folder above it, up to
 * `/`, or else it is a root-owned sticky folder writable by a group but not by everyone (NixOS's
 * /nix/store and Guix's /gnu/store, 1775 for their build users), in which no one but root can rename or
 * replace the root-owned folder below. Below /tmp (1777) is not: any program may make folders there.
 */
export async function rootOnlyFolder(folder: string): Promise<boolean> {
  if (!(await rootOwnedFolder(folder, { sticky: false }))) return false;
  for (let above = dirname(folder); ; above = dirname(above)) {
    if (!(await rootOwnedFolder(above, { sticky: true }))) return false;
    if (dirname(above) === above) return true;
  }
}

async function rootOwnedFolder(folder: string, allow: { sticky: boolean }): Promise<boolean> {
  const found = await stat(folder).catch(() => undefined);
  if (!found?.isDirectory() || found.uid !== 0) return false;
  if (allow.sticky && (found.mode & STICKY) !== 0 && (found.mode & 0o002) === 0) return true;
  return (found.mode & 0o022) === 0 && notWritableByUs(folder);
}

async function trustedFile(file: string): Promise<boolean> {
  const found = await stat(file).catch(() => undefined);
  if (!found?.isFile() || found.uid !== 0 || (found.mode & 0o022) !== 0) return false;
  return (await access(file, constants.X_OK).then(() => true, () => false)) && notWritableByUs(file);
}

async function notWritableByUs(path: string): Promise<boolean> {
  if (process.getuid?.() === 0) return true;
  return access(path, constants.W_OK).then(() => false, () => true);
}
