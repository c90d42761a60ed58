import type { HttpClient } from "../ai/http/http-client.js";
import { requestJson } from "../ai/http/get-json.js";
import { array, numberOf, record, stringOf } from "../ai/json-fields.js";
import type { Failure, Timeouts } from "../ai/types.js";
import type { ServerKind } from "./discover.js";
import { llamaContextFlags } from "../models/context-fit.js";
import { shellQuote } from "../shared/shell-quote.js";

/** Loading a large model takes minutes: the answer comes when it is loaded. */
const LOAD_TIMEOUTS: Timeouts = { connectMs: 3_000, firstByteMs: 30 * 60_000, idleMs: 30 * 60_000, totalMs: 31 * 60_000 };

export interface LoadRequest {
  /** The server's root (http://127.0.0.1:1234). */
  origin: string;
  model: string;
  contextLength?: number | undefined;
  /** Idle seconds before LM Studio unloads it again. */
  ttlSeconds?: number | undefined;
  headers: Record<string, string>;
}

export type LoadResult =
  | { ok: true; instanceId: string; loadSeconds: number; contextLength: number | undefined }
  | { ok: false; failure: Failure; fix: string };

/**
 * `POST /api/v1/models/load` (LM Studio 0.4+): `{ model, context_length?, ttl?, echo_load_config: true }`
 * → `{ type, instance_id, load_time_seconds, status: "loaded", load_config: { context_length, … } }`.
 */
export async function loadLmStudioModel(http: HttpClient, request: LoadRequest): Promise<LoadResult> {
  const body = { model: request.model, ...(request.contextLength !== undefined ? { context_length: request.contextLength } : {}), ...(request.ttlSeconds !== undefined ? { ttl: request.ttlSeconds } : {}), echo_load_config: true };
  const answer = await requestJson(http, `${request.origin}/api/v1/models/load`, { method: "POST", body, headers: request.headers, timeouts: LOAD_TIMEOUTS });
  if (!answer.ok) return { ok: false, failure: answer.failure, fix: loadFix(answer.failure, request.contextLength) };
  const root = record(answer.body);
  return {
    ok: true,
    instanceId: stringOf(root.instance_id) || request.model,
    loadSeconds: numberOf(root.load_time_seconds) ?? answer.ms / 1000,
    contextLength: numberOf(record(root.load_config).context_length) ?? request.contextLength,
  };
}

/**
 * What to do about a failed load, from what LM Studio said: a context past the model's maximum names
 * that maximum (when its words do); an unknown key; else the log, where memory is the usual cause.
 */
function loadFix(failure: Failure, asked?: number): string {
  if (failure.status === undefined) return "start LM Studio's server (Developer → Start Server, or `lms server start`) and check the provider's baseUrl";
  const words = failure.detail ?? failure.message;
  const maximum = contextMaximumIn(words);
  if (maximum !== undefined) return `the model supports at most ${maximum} tokens of context${asked !== undefined ? ` (${asked} asked)` : ""}: load it with --context ${maximum} or less, and lower the model's contextWindow in the config to match`;
  if (/context/i.test(words) && /exceed|greater than|larger than|too large|maximum|at most/i.test(words)) return "the context asked is more than the model supports: try a smaller --context (`hearth models discover` shows each model's maximum), and lower the model's contextWindow to match";
  if (failure.status === 404 || failure.kind === "no-endpoint") return "check the model key: `hearth models discover` lists what the server has (download it in LM Studio first); LM Studio older than 0.4 has no load endpoint";
  return "see LM Studio's log (Developer → Logs): a context too large for the memory is the usual cause; try a smaller --context";
}

/** The model's maximum context where LM Studio's words name it ("exceeds the model's maximum of 131072", "max context length is 131072"). */
export function contextMaximumIn(words: string): number | undefined {
  if (!/context/i.test(words)) return undefined;
  const match = /\bmax(?:imum)?\b[^\d.]{0,40}?(\d{3,})/i.exec(words) ?? /(\d{3,})[^\d.]{0,20}?\b(?:is the )?max(?:imum)?\b/i.exec(words);
  return match?.[1] === undefined ? undefined : Number(match[1]);
}

export type UnloadResult = { ok: true; instances: string[] } | { ok: false; failure: Failure | undefined; message: string; fix: string };

