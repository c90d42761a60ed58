import { refuseDeepNesting } from "./nesting.js";
import type { ModelRef } from "../../../ai/model-spec.js";
import type { AssistantMessage, CallOptions, Context, ImageContent, Message, ReasoningContent, ReasoningSummary, TextContent, ToolCall, ToolDefinition } from "../../../ai/types.js";
import { emptyUsage } from "../../../ai/usage.js";
import { toolCall } from "./chat-request.js";
import { badRequest, describe, isObject, optionalBoolean, optionalString, RequestProblem, type Json } from "./request-problem.js";
import { checkFields, allowedToolNames, RESPONSES_FIELDS, samplingOptions, toolChoice } from "./request-fields.js";
import { agentMessage, callOptions, imageDetail, imageFromUrl, noLimitAsked, reasoningLevel, responsesTextFormat, toolDefinition, toolsAllowed, type AgentMessage } from "./shared-fields.js";
import { decodeSignedReasoning } from "./signed-reasoning.js";
import { pairToolHistory, type PlacedMessage } from "./tool-pairs.js";

/** A `POST /v1/responses` body, checked. */
export interface ResponsesRequest {
  /** Fields the request had that hearth does not know: not sent on, said in the reply. */
  unknownFields: readonly string[];
  model: string;
  stream: boolean;
  user: string | undefined;
  instructions: string | undefined;
  input: string | readonly Json[];
  tools: readonly ToolDefinition[];
  /** `tool_choice` as sent (absent: undefined): what agent mode judges (see refuseClientSetup). */
  toolChoiceSent: unknown;
  options: CallOptions;
  /** The request's name for `options.maxTokens`: what a notice quotes. */
  maxTokensField: string;
  /** `max_output_tokens: -1` ("no limit"): the model's own limit is sent, and the reply says so. */
  noLimitField: string | undefined;
  /** The client asked for reasoning (`reasoning` or `include`): agent mode returns it as reasoning items then. */
  reasoningAsked: boolean;
  /** `include: ["reasoning.encrypted_content"]`: reasoning items carry what the provider signed, for replay (as OpenAI's carry theirs only then). */
  encryptedReasoning: boolean;
  previousResponseId: string | undefined;
  /** Echoed back in the response, as OpenAI does. */
  metadata: Record<string, string>;
  /** The settings the response echoes as the request set them (OpenAI's Response says what it ran with). */
  echo: { tool_choice?: unknown; parallel_tool_calls?: boolean; temperature?: number; top_p?: number; reasoning?: { effort: unknown; summary: unknown }; text: { format: unknown } };
}

/** `asked.agent`: the request names an agent (see namesAgent): its `tool_choice` is agent mode's to judge, not carried. */
export function parseResponsesRequest(body: unknown, asked: { agent?: boolean | undefined } = {}): ResponsesRequest {
  if (!isObject(body)) throw badRequest("body", `expected a JSON object, got ${describe(body)}`);
  refuseDeepNesting(body);
  const unknownFields = checkFields(body, RESPONSES_FIELDS);
  const model = optionalString(body.model, "model");
  if (!model) throw badRequest("model", "required: an agent (\"hearth\", \"hearth/<agent>\"), a model ref or an alias; GET /v1/models lists them");
  const input = body.input;
  if (typeof input !== "string" && !Array.isArray(input)) throw badRequest("input", `required: a string or an array of input items, got ${describe(input)}`);
  const items = typeof input === "string" ? input : input.map((item, index) => {
    if (!isObject(item)) throw badRequest(`input[${index}]`, `expected an input item, got ${describe(item)}`);
    return item;
  });
  if (Array.isArray(items) && items.length === 0) throw badRequest("input", "required: at least one input item");
  const textFormat = isObject(body.text) ? body.text.format : undefined;
  const responseFormat = responsesTextFormat(textFormat);
  const reasoning = isObject(body.reasoning) ? body.reasoning : undefined;
  const include = Array.isArray(body.include) ? body.include : [];
  const other = include.find((value) => value !== "reasoning.encrypted_content");
  if (other !== undefined) throw new RequestProblem({ status: 400, message: `include: hearth can add "reasoning.encrypted_content" only, got ${describe(other)}; leave it out`, code: "unsupported_parameter", param: "include" });
  const verbosity = isObject(body.text) ? body.text.verbosity : undefined;
  if (verbosity !== undefined && verbosity !== null && verbosity !== "medium") throw new RequestProblem({ status: 400, message: "text.verbosity: hearth does not pass verbosity on; leave it out", code: "unsupported_parameter", param: "text.verbosity" });
  const tools = toolsAllowed(body) ? responsesTools(body.tools) : [];
  const allowedTools = allowedToolNames(tools, { body, agent: asked.agent === true });
  const callable = allowedTools === undefined ? tools : tools.filter((tool) => allowedTools.includes(tool.name));
  const metadata = isObject(body.metadata) ? Object.fromEntries(Object.entries(body.metadata).filter((entry): entry is [string, string] => typeof entry[1] === "string")) : {};
  const limits = callOptions(body, { limitKeys: ["max_output_tokens"], reasoning: reasoningLevel(reasoning?.effort, "reasoning.effort") });
  return {
    unknownFields,
    model,
    stream: optionalBoolean(body.stream, "stream") ?? false,
    user: optionalString(body.user, "user"),
    instructions: optionalString(body.instructions, "instructions"),
    input: items,
    tools,
    toolChoiceSent: body.tool_choice ?? undefined,
    options: {
      ...limits,
      reasoningSummary: reasoningSummary(reasoning?.summary ?? reasoning?.generate_summary),
      ...samplingOptions(body, { chat: false, tools: callable.length }),
      toolChoice: toolChoice(body, { toolNames: callable.map((tool) => tool.name), agent: asked.agent === true }),
      ...(allowedTools ? { allowedTools } : {}),
      strictTools: callable.some((tool) => tool.strict) ? true : undefined,
      ...(responseFormat ? { responseFormat } : {}),
    },
    maxTokensField: "max_output_tokens",
    noLimitField: noLimitAsked(body, limits, ["max_output_tokens"]),
    reasoningAsked: reasoning !== undefined || include.includes("reasoning.encrypted_content"),
    encryptedReasoning: include.includes("reasoning.encrypted_content"),
    previousResponseId: optionalString(body.previous_response_id, "previous_response_id"),
    metadata,
    echo: {
      ...(body.tool_choice !== undefined && body.tool_choice !== null ? { tool_choice: body.tool_choice } : {}),
      ...(typeof body.parallel_tool_calls === "boolean" ? { parallel_tool_calls: body.parallel_tool_calls } : {}),
      ...(typeof body.temperature === "number" ? { temperature: body.temperature } : {}),
      ...(typeof body.top_p === "number" ? { top_p: body.top_p } : {}),
      ...(reasoning ? { reasoning: { effort: reasoning.effort ?? null, summary: reasoning.summary ?? null } } : {}),
      // The format as the request wrote it ({ type: "text" } where it asked none, as OpenAI echoes it).
      text: { format: responseFormat ? textFormat : { type: "text" } },
    },
  };
}

