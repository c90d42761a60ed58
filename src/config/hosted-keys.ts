import { readServiceEnv, serviceEnvFile } from "./service-env.js";

/** Where a hosted provider's key was found; the key itself is never shown. */
export type KeySource = `env:${string}` | `gateway.env:${string}`;

export type KeyLookup = (name: string) => { key: string; source: KeySource } | undefined;

/** A key as sent: surrounding whitespace trimmed; blank is no key at all (never an empty bearer). */
export function presentKey(key: string | undefined): string | undefined {
  const trimmed = key?.trim();
  return trimmed ? trimmed : undefined;
}

/**
 * The one lookup of a hosted provider's key variable (`ANTHROPIC_API_KEY`, …): the environment's,
 * else `~/.hearth/gateway.env`'s — the file the installed gateway reads, read once, when first
 * needed. The resolved providers and the built-in first-run config both ask here, so a key written
 * only to gateway.env counts for both.
 */
export function hostedKeyLookup(env: NodeJS.ProcessEnv): KeyLookup {
  let file: ReadonlyMap<string, string> | undefined;
  const fileValues = (): ReadonlyMap<string, string> => {
    if (file) return file;
    const path = serviceEnvFile(env);
    try {
      file = path ? readServiceEnv(path) : new Map();
    } catch {
      // An unreadable gateway.env gives no keys here; doctor names what is wrong with it.
      file = new Map();
    }
    return file;
  };
  return (name) => {
    const fromEnv = presentKey(env[name]);
    if (fromEnv) return { key: fromEnv, source: `env:${name}` };
    const fromFile = presentKey(fileValues().get(name));
    return fromFile ? { key: fromFile, source: `gateway.env:${name}` } : undefined;
  };
}