/** Every loaded instance of the model, through `POST /api/v1/models/unload { instance_id }`. */
export async function unloadLmStudioModel(http: HttpClient, request: Omit<LoadRequest, "contextLength" | "ttlSeconds">): Promise<UnloadResult> {
  const listing = await requestJson(http, `${request.origin}/api/v1/models`, { headers: request.headers });
  if (!listing.ok) return { ok: false, failure: listing.failure, message: `could not list the loaded models: ${listing.failure.message}`, fix: loadFix(listing.failure) };
  const entry = array(record(listing.body).models).map(record).find((model) => model.key === request.model);
  const instances = array(entry?.loaded_instances).map((instance) => stringOf(record(instance).id)).filter((id) => id !== "");
  if (instances.length === 0) return { ok: false, failure: undefined, message: `${request.model} is not loaded`, fix: "nothing to unload; `hearth models discover` shows what is loaded" };
  for (const instance of instances) {
    const answer = await requestJson(http, `${request.origin}/api/v1/models/unload`, { method: "POST", body: { instance_id: instance }, headers: request.headers });
    if (!answer.ok) return { ok: false, failure: answer.failure, message: `unloading ${instance} failed: ${answer.failure.message}`, fix: loadFix(answer.failure) };
  }
  return { ok: true, instances };
}

const SERVER_NAMES: Record<Exclude<ServerKind, "lmstudio">, string> = { llamacpp: "llama.cpp's llama-server", ollama: "Ollama", vllm: "vLLM", "openai-compatible": "an OpenAI-compatible server" };

/** What a llama-server told of the model it serves (discover's facts), for the restart that gives it a context. */
export interface LlamaServed {
  /** The GGUF file it serves (`/props` model_path). */
  modelPath?: string | undefined;
  /** The context the model was trained for (n_ctx_train): llama.cpp gives no request more, whatever -c says. */
  trained?: number | undefined;
  /** The context each request gets now (n_ctx per slot), and its slots (total_slots). */
  served?: number | undefined;
  slots?: number | undefined;
}

/**
 * The server at `origin` is not LM Studio: how that one loads a model, and the context to give it —
 * `context.tokens` where the model can have it (a llama-server gives no request more than the model was
 * trained for: past that, the trained context, and `context.setting` — the config's contextWindow it came
 * from, where it did — lowered to match, as `hearth doctor` says it).
 */
export function notLmStudio(kind: Exclude<ServerKind, "lmstudio">, origin: string, context: { tokens: number | undefined; setting?: string | undefined; llama?: LlamaServed | undefined }): { message: string; fix: string } {
  const n = context.tokens ?? "N";
  const how: Record<typeof kind, string> = {
    llamacpp: llamaRestart(context),
    ollama: `Ollama loads a model on its first request, with the context hearth asks for (num_ctx, from contextWindow); \`ollama ps\` shows what is loaded, \`ollama stop MODEL\` unloads it`,
    vllm: `vLLM serves the model it was started with: restart it with --max-model-len ${n}`,
    "openai-compatible": "load it with that server's own tools",
  };
  return { message: `${origin} is ${SERVER_NAMES[kind]}, not LM Studio: only LM Studio loads and unloads models on request`, fix: how[kind] };
}

/** A llama-server's restart with the context asked — never more than the model was trained for, which llama.cpp would not give. */
function llamaRestart(context: { tokens: number | undefined; setting?: string | undefined; llama?: LlamaServed | undefined }): string {
  const { tokens, setting, llama } = context;
  const file = llama?.modelPath === undefined ? "MODEL.gguf" : shellQuote(llama.modelPath);
  const shape = { window: llama?.served ?? tokens ?? 0, slots: llama?.slots };
  if (tokens === undefined) return `llama-server runs the one model it was started with: restart it with -m ${file} -c N (its context)`;
  const trained = llama?.trained;
  if (trained !== undefined && tokens > trained) {
    const lower = setting ? `, and lower ${setting} to ${trained}` : "";
    return `llama-server runs the one model it was started with, and gives no request more than the ${trained} tokens it was trained for, whatever -c says (${tokens} asked): restart it with -m ${file} ${llamaContextFlags(trained, shape)}${lower}`;
  }
  return `llama-server runs the one model it was started with: restart it with -m ${file} ${llamaContextFlags(tokens, shape)} (its context)`;
}
