import { demands } from "../../../ai/carried-options.js";
import type { CallOptions } from "../../../ai/types.js";
import { badRequest, describe, isObject, optionalBoolean, optionalNumber, RequestProblem, type Json } from "./request-problem.js";
import { ownValue } from "../../../shared/own-key.js";

/**
 * Every field of a request is decided: carried to the model (parsed by the request's parser), refused
 * when set to anything that would change the answer, or ignored because dropping it changes nothing
 * the client can see. A field of no list (a server's own extension such as `top_k`, a misspelling, a
 * field OpenAI adds later) is not sent on, and the reply says so (`ignoredNotice`): clients made for
 * LM Studio or llama.cpp send such extras, and a 400 would leave them without any answer. The table in
 * docs/openai-api.md says the same, field by field.
 */
export interface FieldRules {
  /** Fields the parser reads. */
  carried: readonly string[];
  /** Fields whose loss changes nothing the client sees (they steer storage, billing, caching or abuse tracking at OpenAI). */
  ignored: readonly string[];
  /** Fields refused unless they hold the value that asks for nothing (`false`, `"text"`…): why, for the error. */
  refused: Readonly<Record<string, { allows: (value: unknown) => boolean; why: string }>>;
}

const off = (value: unknown): boolean => value === undefined || value === null || value === false;
const unset = (value: unknown): boolean => value === undefined || value === null;

/** Fields both endpoints share the rule of. */
const COMMON_REFUSED: FieldRules["refused"] = {
  top_logprobs: { allows: (value) => unset(value) || value === 0, why: "token log probabilities are not passed back (hearth has none to give)" },
  background: { allows: off, why: "hearth answers in the request (stream it for a long answer); it runs no background responses" },
};

export const CHAT_FIELDS: FieldRules = {
  carried: ["model", "messages", "stream", "stream_options", "user", "n", "response_format", "tools", "tool_choice", "parallel_tool_calls", "max_tokens", "max_completion_tokens", "temperature", "top_p", "stop", "seed", "frequency_penalty", "presence_penalty", "reasoning_effort"],
  ignored: ["store", "metadata", "service_tier", "prompt_cache_key", "safety_identifier", "prediction"],
  refused: {
    ...COMMON_REFUSED,
    logprobs: { allows: off, why: "token log probabilities are not passed back (hearth has none to give)" },
    logit_bias: { allows: (value) => unset(value) || (isObject(value) && Object.keys(value).length === 0), why: "token biases are not passed on" },
    modalities: { allows: (value) => unset(value) || (Array.isArray(value) && value.every((kind) => kind === "text")), why: "the answer is text only" },
    audio: { allows: unset, why: "the answer is text only" },
    functions: { allows: unset, why: "the deprecated functions field is not passed on: send tools ({ type: \"function\", function }) instead" },
    function_call: { allows: unset, why: "the deprecated function_call field is not passed on: send tool_choice instead" },
    web_search_options: { allows: unset, why: "no web search runs in proxy mode" },
    verbosity: { allows: (value) => unset(value) || value === "medium", why: "verbosity is not passed on" },
  },
};

export const RESPONSES_FIELDS: FieldRules = {
  carried: ["model", "input", "instructions", "stream", "user", "tools", "tool_choice", "parallel_tool_calls", "max_output_tokens", "temperature", "top_p", "reasoning", "include", "text", "metadata", "previous_response_id"],
  ignored: ["store", "service_tier", "prompt_cache_key", "safety_identifier", "stream_options"],
  refused: {
    ...COMMON_REFUSED,
    conversation: { allows: unset, why: "hearth stores no conversations in proxy mode: send the whole conversation in input (or use an agent, \"hearth\", which keeps its own history)" },
    prompt: { allows: unset, why: "hearth holds no stored prompts: send the instructions and input themselves" },
    truncation: { allows: (value) => unset(value) || value === "disabled", why: "hearth never drops input items to fit; a request too long for every model is a 400" },
    max_tool_calls: { allows: unset, why: "hearth runs no built-in tools; the client runs its function tools and so decides how many" },
    // Fields of Chat Completions that would change the answer: the Responses API has none (as at OpenAI).
    ...Object.fromEntries(["stop", "seed", "frequency_penalty", "presence_penalty"].map((field) => [field, { allows: unset, why: "a Chat Completions field: the Responses API has none (send the request to /v1/chat/completions to set it)" }])),
  },
};

