import type { Api } from "./api.js";
import { array, record, stringOf } from "./json-fields.js";
import { basePath, joinUrl, withBasePath } from "./http/join-url.js";

/**
 * Where a server lists its models: `{baseUrl}/models` for OpenAI-style servers (Anthropic's under
 * /v1), Ollama's native `/api/tags` at the server root.
 */
export function modelListingUrl(api: Api | undefined, baseUrl: string): string {
  if (api === "ollama") return joinUrl(withBasePath(baseUrl, (path) => path.replace(/\/v1$/, "").replace(/\/api$/, "")), "/api/tags");
  if (api === "anthropic-messages" && !/\/v1$/.test(basePath(baseUrl))) return joinUrl(baseUrl, "/v1/models");
  return joinUrl(baseUrl, "/models");
}

/** The model ids of a listing: `data[].id` (OpenAI style), `models[].name`/`model` (Ollama's tags); undefined when it has neither. */
export function listedModelIds(body: unknown): Set<string> | undefined {
  const listing = record(body);
  if (Array.isArray(listing.data)) return new Set(listing.data.map((entry) => stringOf(record(entry).id)));
  if (Array.isArray(listing.models)) {
    // Ollama names carry a tag; `llama3.2` means `llama3.2:latest`.
    const names = array(listing.models).flatMap((entry) => [stringOf(record(entry).name), stringOf(record(entry).model)].filter((id) => id !== ""));
    return new Set(names.flatMap((name) => (name.endsWith(":latest") ? [name, name.slice(0, -":latest".length)] : [name])));
  }
  return undefined;
}

/**
 * The one model a llama.cpp `llama-server` started with `-m` serves: it lists that model (with its
 * `meta`) and answers every request with it, whatever `model` names. Undefined for any other listing,
 * a llama-server in router mode (`--models-dir`, whose entries carry a `status` and route by id) included.
 */
export function singleModelServed(body: unknown): string | undefined {
  const entries = array(record(body).data).map(record);
  const only = entries.length === 1 ? entries[0] : undefined;
  if (!only || only.owned_by !== "llamacpp" || typeof only.meta !== "object" || only.meta === null || "status" in only) return undefined;
  return stringOf(only.id) || undefined;
}

/**
 * The context a llama-server's model was trained for (`meta.n_ctx_train` of its `/v1/models` entry):
 * llama.cpp gives no slot more, whatever `-c` says. Undefined for other servers.
 */
export function trainedContextListed(body: unknown, id: string): number | undefined {
  const entries = array(record(body).data).map(record);
  const entry = entries.find((candidate) => candidate.id === id || array(candidate.aliases).includes(id)) ?? (singleModelServed(body) !== undefined ? entries[0] : undefined);
  const trained = record(entry?.meta).n_ctx_train;
  return typeof trained === "number" && trained > 0 ? Math.floor(trained) : undefined;
}
