import json5 from "json5";
import { insertMembers, openedValue, renderJson5, renderKey } from "../config/json5-edit.js";
import type { Api } from "../ai/api.js";
import { SERVER_APIS_BY_VERSION, SERVER_NAMES } from "../ai/server-kind.js";
import { hostedCatalog } from "../ai/catalog/hosted-catalog.js";
import { reasonsByName } from "../ai/think-habits.js";
import { parseConfigValue } from "../config/load.js";
import { resolveModels } from "../models/resolve.js";
import { HearthError } from "../shared/errors.js";
import type { DiscoveredModel, DiscoveredServer, ServerKind } from "./discover.js";
import { discoveredContext } from "./discover-context.js";
import { nameInConfig } from "./discover-names.js";
import { modelKey, modelKeys } from "./discover-keys.js";

export { modelKey } from "./discover-keys.js";

/** What `models discover --write` did to the config text. */
export interface ConfigEdit {
  text: string;
  /** One sentence per change ("added provider lmstudio with 2 models at models.providers.lmstudio"). */
  changes: string[];
}

const DEFAULT_MAX_TOKENS = 8192;

/** The ref a discovered model gets under `providerId`: its key where its id is a path (`keys`: from modelKeys, over the models the provider lists), else its id. */
export function discoveredRef(providerId: string, model: Pick<DiscoveredModel, "id">, keys?: ReadonlyMap<string, string>): string {
  return `${providerId}/${keys ? (keys.get(model.id) ?? model.id) : (modelKey(model.id) ?? model.id)}`;
}

/** A config entry for one discovered model of a `kind` of server, under `key` where it has one: its contextWindow by discoveredContext's rule. */
export function modelEntry(model: DiscoveredModel, kind: ServerKind, key: string | undefined = modelKey(model.id)): Record<string, unknown> {
  const window = discoveredContext(model, kind).tokens;
  return {
    id: model.id,
    ...(key ? { key } : {}),
    // What the server says; where it says nothing (LM Studio, vLLM), the model's family: a reasoner's orphan `</think>` is then split from its first answer.
    reasoning: model.reasoning ?? reasonsByName(model.id),
    input: model.vision ? ["text", "image"] : ["text"],
    contextWindow: window,
    maxTokens: window === undefined ? undefined : Math.min(DEFAULT_MAX_TOKENS, Math.floor(window / 4)),
  };
}

