import { refuseDeepNesting } from "./nesting.js";
import type { ModelRef } from "../../../ai/model-spec.js";
import type { AssistantMessage, CallOptions, Context, ImageContent, Message, TextContent, ToolCall, ToolDefinition } from "../../../ai/types.js";
import { emptyUsage } from "../../../ai/usage.js";
import { badRequest, describe, isObject, optionalBoolean, optionalString, type Json } from "./request-problem.js";
import { checkFields, CHAT_FIELDS, allowedToolNames, samplingOptions, toolChoice } from "./request-fields.js";
import { pairToolHistory, type PlacedMessage } from "./tool-pairs.js";
import { agentMessage, callOptions, chatResponseFormat, limitField, imageDetail, imageFromUrl, noLimitAsked, reasoningLevel, toolDefinition, toolsAllowed, type AgentMessage } from "./shared-fields.js";

/** A `POST /v1/chat/completions` body, checked. */
export interface ChatRequest {
  model: string;
  stream: boolean;
  /** `stream_options.include_usage`: the usage in a chunk of its own (without it, on the last choice chunk). */
  includeUsage: boolean;
  user: string | undefined;
  options: CallOptions;
  /** The request's name for `options.maxTokens` (`max_tokens` or `max_completion_tokens`): what a notice quotes. */
  maxTokensField: string;
  messages: readonly Json[];
  tools: readonly ToolDefinition[];
  /** `tool_choice` as sent (absent: undefined): what agent mode judges (see refuseClientSetup). */
  toolChoiceSent: unknown;
  /** Fields the request had that hearth does not know: not sent on, said in the reply. */
  unknownFields: readonly string[];
  /** Messages' participant names (`messages[0].name`): known, not sent on, said in the reply. */
  namesNotSent: readonly string[];
  /** The reply limit field set to -1 ("no limit"), where no other limit was set: the model's own is sent, and the reply says so. */
  noLimitField: string | undefined;
}

const CHAT_LIMIT_KEYS: readonly [string, ...string[]] = ["max_tokens", "max_completion_tokens"];

/** `asked.agent`: the request names an agent (see namesAgent): its `tool_choice` is agent mode's to judge, not carried. */
export function parseChatRequest(body: unknown, asked: { agent?: boolean | undefined } = {}): ChatRequest {
  if (!isObject(body)) throw badRequest("body", `expected a JSON object, got ${describe(body)}`);
  refuseDeepNesting(body);
  const unknownFields = checkFields(body, CHAT_FIELDS);
  const model = optionalString(body.model, "model");
  if (!model) throw badRequest("model", "required: an agent (\"hearth\", \"hearth/<agent>\"), a model ref or an alias; GET /v1/models lists them");
  if (!Array.isArray(body.messages) || body.messages.length === 0) throw badRequest("messages", "required: a non-empty array of messages");
  const messages = body.messages.map((message, index) => {
    if (!isObject(message)) throw badRequest(`messages[${index}]`, `expected a message object, got ${describe(message)}`);
    return message;
  });
  const notSent = messageFieldsNotSent(messages);
  unknownFields.push(...notSent.unknown);
  const n = body.n;
  if (n !== undefined && n !== null && n !== 1) throw badRequest("n", "hearth answers with one choice: leave n out or set it to 1");
  const streamOptions = isObject(body.stream_options) ? body.stream_options : {};
  const tools = toolsAllowed(body) ? chatTools(body.tools) : [];
  const allowedTools = allowedToolNames(tools, { body, agent: asked.agent === true });
  const callable = allowedTools === undefined ? tools : tools.filter((tool) => allowedTools.includes(tool.name));
  const limits = callOptions(body, { limitKeys: CHAT_LIMIT_KEYS, reasoning: reasoningLevel(body.reasoning_effort, "reasoning_effort") });
  const responseFormat = chatResponseFormat(body.response_format);
  return {
    model,
    unknownFields,
    namesNotSent: notSent.names,
    noLimitField: noLimitAsked(body, limits, CHAT_LIMIT_KEYS),
    stream: optionalBoolean(body.stream, "stream") ?? false,
    includeUsage: streamOptions.include_usage === true,
    user: optionalString(body.user, "user"),
    options: {
      ...limits,
      ...samplingOptions(body, { chat: true, tools: callable.length }),
      toolChoice: toolChoice(body, { toolNames: callable.map((tool) => tool.name), agent: asked.agent === true }),
      ...(allowedTools ? { allowedTools } : {}),
      strictTools: callable.some((tool) => tool.strict) ? true : undefined,
      ...(responseFormat ? { responseFormat } : {}),
    },
    maxTokensField: limitField(body, CHAT_LIMIT_KEYS),
    messages,
    tools,
    toolChoiceSent: body.tool_choice ?? undefined,
  };
}

