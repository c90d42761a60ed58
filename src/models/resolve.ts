import type { CatalogProvider } from "../ai/api.js";
import type { ModelRef, ModelSpec } from "../ai/model-spec.js";
import { configPathName, configProblemsError, type ConfigProblem, type ConfigSource } from "../config/problems.js";
import type { HearthConfig } from "../config/schema/index.js";
import type { ConfigPath } from "../config/json5-locate.js";
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
  /** For locating problems in the file, and naming keys written with `${VAR}` as written (the source parseConfigValue returns). */
  source?: ConfigSource | undefined;
}

/** Config + catalog → every model, the aliases and the agent's chain. Throws one config error listing every problem. */
export function resolveModels(config: HearthConfig, options: ResolveOptions): ResolvedModels {
  const { providers, problems, rejected } = resolveProviders(config, options);
  // A name that does not resolve is said once, where it is written, unless it points into a rejected part.
  const unresolved = (name: string, path: (string | number)[], reason: string): void => {
    if (!rejected.covers(name)) problems.push({ severity: "error", path, message: reason });
  };
  const settings = config.agents.defaults.models;

  // Aliases and params, keyed by ref; every key must name a model.
  const pathName = (path: ConfigPath): string => configPathName(path, options.source);
  // Under "replace" the built-in providers are left out: a name that needs one says so, and how to keep them.
  const replacedBuiltins = new Set(config.models.mode === "replace" ? options.catalog.map((provider) => provider.id) : []);
  const bare = new ModelCatalog(providers, new Map(), { pathName, replacedBuiltins });
  const aliases = new Map<ModelRef, string>();
  const aliasOwners = new Map<string, string>();
  const settingKeys = new Map<ModelRef, string>();
  // The refs the file names, for "did you mean": the user's own before the built-in catalog.
  const named = new Set<ModelRef>();
  const chainNames = [config.agents.defaults.model, ...config.agents.list.map((agent) => agent.model)].flatMap((chain) => (chain ? [chain.primary, ...(chain.fallbacks ?? [])] : []));
  for (const name of chainNames) {
    const found = name === undefined ? undefined : bare.lookup(name);
    if (found?.ok) named.add(found.model.ref);
  }
  for (const [key, setting] of Object.entries(settings)) {
    const path = ["agents", "defaults", "models", key];
    const found = bare.lookup(key);
    if (found.ok) named.add(found.model.ref);
    // Unique whether or not the key resolves: a rejected provider must not hide a duplicate alias.
    const alias = setting.alias;
    const owner = alias === undefined ? undefined : aliasOwners.get(alias.toLowerCase());
    const ownRef = found.ok ? found.model.ref : key;
    if (alias !== undefined && owner !== undefined && owner !== ownRef) {
      problems.push({ severity: "error", path: [...path, "alias"], message: `alias "${alias}" is already used by "${owner}"; aliases must be unique (ignoring case)` });
      if (!found.ok) unresolved(key, path, found.reason);
      continue;
    }
    // An alias whose key is rejected is rejected with it: a reference by that alias is not "unknown".
    if (!found.ok) {
      if (alias) {
        rejected.alias(alias);
        aliasOwners.set(alias.toLowerCase(), key);
      }
      unresolved(key, path, found.reason);
      continue;
    }
    if (found.via === "alias" || (found.via === "id" && !key.includes("/"))) {
      if (setting.alias) rejected.alias(setting.alias);
      problems.push({ severity: "error", path, message: `keys here are full references "provider/model"; write "${found.model.ref}"` });
      continue;
    }
    const model = found.model;
    // Two keys a lookup takes for one model ("lms/qwen" and "lms/QWEN", or its id and its key): the later would silently win.
    const sameModel = settingKeys.get(model.ref);
    if (sameModel !== undefined) {
      if (setting.alias) rejected.alias(setting.alias);
      problems.push({ severity: "error", path, message: `names the same model ("${model.ref}") as ${pathName(["agents", "defaults", "models", sameModel])}; keep one key for it` });
      continue;
    }
    settingKeys.set(model.ref, key);
    if (setting.params) model.params = { ...model.params, ...setting.params };
    if (!alias) continue;
    // Compared as a lookup compares it: an alias is found in any case, before any ref.
    const shadowed = bare.models.get(alias as ModelRef) ?? [...bare.models.values()].find((other) => other.ref.toLowerCase() === alias.toLowerCase());
    if (shadowed && shadowed.ref !== model.ref) {
      problems.push({ severity: "error", path: [...path, "alias"], message: `alias "${alias}" is the reference of another model; choose another alias` });
      continue;
    }
    aliasOwners.set(alias.toLowerCase(), model.ref);
    aliases.set(model.ref, alias);
  }

  const catalog = new ModelCatalog(providers, aliases, { named, pathName, replacedBuiltins });
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
  const defaultsPath = ["agents", "defaults", "model"];
  // Names agents.defaults' own chain leaves out as repeats: an agent that inherits them has them left out too, said once there.
  const chainOptions = { catalog, problems, unresolved, repeats: new Set<string>(), source: options.source };
  const chain = buildChain(chainOptions, {
    primary: primaryName === undefined ? undefined : { name: primaryName, path: defaultPrimary ? defaultsPath : [...defaultsPath, "primary"], inherited: false },
    fallbacks: (defaults.fallbacks ?? []).map((name, index) => ({ name, path: [...defaultsPath, "fallbacks", index], inherited: false })),
  });
  const agentChains = new Map<string, ChainEntry[]>([["main", chain]]);
  config.agents.list.forEach((agent, index) => {
    const own = agent.model;
    if (!own) {
      agentChains.set(agent.id, chain);
      return;
    }
    // What the entry leaves out it inherits from agents.defaults: a problem of an inherited name is the defaults', said there.
    const path = ["agents", "list", index, "model"];
    const inheritedPrimary = own.primary === undefined;
    const primary = own.primary ?? primaryName;
    agentChains.set(
      agent.id,
      buildChain(chainOptions, {
        primary: primary === undefined ? undefined : { name: primary, path: inheritedPrimary ? (defaultPrimary ? defaultsPath : [...defaultsPath, "primary"]) : [...path, "primary"], inherited: inheritedPrimary },
        fallbacks: own.fallbacks
          ? own.fallbacks.map((name, position) => ({ name, path: [...path, "fallbacks", position], inherited: false }))
          : (defaults.fallbacks ?? []).map((name, position) => ({ name, path: [...defaultsPath, "fallbacks", position], inherited: true })),
        agentPath: path,
      }),
    );
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
    if (!found.ok) unresolved(name, path, found.reason);
  }
  if (problems.some((problem) => problem.severity === "error")) throw configProblemsError(options.source, problems);
  return { catalog, chain, agentChains, defaultPrimary, privacy: config.agents.defaults.privacy ?? "any", warnings: problems };
}

/** One name of a chain, at the path where the user wrote it (agents.defaults when an agent inherits it). */
interface ChainName {
  name: string;
  path: (string | number)[];
  inherited: boolean;
}

/** primary, then fallbacks in order, without duplicates; every name must resolve. */
function buildChain(
  context: { catalog: ModelCatalog; problems: ConfigProblem[]; unresolved: (name: string, path: (string | number)[], reason: string) => void; repeats: Set<string>; source: ConfigSource | undefined },
  names: { primary: ChainName | undefined; fallbacks: readonly ChainName[]; agentPath?: (string | number)[] },
): ChainEntry[] {
  const chain: ChainEntry[] = [];
  /** Each ref in the chain: whether its name was inherited. */
  const seen = new Map<ModelRef, boolean>();
  const add = (entry: ChainName, role: ChainRole): void => {
    const found = context.catalog.lookup(entry.name);
    if (!found.ok) {
      // Inherited: agents.defaults' own chain says it, at its path.
      if (!entry.inherited) context.unresolved(entry.name, entry.path, found.reason);
      return;
    }
    const earlier = seen.get(found.model.ref);
    if (earlier !== undefined) {
      // Both inherited, or a repeat within agents.defaults' own chain: said there, at the repeat.
      if (!entry.inherited && !names.agentPath) context.repeats.add(JSON.stringify(entry.path));
      if (entry.inherited && !earlier && names.agentPath && !context.repeats.has(JSON.stringify(entry.path))) {
        context.problems.push({ severity: "warning", path: names.agentPath, message: `"${entry.name}" (inherited from ${configPathName(entry.path, context.source)}) is already in this agent's chain; it is left out` });
      } else if (!entry.inherited) {
        context.problems.push({ severity: "warning", path: entry.path, message: `"${entry.name}" is already in the chain; this entry is ignored` });
      }
      return;
    }
    seen.set(found.model.ref, entry.inherited);
    chain.push({ role, model: found.model });
  };
  if (names.primary) add(names.primary, "primary");
  for (const entry of names.fallbacks) add(entry, `fallback-${chain.filter((item) => item.role !== "primary").length + 1}`);
  return chain;
}
