import type { Failure } from "./types.js";
import { array, numberOf, record, stringOf } from "./json-fields.js";
import type { ServerKind } from "./server-kind.js";

/**
 * What a local model server says about the model it serves: the context window it really runs with,
 * and whether its chat template can render tools. One reader per server and endpoint; each returns
 * undefined for a field the answer does not carry.
 */
export interface ServedFacts {
  /** Tokens of context the server runs the model with (per slot), when it says. */
  window: number | undefined;
  /** False when the server reports that the model's chat template cannot render tools. */
  tools: boolean | undefined;
  /**
   * Requests the server runs at once (llama.cpp `total_slots`), when it says. llama.cpp does not say
   * whether its slots share one KV cache (`--kv-unified`, its default when `-np` is not given): with
   * more than one slot, the `window` may be one cache that all of them fill together.
   */
  slots?: number | undefined;
  /**
   * The most context the model can have, whatever the server is started or loaded with, where the
   * server says: llama.cpp's `meta.n_ctx_train`, Ollama's `model_info["<arch>.context_length"]`. A
   * suggested context is never more.
   */
  maximum?: number | undefined;
  /** The server that said it, where its answer is its own (llama.cpp's /props or listing meta, vLLM's max_model_len): the advice names only it. */
  kind?: ServerKind | undefined;
}

const positive = (value: unknown): number | undefined => {
  const number = numberOf(value);
  return number !== undefined && number > 0 ? Math.floor(number) : undefined;
};

/**
 * llama.cpp `GET /props`: `default_generation_settings.n_ctx` (older builds: `n_ctx` at the top) is the
 * context of one slot; `chat_template_caps.supports_tools` (or `supports_tool_calls`) says whether the
 * template renders tools — without it llama-server drops `tools` from requests without an error.
 */
export function factsFromLlamaCppProps(body: unknown): ServedFacts {
  const root = record(body);
  const window = positive(record(root.default_generation_settings).n_ctx) ?? positive(root.n_ctx);
  const caps = record(root.chat_template_caps);
  const flag = caps.supports_tools ?? caps.supports_tool_calls;
  return { window, tools: typeof flag === "boolean" ? flag : undefined, slots: positive(root.total_slots), ...(window !== undefined ? { kind: "llamacpp" as const } : {}) };
}

/** What llama.cpp's `GET /slots` says of its slots: how many, how many are processing a request, and where they are in it. */
export interface SlotsSeen {
  slots: number;
  processing: number;
  /** Each processing slot's task and its counts of prompt tokens read and tokens written: it changes while the server works. */
  progress: string;
}

/**
 * llama.cpp `GET /slots` (answered by the server's main loop between two steps of its work, so an answer
 * also says the loop runs): one entry per slot, `{id, n_ctx, is_processing}`, and for a slot at work
 * `id_task`, `n_prompt_tokens_processed` and `next_token[0].n_decoded`. Undefined for anything else (a
 * server started with `--no-slots` answers 501; other servers have no such endpoint).
 */
export function slotsFromLlamaCpp(body: unknown): SlotsSeen | undefined {
  if (!Array.isArray(body) || body.length === 0) return undefined;
  const slots = body.map(record);
  if (slots.some((slot) => typeof slot.is_processing !== "boolean")) return undefined;
  const working = slots.filter((slot) => slot.is_processing === true);
  const progress = working.map((slot) => `${String(slot.id_task)}:${String(slot.n_prompt_tokens_processed)}:${String(record(array(slot.next_token)[0]).n_decoded)}`).join(",");
  return { slots: slots.length, processing: working.length, progress };
}

/**
 * The OpenAI-style `GET /v1/models` listing of the model `id`: llama.cpp puts `meta.n_ctx` (the slot's
 * context) and `meta.n_ctx_train` (the model's trained maximum: no slot gets more), vLLM `max_model_len`.
 */
export function factsFromModelsListing(body: unknown, id: string): ServedFacts {
  const entries = array(record(body).data).map(record);
  const entry = entries.find((candidate) => candidate.id === id || array(candidate.aliases).includes(id)) ?? (entries.length === 1 ? entries[0] : undefined);
  if (!entry) return { window: undefined, tools: undefined };
  const meta = record(entry.meta);
  const llama = positive(meta.n_ctx);
  const vllm = positive(entry.max_model_len);
  const kind = llama !== undefined ? "llamacpp" : vllm !== undefined ? "vllm" : undefined;
  return { window: llama ?? vllm, tools: undefined, maximum: positive(meta.n_ctx_train), ...(kind ? { kind } : {}) };
}

/** Ollama `GET /api/ps`: the loaded models, each with the `context_length` it was loaded with. */
export function factsFromOllamaPs(body: unknown, id: string): ServedFacts {
  return { window: positive(ollamaPsEntry(array(record(body).models).map(record), id)?.context_length), tools: undefined };
}

/**
 * Whether Ollama has the model `id` in memory, from its `GET /api/ps` (`{ models: [{ name, model, … }] }`,
 * ollama/ollama docs/api.md "List Running Models"): an id without a tag is its `:latest`. Undefined when
 * the body is no such answer (another server's, an error).
 */
export function loadedInOllamaPs(body: unknown, id: string): boolean | undefined {
  const models = record(body).models;
  return Array.isArray(models) ? ollamaPsEntry(models.map(record), id) !== undefined : undefined;
}

