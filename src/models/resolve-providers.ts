import { hostedKeyLookup, presentKey, type KeyLookup, type KeySource } from "../config/hosted-keys.js";
import type { Api, CatalogModel, CatalogProvider, ModelCost } from "../ai/api.js";
import { makeRef, type ModelCompat, type ModelSpec } from "../ai/model-spec.js";
import { MODEL_DEFAULTS, type HearthConfig, type ModelEntryConfig, type ProviderConfig, type RoutingConfig } from "../config/schema/index.js";
import { configPathName, type ConfigProblem, type ConfigSource } from "../config/problems.js";
import type { ConfigPath } from "../config/json5-locate.js";
import { didYouMean } from "../shared/did-you-mean.js";
import { isLocalUrl } from "./is-local.js";
import { baseUrlFix } from "../ai/endpoint-advice.js";
import { RejectedNames } from "./rejected-names.js";

/** A provider after merging the config with the built-in catalog. */
export interface ResolvedProvider {
  id: string;
  name: string;
  baseUrl: string;
  api: Api | undefined;
  apiKey: string | undefined;
  /** Where the key came from; the key itself is never shown. */
  apiKeySource: "config" | KeySource | "none";
  /** The variable a built-in provider reads its key from. */
  apiKeyEnv: string | undefined;
  headers: Readonly<Record<string, string>>;
  timeoutSeconds: number | undefined;
  replicas: readonly string[];
  onColdLoad: "wait" | "fallback";
  coldLoadTimeoutSeconds: number;
  keepWarm: { ttlSeconds: number | undefined; intervalSeconds: number | undefined } | undefined;
  /** llama.cpp's slots: a cache each, or one shared (the config's kvCache); undefined: not said. */
  kvCache: "shared" | "per-slot" | undefined;
  routing: RoutingConfig | undefined;
  compat: ModelCompat | undefined;
  builtin: boolean;
  configured: boolean;
  /** Its key as the config writes it, where that holds a `${VAR}` (the id is what it became). */
  written?: string | undefined;
  local: boolean;
  models: ModelSpec[];
}

export interface ResolveEnvironment {
  env: NodeJS.ProcessEnv;
  catalog: readonly CatalogProvider[];
  /** The config's text (as parseConfigValue returns it): messages name its places as the file writes them. */
  source?: ConfigSource | undefined;
}

/**
 * Config providers over built-in ones. `merge`: built-in providers stay, a config provider with a
 * built-in id overrides it field by field and model lists merge by id (config wins). `replace`: only
 * the config's providers exist; the catalog still supplies limits and prices of the models they list.
 */
export function resolveProviders(config: HearthConfig, environment: ResolveEnvironment): { providers: ResolvedProvider[]; problems: ConfigProblem[]; rejected: RejectedNames } {
  const problems: ConfigProblem[] = [];
  const rejected = new RejectedNames();
  const builtins = new Map(environment.catalog.map((provider) => [provider.id, provider]));
  const providers: ResolvedProvider[] = [];
  const configured = config.models.providers;
  const keyOf = hostedKeyLookup(environment.env);

  if (config.models.mode === "merge") {
    for (const builtin of environment.catalog) {
      if (!(builtin.id in configured)) providers.push(fromBuiltin(builtin, undefined, keyOf, problems));
    }
  }
  for (const [id, provider] of Object.entries(configured)) {
    // A key written with `${VAR}` is named as written at run time too (doctor, models status), not by what it became.
    const written = environment.source?.keys?.written(["models", "providers", id])[2];
    const asWritten = typeof written === "string" && written !== id ? { written } : {};
    // A key written as `${VAR}` alone is that variable's (the environment's or gateway.env's), not the config's: its advice says so.
    const reference = environment.source?.keys?.reference(["models", "providers", id, "apiKey"]);
    const keyFrom = reference ? ({ env: `env:${reference.variable}`, "gateway.env": `gateway.env:${reference.variable}` } as const)[reference.from] : undefined;
    const builtin = builtins.get(id);
    if (builtin) {
      providers.push(withKeyFrom(withWritten(fromBuiltin(builtin, provider, keyOf, problems, config.models.mode === "replace"), asWritten), keyFrom));
      continue;
    }
    const resolved = fromConfig(id, provider, [...builtins.keys()], { problems, rejected, pathName: (path) => configPathName(path, environment.source) });
    if (resolved) providers.push(withKeyFrom(withWritten(resolved, asWritten), keyFrom));
  }
  return { providers, problems, rejected };
}

/** The provider and its models, their key said to come from `keyFrom` (a variable the config's apiKey names alone) where the config gave it. */
function withKeyFrom(provider: ResolvedProvider, keyFrom: KeySource | undefined): ResolvedProvider {
  if (keyFrom === undefined || provider.apiKeySource !== "config") return provider;
  return { ...provider, apiKeySource: keyFrom, models: provider.models.map((model) => ({ ...model, apiKeySource: keyFrom })) };
}

