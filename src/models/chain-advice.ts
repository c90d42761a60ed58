import type { ConfigProblem } from "../config/problems.js";
import type { ResolvedModels } from "./resolve.js";

/**
 * A warning when the chain cannot survive its primary failing: no fallback at all, or only local
 * models (one machine or network down, nothing answers). It names the hosted models that have a key,
 * aliased ones first, as candidates for `fallbacks`. Nothing under `privacy: "local-only"`.
 */
export function chainAdvice(resolved: ResolvedModels): ConfigProblem[] {
  const { chain, catalog } = resolved;
  const primary = chain[0]?.model;
  if (!primary || resolved.privacy === "local-only") return [];
  const fallbacks = chain.slice(1);
  const onlyLocal = chain.every((entry) => entry.model.local);
  if (fallbacks.length > 0 && !onlyLocal) return [];
  const inChain = new Set(chain.map((entry) => entry.model.ref));
  const keyed = [...catalog.providers.values()].filter((provider) => !provider.local && provider.apiKey !== undefined);
  const aliased = [...catalog.aliases]
    .filter(([ref]) => !inChain.has(ref))
    .map(([ref, alias]) => ({ model: catalog.models.get(ref), alias }))
    .filter(({ model }) => model !== undefined && !model.local && model.apiKey !== undefined)
    .map(({ model, alias }) => `${model?.ref} (${alias})`);
  const candidates =
    aliased.length > 0
      ? `hosted models with a key: ${aliased.join(", ")}`
      : keyed.length > 0
        ? `hosted providers with a key: ${keyed.map((provider) => `${provider.id} (${provider.apiKeySource === "config" ? "apiKey" : provider.apiKeySource.replace(/^env:/, "")})`).join(", ")} — \`hearth models list --all\` lists their models`
        : `no hosted provider has a key (${[...catalog.providers.values()].flatMap((provider) => (provider.apiKeyEnv ? [provider.apiKeyEnv] : [])).join(", ") || "none is configured"})`;
  const what =
    fallbacks.length === 0
      ? `no fallback: when ${primary.ref} fails, the turn fails`
      : `every model in the chain is local: when the local servers are down, nothing answers`;
  return [{ severity: "warning", path: ["agents", "defaults", "model"], message: `${what}. Candidates for agents.defaults.model.fallbacks: ${candidates}` }];
}
