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
