import type { ModelRef, ModelSpec } from "../ai/model-spec.js";
import type { ModelCatalog } from "./model-catalog.js";
import { providerPath } from "./provider-words.js";

/** Where a model's key comes from (never the key itself): the config's apiKey, a variable from the environment or gateway.env, or none. */
export type KeySourceName = NonNullable<ModelSpec["apiKeySource"]>;

/** Where a model's key comes from and where it goes (never the key itself). */
export interface KeyWhere {
  source: KeySourceName;
  /** The variable a built-in provider reads its key from. */
  env: string | undefined;
  /** The config field, as the file writes it (`models.providers.anthropic.apiKey`). */
  path: string;
}

/** Where `model`'s key comes from and goes: its source as resolved, its provider's variable, its config field. */
export function keyWhereOf(model: Pick<ModelSpec, "provider" | "providerWritten" | "apiKeyEnv" | "apiKeySource"> & { apiKey?: string | undefined }): KeyWhere {
  return { source: model.apiKeySource ?? (model.apiKey === undefined ? "none" : "config"), env: model.apiKeyEnv, path: providerPath(model, "apiKey") };
}

/**
 * Where a provider's variable is set for hearth: ~/.hearth/gateway.env, which the installed service and every
 * command read (the config loader takes a variable the environment lacks from it), or the environment.
 */
export function variablePlace(variable: string): string {
  return `${variable} in ~/.hearth/gateway.env (the gateway's service and every command read it) or in the environment`;
}

/** Where the key is set, in a few words ("ANTHROPIC_API_KEY from gateway.env", "the config's models.providers.x.apiKey"), or undefined with none. */
export function keyPlace(key: KeyWhere): string | undefined {
  if (key.source === "config") return `the config's ${key.path}`;
  if (key.source === "none") return undefined;
  const [from, name] = key.source.startsWith("gateway.env:") ? ["gateway.env", key.source.slice("gateway.env:".length)] : ["the environment", key.source.slice("env:".length)];
  return `${name} from ${from}`;
}

/**
 * Where to put a valid key, named by where the key sent actually came from (never its value): the one
 * wording of that fix, wherever a refused key is said — doctor, `models status --probe`, the page's
 * provider card, the routing notices and errors, `cooldowns.json`.
 */
export function keyAdvice(key: KeyWhere | undefined): string {
  if (key === undefined) return "give the provider a valid apiKey in the config";
  if (key.source === "config") return `the key is the config's ${key.path}: write a valid one there`;
  if (key.source === "none") return `no key is set: ${key.env ? `set ${variablePlace(key.env)}, or give ${key.path}` : `give ${key.path}`}`;
  const [from, name] = key.source.startsWith("gateway.env:") ? ["gateway.env", key.source.slice("gateway.env:".length)] : ["the environment", key.source.slice("env:".length)];
  // A variable the config's apiKey names (`"${ACME_KEY}"`), not the provider's own: the config's field is not another place to put it.
  if (key.env !== name) return `the key is ${name} from ${from}, which the config's ${key.path} names: set a valid one there`;
  return `the key is ${name} from ${from}: set a valid one there (or give ${key.path})`;
}

/** Where each model of `catalog` has its key set, to put a valid one (keyAdvice), by ref; undefined for a ref it lacks. */
export function keyAdviceOf(catalog: Pick<ModelCatalog, "models">): (ref: string) => string | undefined {
  return (ref) => {
    const model = catalog.models.get(ref as ModelRef);
    return model ? keyAdvice(keyWhereOf(model)) : undefined;
  };
}
