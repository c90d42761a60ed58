import { join } from "node:path";
import { readConfigFile } from "./read-config-file.js";

/**
 * `~/.hearth/gateway.env`: NAME=value lines that the installed gateway service reads (the systemd
 * unit's `EnvironmentFile`). The config loader reads it too, for a `${NAME}` the environment does not
 * set: a secret written there once (the gateway's token, an API key) then resolves for the service and
 * for every command in any shell. Undefined without a HOME to find it in.
 */
export function serviceEnvFile(env: NodeJS.ProcessEnv): string | undefined {
  return env.HOME ? join(env.HOME, ".hearth", "gateway.env") : undefined;
}

/**
 * The file's variables as systemd reads an EnvironmentFile: NAME=value a line, # and ; comments, one
 * pair of quotes around a value dropped — and `export NAME=value` (a shell's .env habit, which systemd
 * skips) read as NAME=value: hearth reads the file itself for the config and for the gateway it runs,
 * so the line counts wherever hearth is the reader. Empty when the file is absent.
 */
export function readServiceEnv(file: string): Map<string, string> {
  const values = new Map<string, string>();
  const text = readConfigFile(file);
  if (text === undefined) return values;
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    const pair = /^(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*)$/.exec(line);
    if (!pair || line.startsWith("#") || line.startsWith(";")) continue;
    const value = pair[2] ?? "";
    const quoted = /^(["'])(.*)\1$/.exec(value);
    values.set(pair[1] ?? "", quoted ? (quoted[2] ?? "") : value);
  }
  return values;
}
