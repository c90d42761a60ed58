import json5 from "json5";
import { insertMembers, openedValue, renderJson5 } from "../config/json5-edit.js";
import { parseConfigValue } from "../config/load.js";
import { HearthError } from "../shared/errors.js";
import type { DiscoveredModel, DiscoveredServer } from "./discover.js";

/** What `models discover --write` did to the config text. */
export interface ConfigEdit {
  text: string;
  /** One sentence per change ("added provider lmstudio with 2 models at models.providers.lmstudio"). */
  changes: string[];
}

const DEFAULT_MAX_TOKENS = 8192;

/**
 * The key a discovered model is named by in refs, where its id is a file path (a llama-server started
 * with `-m /path/model.gguf` lists the path): the file's stem ("stories260K"). Undefined where the id is
 * fine as it is — LM Studio's `qwen/qwen3-8b` (a ref splits on its first "/"), Ollama's `llama3:8b`.
 */
export function modelKey(id: string): string | undefined {
  if (!/^[/~.]|\\|\.gguf$/i.test(id)) return undefined;
  const stem = (id.split(/[\\/]/).pop() ?? "").replace(/\.gguf$/i, "").replace(/[^A-Za-z0-9._:-]+/g, "-").replace(/^[^A-Za-z0-9]+/, "");
  return stem === "" ? undefined : stem;
}

/** The ref a discovered model gets under `providerId`: its key where its id is a path, else its id. */
export function discoveredRef(providerId: string, model: Pick<DiscoveredModel, "id">): string {
  return `${providerId}/${modelKey(model.id) ?? model.id}`;
}

/** A config entry for one discovered model: the served context (else the model's maximum) as contextWindow. */
export function modelEntry(model: DiscoveredModel): Record<string, unknown> {
  const window = model.servedContext ?? model.maxContext;
  const key = modelKey(model.id);
  return {
    id: model.id,
    ...(key ? { key } : {}),
    reasoning: model.reasoning ?? false,
    input: model.vision ? ["text", "image"] : ["text"],
    contextWindow: window,
    maxTokens: window === undefined ? undefined : Math.min(DEFAULT_MAX_TOKENS, Math.floor(window / 4)),
  };
}

export function providerBlock(server: DiscoveredServer): Record<string, unknown> {
  return {
    baseUrl: server.baseUrl,
    ...(server.kind === "lmstudio" ? { apiKey: "lmstudio" } : {}),
    api: server.api,
    models: server.models.map(modelEntry),
  };
}

/**
 * Adds each server's provider block under `models.providers` (creating `models` or `providers` where
 * the file has none), or, where a provider of that id exists, the models it does not list yet. Edits
 * the text in place: comments and everything else stay. The result is validated; a config the edit
 * would break is never returned.
 */
export function addDiscoveredProviders(text: string, servers: readonly DiscoveredServer[], env: NodeJS.ProcessEnv): ConfigEdit {
  let current = text;
  const changes: string[] = [];
  for (const found of servers) {
    if (found.models.length === 0) continue;
    // A server the config has already, under a name of its own, is that provider: never a second one for it.
    const known = providerAt(current, found.baseUrl);
    const server = known === undefined ? found : { ...found, providerId: known };
    const existing = providerModels(current, server.providerId);
    if (existing === undefined) {
      current = insertProvider(current, server);
      changes.push(`added provider ${server.providerId} (${server.api}, ${server.baseUrl}) with ${describeModels(server.models)} at models.providers.${server.providerId}`);
      current = withAliases(current, server.providerId, server.models, changes);
      continue;
    }
    const missing = server.models.filter((model) => !existing.has(model.id));
    if (missing.length === 0) {
      changes.push(`models.providers.${server.providerId} already lists every model the server has: left as it was`);
      continue;
    }
    current = insertModels(current, server.providerId, missing);
    changes.push(`added ${describeModels(missing)} to models.providers.${server.providerId}.models`);
    current = withAliases(current, server.providerId, missing, changes);
  }
  validate(current, env);
  return { text: current, changes };
}

const describeModels = (models: readonly DiscoveredModel[]): string => `${models.length} model${models.length === 1 ? "" : "s"} (${models.map((model) => model.id).join(", ")})`;

function parsed(text: string): Record<string, unknown> {
  const value = json5.parse(text) as unknown;
  return typeof value === "object" && value !== null ? (value as Record<string, unknown>) : {};
}

