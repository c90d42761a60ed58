import type { Agent } from "../agent/agent.js";
import type { ModelRef, ModelSpec } from "../ai/model-spec.js";
import type { Cooldowns } from "../models/cooldowns.js";
import { missingKey } from "../models/missing-key.js";
import type { ModelCatalog } from "../models/model-catalog.js";
import { outcomeWords } from "../models/outcome-words.js";
import type { ProviderOutcome } from "../models/provider-outcomes-file.js";
import { lookKey, type ServerLook } from "../models/reachability.js";
import { localClock } from "../shared/local-time.js";
import type { FirstTokenRing } from "./first-token-ring.js";
import type { ProviderHealth } from "./port.js";

/** What a provider's health is judged from: the config serving, the cooldowns, the answers' latencies, and what the setup check found of local servers. */
export interface HealthSources {
  catalog: ModelCatalog;
  agents: ReadonlyMap<string, Agent>;
  cooldowns: Cooldowns;
  latencies: FirstTokenRing;
  /** By model ref: what the last setup check found of its local server (absent: not asked). */
  reachable: ReadonlyMap<string, ServerLook>;
  /** By provider: what the hearth commands beside the gateway found of it since it started (OutcomesElsewhere); absent: nothing. */
  elsewhere?: ReadonlyMap<string, ProviderOutcome> | undefined;
}

/** How many first-token latencies a provider's health carries (as the ring keeps). */
const SAMPLES_SHOWN = 60;

/**
 * The providers in use — the ones some agent's chain uses, then any other that answered since the
 * start (a session's `/model` choice, a proxied model; here or in a command beside the gateway) or has a model
 * cooling down after a failure, or failed in a command beside the gateway —
 * each with all the models the config serves of it: a provider is judged by every model's state, not
 * only its chain's (a model outside every chain can be the one that found its server gone).
 */
export function providersInUse(sources: HealthSources): Map<string, ModelSpec[]> {
  const { catalog, cooldowns, latencies } = sources;
  const chain = chainModels(sources.agents);
  const byProvider = new Map<string, ModelSpec[]>();
  for (const provider of [...chain.map((model) => model.provider), ...latencies.providers(), ...cooldowns.coolingProviders(), ...(sources.elsewhere?.keys() ?? [])]) {
    if (byProvider.has(provider)) continue;
    const models = [...catalog.models.values()].filter((model) => model.provider === provider);
    // A chain's model the catalog no longer has (a reload under way) is still judged.
    const judged = [...models, ...chain.filter((model) => model.provider === provider && !catalog.models.has(model.ref))];
    if (judged.length > 0) byProvider.set(provider, judged);
  }
  return byProvider;
}

/**
 * A provider's health from all its models: cooling when every one is (until the first ends, why),
 * down (no key, its server did not answer the setup check), up (answered lately, or its server
 * answers), or unknown; some of its models cooling (and not all) is said as the reason.
 */