/** The provider and its models, named by its key as the config writes it (`written`), where that holds a `${VAR}`. */
function withWritten(provider: ResolvedProvider, asWritten: { written?: string }): ResolvedProvider {
  const written = asWritten.written;
  if (written === undefined) return provider;
  return { ...provider, written, models: provider.models.map((model) => ({ ...model, providerWritten: written })) };
}

function fromBuiltin(
  builtin: CatalogProvider,
  override: ProviderConfig | undefined,
  keyOf: KeyLookup,
  problems: ConfigProblem[],
  onlyConfiguredModels = false,
): ResolvedProvider {
  const configKey = presentKey(override?.apiKey);
  const found = configKey ? undefined : keyOf(builtin.apiKeyEnv);
  const envKey = found?.key;
  const baseUrl = override?.baseUrl ?? override?.baseUrls?.[0] ?? builtin.baseUrl;
  const api = override?.api ?? builtin.api;
  const provider: ResolvedProvider = {
    ...operational(override, baseUrl),
    id: builtin.id,
    name: builtin.name,
    baseUrl,
    api,
    apiKey: configKey ?? envKey,
    apiKeySource: configKey ? "config" : (found?.source ?? "none"),
    apiKeyEnv: builtin.apiKeyEnv,
    headers: override?.headers ?? {},
    timeoutSeconds: override?.timeoutSeconds,
    builtin: true,
    configured: override !== undefined,
    // A built-in provider is a paid hosted service: pointed at this machine it is taken as a proxy or relay to
    // that service (its catalog prices apply, its data leaves), never local — see docs/config.md "Local or hosted".
    local: false,
    models: [],
  };
  const catalogById = new Map(builtin.models.map((model) => [model.id, model]));
  const configuredIds = new Set(override?.models.map((model) => model.id) ?? []);
  if (!onlyConfiguredModels) {
    for (const model of builtin.models) {
      if (!configuredIds.has(model.id)) provider.models.push(modelSpec(provider, api, undefined, model, "builtin"));
    }
  }
  override?.models.forEach((entry) => {
    provider.models.push(modelSpec(provider, entry.api ?? api, entry, catalogById.get(entry.id), "config"));
  });
  checkBaseUrlPath(provider, override, problems);
  return provider;
}

function fromConfig(id: string, config: ProviderConfig, builtinIds: string[], found: { problems: ConfigProblem[]; rejected: RejectedNames; pathName: (path: ConfigPath) => string }): ResolvedProvider | undefined {
  const { problems, rejected } = found;
  const baseUrl = config.baseUrl ?? config.baseUrls?.[0];
  if (!baseUrl) {
    const hint = didYouMean(id, builtinIds);
    problems.push({
      severity: "error",
      path: ["models", "providers", id, "baseUrl"],
      message: hint
        ? `missing: "${id}" is not a built-in provider${hint.replace(/^; /, ", ")} Otherwise give its baseUrl, such as "http://127.0.0.1:1234/v1"`
        : `missing; a provider that is not built in (${builtinIds.join(", ")}) needs its baseUrl (or baseUrls), such as "http://127.0.0.1:1234/v1"`,
    });
    rejected.provider(id, config.models);
    return undefined;
  }
  const provider: ResolvedProvider = {
    ...operational(config, baseUrl),
    id,
    name: id,
    baseUrl,
    api: config.api,
    apiKey: presentKey(config.apiKey),
    apiKeySource: presentKey(config.apiKey) ? "config" : "none",
    apiKeyEnv: undefined,
    headers: config.headers ?? {},
    timeoutSeconds: config.timeoutSeconds,
    builtin: false,
    configured: true,
    local: isLocalUrl(baseUrl),
    models: [],
  };
  config.models.forEach((entry, index) => {
    const api = entry.api ?? config.api;
    if (!api) {
      problems.push({
        severity: "error",
        path: ["models", "providers", id, "models", index],
        message: `model "${entry.id}" has no api: set ${found.pathName(["models", "providers", id, "api"])} (or this model's api) to "openai-responses", "openai-completions", "anthropic-messages" or "ollama"`,
      });
      rejected.model(id, entry);
      return;
    }
    provider.models.push(modelSpec(provider, api, entry, undefined, "config"));
  });
  checkBaseUrlPath(provider, config, problems);
  return provider;
}

