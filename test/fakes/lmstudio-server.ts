// A fake LM Studio server (0.3.x / 0.4.x): the OpenAI-compatible `/v1/*` endpoints plus LM Studio's own
// REST API model listings, with JIT loading and LM Studio's error wording.
//
// Sources the shapes are based on:
// - GET /v1/models: OpenAI list shape; with JIT loading on (the default since 0.3.x) LM Studio lists
//   every downloaded model, loaded or not, with it off only the loaded ones (lmstudio-ai/docs
//   1_developer/3_openai-compat/models.md, 0_app/4_api/ttl-and-auto-evict.md, app/api/headless).
// - Unknown paths and methods: 200 with `{"error":"Unexpected endpoint or method. (…)"}` (see error-bodies.ts).
// - GET /api/v0/models: lmstudio-ai/docs 0_app/4_api/2_rest/v0.md (id, object, type, publisher, arch,
//   compatibility_type, quantization, state "loaded" | "not-loaded", max_context_length);
//   `capabilities: ["tool_use"]` since 0.3.16 (api-changelog); `loaded_context_length` on loaded models
//   is not in the docs but is what LM Studio returns and what clients read (several client repos:
//   "LM Studio: loaded_context_length").
// - GET /api/v1/models (0.4.0+): lmstudio-ai/docs 1_developer/2_rest/list.md — `{models: [...]}` with
//   type, publisher, key, display_name, architecture, quantization {name, bits_per_weight}, size_bytes,
//   params_string, loaded_instances [{id, config: {context_length, eval_batch_size, parallel,
//   flash_attention, offload_kv_cache_to_gpu}}], max_context_length, format, capabilities
//   {vision, trained_for_tool_use}, description.
// - Errors: see error-bodies.ts (Invalid model identifier, No models loaded, Unexpected endpoint).
// - JIT loading: a request for a downloaded but unloaded model loads it first (the answer waits for the
//   load); JIT loads use the model's default context length (4096 unless configured), which is why
//   context-overflow errors are so common with LM Studio.
import type { FakeServer, Handler, RecordedRequest, Reply } from "./fake-server.js";
import { startFakeServer } from "./fake-server.js";
import { lmstudioInvalidModel, lmstudioNoModelsLoaded, lmstudioUnexpectedEndpoint } from "./error-bodies.js";

export interface LmStudioModel {
  id: string;
  loaded: boolean;
  loadedContextLength?: number;
  maxContextLength: number;
  /** e.g. "Q4_K_M" (gguf) or "4bit" (mlx); default "Q4_K_M" */
  quantization?: string;
  /** e.g. "llama", "gpt-oss", "minimax_m2"; default "llama" */
  arch?: string;
  /** `params_string` of /api/v1/models, e.g. "7B" or "230B-A10B"; default: the "<n>b" in the id, else null */
  params?: string;
  /** `quantization.bits_per_weight`; default: the first number in the quantization name */
  bitsPerWeight?: number;
  /** `capabilities.vision`; default false */
  vision?: boolean;
  /** `capabilities.trained_for_tool_use` (v1), `capabilities: ["tool_use"]` (v0); default true */
  toolUse?: boolean;
  /** `type`; default "llm" */
  type?: "llm" | "embedding";
}

export interface LmStudioOptions {
  models: LmStudioModel[];
  responses?: Handler;
  completions?: Handler;
  /** which native REST API exists; default "v1" with v0 too */
  nativeApi?: "v1" | "v0" | "none";
  /** JIT loading of unloaded models named in a request (default { loadMs: 0 }); false: no JIT */
  jit?: { loadMs: number } | false;
  /** status of the "Unexpected endpoint or method" answer: 200, as the real LM Studio answers ("Returning 200 anyway", lmstudio-bug-tracker#618, #1323, #2085), unless a test asks for 404 */
  unexpectedEndpointStatus?: 200 | 404;
  /** How long POST /api/v1/models/load takes before it answers (default 0). */
  loadMs?: number;
}

/**
 * Starts a fake LM Studio. The options object is read on every request, so a test may change it while
 * the server runs (load or unload a model, swap the responses handler). Model state changes made by
 * JIT loading are written back into `options.models`.
 */