function ollamaPsEntry(models: readonly Record<string, unknown>[], id: string): Record<string, unknown> | undefined {
  return models.find((candidate) => stringOf(candidate.name) === id || stringOf(candidate.model) === id || stringOf(candidate.name) === `${id}:latest`);
}

/**
 * Ollama `POST /api/show`: `capabilities` (["completion", "tools", …]) and the `num_ctx` the model's
 * parameters set (what Ollama loads it with, where it is set).
 */
export function factsFromOllamaShow(body: unknown): ServedFacts {
  const root = record(body);
  const capabilities = array(root.capabilities);
  const numCtx = /(?:^|\n)\s*num_ctx\s+(\d+)/.exec(stringOf(root.parameters))?.[1];
  return { window: numCtx ? Number(numCtx) : undefined, tools: capabilities.length > 0 ? capabilities.includes("tools") : undefined, maximum: ollamaMaximum(root) };
}

/** The context a model shown by Ollama (`POST /api/show`) was trained for: `model_info["<arch>.context_length"]`. */
export function ollamaMaximum(shown: Record<string, unknown>): number | undefined {
  const info = record(shown.model_info);
  return positive(Object.entries(info).find(([name]) => name.endsWith(".context_length"))?.[1]);
}

/**
 * Ollama `POST /api/show`, for hearth speaking Ollama's native API: hearth sets `num_ctx` itself, so
 * neither `/api/ps` (what was loaded before) nor the Modelfile's `num_ctx` says the window; the
 * model's trained maximum (`model_info["<arch>.context_length"]`) is the ceiling it can be given.
 */
export function factsFromOllamaShowMaximum(body: unknown): ServedFacts {
  const root = record(body);
  const capabilities = array(root.capabilities);
  const maximum = ollamaMaximum(root);
  return { window: maximum, tools: capabilities.length > 0 ? capabilities.includes("tools") : undefined, maximum };
}

/**
 * The window a context-overflow message names, one pattern per server. The first group is the window.
 */
const OVERFLOW_WINDOW: readonly RegExp[] = [
  /exceeds the available context size \((\d+) tokens\)/i, // llama.cpp server: "request (1060 tokens) exceeds the available context size (1024 tokens)"
  /larger than the max context size \((\d+) tokens\)/i, // llama.cpp server, without context shift
  /n_ctx:?\s*(\d+)/i, // llama.cpp engine in LM Studio: "n_keep: 5228 >= n_ctx: 4096"
  /context length of only (\d+) tokens/i, // LM Studio
  /maximum context length is (\d+) tokens/i, // vLLM, OpenAI chat completions
  /longer than the model'?s context length \((\d+)(?: tokens)?\)/i, // Ollama OpenAI-compatible API
  /prompt is too long: \d+ tokens > (\d+) maximum/i, // Anthropic
];

/**
 * The size of the refused request an overflow message names, one pattern per server: the server's own
 * count, where hearth only estimates. The first group is the request's tokens.
 */
const OVERFLOW_REQUEST: readonly RegExp[] = [
  /request \((\d+) tokens\) exceeds the available context size/i, // llama.cpp server
  /your (?:messages|request|prompt) resulted in (\d+) tokens/i, // vLLM, OpenAI chat completions
  /prompt is too long: (\d+) tokens >/i, // Anthropic
];

/** The tokens the server counted for a request it refused as too long, or undefined when its message names none. */
export function requestTokensFromOverflow(failure: Pick<Failure, "kind" | "message" | "detail">): number | undefined {
  if (failure.kind !== "context-overflow") return undefined;
  const text = `${failure.detail ?? ""} ${failure.message}`;
  for (const pattern of OVERFLOW_REQUEST) {
    const value = Number(pattern.exec(text)?.[1]);
    if (Number.isFinite(value) && value > 0) return value;
  }
  return undefined;
}

/**
 * llama.cpp's words when a decode finds no room in a KV cache that its slots share (`--kv-unified`):
 * every request in flight fails with it at once (HTTP 500 before a stream; a `server_error` chunk
 * inside one), whichever of them filled the cache. A neighbour's doing, not the request's size: the
 * request alone fits (one too large alone is refused up front with "exceeds the available context
 * size").
 */
const SHARED_CACHE_FULL = /context size has been exceeded/i;

/** The failure is a shared KV cache running out under parallel requests (see SHARED_CACHE_FULL). */
export function isSharedCacheFull(failure: Pick<Failure, "message" | "detail">): boolean {
  return SHARED_CACHE_FULL.test(failure.detail ?? "") || SHARED_CACHE_FULL.test(failure.message);
}

/** The real context window an overflow failure names (its server's words first), or undefined. */
export function overflowLimit(failure: Pick<Failure, "kind" | "message" | "detail">): number | undefined {
  if (failure.kind !== "context-overflow") return undefined;
  return windowFromOverflow(failure.detail ?? "") ?? windowFromOverflow(failure.message);
}

/** The context window an overflow message states, or undefined when it names none. */
export function windowFromOverflow(text: string): number | undefined {
  for (const pattern of OVERFLOW_WINDOW) {
    const match = pattern.exec(text);
    if (match?.[1]) {
      const value = Number(match[1]);
      if (Number.isFinite(value) && value > 0) return value;
    }
  }
  return undefined;
}