/** `reasoning.summary` (or the deprecated `generate_summary`): how a Responses server is asked to summarise its reasoning. */
function reasoningSummary(value: unknown): ReasoningSummary | undefined {
  if (value === undefined || value === null) return undefined;
  if (value === "auto" || value === "concise" || value === "detailed") return value;
  throw badRequest("reasoning.summary", `expected one of "auto", "concise", "detailed", got ${describe(value)}`);
}

function responsesTools(value: unknown): ToolDefinition[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw badRequest("tools", `expected an array of tools, got ${describe(value)}`);
  return value.map((tool, index) => {
    const where = `tools[${index}]`;
    if (!isObject(tool) || tool.type !== "function") throw badRequest(`${where}.type`, `hearth passes function tools only ({ type: "function", name, description, parameters }), got ${describe(isObject(tool) ? tool.type : tool)}`);
    return toolDefinition(tool, where);
  });
}

/** Agent mode: the text of the last input item, which must be the user's message. */
export function lastResponsesUserMessage(request: ResponsesRequest): AgentMessage {
  if (typeof request.input === "string") return agentMessage(request.input, "input");
  const index = request.input.length - 1;
  const last = request.input[index] as Json;
  if (last.role !== "user" || (last.type !== undefined && last.type !== "message")) {
    throw badRequest(`input[${index}]`, "an agent answers the last input item, which must be the user's message; hearth keeps the history and runs the tools itself");
  }
  return agentMessage(userParts(last.content, `input[${index}].content`), `input[${index}].content`);
}

/**
 * Proxy mode: the client's items as hearth's context. Assistant items in a row (reasoning, message,
 * function calls) make one assistant message. Reasoning hearth issued is restored with the model that
 * made it (its adapter sends it back only there); any other replayed reasoning is dropped.
 */