export function providerHealth(provider: string, models: readonly ModelSpec[], sources: HealthSources): ProviderHealth {
  const { cooldowns, reachable } = sources;
  const local = models.some((model) => model.local);
  const { firstTokenMs, failedElsewhere } = answersOf(provider, sources);
  const cooling = models.flatMap((model) => {
    const until = cooldowns.until(model.ref);
    return until === undefined ? [] : [{ model, until }];
  });
  const first = cooling.reduce<(typeof cooling)[number] | undefined>((earliest, entry) => (earliest === undefined || entry.until < earliest.until ? entry : earliest), undefined);
  if (first !== undefined && cooling.length === models.length) {
    return { provider, local, state: "cooling", coolingUntil: new Date(first.until).toISOString(), firstTokenMs, reason: coolingWords(cooldowns, first.model.ref) };
  }
  // A refused key stays said after its cooldown (which only spaces the calls that try it again), until the key changes or an answer comes.
  const refused = models.map((model) => cooldowns.refusedKey(model.ref)).find((key) => key !== undefined);
  if (refused) {
    return { provider, local, state: "down", firstTokenMs, reason: `key refused${refused.at !== undefined ? ` at ${localClock(refused.at)}` : ""}: ${refused.why}` };
  }
  const noKey = models.map(missingKey).find((reason) => reason !== undefined);
  if (noKey && models.every((model) => missingKey(model) !== undefined)) return { provider, local, state: "down", firstTokenMs, reason: noKey };
  const asked = models.filter((model) => reachable.has(lookKey(model)));
  const some = cooling.length > 0 ? { reason: cooling.map(({ model }) => modelCoolingWords(cooldowns, model.ref)).join("; ") } : {};
  const answers = local && asked.some((model) => reachable.get(lookKey(model))?.state === "answers");
  // The setup check's facts, as the setup banner says them: a server it found not answering is down, whatever answered before.
  if (local && asked.length > 0 && !answers) {
    const looks = asked.map((model) => reachable.get(lookKey(model)));
    const failed = looks.find((look) => look?.state === "error");
    const reason = failed?.state === "error" ? `its server answered with an error: ${failed.message}` : looks.some((look) => look?.state === "hung") ? "its server took the connection but sent no answer: it is running but stuck or busy" : "its server did not answer";
    return { provider, local, state: "down", firstTokenMs, reason };
  }
  // A command beside the gateway found it failing lately (OutcomesElsewhere: for as long as the gateway's own cooldown of
  // that kind would last), and nothing answered since: said, with when. Down only where the server could not be reached
  // (and the gateway's own setup check does not find it answering); any other failure (a 500, a rate limit, one misnamed
  // model) is the reason on what the gateway would otherwise say.
  if (failedElsewhere) {
    const reason = [some.reason, `a hearth command beside the gateway found it ${outcomeWords(failedElsewhere.outcome)} at ${localClock(failedElsewhere.at)}`].filter((part) => part !== undefined).join("; ");
    const otherwise = firstTokenMs.length > 0 || answers ? "up" : "unknown";
    return { provider, local, state: failedElsewhere.outcome === "unreachable" && !answers ? "down" : otherwise, firstTokenMs, reason };
  }
  return { provider, local, state: firstTokenMs.length > 0 || answers ? "up" : "unknown", firstTokenMs, ...some };
}

/**
 * A provider's first-token latencies, oldest first: the gateway's own and those of the commands beside it, by when
 * each came (the newest SAMPLES_SHOWN); and the failure a command beside it found, where nothing answered after it.
 */
function answersOf(provider: string, sources: HealthSources): { firstTokenMs: readonly number[]; failedElsewhere: { at: number; outcome: string } | undefined } {
  const theirs = sources.elsewhere?.get(provider);
  if (!theirs) return { firstTokenMs: sources.latencies.of(provider), failedElsewhere: undefined };
  const samples = [...sources.latencies.timed(provider), ...theirs.answers.map(([at, ms]) => ({ at, ms }))].sort((a, b) => a.at - b.at).slice(-SAMPLES_SHOWN);
  const lastAnswer = samples.at(-1)?.at ?? Number.NEGATIVE_INFINITY;
  return { firstTokenMs: samples.map((sample) => sample.ms), failedElsewhere: theirs.failed && theirs.failed.at > lastAnswer ? theirs.failed : undefined };
}

/** Every model of every agent's chain, once. */
function chainModels(agents: ReadonlyMap<string, Agent>): ModelSpec[] {
  const seen = new Map<string, ModelSpec>();
  for (const agent of agents.values()) for (const model of agent.spec.chain) seen.set(model.ref, model);
  return [...seen.values()];
}

/** Why a provider's models cool down, for the page: a refused key in the words that say which key to fix (never the key), else the failure's kind. */
function coolingWords(cooldowns: HealthSources["cooldowns"], ref: ModelRef): string {
  return cooldowns.current(ref)?.keyRefused?.why ?? `cooling down after ${cooldowns.reason(ref) ?? "a failure"}`;
}

/** Why one of a provider's models cools down, named. */
function modelCoolingWords(cooldowns: HealthSources["cooldowns"], ref: ModelRef): string {
  const refused = cooldowns.current(ref)?.keyRefused?.why;
  return refused ? `${ref}: ${refused}` : `${ref} is cooling down after ${cooldowns.reason(ref) ?? "a failure"}`;
}
