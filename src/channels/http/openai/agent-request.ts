import type { CallOptions } from "../../../ai/types.js";
import type { ClientMessage } from "../../../gateway/port.js";
import { setupNotSent, toolChoiceNote, type ClientSetup } from "./agent-refusals.js";
import { lastChatUserMessage, type ChatRequest } from "./chat-request.js";
import { noLimitNote, requestNotes, type NotedRequest } from "./request-notes.js";
import { isObject, type Json } from "./request-problem.js";
import { lastResponsesUserMessage, type ResponsesRequest } from "./responses-request.js";
import { detailsNotSent, type AgentMessage } from "./shared-fields.js";

/** What agent mode makes of a request: the new message (text, images), the client's own earlier messages, and what the reply says of the request. */
export interface AgentRequest {
  text: string;
  images: AgentMessage["images"];
  /** The request's messages before the new one, system prompts left out (see InboundMessage.history). */
  history: ClientMessage[];
  notes: string[];
}

/** Agent mode's reading of a Chat Completions request. */
export function chatAgentRequest(request: ChatRequest): AgentRequest {
  const earlier = request.messages.slice(0, -1).filter((message) => !systemRole(message));
  return agentRequest(lastChatUserMessage(request.messages), {
    request,
    setup: { items: { field: "messages", list: request.messages } },
    history: earlier.map((message) => clientMessage(message, { toolCalls: message.tool_calls })),
    reasoningField: "reasoning_effort",
  });
}

/** Agent mode's reading of a Responses request (reasoning items a client sends back are no messages of the conversation). */
export function responsesAgentRequest(request: ResponsesRequest): AgentRequest {
  const earlier = typeof request.input === "string" ? [] : request.input.slice(0, -1).filter((item) => !systemRole(item) && item.type !== "reasoning");
  return agentRequest(lastResponsesUserMessage(request), {
    request,
    setup: { instructions: request.instructions, items: { field: "input", list: request.input } },
    history: earlier.map((item) => (item.type === undefined || item.type === "message" ? clientMessage(item, { toolCalls: undefined }) : { role: "other", text: "" })),
    reasoningField: "reasoning.effort",
  });
}

/**
 * The new message, and what the reply says of the request (x-hearth-notice, a stream's `: hearth:`
 * line, `metadata.hearth_notice`): its unknown fields; its system prompt, left out (setupNotSent);
 * the settings an agent takes from its config instead (temperature, a reasoning effort or summary);
 * `tool_choice: "none"`, which does not stop the agent's own tools; image details an agent does not send;
 * a reply limit of -1 ("no limit"). Its participant names, as in proxy mode (requestNotes).
 */
function agentRequest(message: AgentMessage, read: { request: NotedRequest & { toolChoiceSent: unknown; options: CallOptions; noLimitField: string | undefined }; setup: Pick<ClientSetup, "instructions" | "items">; history: ClientMessage[]; reasoningField: string }): AgentRequest {
  const { request } = read;
  const notes = [
    ...requestNotes(request),
    setupNotSent(read.setup),
    settingsNotSent(request.options, read.reasoningField),
    toolChoiceNote(request.toolChoiceSent),
    detailsNotSent(message.details, "an agent sends its images at its model server's default detail (name a model, proxy mode, to send yours)"),
    noLimitNote(request.noLimitField),
  ].filter((note): note is string => note !== undefined);
  return { text: message.text, images: message.images, history: read.history, notes };
}

/**
 * The sampling and reasoning a request sets that an agent calls its models without: each model's are
 * the config's (its `params`, its `reasoning`), the same on every channel of the session.
 */
function settingsNotSent(options: CallOptions, reasoningField: string): string | undefined {
  const named = [
    ...(options.temperature === undefined ? [] : [`temperature ${options.temperature}`]),
    ...(options.reasoning === undefined ? [] : [`${reasoningField} "${options.reasoning === "off" ? "none" : options.reasoning}"`]),
    ...(options.reasoningSummary === undefined ? [] : [`reasoning.summary "${options.reasoningSummary}"`]),
  ];
  if (named.length === 0) return undefined;
  return `not sent on: ${named.join(", ")} — an agent calls its models with its config's settings (a model's params in agents.defaults.models); name a model (proxy mode, GET /v1/models) to send yours`;
}

function systemRole(item: Json): boolean {
  return item.role === "system" || item.role === "developer";
}

/** A message of the client's conversation as text: a user's or an assistant's words; anything else (a tool call or result) is "other". */
function clientMessage(message: Json, shape: { toolCalls: unknown }): ClientMessage {
  const calls = Array.isArray(shape.toolCalls) && shape.toolCalls.length > 0;
  if (message.role === "user" && !calls) return { role: "user", text: wordsOf(message.content, "\n") };
  if (message.role === "assistant" && !calls) return { role: "assistant", text: wordsOf(message.content, "") };
  return { role: "other", text: "" };
}

/** The text parts of a content (a string, or parts of either API), joined as the gateway joins a message's (images and other parts are not compared). */
function wordsOf(content: unknown, between: string): string {
  if (typeof content === "string") return content;
  if (!Array.isArray(content)) return "";
  return content.flatMap((part) => (isObject(part) && typeof part.text === "string" && ["text", "input_text", "output_text"].includes(String(part.type)) ? [part.text] : [])).join(between);
}
