import type { AdapterRegistry } from "../ai/adapter-registry.js";
import type { HttpClient } from "../ai/http/http-client.js";
import type { ModelSpec } from "../ai/model-spec.js";
import type { Timeouts } from "../ai/types.js";
import { askForAnswer } from "../models/ask-for-answer.js";
import { timeFirstToken } from "./first-token-check.js";
import type { Cooldowns } from "../models/cooldowns.js";
import { missingKey } from "../models/missing-key.js";
import type { ResolvedModels } from "../models/resolve.js";
import { ServedWindows } from "../models/served-windows.js";
import { suggest } from "../shared/did-you-mean.js";
import { hung, probeProvider, type ProviderProbe } from "./probe-provider.js";
import { providerName, providerPath, refName } from "../models/provider-words.js";
import { variablePlace } from "../models/key-advice.js";
import { buildProblems, modelProblems, servedProblems, type StatusProblem } from "./status-problems.js";
import { reportedSize } from "./security/server-facts.js";
import { trainedContextListed } from "../ai/model-listing.js";
import { noRoomProblem, type AgentPrompt } from "./agent-prompt.js";
import { gatewayAsServer } from "./gateway-as-server.js";
import { cooldownFix, skippedUntil } from "./cooldown-advice.js";
import { reasoningAdvice } from "./reasoning-advice.js";
import { serverKindProblem } from "./status-problems-other-server.js";

/** How a probed server answered, in words: how fast, or that it took the connection and said nothing. */
export function reachability(entry: Pick<ChainStatus, "reachable" | "latencyMs" | "answered">): string {
  if (!entry.reachable) return "unreachable";
  if (entry.answered === false) return `takes connections, no answer within ${((entry.latencyMs ?? 0) / 1000).toFixed(0)} s`;
  return `reachable in ${entry.latencyMs} ms`;
}

export interface ChainStatus {
  ref: string;
  /** The ref as messages name it where its provider's key is written with a variable (refName: `"${P}/m" (acme/m)`); absent otherwise. */
  named?: string;
  role: string;
  alias: string | null;
  api: string;
  baseUrl: string;
  local: boolean;
  keyPresent: boolean;
  keySource: string;
  contextWindow: number;
  reachable?: boolean;
  latencyMs?: number;
  /** false when the server took the connection and said nothing within the probe's limit (stuck, or busy). */
  answered?: boolean;
  listed?: boolean | null;
  /** A single-model llama-server lists another id and answers this one with that model: the model it runs. */
  servedAs?: string;
  loaded?: boolean | null;
  loadedContext?: number | null;
  /** The context the server runs the model with, as it reports it (llama.cpp n_ctx, vLLM max_model_len, Ollama, LM Studio's loaded context). */
  servedContext?: number | null;
  /** Requests the server runs at once (llama.cpp total_slots); more than one may share servedContext (--kv-unified). */
  slots?: number | null;
  /** Whether those slots share one cache, as the provider's kvCache says; absent: not said (they may). */
  kvCache?: "shared" | "per-slot";
  /** false where the server reports that the model's chat template cannot render tools (then hearth sends none). */
  toolUse?: boolean | null;
  quantization?: string | null;
  firstTokenMs?: number | null;
  /** Until when the next turns skip this model after a failure (ISO time). */
  coolingUntil?: string;
  /** "skipped-policy" where the agent's privacy policy keeps this model out of the chain. */
  policy?: "skipped-policy";
  problems: StatusProblem[];
}

export interface StatusReport {
  chain: ChainStatus[];
}

export interface StatusOptions {
  probe: boolean;
  /** Send one tiny real request per model and time its first token. */
  firstToken: boolean;
  http: HttpClient;
  registry: AdapterRegistry;
  /** The main agent's fixed part: a served window that cannot hold it is an error (no message fits). */
  prompt?: AgentPrompt | undefined;
  /** Recent failures, to say which models the next turn will skip. */
  cooldowns?: Cooldowns | undefined;
}

/** The test request that may bring back a model that stalled: at most 10 s, less where the provider's timeoutSeconds is shorter. */
function stallCheckTimeouts(model: ModelSpec): Timeouts {
  const wait = Math.min(10_000, (model.timeoutSeconds ?? 10) * 1000);
  return { connectMs: 3_000, firstByteMs: wait, idleMs: wait, totalMs: wait + 5_000 };
}

