import type { Agent } from "../agent/agent.js";
import type { ModelSpec } from "../ai/model-spec.js";
import { missingKey } from "../models/missing-key.js";
import type { ModelCatalog } from "../models/model-catalog.js";
import type { Catalogue } from "./port.js";

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
    models: models.map(({ spec }) => ({ ref: spec.ref, alias: catalog.aliasOf(spec.ref), local: spec.local, spec, listed: spec.source === "config" || chained.includes(spec.ref) || catalog.aliasOf(spec.ref) !== undefined || missingKey(spec) === undefined })),
  };
}
