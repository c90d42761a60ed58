import type { HttpClient } from "../ai/http/http-client.js";
import { requestJson } from "../ai/http/get-json.js";
import { joinUrl, withBasePath } from "../ai/http/join-url.js";
import { bearerHeaders } from "../ai/adapter.js";
import type { ModelSpec } from "../ai/model-spec.js";
import { loadedInOllamaPs, type SlotsSeen } from "../ai/server-window.js";
import type { Failure } from "../ai/types.js";
import { estimateTokens } from "../ai/usage.js";
import { ANSWER_CHECK_PROMPT, askForAnswer } from "../models/ask-for-answer.js";
import { PrefillStats } from "../models/prefill-stats.js";
import type { AdapterSource } from "../models/route-request.js";
import { SlotLook } from "../models/slot-look.js";
import type { StatusProblem } from "./status-problems.js";

const LOOK_TIMEOUTS = { connectMs: 1_000, firstByteMs: 2_000, idleMs: 2_000, totalMs: 3_000 };

/**
 * Room a loaded model has to start answering, beside reading the prompt: the request's way through the
 * server, the chat template, sampling the first token. A loaded model on a GPU starts a one-line prompt
 * in well under a second; on a CPU within a second or two.
 */
export const FIRST_TOKEN_ROOM_MS = 3_000;

/** Whether the model was in memory before the timed request: the server's word, or unknown. */
export type LoadedBefore = "loaded" | "not-loaded" | "unknown";

/** What the server was doing before the timed request, and the time to its first token. */
export interface FirstTokenSeen {
  ms: number;
  promptTokens: number;
  loaded: LoadedBefore;
  /** llama.cpp's `/slots` just before: how many of its slots were working on other requests. */
  slots?: SlotsSeen | undefined;
}

/**
 * The slowest first token a loaded model is expected to need for a prompt of `promptTokens` (not in its
 * cache): FIRST_TOKEN_ROOM_MS, and three times reading the prompt at the speed hearth assumes of a modest
 * local machine (PrefillStats.DEFAULT_LOCAL_TOKENS_PER_SECOND) — the first-token limit of a turn for a
 * loaded model is built the same way.
 */
export function slowFirstTokenMs(promptTokens: number): number {
  return Math.round(FIRST_TOKEN_ROOM_MS + (promptTokens / PrefillStats.DEFAULT_LOCAL_TOKENS_PER_SECOND) * 1000 * 3);
}

const seconds = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;

/**
 * Pure: a first token slow for its prompt, said with what is slow and what usually causes it (the brief:
 * a cold start is a common cause of "hanging"); undefined when it came in time. A model that was not
 * loaded took the load too: timed again, it says the model's own speed.
 */
export function firstTokenJudgement(seen: FirstTokenSeen): StatusProblem | undefined {
  const expected = slowFirstTokenMs(seen.promptTokens);
  if (seen.ms <= expected) return undefined;
  const prompt = `a one-line prompt (about ${seen.promptTokens} tokens)`;
  if (seen.loaded === "not-loaded") {
    return {
      id: "first-token-slow",
      severity: "info",
      title: `first token after ${seconds(seen.ms)} for ${prompt}: the model was not loaded, so this includes loading it`,
      fix: "time it again now that it is loaded (`hearth models status --first-token`); keep the model loaded so that turns do not wait for a load",
    };
  }
  const busy = seen.slots !== undefined && seen.slots.processing > 0 ? seen.slots : undefined;
  const limit = `a loaded model starts such a prompt within ${seconds(expected)} even reading ${PrefillStats.DEFAULT_LOCAL_TOKENS_PER_SECOND} tokens/s`;
  const state = seen.loaded === "loaded" ? "with the model loaded" : "(the server does not say whether the model was loaded: a load would explain it; time it again)";
  if (busy) {
    return {
      id: "first-token-slow",
      severity: "warn",
      title: `slow first token: ${seconds(seen.ms)} for ${prompt} ${state}; ${limit}`,
      fix: `the server was busy: ${busy.processing} of its ${busy.slots} slot${busy.slots === 1 ? "" : "s"} ${busy.processing === 1 ? "was" : "were"} working on another request when asked, so this one waited its turn — time it again when the server is idle; more slots (llama-server -np N, with -c N × the context) let requests run side by side`,
    };
  }
  return {
    id: "first-token-slow",
    severity: "warn",
    title: `slow first token: ${seconds(seen.ms)} for ${prompt} ${state}; ${limit}`,
    fix:
      "the usual causes: the prompt is processed on the CPU (the model not offloaded to the GPU: LM Studio's GPU offload setting, llama-server -ngl, Ollama's `ollama ps` shows the CPU/GPU split); " +
      "a model too large for the GPU's memory (layers spill to the CPU: a smaller quantization or model); another request holding the server's slot. " +
      "A turn's prompt (the system prompt and tools, thousands of tokens) takes longer still: turns fail over when the first-token limit (timeoutSeconds) runs out",
  };
}

/**
 * Times the first token of a one-line request to `model` (askForAnswer, up to 16 tokens) after asking its
 * server whether the model is loaded (LM Studio's word `loaded`, else Ollama's `/api/ps`; a server that
 * runs one model from its start — llama.cpp, vLLM: `servesFixedModel` — has it loaded) and what its slots
 * are doing (llama.cpp `/slots`). The judgement is firstTokenJudgement's.
 */
export async function timeFirstToken(
  io: { http: HttpClient; registry: AdapterSource },
  model: ModelSpec,
  known: { loaded: boolean | undefined; servesFixedModel: boolean },
): Promise<{ ms: number | null; failure: Failure | undefined; judgement: StatusProblem | undefined }> {
  const loaded: LoadedBefore = known.loaded !== undefined ? (known.loaded ? "loaded" : "not-loaded") : model.local ? await loadedOnServer(io.http, model, known.servesFixedModel) : "unknown";
  const slots = model.local ? await new SlotLook(io.http).slots(model, undefined) : undefined;
  const measured = await askForAnswer(io.registry, model, { maxTokens: 16 });
  const judgement = measured.ms !== null && model.local ? firstTokenJudgement({ ms: measured.ms, promptTokens: estimateTokens(ANSWER_CHECK_PROMPT), loaded, slots }) : undefined;
  return { ...measured, judgement };
}

/** Ollama's `/api/ps` says whether it has the model in memory; a server that runs one model from its start has it. */
async function loadedOnServer(http: HttpClient, model: ModelSpec, servesFixedModel: boolean): Promise<LoadedBefore> {
  const origin = withBasePath(model.baseUrl, (path) => path.replace(/\/v1$/, ""));
  const answer = await requestJson(http, joinUrl(origin, "/api/ps"), { headers: bearerHeaders(model), timeouts: LOOK_TIMEOUTS });
  const inMemory = answer.ok ? loadedInOllamaPs(answer.body, model.id) : undefined;
  if (inMemory !== undefined) return inMemory ? "loaded" : "not-loaded";
  return servesFixedModel ? "loaded" : "unknown";
}