/** The resolved chain; with `probe`, what each provider says about reachability, listing, load state and context. */
export async function modelsStatus(resolved: ResolvedModels, options: StatusOptions): Promise<StatusReport> {
  const entries = [...resolved.chain.map((entry) => ({ model: entry.model, role: entry.role as string }))];
  for (const ref of resolved.catalog.aliases.keys()) {
    const model = resolved.catalog.models.get(ref);
    if (model && !entries.some((entry) => entry.model.ref === ref)) entries.push({ model, role: "alias-only" });
  }
  const probes = new Map<string, Promise<ProviderProbe>>();
  const windows = new ServedWindows(options.http, undefined);
  const probeOf = (model: ModelSpec): Promise<ProviderProbe> => {
    let probe = probes.get(model.provider);
    if (!probe) {
      const provider = resolved.catalog.providers.get(model.provider);
      if (!provider) throw new Error(`no provider ${model.provider}`);
      const uses = (api: string): boolean => provider.local && provider.models.some((candidate) => candidate.api === api);
      probe = probeProvider(options.http, provider, { responses: uses("openai-responses"), messages: uses("anthropic-messages") });
      probes.set(model.provider, probe);
    }
    return probe;
  };

  const chain = await Promise.all(
    entries.map(async ({ model, role }): Promise<ChainStatus> => {
      const provider = resolved.catalog.providers.get(model.provider);
      let stillStalled = false;
      const status: ChainStatus = {
        ref: model.ref,
        ...(model.providerWritten !== undefined ? { named: refName(model) } : {}),
        role,
        alias: resolved.catalog.aliasOf(model.ref) ?? null,
        api: model.api,
        baseUrl: model.baseUrl,
        local: model.local,
        keyPresent: model.apiKey !== undefined,
        keySource: provider?.apiKeySource ?? "none",
        contextWindow: model.contextWindow,
        problems: [],
      };
      if (resolved.privacy === "local-only" && !model.local) {
        status.policy = "skipped-policy";
        status.problems.push({ id: "hosted-skipped-by-policy", severity: "info", title: "never used: privacy is local-only and this model is hosted", fix: "set agents.defaults.privacy to \"any\" to allow hosted models" });
        return status;
      }
      // A model whose provider needs a key it lacks (hosted: a built-in provider is, wherever it points) is never called.
      const keyless = missingKey(model) !== undefined;
      if (keyless) {
        const variable = provider?.apiKeyEnv;
        status.problems.push({
          id: "hosted-no-key",
          // One severity for the one fact, here and in doctor: a keyless primary fails every turn; a keyless fallback only leaves the chain shorter.
          severity: role === "primary" ? "error" : "warn",
          title: `no API key for ${providerName(model)}`,
          fix: variable ? `set ${variablePlace(variable)}, or give ${providerPath(model, "apiKey")}` : `give ${providerPath(model, "apiKey")}`,
        });
      }
      // A provider without the key it needs would only answer 401: nothing to learn from asking, and nothing is sent to it.
      if (options.probe && !keyless) {
        const probe = await probeOf(model);
        status.reachable = probe.reachable;
        status.latencyMs = probe.latencyMs;
        status.answered = !(probe.failure && hung(probe.failure));
        const native = probe.lmStudio?.find((entry) => entry.id === model.id);
        status.listed = probe.listed ? probe.listed.has(model.id) || native?.loaded === true || probe.servesAnyId !== undefined : null;
        if (probe.servesAnyId !== undefined && probe.servesAnyId !== model.id) status.servedAs = probe.servesAnyId;
        status.loaded = native ? native.loaded : null;
        status.loadedContext = native?.loadedContext ?? null;
        status.quantization = native?.quantization ?? null;
        // LM Studio's native listing already said; other local servers are asked what they run the model with.
        if (model.local && probe.reachable && !probe.lmStudio) await windows.refresh(model);
        const served = native?.loadedContext ?? (probe.lmStudio ? undefined : windows.reportedWindow(model));
        status.servedContext = served ?? null;
        status.slots = native ? null : (windows.reportedSlots(model) ?? null);
        if (model.kvCache !== undefined) status.kvCache = model.kvCache;
        status.toolUse = native?.toolUse ?? windows.toolsUsable(model) ?? null;
        // A hearth gateway at the provider's address: said as what it is, with what to do (the words discover uses).
        if (probe.hearthGateway) status.problems.push({ id: "hearth-gateway", severity: "warn", ...gatewayAsServer(model.baseUrl, { ...probe.hearthGateway, where: providerPath(model, "baseUrl") }) });
        // The server found there, where it is not the one the config expects (Ollama on LM Studio's port): said first, its words follow it.
        const otherServer = serverKindProblem(model, probe);
        if (otherServer) status.problems.push(otherServer);
        status.problems.push(...modelProblems(model, probe, native, suggest(model.id, probe.listed ?? [])));
        status.problems.push(...servedProblems(model, { servedContext: native ? undefined : served, toolUse: status.toolUse, lmStudio: native !== undefined, slots: status.slots ?? undefined, trained: trainedContextListed(probe.listingBody, model.id), kind: probe.serverKind }));
        // The build, judged as discover and security audit judge it: what the server says of it first (asked of local servers only).
        if (model.local && probe.reachable && !probe.failure && status.listed !== false) {
          const reported = native ? { params: native.params, quantization: native.quantization, bitsPerWeight: native.bitsPerWeight } : await reportedSize(options.http, model);
          status.problems.push(...buildProblems({ id: model.id, ...reported }));
        }
        if (model.local && probe.reachable && !probe.failure && status.listed !== false) {
          const reasoning = await reasoningAdvice(options.http, model, { lmStudio: probe.lmStudio !== undefined });
          if (reasoning) status.problems.push(reasoning);
        }
        const noRoom = options.prompt && served !== undefined ? noRoomProblem(model, { window: served, toolsOff: status.toolUse === false || model.compat?.supportsTools === false, ratio: windows.tokenRatio(model), slots: status.slots ?? undefined, maximum: native?.maxContext ?? windows.maximum(model), kind: native ? "lmstudio" : (probe.serverKind ?? windows.serverKind(model)) }, options.prompt) : undefined;
        if (noRoom) status.problems.push(noRoom);
        // The server answered: a cooldown for being absent ends; one for a stalled request ends only with an answer,
        // so a local model that stalled before is asked for one (a tiny request, at most 10 s): it answers, it is back.
        if (probe.reachable && !probe.failure) {
          options.cooldowns?.clearProvider(model.provider);
          if (model.local && status.listed !== false && options.cooldowns?.until(model.ref) !== undefined) {
            const answer = await askForAnswer(options.registry, model, { timeouts: stallCheckTimeouts(model) });
            if (answer.ms !== null) {
              options.cooldowns.succeed(model.ref);
              status.firstTokenMs = answer.ms;
            } else stillStalled = true;
          }
        }
      }
      const cooling = options.cooldowns?.current(model.ref);
      if (cooling !== undefined) {
        status.coolingUntil = new Date(cooling.until).toISOString();
        status.problems.push({
          id: "cooling",
          severity: "info",
          title: `failed recently (${cooling.kind}): skipped ${skippedUntil(cooling)}`,
          fix: cooldownFix(cooling, { key: { source: provider?.apiKeySource ?? "none", env: provider?.apiKeyEnv, path: providerPath(model, "apiKey") }, keyHash: options.cooldowns?.keyHashOf(model), local: model.local, stillStalled }),
        });
      }
      if (status.reachable === undefined) return status;
      const probe = await probeOf(model);
      if (options.firstToken && probe.reachable && status.listed !== false && status.firstTokenMs === undefined) {
        // A server that reported what it serves the model with (llama.cpp, vLLM: not LM Studio, not Ollama) runs that one model from its start.
        const servesFixedModel = status.loaded === null && status.servedContext !== null && model.api !== "ollama";
        const measured = await timeFirstToken(options, model, { loaded: status.loaded ?? undefined, servesFixedModel });
        status.firstTokenMs = measured.ms;
        if (measured.failure) status.problems.push({ id: "first-token-failed", severity: "error", title: `a test request failed: ${measured.failure.message}`, fix: "see the server's log; turns fail over to the next model meanwhile" });
        if (measured.judgement) status.problems.push(measured.judgement);
      }
      return status;
    }),
  );
  return { chain };
}

/** How the slots hold the served context, in words: shared, each its own (the provider's kvCache), or may share (not said). */
export function slotsSharing(entry: Pick<ChainStatus, "slots" | "kvCache">): string | undefined {
  if (!entry.slots || entry.slots < 2) return undefined;
  return entry.kvCache === "per-slot" ? `${entry.slots} slots, each its own` : entry.kvCache === "shared" ? `${entry.slots} slots, which share it` : `${entry.slots} slots, which may share it`;
}
