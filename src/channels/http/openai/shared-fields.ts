import type { CallOptions, ImageContent, ImageDetail, ResponseFormat, TextContent, ToolDefinition } from "../../../ai/types.js";
import { badRequest, describe, isObject, optionalBoolean, optionalNumber, optionalString, type Json } from "./request-problem.js";
import { isBlank } from "../../../shared/blank-text.js";

/**
 * `reasoning_effort` / `reasoning.effort` → hearth's levels: OpenAI's own, "none" being "off". Each API
 * gets the level in its own form (ai/reasoning-efforts.ts, claude-thinking.ts, providers/ollama/think.ts).
 */
export function reasoningLevel(value: unknown, where: string): CallOptions["reasoning"] {
  if (value === undefined || value === null) return undefined;
  if (value === "none") return "off";
  if (value === "minimal" || value === "low" || value === "medium" || value === "high" || value === "xhigh" || value === "max") return value;
  throw badRequest(where, `expected one of "none", "minimal", "low", "medium", "high", "xhigh", "max", got ${describe(value)}`);
}

/** An image part's `detail` (low, high, auto; the Responses API's `original` too), or undefined where the request left it out. */
export function imageDetail(value: unknown, where: string, allowed: readonly ImageDetail[]): ImageDetail | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === "string" && (allowed as readonly string[]).includes(value)) return value as ImageDetail;
  throw badRequest(where, `expected one of ${allowed.map((detail) => `"${detail}"`).join(", ")}, got ${describe(value)}`);
}

/** A `data:` URL → an image part (with the `detail` the request gave). hearth sends images inline, so remote URLs are refused rather than fetched. */
export function imageFromUrl(url: unknown, where: string, detail?: ImageDetail): ImageContent {
  if (typeof url !== "string") throw badRequest(where, `expected an image URL string, got ${describe(url)}`);
  const match = /^data:([a-z]+\/[a-z0-9.+-]+);base64,(.*)$/is.exec(url);
  if (!match?.[1] || match[2] === undefined) throw badRequest(where, "hearth takes images as data: URLs (data:image/png;base64,…); it does not fetch remote images");
  // Base64 as written (standard or URL-safe alphabet, padded or not, line breaks allowed): anything else would reach the model server as a broken image.
  const data = match[2].replace(/\s+/g, "");
  if (data === "" || !/^[A-Za-z0-9+/_-]+={0,2}$/.test(data) || data.length % 4 === 1) throw badRequest(where, "the image's data: URL does not hold base64 data (data:image/png;base64,<base64 of the file>)");
  const image: ImageContent = { type: "image", mediaType: match[1].toLowerCase(), data: match[2] };
  return detail === undefined ? image : { ...image, detail };
}

/** What agent mode sends of the client's last message: its text parts, one a line, and its images (base64, as WhatsApp's go to an agent). */
export interface AgentMessage {
  text: string;
  images: { mediaType: string; data: string }[];
  /** The image details the message asked (but "auto"): an agent sends its images at the server's default, so the reply says they were not sent on. */
  details: ImageDetail[];
}

/**
 * The last user message as an agent takes it. Images are taken (data: URLs, as proxy mode takes them):
 * the agent's model reads them, or, reading text only, is told an image came (as on WhatsApp). A
 * message with no text and no image is refused, as `hearth agent` refuses one: nothing is saved and
 * no model is called.
 */
export function agentMessage(parts: string | readonly (TextContent | ImageContent)[], where: string): AgentMessage {
  const text = typeof parts === "string" ? parts : parts.flatMap((part) => (part.type === "text" ? [part.text] : [])).join("\n");
  const images = typeof parts === "string" ? [] : parts.flatMap((part) => (part.type === "image" ? [{ mediaType: part.mediaType, data: part.data }] : []));
  if (isBlank(text) && images.length === 0) throw badRequest(where, "the message is empty: an agent answers the new message, which needs some text (or an image); hearth keeps the history itself");
  const details = typeof parts === "string" ? [] : parts.flatMap((part) => (part.type === "image" && part.detail !== undefined && part.detail !== "auto" ? [part.detail] : []));
  return { text, images, details };
}

/** What a reply says of image details a request asked that were not sent on (`where`: to whom, and why), or undefined for none. */
export function detailsNotSent(details: readonly ImageDetail[], where: string): string | undefined {
  if (details.length === 0) return undefined;
  const named = [...new Set(details)].map((detail) => `"${detail}"`).join(", ");
  return `not sent on: image detail ${named}${details.length > 1 ? ` (${details.length} images)` : ""} — ${where}`;
}

/** A function tool's definition; `parameters` defaults to an empty object schema; `strict: true` is kept (false asks for nothing). */
export function toolDefinition(tool: { name?: unknown; description?: unknown; parameters?: unknown; strict?: unknown }, where: string): ToolDefinition {
  const { name, description, parameters } = tool;
  if (typeof name !== "string" || name === "") throw badRequest(`${where}.name`, `expected the function's name, got ${describe(name)}`);
  if (parameters !== undefined && parameters !== null && !isObject(parameters)) throw badRequest(`${where}.parameters`, `expected a JSON Schema object, got ${describe(parameters)}`);
  const strict = optionalBoolean(tool.strict, `${where}.strict`);
  return { name, description: typeof description === "string" ? description : "", parameters: isObject(parameters) ? parameters : { type: "object", properties: {} }, ...(strict ? { strict } : {}) };
}