function modelSpec(
  provider: ResolvedProvider,
  api: Api,
  entry: ModelEntryConfig | undefined,
  known: CatalogModel | undefined,
  source: "config" | "builtin",
): ModelSpec {
  const id = entry?.id ?? known?.id ?? "";
  return {
    ref: makeRef(provider.id, entry?.key ?? id),
    provider: provider.id,
    ...(provider.written ? { providerWritten: provider.written } : {}),
    id,
    name: entry?.name ?? known?.name ?? id,
    api,
    baseUrl: provider.baseUrl,
    replicas: provider.replicas,
    apiKey: provider.apiKey,
    apiKeyEnv: provider.apiKeyEnv,
    apiKeySource: provider.apiKeySource,
    headers: provider.headers,
    timeoutSeconds: provider.timeoutSeconds,
    reasoning: entry?.reasoning ?? known?.reasoning ?? MODEL_DEFAULTS.reasoning,
    input: entry?.input ?? known?.input ?? MODEL_DEFAULTS.input,
    cost: mergeCost(entry?.cost, known?.cost),
    contextWindow: entry?.contextWindow ?? known?.contextWindow ?? MODEL_DEFAULTS.contextWindow,
    maxTokens: Math.min(
      entry?.maxTokens ?? known?.maxTokens ?? MODEL_DEFAULTS.maxTokens,
      entry?.contextWindow ?? known?.contextWindow ?? MODEL_DEFAULTS.contextWindow,
    ),
    local: provider.local,
    onColdLoad: provider.onColdLoad,
    coldLoadTimeoutSeconds: provider.coldLoadTimeoutSeconds,
    keepWarmIntervalSeconds: provider.keepWarm?.intervalSeconds,
    ...(provider.kvCache ? { kvCache: provider.kvCache } : {}),
    params: extraBody(provider, entry, api),
    source,
    ...compatOf(provider, entry),
  };
}

/** The model's compat switches over the provider's; nothing when neither sets any. */
function compatOf(provider: ResolvedProvider, entry: ModelEntryConfig | undefined): { compat?: ModelCompat } {
  const compat = { ...provider.compat, ...entry?.compat };
  return Object.keys(compat).length > 0 ? { compat } : {};
}

/** Request fields the provider's settings add: OpenRouter routing (model over provider), LM Studio's ttl, Ollama's keep_alive. */
function extraBody(provider: ResolvedProvider, entry: ModelEntryConfig | undefined, api: Api): Record<string, unknown> {
  const body: Record<string, unknown> = {};
  const routing = entry?.routing ?? provider.routing;
  if (routing) body.provider = routing;
  const ttlSeconds = provider.keepWarm?.ttlSeconds;
  if (provider.local && ttlSeconds !== undefined) {
    if (api === "ollama") body.keep_alive = `${ttlSeconds}s`;
    else body.ttl = ttlSeconds;
  }
  return body;
}

const DEFAULT_COLD_LOAD_SECONDS = 600;
const KEEP_WARM_TTL_SECONDS = 86_400;

/** The settings about running the provider: replicas, cold loads, keep-warm, routing. */
function operational(config: ProviderConfig | undefined, baseUrl: string) {
  const keepWarm = config?.keepWarm;
  return {
    replicas: config?.baseUrls ?? [baseUrl],
    onColdLoad: config?.onColdLoad ?? "wait",
    coldLoadTimeoutSeconds: config?.coldLoadTimeoutSeconds ?? DEFAULT_COLD_LOAD_SECONDS,
    keepWarm:
      keepWarm === true
        ? { ttlSeconds: KEEP_WARM_TTL_SECONDS, intervalSeconds: undefined }
        : keepWarm && typeof keepWarm === "object"
          ? { ttlSeconds: keepWarm.ttlSeconds, intervalSeconds: keepWarm.intervalSeconds }
          : undefined,
    kvCache: config?.kvCache,
    routing: config?.routing,
    compat: config?.compat,
  } as const;
}

function mergeCost(config: Partial<ModelCost> | undefined, known: ModelCost | undefined): ModelCost {
  const base = known ?? MODEL_DEFAULTS.cost;
  return {
    input: config?.input ?? base.input,
    output: config?.output ?? base.output,
    cacheRead: config?.cacheRead ?? base.cacheRead,
    cacheWrite: config?.cacheWrite ?? base.cacheWrite,
  };
}

/**
 * LM Studio, vLLM and Ollama serve their OpenAI-compatible API only under /v1: a bare host gets "no such
 * endpoint" for every call there (LM Studio says it with status 200); llama-server answers at its root too. A path that ends in an endpoint (`/chat/completions`,
 * `/responses`, `/messages`, `/models`, `/completions`) gets it twice, since hearth appends it itself.
 * Ollama's native API is at the server root (`/api/chat`); hearth takes a `/v1` there off itself.
 */
function checkBaseUrlPath(provider: ResolvedProvider, config: ProviderConfig | undefined, problems: ConfigProblem[]): void {
  if (!config?.baseUrl) return;
  const apis = [...new Set([...provider.models.map((model) => model.api), ...(provider.api ? [provider.api] : [])])];
  // The api that decides the fix: an OpenAI-style one where any model uses it (they serve under /v1).
  const api = apis.find((candidate) => candidate.startsWith("openai")) ?? apis[0];
  const fix = baseUrlFix(config.baseUrl, api);
  if (!fix) return;
  problems.push({
    severity: "warning",
    path: ["models", "providers", provider.id, "baseUrl"],
    message: `"${config.baseUrl}": ${fix.why}; ${fix.consequence}: write "${fix.suggested}"`,
  });
}
