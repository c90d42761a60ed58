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

/**
 * The model ids of a listing: `data[].id` (OpenAI style, with a llama-server router entry's `aliases`),
 * `models[].name`/`model` (Ollama's tags); undefined when it has neither. A `"list"` whose `data` is null
 * is an empty list: Ollama with no model pulled answers `{"object":"list","data":null}`.
 */
export function listedModelIds(body: unknown): Set<string> | undefined {
  const listing = record(body);
  if (Array.isArray(listing.data) || (listing.object === "list" && listing.data === null)) {
    return new Set(array(listing.data).map(record).flatMap(entryIds));
  }
  if (Array.isArray(listing.models) || listing.models === null) {
    const names = array(listing.models).flatMap((entry) => [stringOf(record(entry).name), stringOf(record(entry).model)].filter((id) => id !== ""));
    return new Set(names.flatMap(withUntagged));
  }
  return undefined;
}

/** The ids a `data` entry answers to: its id (with Ollama's untagged name), and a llama-server router entry's aliases. */
function entryIds(entry: Record<string, unknown>): string[] {
  const id = stringOf(entry.id);
  const aliases = array(entry.aliases).filter((alias): alias is string => typeof alias === "string");
  return [...(isOllamaEntry(entry) ? withUntagged(id) : [id]), ...aliases];
}

/** Ollama names carry a tag, and Ollama takes a name without one as `:latest`: `llama3.2:latest` is also `llama3.2`. */
function withUntagged(name: string): string[] {
  return name.endsWith(":latest") ? [name, name.slice(0, -":latest".length)] : [name];
}

/**
 * An entry of Ollama's `/v1/models`: its `owned_by` is the namespace Ollama parses from the id
 * (`library` for `llama3.2:latest`, `user` for `user/model:latest`, `hf.co/user/repo:q4` → `user`).
 */
function isOllamaEntry(entry: Record<string, unknown>): boolean {
  const path = stringOf(entry.id).replace(/:[^:/]*$/, "").split("/");
  return entry.owned_by === (path.length >= 2 ? path[path.length - 2] : "library");
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
