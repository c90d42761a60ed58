import { readServiceEnv, serviceEnvFile } from "../../config/service-env.js";

/** Set by the unit and the plist `hearth gateway install` writes: the gateway runs as the installed service (its value: the manager). */
export const SERVICE_MARKER = "HEARTH_SERVICE";

export interface ServiceEnvironment {
  env: NodeJS.ProcessEnv;
  /** The names taken from gateway.env (none when the environment set them all, or there is no file). */
  added: string[];
}

/**
 * The environment a gateway started as the service runs with: `~/.hearth/gateway.env`'s variables
 * added where the environment does not set them, never overriding one it sets. systemd's unit loads
 * the file itself (`EnvironmentFile`); launchd has no such key, and writing the variables into the
 * plist would copy the secrets into a second file. Any other start (a terminal) keeps its environment
 * as it is: `env` is returned unchanged, `added` empty.
 */
export function serviceEnvironment(env: NodeJS.ProcessEnv): ServiceEnvironment {
  const file = env[SERVICE_MARKER] ? serviceEnvFile(env) : undefined;
  if (!file) return { env, added: [] };
  const added: string[] = [];
  const merged: NodeJS.ProcessEnv = { ...env };
  for (const [name, value] of readServiceEnv(file)) {
    if (merged[name] !== undefined) continue;
    merged[name] = value;
    added.push(name);
  }
  return { env: added.length === 0 ? env : merged, added };
}