export function startLmStudio(options: LmStudioOptions): Promise<FakeServer> {
  return startFakeServer(lmStudioHandler(options));
}

/** The request handler behind startLmStudio, for composing with other handlers. */
export function lmStudioHandler(options: LmStudioOptions): Handler {
  return (request) => {
    const path = request.path.split("?")[0] ?? "/";
    const native = options.nativeApi ?? "v1";
    const route = `${request.method} ${path}`;
    const unexpected = (): Reply => lmstudioUnexpectedEndpoint(request.method, request.path, options.unexpectedEndpointStatus ?? 200);
    switch (route) {
      case "GET /v1/models": {
        // With JIT loading on every downloaded model is listed; with it off only the loaded ones (lmstudio-ai/docs, headless: "When JIT loading is OFF").
        const listed = options.jit === false ? options.models.filter((m) => m.loaded) : options.models;
        return { kind: "json", body: { object: "list", data: listed.map((m) => ({ id: m.id, object: "model", owned_by: "organization_owner" })) } };
      }
      case "GET /api/v0/models":
        return native === "none" ? unexpected() : { kind: "json", body: { object: "list", data: options.models.map(v0Entry) } };
      case "GET /api/v1/models":
        return native === "v1" ? { kind: "json", body: { models: options.models.map(v1Entry) } } : unexpected();
      case "POST /api/v1/models/load":
        return native === "v1" ? loadModel(options, request.body) : unexpected();
      case "POST /api/v1/models/unload":
        return native === "v1" ? unloadModel(options, request.body) : unexpected();
      case "POST /v1/responses":
        return options.responses ? infer(options, options.responses, request) : unexpected();
      case "POST /v1/chat/completions":
        return options.completions ? infer(options, options.completions, request) : unexpected();
      default:
        return unexpected();
    }
  };
}

/**
 * `POST /api/v1/models/load` (lmstudio-ai/docs 1_developer/2_rest/load.md): body `{ model, context_length?,
 * eval_batch_size?, flash_attention?, num_experts?, offload_kv_cache_to_gpu?, echo_load_config? }`; answers
 * `{ type, instance_id, load_time_seconds, status: "loaded", load_config? }` once the model is loaded.
 * An unknown model: LM Studio's 404-style error body.
 */
function loadModel(options: LmStudioOptions, body: unknown): Reply {
  const request = (typeof body === "object" && body !== null ? body : {}) as Record<string, unknown>;
  const model = options.models.find((entry) => entry.id === request.model);
  if (!model) return { kind: "json", status: 404, body: { error: { message: `Model "${String(request.model)}" not found. Download it first.`, type: "model_not_found", code: "model_not_found" } } };
  const requested = typeof request.context_length === "number" ? request.context_length : undefined;
  if (requested !== undefined && requested > model.maxContextLength) {
    return { kind: "json", status: 400, body: { error: { message: `context_length ${requested} exceeds the model's maximum of ${model.maxContextLength}`, type: "invalid_request", code: "invalid_request" } } };
  }
  model.loaded = true;
  model.loadedContextLength = requested ?? Math.min(4096, model.maxContextLength);
  const loadMs = options.loadMs ?? 0;
  const answer: Record<string, unknown> = { type: model.type ?? "llm", instance_id: model.id, load_time_seconds: loadMs / 1000, status: "loaded" };
  if (request.echo_load_config === true) answer.load_config = { context_length: model.loadedContextLength, eval_batch_size: 512, flash_attention: true, offload_kv_cache_to_gpu: true };
  return { kind: "json", body: answer, delayMs: loadMs };
}

/** `POST /api/v1/models/unload` (lmstudio-ai/docs 1_developer/2_rest/unload.md): `{ instance_id }` → `{ instance_id }`. */
function unloadModel(options: LmStudioOptions, body: unknown): Reply {
  const instance = (typeof body === "object" && body !== null ? (body as Record<string, unknown>).instance_id : undefined) as unknown;
  const model = options.models.find((entry) => entry.loaded && entry.id === instance);
  if (!model) return { kind: "json", status: 404, body: { error: { message: `No loaded model instance with identifier "${String(instance)}"`, type: "not_found", code: "not_found" } } };
  model.loaded = false;
  delete model.loadedContextLength;
  return { kind: "json", body: { instance_id: model.id } };
}