/**
 * Refuses a field the endpoint does not carry and that asks for something (see {@link FieldRules});
 * returns the fields it does not know, which are not sent on (the reply says so: `ignoredNotice`).
 */
export function checkFields(body: Json, rules: FieldRules): string[] {
  const unknown: string[] = [];
  for (const [field, value] of Object.entries(body)) {
    if (rules.carried.includes(field) || rules.ignored.includes(field)) continue;
    const refused = ownValue(rules.refused, field);
    if (refused === undefined) {
      unknown.push(field);
      continue;
    }
    if (refused.allows(value)) continue;
    throw new RequestProblem({ status: 400, message: `${field}: ${refused.why}; leave it out`, code: "unsupported_parameter", param: field });
  }
  return unknown;
}

/** What the reply says of fields the request had and hearth does not know (none: undefined). */
export function ignoredNotice(fields: readonly string[]): string | undefined {
  if (fields.length === 0) return undefined;
  const named = fields.slice(0, 8).join(", ") + (fields.length > 8 ? ` and ${fields.length - 8} more` : "");
  return `not sent on: ${named} — ${fields.length === 1 ? "a field" : "fields"} hearth does not know (docs/openai-api.md, Request fields, lists those it carries)`;
}

/**
 * The sampling fields both endpoints carry, and those of Chat Completions (stop, seed, the penalties)
 * where `chat`. A field set to the value that asks for nothing — `top_p: 1`, a penalty of 0 (OpenAI's
 * defaults, which many clients always send), `parallel_tool_calls: false` with no tools to call — is
 * taken as unset: it changes no answer, so no model is skipped for it and an agent does not refuse it.
 */
export function samplingOptions(body: Json, use: { chat: boolean; tools: number }): Pick<CallOptions, "topP" | "stop" | "seed" | "frequencyPenalty" | "presencePenalty" | "parallelToolCalls"> {
  const topP = unlessDefault(inRange(body, "top_p", 0, 1), 1);
  const parallel = optionalBoolean(body.parallel_tool_calls, "parallel_tool_calls");
  const common = { topP, parallelToolCalls: parallel === false && use.tools > 0 ? (false as const) : undefined };
  if (!use.chat) return common;
  const seed = optionalNumber(body.seed, "seed");
  if (seed !== undefined && !Number.isInteger(seed)) throw badRequest("seed", `expected a whole number, got ${seed}`);
  return {
    ...common,
    stop: stopSequences(body.stop),
    seed,
    frequencyPenalty: unlessDefault(inRange(body, "frequency_penalty", -2, 2), 0),
    presencePenalty: unlessDefault(inRange(body, "presence_penalty", -2, 2), 0),
  };
}

/** Undefined for the value that asks for nothing (the API's default). */
function unlessDefault(value: number | undefined, neutral: number): number | undefined {
  return value === neutral ? undefined : value;
}

function inRange(body: Json, field: string, low: number, high: number): number | undefined {
  const value = optionalNumber(body[field], field);
  if (value !== undefined && (value < low || value > high)) throw badRequest(field, `expected a number from ${low} to ${high}, got ${value}`);
  return value;
}

function stopSequences(value: unknown): string[] | undefined {
  if (value === undefined || value === null) return undefined;
  const list = typeof value === "string" ? [value] : value;
  if (!Array.isArray(list) || !list.every((item) => typeof item === "string" && item !== "")) throw badRequest("stop", `expected a string or an array of non-empty strings, got ${describe(value)}`);
  return list.length > 0 ? (list as string[]) : undefined;
}

/**
 * `tool_choice` as the endpoint writes it → hearth's: "auto" (or absent) leaves the choice to the
 * model; "none" keeps the tools out of the call (see toolsAllowed); "required" and a named function
 * are carried — a named one must be among the request's tools; `allowed_tools` is its mode ("auto" or
 * "required"), its list kept by allowedToolNames. An agent's request (`agent`) carries
 * none: an agent chooses among its own tools, and refuseClientSetup judges what the request sent.
 */
