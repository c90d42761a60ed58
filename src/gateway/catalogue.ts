import type { Agent } from "../agent/agent.js";
import type { ModelSpec } from "../ai/model-spec.js";
import { notChoosableWords } from "../agent/model-choices.js";
import { missingKey } from "../models/missing-key.js";
import type { ModelCatalog } from "../models/model-catalog.js";
import type { Catalogue, FormerName } from "./port.js";

/**
 * The agents, and every model a request may name — the ones the config uses first (the agents'
 * chains in order, then models with an alias, then local ones), then the rest of the catalog — so
 * a listing, a picker or a "choose one of" shows the user's own models before hundreds of hosted ones.
 */
export function makeCatalogue(catalog: ModelCatalog, agents: ReadonlyMap<string, Agent>): Catalogue {
  const chained = [...new Set([...agents.values()].flatMap((agent) => agent.spec.chain.map((model) => model.ref)))];
  const rank = (spec: ModelSpec): number => {
    const inChain = chained.indexOf(spec.ref);
    if (inChain >= 0) return inChain;
    return chained.length + (catalog.aliasOf(spec.ref) ? 0 : spec.local ? 1 : 2);
  };
  const models = [...catalog.models.values()].map((spec, index) => ({ spec, index, rank: rank(spec) }));
  models.sort((a, b) => a.rank - b.rank || a.index - b.index);
  return {
    agents: [...agents.values()].map((agent) => ({ id: agent.spec.id, name: agent.spec.name, primary: agent.spec.chain[0]?.ref })),
    models: models.map(({ spec }) => ({
      ref: spec.ref,
      alias: catalog.aliasOf(spec.ref),
      local: spec.local,
      spec,
      listed: spec.source === "config" || chained.includes(spec.ref) || catalog.aliasOf(spec.ref) !== undefined || missingKey(spec) === undefined,
      // As `/model` judges it (model-choices.ts): with aliases in the config, only those and the agents' own models.
      ...(catalog.aliases.size > 0 && catalog.aliasOf(spec.ref) === undefined && !chained.includes(spec.ref) ? { notChoosable: notChoosableWords(catalog, spec) } : {}),
    })),
  };
}

/** The most former names kept (a process reloaded over months keeps the latest; older ones are told as unknown). */
const MOST_FORMER_NAMES = 200;

/**
 * The names `before` (the catalogue of the config last in force) gave models that `now` does not —
 * an alias renamed or dropped, a model removed — taken away `by` a reload or the built-in default's
 * move, with those kept from earlier changes that `now` still does not have. A name `now` has again
 * is no longer former.
 */
export function formerNames(options: { before: Catalogue | undefined; now: Catalogue; by: FormerName["by"] }): ReadonlyMap<string, FormerName> {
  const { before, now, by } = options;
  const current = new Set(now.models.flatMap((model) => [model.ref.toLowerCase(), ...(model.alias ? [model.alias.toLowerCase()] : [])]));
  const former = new Map<string, FormerName>();
  const add = (name: FormerName): void => {
    const key = name.name.toLowerCase();
    if (current.has(key)) return;
    former.delete(key);
    former.set(key, name);
  };
  for (const kept of before?.former?.values() ?? []) add(kept);
  for (const model of before?.models ?? []) {
    if (model.alias) add({ name: model.alias, ref: model.ref, by });
    add({ name: model.ref, ref: model.ref, by });
  }
  // The latest kept: the oldest dropped first (a Map keeps insertion order).
  for (const key of [...former.keys()].slice(0, Math.max(0, former.size - MOST_FORMER_NAMES))) former.delete(key);
  return former;
}

/**
 * The catalogue, asked on every request (which name is which): made again only when a reload brings a
 * new catalog or agents — then with the names the reload (or the built-in default's move, `by`) took
 * away, told to a request that still uses one (a client set up with an alias since renamed).
 */
export class CatalogueCache {
  private made: { catalog: ModelCatalog; agents: ReadonlyMap<string, Agent>; catalogue: Catalogue } | undefined;

  get(serving: { catalog: ModelCatalog; agents: ReadonlyMap<string, Agent>; by: FormerName["by"] }): Catalogue {
    const { catalog, agents, by } = serving;
    const cached = this.made;
    if (cached?.catalog === catalog && cached.agents === agents) return cached.catalogue;
    const made = makeCatalogue(catalog, agents);
    const former = cached ? formerNames({ before: cached.catalogue, now: made, by }) : undefined;
    const catalogue = former && former.size > 0 ? { ...made, former } : made;
    this.made = { catalog, agents, catalogue };
    return catalogue;
  }
}