/** The id of the config's provider whose baseUrl is `baseUrl` (trailing slashes aside), if there is one. */
function providerAt(text: string, baseUrl: string): string | undefined {
  const providers = (parsed(text).models as { providers?: Record<string, { baseUrl?: unknown }> } | undefined)?.providers ?? {};
  const same = (url: unknown): boolean => typeof url === "string" && url.replace(/\/+$/, "").toLowerCase() === baseUrl.replace(/\/+$/, "").toLowerCase();
  return Object.keys(providers).find((id) => same(providers[id]?.baseUrl));
}

/** The model ids a provider of the config lists, or undefined when the config has no such provider. */
function providerModels(text: string, id: string): Set<string> | undefined {
  const providers = (parsed(text).models as { providers?: Record<string, { models?: { id?: string }[] }> } | undefined)?.providers;
  const provider = providers?.[id];
  if (!provider) return undefined;
  return new Set((provider.models ?? []).map((model) => String(model.id)));
}

function insertProvider(text: string, server: DiscoveredServer): string {
  const block = providerBlock(server);
  const providers = openedValue(text, ["models", "providers"]);
  if (providers) {
    const indent = `${providers.indent}  `;
    return insertMembers(text, providers, `${indent}${server.providerId}: ${renderJson5(block, indent)},`);
  }
  const models = openedValue(text, ["models"]);
  if (models) {
    const indent = `${models.indent}  `;
    return insertMembers(text, models, `${indent}providers: ${renderJson5({ [server.providerId]: block }, indent)},`);
  }
  const root = openedValue(text, []);
  if (!root) throw new HearthError("config", "the config's top level is not an object { … }: discover cannot add to it", ["fix: start the file with { and end it with }"]);
  return insertMembers(text, root, `  models: ${renderJson5({ providers: { [server.providerId]: block } }, "  ")},`);
}

function insertModels(text: string, providerId: string, models: readonly DiscoveredModel[]): string {
  const list = openedValue(text, ["models", "providers", providerId, "models"]);
  if (list) {
    const indent = `${list.indent}  `;
    return insertMembers(text, list, models.map((model) => `${indent}${renderJson5(modelEntry(model), indent)},`).join("\n"));
  }
  const provider = openedValue(text, ["models", "providers", providerId]);
  if (!provider) throw new HearthError("config", `models.providers.${providerId} is not an object: discover cannot add models to it`, [`fix: make models.providers.${providerId} an object { baseUrl, api, models: [...] }`]);
  const indent = `${provider.indent}  `;
  return insertMembers(text, provider, `${indent}models: ${renderJson5(models.map(modelEntry), indent)},`);
}

/**
 * An alias (agents.defaults.models) for each model named by a key of its own (its id is a path): what an
 * API client or `--model` types. Left out where the ref has an entry already, the alias is taken (any
 * case), or the config has no agents.defaults to put it in.
 */
function withAliases(text: string, providerId: string, models: readonly DiscoveredModel[], changes: string[]): string {
  let current = text;
  for (const model of models) {
    const alias = modelKey(model.id);
    if (!alias) continue;
    const ref = discoveredRef(providerId, model);
    const defaults = (parsed(current).agents as { defaults?: { models?: Record<string, { alias?: unknown }> } } | undefined)?.defaults;
    const entries = defaults?.models ?? {};
    const taken = Object.values(entries).some((entry) => typeof entry?.alias === "string" && entry.alias.toLowerCase() === alias.toLowerCase());
    if (ref in entries || taken) continue;
    const models = openedValue(current, ["agents", "defaults", "models"]);
    const place = models ?? openedValue(current, ["agents", "defaults"]);
    if (!place) continue;
    const indent = `${place.indent}  `;
    const member = models ? `${indent}${JSON.stringify(ref)}: ${renderJson5({ alias }, indent)},` : `${indent}models: ${renderJson5({ [ref]: { alias } }, indent)},`;
    current = insertMembers(current, place, member);
    changes.push(`set the alias "${alias}" for ${ref} at agents.defaults.models`);
  }
  return current;
}

function validate(text: string, env: NodeJS.ProcessEnv): void {
  try {
    parseConfigValue(json5.parse(text), { file: "the edited config", text }, env);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new HearthError("config", `the config would not validate after adding the discovered providers, so it was left as it was: ${reason}`, [
      "fix: check the config first (`hearth config validate`), then run `hearth models discover --write` again; or paste the block `hearth models discover` prints",
    ]);
  }
}