/** What hearth reads of a message. */
const MESSAGE_FIELDS = new Set(["role", "content", "tool_calls", "tool_call_id"]);
/**
 * What a client sends back of an assistant message as it received it, and reasoning replayed without a
 * provider's signature (which no model needs back): not sent on, and not worth a word.
 */
const ECHOED_FIELDS = new Set(["refusal", "annotations", "audio", "function_call", "reasoning_content", "reasoning", "reasoning_details"]);

/**
 * A message's fields that hearth does not send on, set to something: said in the reply — a participant's
 * `name` (`messages[2].name`, OpenAI's own field: `names`) apart from fields hearth does not know
 * (`cache_control`: `unknown`).
 */
function messageFieldsNotSent(messages: readonly Json[]): { unknown: string[]; names: string[] } {
  const unknown: string[] = [];
  const names: string[] = [];
  messages.forEach((message, index) => {
    for (const [key, value] of Object.entries(message)) {
      // A tool result's `name` (the function's, as older clients send it) is known from its call.
      if (MESSAGE_FIELDS.has(key) || ECHOED_FIELDS.has(key) || (key === "name" && message.role === "tool") || value === null || value === undefined || (Array.isArray(value) && value.length === 0)) continue;
      (key === "name" ? names : unknown).push(`messages[${index}].${key}`);
    }
  });
  return { unknown, names };
}

function chatTools(value: unknown): ToolDefinition[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw badRequest("tools", `expected an array of tools, got ${describe(value)}`);
  return value.map((tool, index) => {
    const where = `tools[${index}]`;
    if (!isObject(tool) || tool.type !== "function" || !isObject(tool.function)) throw badRequest(where, 'hearth passes function tools only: { type: "function", function: { name, description, parameters } }');
    return toolDefinition(tool.function, `${where}.function`);
  });
}

/** Agent mode: the last message, which must be the user's (hearth keeps the history and runs the tools): its text and images. */
export function lastChatUserMessage(messages: readonly Json[]): AgentMessage {
  const index = messages.length - 1;
  const last = messages[index] as Json;
  if (last.role !== "user") throw badRequest(`messages[${index}].role`, `an agent answers the last message, which must be the user's (got "${String(last.role)}"); hearth keeps the history and runs the tools itself`);
  return agentMessage(userContent(last.content, `messages[${index}].content`), `messages[${index}].content`);
}