/** The reply limit, temperature and reasoning level a request may set. */
export function callOptions(body: Json, fields: { limitKeys: readonly string[]; reasoning: CallOptions["reasoning"] }): CallOptions {
  const { limitKeys, reasoning } = fields;
  let maxTokens: number | undefined;
  let given: string | undefined;
  for (const key of limitKeys) {
    const value = optionalNumber(body[key], key);
    // -1 is LM Studio's and llama.cpp's "no limit": the model's own maxTokens (see noLimitAsked). 0 stays a 400: llama.cpp reads it as no room for any token.
    if (value === undefined || value === NO_LIMIT) continue;
    if (!Number.isInteger(value) || value < 1) throw badRequest(key, `expected a whole number of tokens of at least 1, got ${value}`);
    // Two names for one limit (max_tokens, max_completion_tokens) that disagree: which one the client meant is not for hearth to guess.
    if (maxTokens !== undefined && value !== maxTokens) throw badRequest(key, `${given} is ${maxTokens} and ${key} is ${value}: give one reply limit (max_completion_tokens is the current name)`);
    maxTokens = value;
    given = key;
  }
  const temperature = optionalNumber(body.temperature, "temperature");
  if (temperature !== undefined && (temperature < 0 || temperature > 2)) throw badRequest("temperature", `expected a number from 0 to 2, got ${temperature}`);
  return { maxTokens, temperature, reasoning };
}

/** A reply limit of -1: "until the model stops", as LM Studio's clients send it (llama-server reads n_predict -1 so too). */
const NO_LIMIT = -1;

/**
 * The field that asked for no reply limit (-1) where the request set no other: the model's own
 * maxTokens is sent, and the reply says so. Undefined where none did.
 */
export function noLimitAsked(body: Json, options: CallOptions, limitKeys: readonly string[]): string | undefined {
  if (options.maxTokens !== undefined) return undefined;
  return limitKeys.find((key) => body[key] === NO_LIMIT);
}

/** The name the request gave its reply limit (the last of `limitKeys` it set, as callOptions reads them): what a notice quotes. */
export function limitField(body: Json, limitKeys: readonly [string, ...string[]]): string {
  return [...limitKeys].reverse().find((key) => body[key] !== undefined && body[key] !== null) ?? limitKeys[0];
}

/** `tool_choice: "none"` keeps the tools out of the call; other choices leave the choice to the model. */
export function toolsAllowed(body: Json): boolean {
  return body.tool_choice !== "none";
}

/**
 * Chat Completions' `response_format` → the reply's required shape: `text` (or absent) asks for none;
 * `json_object` for any JSON object; `json_schema` for one that matches `json_schema.schema` (its
 * `name`, `strict` and `description` go with it). Carried to each API in its own form (ai/response-format.ts).
 */
export function chatResponseFormat(value: unknown): ResponseFormat | undefined {
  const where = "response_format";
  const type = formatType(value, where);
  if (type !== "json_schema") return type === undefined ? undefined : { asked: where, type };
  const schema = (value as Json).json_schema;
  if (!isObject(schema)) throw badRequest(`${where}.json_schema`, `a json_schema format needs its json_schema: { name, schema, strict }, got ${describe(schema)}`);
  return schemaFormat(schema, { asked: where, where: `${where}.json_schema` });
}

/** The Responses API's `text.format`: as `response_format`, the schema's `name`, `schema`, `strict` beside its type. */
export function responsesTextFormat(value: unknown): ResponseFormat | undefined {
  const where = "text.format";
  const type = formatType(value, where);
  if (type !== "json_schema") return type === undefined ? undefined : { asked: where, type };
  return schemaFormat(value as Json, { asked: where, where });
}

function formatType(value: unknown, where: string): "json_object" | "json_schema" | undefined {
  if (value === undefined || value === null) return undefined;
  const type = isObject(value) ? value.type : undefined;
  if (type === "text") return undefined;
  if (type === "json_object" || type === "json_schema") return type;
  throw badRequest(`${where}.type`, `expected "text", "json_object" or "json_schema", got ${describe(type)}`);
}

function schemaFormat(format: Json, at: { asked: string; where: string }): ResponseFormat {
  const { asked, where } = at;
  if (typeof format.name !== "string" || !/^[A-Za-z0-9_-]{1,64}$/.test(format.name)) throw badRequest(`${where}.name`, `expected the format's name (letters, digits, _ and -, up to 64), got ${describe(format.name)}`);
  if (!isObject(format.schema)) throw badRequest(`${where}.schema`, `expected the JSON Schema the reply must match, got ${describe(format.schema)}`);
  const strict = optionalBoolean(format.strict, `${where}.strict`);
  const description = optionalString(format.description, `${where}.description`);
  return { asked, type: "json_schema", name: format.name, schema: format.schema, ...(strict ? { strict } : {}), ...(description !== undefined ? { description } : {}) };
}
