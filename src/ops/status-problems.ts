import { keyAdvice, keyWhereOf } from "../models/key-advice.js";
import { shellQuote } from "../shared/shell-quote.js";
import type { ModelSpec } from "../ai/model-spec.js";
import type { LmStudioModel } from "../ai/lmstudio/listing.js";
import { hung, type ProviderProbe } from "./probe-provider.js";
import { modelListingUrl } from "../ai/model-listing.js";
import { looksLikeLmStudio } from "../models/looks-like-lmstudio.js";
import { providerPath } from "../models/provider-words.js";
import { loopbackOnlyAdvice } from "../models/loopback-only-advice.js";
import { formatBillions, judgeBuild, type BuildFacts } from "./build-judgement.js";
import { llamaContextFlags } from "../models/context-fit.js";
import { baseUrlFix, pathOfBaseUrl, webPageAdvice } from "../ai/endpoint-advice.js";
import { clipDetail } from "../ai/classify-failure.js";
import type { Failure } from "../ai/types.js";
import type { ServerKind } from "../ai/server-kind.js";

export interface StatusProblem {
  /** Stable name of the check (doctor's finding id). */
  id: string;
  severity: "info" | "warn" | "error";
  title: string;
  fix: string;
}

/** The brief's troubleshooting list, applied to what one probe saw of one model. */
export function modelProblems(model: ModelSpec, probe: ProviderProbe, native: LmStudioModel | undefined, close: readonly string[]): StatusProblem[] {
  const problems: StatusProblem[] = [];
  const failure = probe.failure;
  if (failure && !probe.reachable) {
    // This machine's own address refusing: the server most likely runs, on 127.0.0.1 only.
    const loopbackOnly = failure.detail === "ECONNREFUSED" ? loopbackOnlyAdvice(model.baseUrl) : undefined;
    problems.push({
      id: "unreachable", severity: "error",
      title: `${model.baseUrl} is unreachable: ${failure.message}${loopbackOnly ? `; ${loopbackOnly.why}` : ""}`,
      fix: loopbackOnly
        ? `${loopbackOnly.fix.replace(/^use (\S+) as baseUrl/, `set ${providerPath(model, "baseUrl")} to $1`)}; try: curl ${modelListingUrl(model.api, loopbackOnly.loopbackUrl)}`
        : model.local
        ? `start the server${looksLikeLmStudio(model) ? " (LM Studio: Developer → Start Server, or `lms server start`)" : ""} and check baseUrl; try: curl ${modelListingUrl(model.api, model.baseUrl)}`
        : "check your network and the provider's status page; turns fall back to the next model meanwhile",
    });
    return problems;
  }
  if (failure && hung(failure)) {
    problems.push({
      id: "server-hung", severity: "error",
      title: `${model.baseUrl} took the connection but sent no answer: ${failure.message.replace(/ \(the server may be loading the model or stuck\)$/, "")}`,
      fix: model.local
        ? looksLikeLmStudio(model)
          ? "the server is running but stuck or busy: look at its log (LM Studio: Developer → Logs); if it stays silent, restart it (LM Studio: Developer → Stop, then Start Server). Until then turns fail over to the next model"
          : "the server is running but stuck or busy: look at its log; if it stays silent, restart it. Until then turns fail over to the next model"
        : "the provider is slow or in trouble: check its status page; turns fail over to the next model meanwhile",
    });
    return problems;
  }
  // An answer that says the listing is not there (LM Studio's 200 "Unexpected endpoint"), or a 200 without a model list: the address or api is wrong.
  if (failure && (failure.kind === "no-endpoint" || (failure.status !== undefined && failure.status < 300))) {
    problems.push(listingNotServed(model, failure));
    return problems;
  }
  if (failure) {
    problems.push({
      id: "listing-failed", severity: "error",
      title: failure.kind === "auth" ? `the server refused the API key (${failure.status})` : `listing the models failed: ${failure.message}`,
      fix: failure.kind === "auth" ? keyAdvice(keyWhereOf(model)) : "see the server's log",
    });
    return problems;
  }
  // A single-model llama-server answers any id with the model it runs: a different id is no problem.
  if (probe.listed && !probe.listed.has(model.id) && !native && probe.servesAnyId === undefined) {
    const suggestion = close.length > 0 ? `; the server has ${close.map((id) => `"${id}"`).join(", ")}` : "";
    problems.push({
      id: "model-not-listed", severity: "error",
      title: `the server does not list "${model.id}"${suggestion}`,
      fix: model.local
        ? `${looksLikeLmStudio(model, probe.serverKind) ? "download or load it in LM Studio" : model.api === "ollama" || probe.serverKind === "ollama" ? `pull it (\`ollama pull ${model.id}\`)` : "load it on the server (the id must be one its model list shows)"}, or correct the id in ${providerPath(model, "models")}`
        : `correct the model id, or check that your account has access to it`,
    });
  }
  // The context to load with: contextWindow, never past what the model supports (LM Studio refuses more).
  const loadContext = native?.maxContext !== undefined ? Math.min(model.contextWindow, native.maxContext) : model.contextWindow;
  const load = `hearth models load ${shellQuote(model.ref)} --context ${loadContext}`;
  if (native && !native.loaded) {
    // With JIT loading on, LM Studio's OpenAI listing holds every downloaded model; with it off, only the loaded ones.
    const loadsOnRequest = probe.listed === undefined || probe.listed.has(model.id);
    problems.push(
      loadsOnRequest
        ? {
            id: "model-not-loaded", severity: "warn",
            title: "the model is not loaded: the first request waits while the server loads it (JIT)",
            fix: `load it now and keep it resident: ${load}`,
          }
        : {
            id: "model-not-loaded", severity: "error",
            title: "the model is not loaded, and the server does not load on request: its /v1/models does not list it (LM Studio's JIT loading is off), so every turn to it fails",
            fix: `load it: ${load} (or turn on LM Studio's Just-in-Time model loading: Developer → Server Settings)`,
          },
    );
  }
  if (native?.loadedContext !== undefined && native.loadedContext < model.contextWindow) {
    const reload = `hearth models unload ${shellQuote(model.ref)} && ${load}`;
    const beyond = loadContext < model.contextWindow ? `; ${loadContext} is the most the model supports, so contextWindow should come down to ${loadContext} too` : "";
    problems.push({
      id: "loaded-context-small", severity: "warn",
      title: `LM Studio loaded the model with ${native.loadedContext} tokens of context`,
      fix:
        loadContext > native.loadedContext
          ? `reload it with a larger context (${reload})${beyond}, or lower contextWindow to ${native.loadedContext}`
          : `it is loaded with the most the model supports: lower ${providerPath(model)} → ${model.id} contextWindow to ${native.loadedContext}`,
    });
  }
  if (native?.maxContext !== undefined && native.maxContext < model.contextWindow) {
    problems.push({
      id: "context-beyond-model", severity: "warn",
      title: `the model supports at most ${native.maxContext} tokens of context, less than contextWindow (${model.contextWindow})`,
      fix: `lower ${providerPath(model)} → ${model.id} contextWindow to ${native.maxContext}`,
    });
  }
  if (probe.lmStudio) {
    const idle = probe.lmStudio.filter((entry) => !entry.loaded).length;
    if (idle > 0 && native?.loaded) {
      problems.push({
        id: "idle-models", severity: "info",
        title: `the server also lists ${idle} model${idle === 1 ? "" : "s"} it has not loaded (JIT loading is on)`,
        fix: "a request for one of them waits for a load; keep the models you use loaded",
      });
    }
  }
  if (model.api === "openai-responses" && probe.responsesEndpoint === false) {
    problems.push({
      id: "no-responses-endpoint", severity: "error",
      title: "the server has no Responses API endpoint (POST /responses)",
      fix: pathOfBaseUrl(model.baseUrl).endsWith("/v1")
        ? `${looksLikeLmStudio(model, probe.serverKind) ? "upgrade LM Studio to 0.3.29 or later, or " : ""}set api: "${probe.serverKind === "ollama" ? "ollama" : "openai-completions"}" for ${providerPath(model)}`
        : `check ${providerPath(model, "baseUrl")}: its path ("${pathOfBaseUrl(model.baseUrl) || "/"}") is not the server's /v1, where the Responses endpoint would be; or set api: "${probe.serverKind === "ollama" ? "ollama" : "openai-completions"}" for ${providerPath(model)}`,
    });
  }
  return problems;
}

/**
 * The server answered the model listing with an error (LM Studio: 200 and "Unexpected endpoint or
 * method"), or without a list: what it said, and the baseUrl to write where its shape is wrong.
 */
function listingNotServed(model: ModelSpec, failure: Failure): StatusProblem {
  const url = modelListingUrl(model.api, model.baseUrl);
  const origin = new URL(url).origin;
  const path = new URL(url).pathname;
  const noList = /without a model list/.test(failure.message);
  const said = noList ? `without a model list (${failure.status}): ${clipDetail(failure.detail ?? "")}` : `with an error (${failure.status}): ${clipDetail(failure.detail ?? failure.message)}`;
  const fix = baseUrlFix(model.baseUrl, model.api);
  // A web page: the baseUrl's path first where its shape is wrong (a proxy's or framework's page for a path it lacks); "not a model server" only where nothing says the path is (webPageAdvice).
  if (failure.webPage) {
    const page = failure.detail ?? "an HTML page";
    const advice = webPageAdvice(model, page);
    const where = `${providerPath(model, "baseUrl")}`;
    return {
      id: "no-model-listing", severity: "error",
      title: advice.notModelServer ? `the server at ${origin} is not a model server: it answered GET ${path} ${failure.status ?? ""} with ${page}` : `the server at ${origin} answered GET ${path} ${failure.status ?? ""} with ${page}: ${advice.words}`,
      fix: advice.notModelServer
        ? `check ${where} (its host and port): another program holds that port — start the model server at ${origin}, or point the baseUrl at the model server; try: curl ${url}`
        : `${advice.fix.replace("the provider's baseUrl", where)}; try: curl ${url}`,
    };
  }
  return {
    id: "no-model-listing", severity: "error",
    title: `the server at ${origin} answered GET ${path} ${said}; ${fix ? `the baseUrl's path is probably wrong: ${fix.why}` : `the baseUrl or api does not match this server (api "${model.api}" lists models at ${path})`}`,
    fix: fix
      ? `set ${providerPath(model, "baseUrl")} to "${fix.suggested}"`
      : `check ${providerPath(model, "baseUrl")} (is ${model.baseUrl} the server you meant?) and ${providerPath(model, "api")}; try: curl ${url}`,
  };
}

/**
 * A llama-server with several slots (`total_slots`), each reporting `tokens` (`n_ctx`). They share one
 * KV cache of `tokens` when it runs with `--kv-unified` (its default without `-np`); with `-np N` each
 * has its own `-c / N`. Neither `/props` nor `/slots` says which (llama.cpp b1-80fb11a: only its startup
 * log, `kv_unified = 'true'|'false'`), so this is said as a possibility, and the fix is the log's word:
 * a restart only where it changes something.
 */
export function sharedCacheProblem(slots: number, tokens: number, said: { provider: string; kvCache: "shared" | undefined }): StatusProblem {
  const setting = `models.providers.${said.provider}.kvCache`;
  const restart = `restart llama-server with -np ${slots} -c ${slots * tokens} --no-kv-unified (each slot its own ${tokens}) and set ${setting}: "per-slot", or with -np 1 -c ${tokens} (one request at a time)`;
  if (said.kvCache === "shared") {
    return {
      id: "shared-cache", severity: "info",
      title: `the server runs ${slots} slots that share one cache of ${tokens} tokens (${setting}: "shared"): parallel sessions can run it out together, so hearth sends requests to it together only while their prompts and replies fit ${tokens} tokens, and the others wait`,
      fix: restart,
    };
  }
  return {
    id: "shared-cache", severity: "info",
    title: `the server runs ${slots} slots that may share one cache of ${tokens} tokens (llama.cpp --kv-unified, its default when started without -np; with -np ${slots} each slot has its own ${tokens}; /props does not say which): if they share, parallel sessions can run it out together, so hearth sends requests to it together only while their prompts and replies fit ${tokens} tokens, and the others wait`,
    fix: `the server's startup log says which: kv_unified = 'false' (started with -np ${slots}): each slot has its own ${tokens} tokens: set ${setting}: "per-slot" and hearth sends requests to it at once (this note goes); kv_unified = 'true': set ${setting}: "shared" to say so, or ${restart}`,
  };
}

/**
 * How to serve `contextWindow`: a restart with the flags of the server found there (`kind`; each
 * server's when it is not known), or a smaller contextWindow. llama.cpp gives no slot more than the
 * model was trained for (its listing's n_ctx_train), whatever -c says: past that only the smaller
 * window fixes it. Where the server does not say the model's maximum, the fix says it is the limit.
 */
function servedContextFix(model: ModelSpec, facts: { served: number; slots: number | undefined; trained: number | undefined; kind?: ServerKind | undefined }): string {
  const lower = `${providerPath(model)} → ${model.id} contextWindow`;
  // A slot never serves more than the trained context: a listing that says otherwise is not about this model's slots.
  if (facts.trained !== undefined && facts.trained >= facts.served && model.contextWindow > facts.trained) {
    const restart = facts.served < facts.trained ? `, or to ${facts.trained} (the most it was trained for) after restarting llama-server with ${llamaContextFlags(facts.trained, { window: facts.served, slots: facts.slots })}` : "";
    return `lower ${lower} to ${facts.served}${restart}: llama.cpp gives no request more than the ${facts.trained} tokens the model was trained for, whatever -c says`;
  }
  const flags = {
    llamacpp: `llama.cpp: ${llamaContextFlags(model.contextWindow, { window: facts.served, slots: facts.slots })}`,
    vllm: `vLLM: --max-model-len ${model.contextWindow}`,
    ollama: `Ollama: num_ctx ${model.contextWindow}`,
  };
  const known = facts.kind === "llamacpp" || facts.kind === "vllm" || facts.kind === "ollama" ? flags[facts.kind] : Object.values(flags).join("; ");
  // llama.cpp's listing says the trained context (checked above); the others' do not.
  const maximum = facts.trained === undefined ? `; ${model.contextWindow} must be within what the model supports (its model card's context length), or the server refuses it` : "";
  return `restart the server with a larger context (${known})${maximum}, or lower contextWindow to ${facts.served}`;
}

/**
 * What a non-LM-Studio local server reported: a smaller context than configured (LM Studio's own
 * wording is above), and a chat template that cannot render tools.
 */
export function servedProblems(
  model: ModelSpec,
  served: { servedContext: number | undefined; toolUse: boolean | null; lmStudio?: boolean; slots?: number | undefined; trained?: number | undefined; kind?: ServerKind | undefined },
): StatusProblem[] {
  const problems: StatusProblem[] = [];
  // A provider said to give each slot its own cache has nothing to say here (kvCache: "per-slot").
  if (served.servedContext !== undefined && served.slots !== undefined && served.slots > 1 && model.kvCache !== "per-slot") problems.push(sharedCacheProblem(served.slots, served.servedContext, { provider: model.provider, kvCache: model.kvCache }));
  if (served.servedContext !== undefined && served.servedContext < model.contextWindow && model.api === "ollama") {
    // hearth sets num_ctx itself: nothing to restart, the model's maximum is the limit.
    problems.push({
      id: "context-beyond-model", severity: "warn",
      title: `the model supports at most ${served.servedContext} tokens of context, less than contextWindow (${model.contextWindow}); hearth asks Ollama for ${served.servedContext}`,
      fix: `lower ${providerPath(model)} → ${model.id} contextWindow to ${served.servedContext}`,
    });
  } else if (served.servedContext !== undefined && served.servedContext < model.contextWindow) {
    problems.push({
      id: "served-context-small", severity: "warn",
      title: `the server runs the model with ${served.servedContext} tokens of context, less than contextWindow (${model.contextWindow}); turns are planned against ${served.servedContext}`,
      fix: servedContextFix(model, { served: served.servedContext, slots: served.slots, trained: served.trained, kind: served.kind }),
    });
  }
  if (served.toolUse === false && served.lmStudio) {
    problems.push({
      id: "no-tools", severity: "warn",
      title: "this model cannot use tools: LM Studio says it was not trained for tool use, so hearth sends none",
      fix: "use a model LM Studio lists as trained for tool use (`hearth models discover` says \"tools\" or \"no tools\" for each) for an agent with tools",
    });
  } else if (served.toolUse === false) {
    problems.push({
      id: "no-tools", severity: "warn",
      title: "this model cannot use tools: the server reports its chat template cannot render them, so hearth sends none",
      fix: "use a model whose chat template supports tools, or give the server one that does (llama.cpp: --chat-template-file with a tool-capable template, with --jinja if it is not on)",
    });
  }
  return problems;
}

/**
 * A local model's build, judged as every command judges it (build-judgement.ts): the server's facts
 * first (LM Studio's params and bits per weight, llama.cpp's parameter count and file, Ollama's
 * details), the id second.
 */
export function buildProblems(facts: BuildFacts): StatusProblem[] {
  const { size, small, heavy } = judgeBuild(facts);
  const problems: StatusProblem[] = [];
  if (heavy) {
    problems.push({
      id: "heavily-quantized", severity: "warn",
      title: `heavily quantized build (${facts.quantization ?? size.quantization ?? "by its name"})${facts.bitsPerWeight !== undefined ? `, ${facts.bitsPerWeight} bits per weight` : ""}: more prompt-injection risk and weaker tool use`,
      fix: "use the largest / least quantized build you can run (Q6, Q8 or full precision)",
    });
  }
  if (small) {
    problems.push({
      id: "small-model", severity: "warn",
      title: `small model (${facts.params ?? (size.totalB !== undefined ? formatBillions(size.totalB) : "a small variant by its name")}): small models truncate context and leak their safety rules`,
      fix: "prefer a full-size model; keep the agent's tools narrow",
    });
  }
  return problems;
}
