/** The prefixes of the OpenAI-compatible API and LM Studio's native one: docs/openai-api.md describes what is under them. */
const OPENAI_PREFIXES = ["/v1/", "/api/v0/", "/api/v1/"];

/** The docs page a client is sent to for a path it called: the OpenAI-compatible and LM Studio routes', or the gateway's own. */
export function docsPageOf(path: string): string {
  return OPENAI_PREFIXES.some((prefix) => path.startsWith(prefix)) ? "docs/openai-api.md" : "docs/gateway.md";
}

/** What hearth serves instead of an endpoint of OpenAI's or LM Studio's API it does not, in a 404's words; undefined: not such a path. */
export function unservedEndpoint(path: string): string | undefined {
  const bare = path.replace(/\/+$/, "");
  if (bare === "/api/v1/chat") return "LM Studio's native chat is not served: send the conversation in OpenAI's shape to POST /v1/chat/completions or POST /v1/responses (LM Studio takes those too)";
  if (bare === "/v1/completions" || bare === "/api/v0/completions") return "text completion (a bare prompt) is not served: send the prompt as a user message to POST /v1/chat/completions";
  if (bare === "/v1/embeddings" || bare === "/api/v0/embeddings") return "embeddings are not served (this gateway routes chat models): ask the embedding model's own server";
  if (bare.startsWith("/api/v1/models/download")) return "this gateway downloads no models: download it on its server (LM Studio: lms get) and add it to the config";
  if (!OPENAI_PREFIXES.some((prefix) => path.startsWith(prefix))) return undefined;
  return "this gateway serves GET /v1/models, POST /v1/chat/completions and POST /v1/responses, and of LM Studio's API GET /api/v1/models, POST /api/v1/models/load, POST /api/v1/models/unload, GET /api/v0/models and POST /api/v0/chat/completions";
}
