import type { Agent } from "../agent/agent.js";
import type { ModelSpec } from "../ai/model-spec.js";
import type { Cooldowns } from "../models/cooldowns.js";
import { missingKey } from "../models/missing-key.js";
import type { ModelCatalog } from "../models/model-catalog.js";
import type { FirstTokenRing } from "./first-token-ring.js";
import type { ProviderHealth } from "./port.js";

/** What a provider's health is judged from: the config serving, the cooldowns, the answers' latencies, and what the setup check found of local servers. */
export interface HealthSources {
  catalog: ModelCatalog;
  agents: ReadonlyMap<string, Agent>;
  cooldowns: Cooldowns;
  latencies: FirstTokenRing;
  /** By model ref: whether its local server answered the last setup check (absent: not asked). */
  reachable: ReadonlyMap<string, boolean>;
}

/**
 * The providers in use, and the models health is judged on for each: the ones some agent's chain
 * uses (their chains' models), then any other that answered since the start (a session's `/model`
 * choice, a proxied model) or is cooling down after a failure (its models cooling down, else all it has).
 */
export function providersInUse(sources: HealthSources): Map<string, ModelSpec[]> {
  const byProvider = new Map<string, ModelSpec[]>();
  for (const model of chainModels(sources.agents)) byProvider.set(model.provider, [...(byProvider.get(model.provider) ?? []), model]);
  const { catalog, cooldowns, latencies } = sources;
  for (const provider of [...latencies.providers(), ...cooldowns.coolingProviders()]) {
    if (byProvider.has(provider)) continue;
    const models = [...catalog.models.values()].filter((model) => model.provider === provider);
    const cooling = models.filter((model) => cooldowns.until(model.ref) !== undefined);
    if (models.length > 0) byProvider.set(provider, cooling.length > 0 ? cooling : models);
  }
  return byProvider;
}

/** A provider's health from its models: cooling (until when, why), down (no key, no server), up (answered lately, or its server answers), or unknown. */
export function providerHealth(provider: string, models: readonly ModelSpec[], sources: HealthSources): ProviderHealth {
  const { cooldowns, latencies, reachable } = sources;
  const local = models.some((model) => model.local);
  const firstTokenMs = latencies.of(provider);
  const cooling = models.map((model) => ({ model, until: cooldowns.until(model.ref) })).filter((entry) => entry.until !== undefined);
  const noKey = models.map(missingKey).find((reason) => reason !== undefined);
  if (cooling.length === models.length && cooling[0]?.until !== undefined) {
    const until = Math.min(...cooling.map((entry) => entry.until ?? Infinity));
    return { provider, local, state: "cooling", coolingUntil: new Date(until).toISOString(), firstTokenMs, reason: `cooling down after ${cooldowns.reason(cooling[0].model.ref) ?? "a failure"}` };
  }
  if (noKey && models.every((model) => missingKey(model) !== undefined)) return { provider, local, state: "down", firstTokenMs, reason: noKey };
  if (local && models.every((model) => reachable.get(model.ref) === false) && firstTokenMs.length === 0) return { provider, local, state: "down", firstTokenMs, reason: "its server did not answer" };
  const answers = local && models.some((model) => reachable.get(model.ref) === true);
  return { provider, local, state: firstTokenMs.length > 0 || answers ? "up" : "unknown", firstTokenMs };
}

/** Every model of every agent's chain, once. */
function chainModels(agents: ReadonlyMap<string, Agent>): ModelSpec[] {
  const seen = new Map<string, ModelSpec>();
  for (const agent of agents.values()) for (const model of agent.spec.chain) seen.set(model.ref, model);
  return [...seen.values()];
}