export function providerBlock(server: DiscoveredServer): Record<string, unknown> {
  const keys = modelKeys(server.models.map((model) => model.id));
  return {
    baseUrl: server.baseUrl,
    ...(server.kind === "lmstudio" ? { apiKey: "lmstudio" } : {}),
    api: server.api,
    models: server.models.map((model) => modelEntry(model, server.kind, keys.get(model.id))),
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
  // Named as the report names them (nameInConfig): a server the config has is that provider, never a second one for it.
  for (const server of nameInConfig(text, servers)) {
    // A hosted provider's address (a relay to the hosted service): the report says what was seen there; nothing is written.
    if (server.models.length === 0 || server.hosted) continue;
    const existing = server.configured ? providerModels(current, server.providerId) : undefined;
    if (existing === undefined) {
      current = insertProvider(current, server);
      changes.push(`added provider ${server.providerId} (${server.api}, ${server.baseUrl}) with ${describeModels(server.models)} at models.providers.${server.providerId}${server.apart ? `; ${apartWords(server, server.apart)}` : ""}`);
      current = withAliases(current, { providerId: server.providerId, models: server.models, keys: modelKeys(server.models.map((model) => model.id)) }, changes);
      continue;
    }
    const listed = new Set(existing.map((entry) => entry.id));
    const missing = server.models.filter((model) => !listed.has(model.id));
    if (missing.length === 0) {
      changes.push(`models.providers.${server.providerId} already lists every model the server has: left as it was`);
      continue;
    }
    const { keys, api } = additions(current, { ...server, models: missing });
    current = insertModels(current, { providerId: server.providerId, kind: server.kind, models: missing, keys, api });
    changes.push(`added ${describeModels(missing)} to models.providers.${server.providerId}.models`);
    current = withAliases(current, { providerId: server.providerId, models: missing, keys }, changes);
  }
  validate({ before: text, after: current }, env);
  return { text: current, changes };
}

/**
 * How models the config's provider `providerId` lacks are written into it: keys named apart from the
 * entries there too (a key one of them has, or an id, would make a ref that names two models), and the
 * server's api on each where the provider names none (else the entries would have none).
 */
function additions(text: string, adding: { providerId: string; api: Api; models: readonly DiscoveredModel[] }): { keys: Map<string, string>; api: Api | undefined } {
  const existing = providerModels(text, adding.providerId) ?? [];
  const keys = modelKeys(adding.models.map((model) => model.id), existing.flatMap((entry) => (entry.key === undefined ? [entry.id] : [entry.id, entry.key])));
  return { keys, api: providerHasApi(text, adding.providerId) ? undefined : adding.api };
}

/** The entries `--write` would add to the config's provider at `server` (its models the provider lacks), as the block to paste into its `models`. */
export function entriesToAdd(text: string, server: { providerId: string; kind: ServerKind; api: Api; models: readonly DiscoveredModel[] }): Record<string, unknown>[] {
  const { keys, api } = additions(text, server);
  return server.models.map((model) => ({ ...modelEntry(model, server.kind, keys.get(model.id)), ...(api ? { api } : {}) }));
}

/** Models to add under one provider, with the keys (modelKeys) they are named by. */
interface ModelsToAdd {
  providerId: string;
  models: readonly DiscoveredModel[];
  keys: ReadonlyMap<string, string>;
  /** Written on each entry (a provider that names no api). */
  api?: Api | undefined;
}

/**
 * Why a server was written beside the config's provider at its address: that provider's api is not one
 * hearth speaks to every server of this kind (one that only some versions serve is not assumed: `models
 * status --probe` asks the server), so it is left as it was (the report and --write say the same).
 */
export function apartWords(server: Pick<DiscoveredServer, "kind">, apart: { provider: string; api: string }): string {
  const name = SERVER_NAMES[server.kind];
  const since = (SERVER_APIS_BY_VERSION[server.kind] as Partial<Record<string, string>>)[apart.api];
  const why = since !== undefined ? `which ${name} serves only ${since} (\`hearth models status --probe\` asks this one)` : `which hearth does not speak to ${name}`;
  return `models.providers.${apart.provider} is at the same address with api "${apart.api}", ${why}: that provider is left as it was, not merged into — point it at its own server, or remove it if ${name} is what you meant`;
}

const describeModels = (models: readonly DiscoveredModel[]): string => `${models.length} model${models.length === 1 ? "" : "s"} (${models.map((model) => model.id).join(", ")})`;

function parsed(text: string): Record<string, unknown> {
  const value = json5.parse(text) as unknown;
  return typeof value === "object" && value !== null ? (value as Record<string, unknown>) : {};
}

/** The ids (and keys) of the models a provider of the config lists, or undefined when the config has no such provider. */
function providerModels(text: string, id: string): { id: string; key: string | undefined }[] | undefined {
  const providers = (parsed(text).models as { providers?: Record<string, { models?: { id?: unknown; key?: unknown }[] }> } | undefined)?.providers;
  const provider = providers?.[id];
  if (!provider) return undefined;
  return (Array.isArray(provider.models) ? provider.models : []).map((model) => ({ id: String(model?.id), key: typeof model?.key === "string" ? model.key : undefined }));
}

/** Whether a model of the config other than `ref` has `name` for its id or key (case aside, as names are looked up). */
function namesAModel(text: string, name: string, ref: string): boolean {
  const providers = (parsed(text).models as { providers?: Record<string, { models?: { id?: unknown; key?: unknown }[] }> } | undefined)?.providers ?? {};
  const lower = name.toLowerCase();
  return Object.entries(providers).some(([id, provider]) =>
    (Array.isArray(provider?.models) ? provider.models : []).some((model) => {
      const named = [model?.id, model?.key].filter((value): value is string => typeof value === "string");
      return named.some((value) => value.toLowerCase() === lower) && !named.some((value) => `${id}/${value}` === ref);
    }),
  );
}

function providerHasApi(text: string, id: string): boolean {
  const providers = (parsed(text).models as { providers?: Record<string, { api?: unknown }> } | undefined)?.providers;
  return typeof providers?.[id]?.api === "string";
}

function insertProvider(text: string, server: DiscoveredServer): string {
  const block = providerBlock(server);
  const providers = openedValue(text, ["models", "providers"]);
  if (providers) {
    const indent = `${providers.indent}  `;
    return insertMembers(text, providers, `${indent}${renderKey(server.providerId)}: ${renderJson5(block, indent)},`);
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

/** `kind`: the server's, which says who sets the models' context (discoveredContext). */
function insertModels(text: string, adding: ModelsToAdd & { kind: ServerKind }): string {
  const { providerId, models, keys, api } = adding;
  const entry = (model: DiscoveredModel): Record<string, unknown> => ({ ...modelEntry(model, adding.kind, keys.get(model.id)), ...(api ? { api } : {}) });
  const list = openedValue(text, ["models", "providers", providerId, "models"]);
  if (list) {
    const indent = `${list.indent}  `;
    return insertMembers(text, list, models.map((model) => `${indent}${renderJson5(entry(model), indent)},`).join("\n"));
  }
  const provider = openedValue(text, ["models", "providers", providerId]);
  if (!provider) throw new HearthError("config", `models.providers.${providerId} is not an object: discover cannot add models to it`, [`fix: make models.providers.${providerId} an object { baseUrl, api, models: [...] }`]);
  const indent = `${provider.indent}  `;
  return insertMembers(text, provider, `${indent}models: ${renderJson5(models.map(entry), indent)},`);
}

/**
 * An alias (agents.defaults.models) for each model named by a key of its own (its id is a path): what an
 * API client or `--model` types. Left out where the ref has an entry already, the alias is taken (any
 * case), or the config has no agents.defaults to put it in.
 */
function withAliases(text: string, adding: ModelsToAdd, changes: string[]): string {
  const { providerId, models, keys } = adding;
  let current = text;
  for (const model of models) {
    const alias = keys.get(model.id);
    if (!alias) continue;
    const ref = discoveredRef(providerId, model, keys);
    const defaults = (parsed(current).agents as { defaults?: { models?: Record<string, { alias?: unknown }> } } | undefined)?.defaults;
    const entries = defaults?.models ?? {};
    const taken = Object.values(entries).some((entry) => typeof entry?.alias === "string" && entry.alias.toLowerCase() === alias.toLowerCase());
    // A name a model of the config answers to already (its key or id: another server of the same file) would change what it means.
    if (ref in entries || taken || namesAModel(current, alias, ref)) continue;
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

/**
 * Validates the edited config as loading it would (schema, duplicate names, every reference): one
 * that would not load is never written. Says whether the config had problems before the edit.
 */
function validate(texts: { before: string; after: string }, env: NodeJS.ProcessEnv): void {
  const problems = configProblems(texts.after, env);
  if (problems === undefined) return;
  const before = configProblems(texts.before, env);
  const fix = before
    ? "fix: the config has these problems without the discovered models too: fix them (`hearth config validate` lists them), then run `hearth models discover --write` again"
    : "fix: nothing was written; add the models by hand from the block `hearth models discover` prints, choosing the keys yourself";
  throw new HearthError("config", `the config would not validate after adding the discovered providers, so it was left as it was: ${problems.message}`, [...problems.details, fix]);
}

/** What loading `text` as the config would report (schema, duplicate names, every model reference), or undefined when it loads. */
export function configProblems(text: string, env: NodeJS.ProcessEnv): { message: string; details: readonly string[] } | undefined {
  try {
    const { config, source } = parseConfigValue(json5.parse(text), { file: "the edited config", text }, env);
    resolveModels(config, { env, catalog: hostedCatalog, source });
    return undefined;
  } catch (error) {
    return { message: error instanceof Error ? error.message : String(error), details: error instanceof HearthError ? error.details : [] };
  }
}