async function infer(options: LmStudioOptions, handler: Handler, request: RecordedRequest): Promise<Reply> {
  const body = request.body;
  const requested = typeof body === "object" && body !== null && "model" in body && typeof body.model === "string" ? body.model : undefined;
  const jit = options.jit ?? { loadMs: 0 };
  const loaded = options.models.filter((m) => m.loaded);
  if (requested === undefined) return loaded.length > 0 ? handler(request) : lmstudioNoModelsLoaded;
  const model = options.models.find((m) => m.id === requested);
  if (!jit) {
    if (loaded.length === 0) return lmstudioNoModelsLoaded;
    if (!model?.loaded) return lmstudioInvalidModel(requested, loaded.map((m) => m.id));
    return handler(request);
  }
  if (!model) return lmstudioInvalidModel(requested, options.models.map((m) => m.id));
  if (model.loaded) return handler(request);
  model.loaded = true;
  model.loadedContextLength ??= Math.min(4096, model.maxContextLength);
  return delayed(await handler(request), jit.loadMs);
}

/** The same reply, with the load time added before its headers. */
function delayed(reply: Reply, ms: number): Reply {
  if (ms <= 0) return reply;
  if (reply.kind === "json") return { ...reply, delayMs: (reply.delayMs ?? 0) + ms };
  if (reply.kind === "sse") return { ...reply, headersDelayMs: (reply.headersDelayMs ?? 0) + ms };
  return reply;
}

function v0Entry(model: LmStudioModel): Record<string, unknown> {
  return {
    id: model.id,
    object: "model",
    type: "llm",
    publisher: publisher(model.id),
    arch: model.arch ?? "llama",
    compatibility_type: format(model),
    quantization: model.quantization ?? "Q4_K_M",
    state: model.loaded ? "loaded" : "not-loaded",
    max_context_length: model.maxContextLength,
    ...(model.loaded ? { loaded_context_length: loadedContext(model) } : {}),
    capabilities: model.toolUse === false ? [] : ["tool_use"],
  };
}

function v1Entry(model: LmStudioModel): Record<string, unknown> {
  const quantization = model.quantization ?? "Q4_K_M";
  const bits = model.bitsPerWeight ?? (/(\d+)/.exec(quantization)?.[1] === undefined ? null : Number(/(\d+)/.exec(quantization)?.[1]));
  return {
    type: model.type ?? "llm",
    publisher: publisher(model.id),
    key: model.id,
    display_name: displayName(model.id),
    architecture: model.arch ?? "llama",
    quantization: { name: quantization, bits_per_weight: bits },
    size_bytes: 4_683_073_952,
    params_string: model.params ?? /(\d+(?:\.\d+)?)b\b/i.exec(model.id)?.[1]?.concat("B") ?? null,
    loaded_instances: model.loaded
      ? [{ id: model.id, config: { context_length: loadedContext(model), eval_batch_size: 512, parallel: 4, flash_attention: true, offload_kv_cache_to_gpu: true } }]
      : [],
    max_context_length: model.maxContextLength,
    format: format(model),
    capabilities: { vision: model.vision ?? false, trained_for_tool_use: model.toolUse ?? true },
    description: null,
  };
}

const loadedContext = (model: LmStudioModel): number => model.loadedContextLength ?? Math.min(4096, model.maxContextLength);
const format = (model: LmStudioModel): "gguf" | "mlx" => (/bit$/i.test(model.quantization ?? "") ? "mlx" : "gguf");
const publisher = (id: string): string => (id.includes("/") ? (id.split("/")[0] ?? "lmstudio-community") : "lmstudio-community");

function displayName(id: string): string {
  const name = id.split("/").pop() ?? id;
  return name
    .split("-")
    .map((word) => (word.length > 0 ? word[0]?.toUpperCase() + word.slice(1) : word))
    .join(" ");
}