/** Proxy mode: the client's conversation as hearth's context (system and developer messages become the system prompt). */
export function chatContext(request: ChatRequest, origin: { model: ModelRef; api: AssistantMessage["api"] }): Context {
  const system: string[] = [];
  const out: PlacedMessage[] = [];
  const toolNames = new Map<string, string>();
  request.messages.forEach((message, index) => {
    const where = `messages[${index}]`;
    switch (message.role) {
      case "system":
      case "developer":
        system.push(textOf(message.content, `${where}.content`));
        return;
      case "user":
        out.push({ message: { role: "user", content: userContent(message.content, `${where}.content`) }, where });
        return;
      case "assistant": {
        const calls = assistantCalls(message.tool_calls, `${where}.tool_calls`);
        for (const call of calls) toolNames.set(call.id, call.name);
        const text = message.content === null || message.content === undefined ? "" : textOf(message.content, `${where}.content`);
        // Reasoning a client replays (reasoning_content) carries no provider's signature: no candidate needs it back.
        const content = [...(text === "" ? [] : [{ type: "text" as const, text }]), ...calls];
        const reply: Message = { role: "assistant", content, model: origin.model, api: origin.api, stopReason: calls.length > 0 ? "tool-use" : "stop", usage: emptyUsage(), cost: 0 };
        out.push({ message: reply, where, callsAt: calls.map((_, call) => `${where}.tool_calls[${call}]`) });
        return;
      }
      case "tool": {
        const id = optionalString(message.tool_call_id, `${where}.tool_call_id`);
        const name = id === undefined ? undefined : toolNames.get(id);
        if (id === undefined || name === undefined) throw badRequest(`${where}.tool_call_id`, `${JSON.stringify(id ?? null)} answers no tool call of an earlier assistant message`);
        out.push({ message: { role: "tool-result", toolCallId: id, toolName: name, content: textOf(message.content, `${where}.content`), isError: false }, where });
        return;
      }
      default:
        throw badRequest(`${where}.role`, `expected "system", "developer", "user", "assistant" or "tool", got ${describe(message.role)}`);
    }
  });
  return { systemPrompt: system.length > 0 ? system.join("\n\n") : undefined, messages: pairToolHistory(out, { resultId: "tool_call_id" }), tools: request.tools.length > 0 ? request.tools : undefined };
}

function userContent(content: unknown, where: string): string | (TextContent | ImageContent)[] {
  if (typeof content === "string") return content;
  if (!Array.isArray(content)) throw badRequest(where, `expected a string or an array of content parts, got ${describe(content)}`);
  return content.map((part, index) => {
    const at = `${where}[${index}]`;
    if (!isObject(part)) throw badRequest(at, `expected a content part, got ${describe(part)}`);
    if (part.type === "text" && typeof part.text === "string") return { type: "text", text: part.text };
    // A text part whose text is not a string: the text is what is wrong, not the type.
    if (part.type === "text") throw badRequest(`${at}.text`, `expected a string, got ${describe(part.text)}`);
    if (part.type === "image_url") {
      const image = isObject(part.image_url) ? part.image_url : { url: part.image_url };
      return imageFromUrl(image.url, `${at}.image_url.url`, imageDetail(image.detail, `${at}.image_url.detail`, ["auto", "low", "high"]));
    }
    throw badRequest(`${at}.type`, `hearth passes text and image_url parts, got ${describe(part.type)}`);
  });
}

function textOf(content: unknown, where: string): string {
  if (typeof content === "string") return content;
  if (!Array.isArray(content)) throw badRequest(where, `expected a string or an array of text parts, got ${describe(content)}`);
  return content
    .map((part, index) => {
      if (isObject(part) && (part.type === "text" || part.type === "input_text" || part.type === "output_text") && typeof part.text === "string") return part.text;
      if (isObject(part) && part.type === "refusal" && typeof part.refusal === "string") return part.refusal;
      throw badRequest(`${where}[${index}]`, "expected a text part { type: \"text\", text }");
    })
    .join("");
}

function assistantCalls(value: unknown, where: string): ToolCall[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw badRequest(where, `expected an array of tool calls, got ${describe(value)}`);
  return value.map((call, index) => {
    const at = `${where}[${index}]`;
    if (!isObject(call) || typeof call.id !== "string" || !isObject(call.function) || typeof call.function.name !== "string") {
      throw badRequest(at, "expected { id, type: \"function\", function: { name, arguments } }");
    }
    return toolCall(call.id, call.function.name, call.function.arguments);
  });
}

/** A tool call a client sends back: its arguments as sent, parsed where they are a JSON object. */
export function toolCall(id: string, name: string, rawArguments: unknown): ToolCall {
  const raw = typeof rawArguments === "string" ? rawArguments : JSON.stringify(rawArguments ?? {});
  let parsed: unknown;
  try {
    parsed = raw.trim() === "" ? {} : JSON.parse(raw);
  } catch {
    parsed = undefined;
  }
  return isObject(parsed)
    ? { type: "tool-call", id, name, arguments: parsed, rawArguments: raw }
    : { type: "tool-call", id, name, arguments: {}, rawArguments: raw, argumentsError: "the arguments are not a JSON object" };
}
