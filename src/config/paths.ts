import { homedir } from "node:os";
import { join, resolve } from "node:path";

export interface PathEnvironment {
  env: NodeJS.ProcessEnv;
  home?: string;
  cwd?: string;
}

export interface ConfigLocation {
  file: string;
  /** Where the path came from; only the default location may be absent without an error. */
  origin: "flag" | "env" | "default";
}

/** `--config FILE` > `HEARTH_CONFIG` > `~/.hearth/hearth.json5`. */
export function configLocation(flag: string | undefined, where: PathEnvironment): ConfigLocation {
  const cwd = where.cwd ?? process.cwd();
  if (flag) return { file: resolve(cwd, flag), origin: "flag" };
  const fromEnv = where.env.HEARTH_CONFIG;
  if (fromEnv) return { file: resolve(cwd, fromEnv), origin: "env" };
  return { file: join(hearthHome(where), "hearth.json5"), origin: "default" };
}

/** `HEARTH_STATE_DIR` > `~/.hearth`: sessions, usage, credentials, logs. */
export function stateDir(where: PathEnvironment): string {
  const fromEnv = where.env.HEARTH_STATE_DIR;
  if (fromEnv) return resolve(where.cwd ?? process.cwd(), fromEnv);
  return hearthHome(where);
}

function hearthHome(where: PathEnvironment): string {
  return join(where.home ?? homedir(), ".hearth");
}
