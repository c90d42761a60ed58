import type { ResponseFormat } from "./types.js";

/**
 * A reply's required shape (CallOptions.responseFormat) in each API's own form. Sources: OpenAI's Chat
 * Completions `response_format` (which LM Studio and llama.cpp's llama-server take as OpenAI writes it),
 * the Responses API's `text.format`, Ollama's /api/chat `format` ("json" or a JSON Schema), Anthropic's
 * Messages `output_config.format` (a schema only: a request for any JSON object never reaches it, see
 * carried-options.ts).
 */

/**
 * `json_object` to a local server, as a schema of any object: LM Studio takes `json_schema` only ("'response_format.type'
 * must be 'json_schema'"), and llama.cpp's llama-server reads `json_object` as the schema beside it (`response_format.schema`),
 * none constraining nothing — the story model answered `"Mom, Keep!" Saragine.` to it, `{ ` to this. A hosted API
 * (OpenAI's own) is sent `json_object` as it is.
 */
function asSent(format: ResponseFormat, local: boolean): ResponseFormat {
  return format.type === "json_object" && local ? { asked: format.asked, type: "json_schema", name: "json_object", schema: { type: "object" } } : format;
}

/** Chat Completions: `response_format`, as OpenAI writes it (`local`: the model's server is a local one, see asSent). */
export function chatResponseFormat(asked: ResponseFormat, local: boolean): Record<string, unknown> {
  const format = asSent(asked, local);
  if (format.type === "json_object") return { type: "json_object" };
  return { type: "json_schema", json_schema: { name: format.name, schema: format.schema, ...schemaExtras(format) } };
}

/** The Responses API: `text.format`, the schema's fields beside its type (`local`: see asSent). */
export function responsesTextFormat(asked: ResponseFormat, local: boolean): Record<string, unknown> {
  const format = asSent(asked, local);
  if (format.type === "json_object") return { type: "json_object" };
  return { type: "json_schema", name: format.name, schema: format.schema, ...schemaExtras(format) };
}

/** Ollama's /api/chat: `format`, the schema itself or "json" (Ollama constrains its output to either). */
export function ollamaFormat(format: ResponseFormat): unknown {
  return format.type === "json_object" ? "json" : format.schema;
}

/** Anthropic's Messages: `output_config.format` (the schema; no name: Claude's structured outputs are always strict). */
export function claudeOutputFormat(format: ResponseFormat & { type: "json_schema" }): Record<string, unknown> {
  return { type: "json_schema", schema: format.schema };
}

function schemaExtras(format: ResponseFormat & { type: "json_schema" }): Record<string, unknown> {
  return { ...(format.description !== undefined ? { description: format.description } : {}), ...(format.strict ? { strict: true } : {}) };
}
