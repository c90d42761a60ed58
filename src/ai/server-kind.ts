import type { Api } from "./api.js";
import { record } from "./json-fields.js";

/** The kinds of local model server hearth tells apart, by the endpoints only each has. */
export type ServerKind = "lmstudio" | "llamacpp" | "ollama" | "vllm" | "openai-compatible";

/** Each kind as messages name it. */
export const SERVER_NAMES: Readonly<Record<ServerKind, string>> = { lmstudio: "LM Studio", llamacpp: "llama.cpp", ollama: "Ollama", vllm: "vLLM", "openai-compatible": "OpenAI-compatible server" };

/**
 * The APIs hearth can speak to each kind of server, the one `models discover` writes first
 * (docs/wire-protocols.md). Ollama's `/v1` takes chat completions but cannot be given a context length
 * (only its own API sets `num_ctx`), and it has `/v1/responses` only from 0.13.3; llama.cpp's
 * llama-server takes Responses requests too (server-chat.cpp converts them to chat completions); LM
 * Studio and llama.cpp have none of Ollama's own API. A provider whose api is not in its server's list
 * is not that server's provider.
 */
export const SERVER_APIS: Readonly<Record<ServerKind, readonly Api[]>> = {
  lmstudio: ["openai-responses", "openai-completions"],
  ollama: ["ollama", "openai-completions"],
  llamacpp: ["openai-completions", "openai-responses"],
  vllm: ["openai-completions", "openai-responses"],
  "openai-compatible": ["openai-completions", "openai-responses"],
};

/**
 * The APIs a kind of server serves only from some version on, with the version that added it: a
 * probe asks the server for the endpoint (hasPostEndpoint) rather than judge by its kind. llama.cpp's
 * llama-server has Anthropic's `POST /v1/messages` since its build of January 2026 (PR 17570); Ollama
 * has it from 0.14.0 and `/v1/responses` from 0.13.3; LM Studio and vLLM (0.11.1) serve `/v1/messages`
 * in their recent versions. Where the server has the endpoint, hearth speaks that api to it.
 */
export const SERVER_APIS_BY_VERSION: Readonly<Record<ServerKind, Partial<Record<Api, string>>>> = {
  lmstudio: { "anthropic-messages": "in its recent versions" },
  ollama: { "openai-responses": "from 0.13.3 on", "anthropic-messages": "from 0.14.0 on" },
  llamacpp: { "anthropic-messages": "from its builds of January 2026 on" },
  vllm: { "anthropic-messages": "from 0.11.1 on" },
  "openai-compatible": {},
};

/** What told the kind apart, for the messages that name it. */
export const KIND_EVIDENCE: Readonly<Record<"lmstudio" | "llamacpp" | "ollama", string>> = {
  lmstudio: "it answers LM Studio's own model listing, /api/v1/models or /api/v0/models",
  llamacpp: "its /props is llama.cpp's",
  ollama: "it answers Ollama's /api/tags",
};

/** llama.cpp's `GET /props`: its generation settings or its chat template (LM Studio answers any path with a 200 `{ error }`). */
export function isLlamaCppProps(body: unknown): boolean {
  const props = record(body);
  return "default_generation_settings" in props || "chat_template" in props;
}

/** Ollama's `GET /api/tags`: `{ models: [...] }` (LM Studio answers any path with a 200 `{ error }`). */
export function isOllamaTags(body: unknown): boolean {
  return Array.isArray(record(body).models);
}