export function toolChoice(body: Json, request: { toolNames: readonly string[]; agent: boolean }): CallOptions["toolChoice"] {
  const { toolNames } = request;
  const value = body.tool_choice;
  if (request.agent || value === undefined || value === null || value === "auto" || value === "none") return undefined;
  if (value === "required") {
    if (toolNames.length === 0) throw badRequest("tool_choice", "\"required\" asks the model to call a tool, and the request has no tools");
    return { type: "required" };
  }
  const allowed = allowedTools(body);
  if (allowed !== undefined) return allowed.mode === "required" ? { type: "required" } : undefined;
  // Chat Completions names it in function.name, Responses beside type.
  const name = isObject(value) && value.type === "function" ? (isObject(value.function) ? value.function.name : value.name) : undefined;
  if (typeof name !== "string") throw badRequest("tool_choice", `expected "auto", "none", "required", a function to call ({ type: "function", … name }) or the tools it may call ({ type: "allowed_tools", … }), got ${describe(value)}`);
  if (!toolNames.includes(name)) throw badRequest("tool_choice", `names the function "${name}", which is not among the request's tools`);
  return { type: "tool", name };
}

/**
 * OpenAI's `allowed_tools` choice — Chat Completions `{ type, allowed_tools: { mode, tools } }`, Responses
 * `{ type, mode, tools }`: the model may call only the functions listed, as `mode` says ("auto": one or
 * none, "required": one). Carried as CallOptions.allowedTools with `mode` as the choice (allowed-tools.ts):
 * what the model may call is the same, on every API. Undefined: another choice.
 */
export function allowedTools(body: Json): { names: string[]; mode: "auto" | "required" } | undefined {
  const value = body.tool_choice;
  if (!isObject(value) || value.type !== "allowed_tools") return undefined;
  const spec = isObject(value.allowed_tools) ? value.allowed_tools : value;
  const where = spec === value ? "tool_choice" : "tool_choice.allowed_tools";
  const mode = spec.mode;
  if (mode !== "auto" && mode !== "required") throw badRequest(`${where}.mode`, `expected "auto" or "required", got ${describe(mode)}`);
  if (!Array.isArray(spec.tools) || spec.tools.length === 0) throw badRequest(`${where}.tools`, `expected a non-empty list of the functions the model may call, got ${describe(spec.tools)}`);
  const names = spec.tools.map((tool: unknown, index: number) => {
    const name = isObject(tool) && tool.type === "function" ? (isObject(tool.function) ? tool.function.name : tool.name) : undefined;
    if (typeof name !== "string") throw badRequest(`${where}.tools[${index}]`, `hearth passes function tools only: expected { type: "function", … name }, got ${describe(tool)}`);
    return name;
  });
  return { names, mode };
}

/**
 * The names of the request's tools that `allowed_tools` lets the model call (undefined under any other
 * choice: all of them); a function it names that the request has not is a 400 naming it. The tools all
 * stay in the call (CallOptions.allowedTools: OpenAI's own API is sent them all with the choice, any other
 * server the allowed ones alone). An agent's request has none: agent mode refuses tools and such a choice itself (refuseClientSetup).
 */
export function allowedToolNames(tools: readonly { name: string }[], request: { body: Json; agent: boolean }): string[] | undefined {
  const allowed = request.agent ? undefined : allowedTools(request.body);
  if (allowed === undefined) return undefined;
  const where = isObject((request.body.tool_choice as Json).allowed_tools) ? "tool_choice.allowed_tools" : "tool_choice";
  allowed.names.forEach((name, index) => {
    if (!tools.some((tool) => tool.name === name)) throw badRequest(`${where}.tools[${index}]`, `names the function "${name}", which is not among the request's tools`);
  });
  return allowed.names;
}

/** Agent mode answers with the agent's own sampling settings and tools: fields that would set them are refused, naming proxy mode. */
export function refuseForAgent(options: CallOptions): void {
  const field = demands(options)[0];
  if (field === undefined) return;
  throw new RequestProblem({ status: 400, message: `${field}: an agent answers with its own settings and runs its own tools, so it takes no ${field}; leave it out, or name a model (proxy mode, GET /v1/models) to set it`, code: "unsupported_parameter", param: field });
}
