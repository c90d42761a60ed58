import { constants } from "node:fs";
import { access, realpath, stat } from "node:fs/promises";
import { delimiter, dirname, isAbsolute, join } from "node:path";

/**
 * The folders hearth takes its own helpers from (prlimit, bwrap, du): the system's, never one a user
 * installs into. /usr/local/bin counts only when root owns it and it is not writable by this user
 * (see trustedFolder), like the others.
 */
export const SYSTEM_FOLDERS: readonly string[] = ["/usr/bin", "/bin", "/usr/sbin", "/sbin", "/usr/local/bin"];

/**
 * The helper `name` as hearth runs it: searched in the entries of `path` (hearth's own PATH) that are
 * system folders (SYSTEM_FOLDERS, symlinks followed: /bin is /usr/bin on most systems), in PATH's
 * order, the folder and the file owned by root and not writable by this user. Never from a PATH entry
 * a user can write (`~/.local/bin`, `~/.cargo/bin`, a pyenv shim folder), where a program exec ran,
 * or anything else, could have put a file of that name. Undefined when there is none.
 */
export async function systemProgram(name: string, path: string): Promise<string | undefined> {
  const system = new Set(await Promise.all(SYSTEM_FOLDERS.map((folder) => realpath(folder).catch(() => folder))));
  for (const entry of path.split(delimiter)) {
    if (!isAbsolute(entry)) continue;
    const folder = await realpath(entry).catch(() => undefined);
    if (folder === undefined || !system.has(folder) || !(await trustedFolder(folder))) continue;
    const file = await realpath(join(folder, name)).catch(() => undefined);
    if (file === undefined || !(await trustedFile(file))) continue;
    return file;
  }
  return undefined;
}

/** Owned by root, writable by neither group nor others, and (for a user other than root) not by this one. */
async function trustedFolder(folder: string): Promise<boolean> {
  const found = await stat(folder).catch(() => undefined);
  if (!found?.isDirectory() || found.uid !== 0 || (found.mode & 0o022) !== 0) return false;
  return notWritableByUs(folder);
}

async function trustedFile(file: string): Promise<boolean> {
  const found = await stat(file).catch(() => undefined);
  if (!found?.isFile() || found.uid !== 0 || (found.mode & 0o022) !== 0) return false;
  if (!(await access(file, constants.X_OK).then(() => true, () => false)) || !(await notWritableByUs(file))) return false;
  // Where the file really is must be as safe as the folder: a link in /usr/bin to a user's file is not.
  return trustedFolder(dirname(file));
}

async function notWritableByUs(path: string): Promise<boolean> {
  if (process.getuid?.() === 0) return true;
  return access(path, constants.W_OK).then(() => false, () => true);
}
