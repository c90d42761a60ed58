import type { CatalogProvider } from "../ai/api.js";
import type { ModelRef, ModelSpec } from "../ai/model-spec.js";
import { configProblemsError, type ConfigProblem, type ConfigSource } from "../config/problems.js";
import type { HearthConfig } from "../config/schema/index.js";
import { ModelCatalog } from "./model-catalog.js";
import { resolveProviders } from "./resolve-providers.js";

export type ChainRole = "primary" | `fallback-${number}`;

export interface ChainEntry {
  role: ChainRole;
  model: ModelSpec;
}

export interface ResolvedModels {
  catalog: ModelCatalog;
  /** The default agent's chain: primary first, then fallbacks in order, without duplicates. */
  chain: ChainEntry[];
  /** Each agent's chain by id ("main" is agents.defaults). */
  agentChains: ReadonlyMap<string, ChainEntry[]>;
  /** True when no primary was configured and the first configured model stands in. */
  defaultPrimary: boolean;
  privacy: "any" | "local-only";
  warnings: ConfigProblem[];
}

export interface ResolveOptions {
  env: NodeJS.ProcessEnv;
  catalog: readonly CatalogProvider[];
  /** For locating problems in the file. */
  source?: ConfigSource | undefined;
}

/** Config + catalog → every model, the aliases and the agent's chain. Throws one config error listing every problem. */
export function resolveModels(config: HearthConfig, options: ResolveOptions): ResolvedModels {
  const { providers, problems } = resolveProviders(config, options);
  const settings = config.agents.defaults.models;

  // Aliases and params, keyed by ref; every key must name a model.
  const bare = new ModelCatalog(providers, new Map());
  const aliases = new Map<ModelRef, string>();
  const aliasOwners = new Map<string, ModelRef>();
  for (const [key, setting] of Object.entries(settings)) {
    const path = ["agents", "defaults", "models", key];
    const found = bare.lookup(key);
    if (!found.ok) {
      problems.push({ severity: "error", path, message: found.reason });
      continue;
    }
    if (found.via === "alias" || (found.via === "id" && !key.includes("/"))) {
      problems.push({ severity: "error", path, message: `keys here are full references "provider/model"; write "${found.model.ref}"` });
      continue;
    }
    const model = found.model;
    if (setting.params) model.params = { ...model.params, ...setting.params };
    if (!setting.alias) continue;
    const alias = setting.alias;
    const owner = aliasOwners.get(alias.toLowerCase());
    if (owner && owner !== model.ref) {
      problems.push({ severity: "error", path: [...path, "alias"], message: `alias "${alias}" is already used by "${owner}"; aliases must be unique (ignoring case)` });
      continue;
    }
    const shadowed = bare.models.get(alias as ModelRef);
    if (shadowed && shadowed.ref !== model.ref) {
      problems.push({ severity: "error", path: [...path, "alias"], message: `alias "${alias}" is the reference of another model; choose another alias` });
      continue;
    }
    aliasOwners.set(alias.toLowerCase(), model.ref);
    aliases.set(model.ref, alias);
  }

  const catalog = new ModelCatalog(providers, aliases);
  const defaults = config.agents.defaults.model;
  let defaultPrimary = false;
  let primaryName = defaults.primary;
  if (!primaryName) {
    const first = providers.find((provider) => provider.configured && provider.models.some((model) => model.source === "config"));
    const model = first?.models.find((candidate) => candidate.source === "config");
    if (model) {
      defaultPrimary = true;
      primaryName = model.ref;
    }
  }
  const chain = buildChain(catalog, primaryName, defaults.fallbacks ?? [], ["agents", "defaults", "model"], problems, defaultPrimary);
  const agentChains = new Map<string, ChainEntry[]>([["main", chain]]);
  config.agents.list.forEach((agent, index) => {
    const own = agent.model;
    if (!own) {
      agentChains.set(agent.id, chain);
      return;
    }
    const path = ["agents", "list", index, "model"];
    agentChains.set(agent.id, buildChain(catalog, own.primary ?? primaryName, own.fallbacks ?? defaults.fallbacks ?? [], path, problems, own.primary === undefined && defaultPrimary));
  });

  if ((config.agents.defaults.privacy ?? "any") === "local-only" && chain.length > 0 && chain.every((entry) => !entry.model.local)) {
    problems.push({
      severity: "warning",
      path: ["agents", "defaults", "privacy"],
      message: "local-only, but no model in the chain is local: every turn will fail without sending anything",
    });
  }
  const compactionModels: [string | null | undefined, (string | number)[]][] = [
    [config.agents.defaults.compaction?.model, ["agents", "defaults", "compaction", "model"]],
    ...config.agents.list.map((agent, index): [string | null | undefined, (string | number)[]] => [agent.compaction?.model, ["agents", "list", index, "compaction", "model"]]),
  ];
  for (const [name, path] of compactionModels) {
    if (!name) continue;
    const found = catalog.lookup(name);
    if (!found.ok) problems.push({ severity: "error", path, message: found.reason });
  }
  if (problems.some((problem) => problem.severity === "error")) throw configProblemsError(options.source, problems);
  return { catalog, chain, agentChains, defaultPrimary, privacy: config.agents.defaults.privacy ?? "any", warnings: problems };
}

/** primary, then fallbacks in order, without duplicates; every name must resolve. */
function buildChain(
  catalog: ModelCatalog,
  primary: string | undefined,
  fallbacks: readonly string[],
  path: (string | number)[],
  problems: ConfigProblem[],
  primaryIsDefault: boolean,
): ChainEntry[] {
  const chain: ChainEntry[] = [];
  const seen = new Set<ModelRef>();
  const add = (name: string, role: ChainRole, at: (string | number)[]): void => {
    const found = catalog.lookup(name);
    if (!found.ok) {
      problems.push({ severity: "error", path: at, message: found.reason });
      return;
    }
    if (seen.has(found.model.ref)) {
      problems.push({ severity: "warning", path: at, message: `"${name}" is already in the chain; this entry is ignored` });
      return;
    }
    seen.add(found.model.ref);
    chain.push({ role, model: found.model });
  };
  if (primary) add(primary, "primary", primaryIsDefault ? path : [...path, "primary"]);
  fallbacks.forEach((name, index) => add(name, `fallback-${chain.filter((entry) => entry.role !== "primary").length + 1}`, [...path, "fallbacks", index]));
  return chain;
}
