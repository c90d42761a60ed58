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
  /** Primary first, then fallbacks in order, without duplicates. */
  chain: ChainEntry[];
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
  const chain: ChainEntry[] = [];
  const seen = new Set<ModelRef>();
  const { primary, fallbacks } = config.agents.defaults.model;
  let defaultPrimary = false;

  const add = (name: string, role: ChainRole, path: (string | number)[]): void => {
    const found = catalog.lookup(name);
    if (!found.ok) {
      problems.push({ severity: "error", path, message: found.reason });
      return;
    }
    if (seen.has(found.model.ref)) {
      problems.push({ severity: "warning", path, message: `"${name}" is already in the chain; this entry is ignored` });
      return;
    }
    seen.add(found.model.ref);
    chain.push({ role, model: found.model });
  };

  if (primary) add(primary, "primary", ["agents", "defaults", "model", "primary"]);
  else {
    const first = providers.find((provider) => provider.configured && provider.models.some((model) => model.source === "config"));
    const model = first?.models.find((candidate) => candidate.source === "config");
    if (model) {
      defaultPrimary = true;
      seen.add(model.ref);
      chain.push({ role: "primary", model });
    }
  }
  fallbacks.forEach((name, index) => add(name, `fallback-${chain.filter((entry) => entry.role !== "primary").length + 1}`, ["agents", "defaults", "model", "fallbacks", index]));

  if (problems.some((problem) => problem.severity === "error")) throw configProblemsError(options.source, problems);
  if (config.agents.defaults.privacy === "local-only" && chain.length > 0 && chain.every((entry) => !entry.model.local)) {
    problems.push({
      severity: "warning",
      path: ["agents", "defaults", "privacy"],
      message: "local-only, but no model in the chain is local: every turn will fail without sending anything",
    });
  }
  return { catalog, chain, defaultPrimary, privacy: config.agents.defaults.privacy, warnings: problems };
}