export function responsesContext(request: ResponsesRequest, origin: { model: ModelRef; api: AssistantMessage["api"] }): Context {
  if (request.previousResponseId !== undefined) {
    throw new RequestProblem({ status: 400, message: "previous_response_id: hearth stores no responses in proxy mode; send the whole conversation in input (or use an agent, \"hearth\", which keeps its own history)", code: "unsupported_parameter", param: "previous_response_id" });
  }
  const system: string[] = request.instructions ? [request.instructions] : [];
  const out: PlacedMessage[] = [];
  let assistant: { content: (TextContent | ReasoningContent | ToolCall)[]; model: ModelRef; api: AssistantMessage["api"]; where: string; callsAt: string[] } | undefined;
  const toolNames = new Map<string, string>();
  const flush = (): void => {
    if (assistant && assistant.content.length > 0) {
      const calls = assistant.content.some((part) => part.type === "tool-call");
      const reply: Message = { role: "assistant", content: assistant.content, model: assistant.model, api: assistant.api, stopReason: calls ? "tool-use" : "stop", usage: emptyUsage(), cost: 0 };
      out.push({ message: reply, where: assistant.where, callsAt: assistant.callsAt });
    }
    assistant = undefined;
  };
  const open = (where: string): NonNullable<typeof assistant> => (assistant ??= { content: [], model: origin.model, api: origin.api, where, callsAt: [] });
  const items = typeof request.input === "string" ? [{ role: "user", content: request.input }] : request.input;
  items.forEach((item, index) => {
    const where = `input[${index}]`;
    const type = item.type ?? "message";
    if (type === "message") {
      const role = item.role;
      if (role === "system" || role === "developer") return void system.push(textParts(item.content, `${where}.content`));
      if (role === "user") {
        flush();
        return void out.push({ message: { role: "user", content: userParts(item.content, `${where}.content`) }, where });
      }
      if (role === "assistant") {
        const text = textParts(item.content, `${where}.content`);
        if (text !== "") open(where).content.push({ type: "text", text });
        return;
      }
      throw badRequest(`${where}.role`, `expected "user", "assistant", "system" or "developer", got ${describe(role)}`);
    }
    if (type === "function_call") {
      const id = optionalString(item.call_id, `${where}.call_id`);
      const name = optionalString(item.name, `${where}.name`);
      if (!id || !name) throw badRequest(where, "a function_call item needs call_id and name");
      toolNames.set(id, name);
      const current = open(where);
      current.callsAt.push(where);
      return void current.content.push(toolCall(id, name, item.arguments));
    }
    if (type === "function_call_output") {
      const id = optionalString(item.call_id, `${where}.call_id`);
      const name = id === undefined ? undefined : toolNames.get(id);
      if (id === undefined || name === undefined) throw badRequest(`${where}.call_id`, `${JSON.stringify(id ?? null)} answers no function_call item before it`);
      flush();
      return void out.push({ message: { role: "tool-result", toolCallId: id, toolName: name, content: textParts(item.output, `${where}.output`), isError: false }, where });
    }
    if (type === "reasoning") {
      const signed = decodeSignedReasoning(item.encrypted_content);
      if (!signed) return;
      const current = open(where);
      current.model = signed.model;
      current.api = signed.api;
      // Each reasoning item stands in its place, before the message or call it led to (a Responses server
      // wants each reasoning item followed by its own). One replayed after its reply's words with no
      // reasoning before it (hearth once put the signed item last) goes first: Anthropic refuses thinking after a tool_use block.
      const inPlace = current.content.length === 0 || current.content.some((part) => part.type === "reasoning");
      return void (inPlace ? current.content.push(...signed.parts) : current.content.unshift(...signed.parts));
    }
    if (type === "item_reference") throw new RequestProblem({ status: 400, message: `${where}: hearth stores no responses; send the item itself instead of a reference`, code: "unsupported_parameter", param: where });
    throw badRequest(`${where}.type`, `hearth passes message, function_call, function_call_output and reasoning items, got ${describe(type)}`);
  });
  flush();
  return { systemPrompt: system.length > 0 ? system.join("\n\n") : undefined, messages: pairToolHistory(out, { resultId: "call_id" }), tools: request.tools.length > 0 ? request.tools : undefined };
}

function userParts(content: unknown, where: string): string | (TextContent | ImageContent)[] {
  if (typeof content === "string") return content;
  if (!Array.isArray(content)) throw badRequest(where, `expected a string or an array of content parts, got ${describe(content)}`);
  return content.map((part, index) => {
    const at = `${where}[${index}]`;
    if (!isObject(part)) throw badRequest(at, `expected a content part, got ${describe(part)}`);
    if ((part.type === "input_text" || part.type === "text") && typeof part.text === "string") return { type: "text", text: part.text };
    if (part.type === "input_image") return imageFromUrl(part.image_url, `${at}.image_url`, imageDetail(part.detail, `${at}.detail`, ["low", "high", "auto", "original"]));
    throw badRequest(`${at}.type`, `hearth passes input_text and input_image parts, got ${describe(part.type)}`);
  });
}

function textParts(content: unknown, where: string): string {
  if (typeof content === "string") return content;
  if (!Array.isArray(content)) throw badRequest(where, `expected a string or an array of text parts, got ${describe(content)}`);
  return content
    .map((part, index) => {
      if (isObject(part) && typeof part.text === "string" && (part.type === "output_text" || part.type === "input_text" || part.type === "text")) return part.text;
      if (isObject(part) && part.type === "refusal" && typeof part.refusal === "string") return part.refusal;
      throw badRequest(`${where}[${index}]`, "expected a text part { type: \"output_text\" | \"input_text\", text }");
    })
    .join("");
}
