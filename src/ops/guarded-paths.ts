import { statSync, type Stats } from "node:fs";
import { dirname, resolve } from "node:path";
import type { GuardedPath } from "./file-permissions.js";
import { isPrivateGroup, readAccountFiles, type AccountFiles } from "./private-group.js";

/** Where hearth reads its config and keys and writes its state. */
export interface HearthPaths {
  /** The config file's path (whether or not it exists: a directory others can write could get one planted). */
  configFile: string | undefined;
  stateDir: string;
  /** `~/.hearth/gateway.env`; its directory is hearth's own (~/.hearth). */
  envFile?: string | undefined;
}

function statOf(path: string): Stats | undefined {
  try {
    return statSync(path);
  } catch {
    return undefined;
  }
}

/**
 * The paths doctor and the security audit judge (judgePermissions), as they are now: the config file,
 * the state directory and gateway.env where they exist, then every existing directory on the way to
 * each — its own directory and each parent up to `/` — once, named by the first of them it leads to.
 */
export function guardedPaths(paths: HearthPaths, options: { uid?: number | undefined; accounts?: AccountFiles | undefined } = {}): GuardedPath[] {
  const uid = "uid" in options ? options.uid : process.getuid?.();
  const accounts = "accounts" in options ? options.accounts : readAccountFiles();
  // The group of a path is no one else when it is its owner's private group (umask 002 systems make every file group-writable).
  const groupAlone = (stats: Stats): boolean => accounts !== undefined && isPrivateGroup(stats.gid, stats.uid, accounts);
  const found: GuardedPath[] = [];
  const seen = new Set<string>();
  const files: { role: "config" | "state" | "env"; path: string | undefined; name: string }[] = [
    { role: "config", path: paths.configFile, name: "the config file" },
    { role: "state", path: paths.stateDir, name: "the state directory" },
    { role: "env", path: paths.envFile, name: "the gateway's env file" },
  ];
  for (const { role, path } of files) {
    const stats = path === undefined ? undefined : statOf(path);
    if (path === undefined || stats === undefined) continue;
    found.push({ role, path, mode: stats.mode, groupAlone: groupAlone(stats) });
    seen.add(resolve(path));
  }
  const hearthHome = paths.envFile === undefined ? undefined : resolve(dirname(paths.envFile));
  for (const { path, name } of files) {
    if (path === undefined) continue;
    const beneath = `${name} ${path}`;
    for (let dir = dirname(resolve(path)); !seen.has(dir); dir = dirname(dir)) {
      seen.add(dir);
      const stats = statOf(dir);
      if (stats?.isDirectory()) found.push({ role: "dir", path: dir, mode: stats.mode, beneath, own: dir === hearthHome, foreign: uid !== undefined && stats.uid !== uid && stats.uid !== 0, groupAlone: groupAlone(stats) });
      if (dirname(dir) === dir) break;
    }
  }
  return found;
}
