// A model that answers by script: each request's conversation (normalised across the three wire
// protocols) goes to a function that decides the reply — text, a tool call, or any raw reply.
import type { Api } from "../../src/ai/api.js";
import { anthropicStream } from "../fakes/anthropic-messages-stream.js";
import type { Handler, RecordedRequest, Reply } from "../fakes/fake-server.js";
import { ollamaStream } from "../fakes/ollama-chat-stream.js";
import { completionsStream } from "../fakes/openai-completions-stream.js";
import { responsesStream } from "../fakes/openai-responses-stream.js";

export interface Turn {
  role: "system" | "user" | "assistant" | "tool";
  text: string;
}

export type Step = { text: string; reasoning?: string } | { tool: string; arguments: Record<string, unknown>; id?: string } | { reply: Reply };

export const PATHS: Record<Api, string> = {
  "openai-responses": "/v1/responses",
  "openai-completions": "/v1/chat/completions",
  "anthropic-messages": "/v1/messages",
  ollama: "/api/chat",
};

/** The conversation a request carries, in one shape whatever the protocol. */
export function conversationOf(api: Api, body: Record<string, unknown>): Turn[] {
  const turns: Turn[] = [];
  const text = (value: unknown): string =>
    typeof value === "string" ? value : Array.isArray(value) ? value.map((part) => String((part as { text?: unknown; content?: unknown }).text ?? (part as { content?: unknown }).content ?? "")).join("") : value === null || value === undefined ? "" : JSON.stringify(value);
  if (api === "openai-responses") {
    if (body.instructions) turns.push({ role: "system", text: String(body.instructions) });
    for (const item of (body.input as Record<string, unknown>[]) ?? []) {
      if (item.type === "function_call") turns.push({ role: "assistant", text: `call ${String(item.name)} ${String(item.arguments)}` });
      else if (item.type === "function_call_output") turns.push({ role: "tool", text: String(item.output) });
      else turns.push({ role: item.role as Turn["role"], text: text(item.content) });
    }
  } else if (api === "openai-completions") {
    for (const message of (body.messages as Record<string, unknown>[]) ?? []) {
      const calls = (message.tool_calls as { function: { name: string; arguments: string } }[] | undefined) ?? [];
      if (message.content !== null && message.content !== undefined && text(message.content) !== "") turns.push({ role: message.role as Turn["role"], text: text(message.content) });
      for (const call of calls) turns.push({ role: "assistant", text: `call ${call.function.name} ${call.function.arguments}` });
    }
  } else if (api === "ollama") {
    for (const message of (body.messages as Record<string, unknown>[]) ?? []) {
      if (text(message.content) !== "") turns.push({ role: message.role as Turn["role"], text: text(message.content) });
      for (const call of (message.tool_calls as { function: { name: string; arguments: unknown } }[] | undefined) ?? []) turns.push({ role: "assistant", text: `call ${call.function.name} ${JSON.stringify(call.function.arguments)}` });
    }
  } else {
    for (const block of (body.system as { text: string }[] | undefined) ?? []) turns.push({ role: "system", text: block.text });
    for (const message of (body.messages as { role: string; content: Record<string, unknown>[] }[]) ?? []) {
      for (const block of message.content) {
        if (block.type === "tool_use") turns.push({ role: "assistant", text: `call ${String(block.name)} ${JSON.stringify(block.input)}` });
        else if (block.type === "tool_result") turns.push({ role: "tool", text: text(block.content) });
        else if (block.type === "text") turns.push({ role: message.role as Turn["role"], text: String(block.text) });
      }
    }
  }
  return turns;
}

let calls = 0;

/** A handler for one protocol's endpoint that answers with `decide(conversation, request)`. */
export function scriptedModel(api: Api, decide: (turns: Turn[], request: RecordedRequest) => Step): Handler {
  return (request) => {
    if (request.method !== "POST" || request.path !== PATHS[api]) return { kind: "json", status: 404, body: { error: "Unexpected endpoint or method." } };
    const step = decide(conversationOf(api, request.body as Record<string, unknown>), request);
    if ("reply" in step) return step.reply;
    // Usage as a server reports it: the prompt's size (about four characters a token) and a short reply.
    const usage = { input: Math.ceil(JSON.stringify(request.body).length / 4), output: 20 };
    // The model the reply names: the one asked for, as a server that serves it says (llama-server's --alias, Ollama, LM Studio).
    const asked = (request.body as { model?: unknown } | undefined)?.model;
    const model = typeof asked === "string" ? { model: asked } : {};
    if ("tool" in step) {
      const id = step.id ?? `call_${++calls}`;
      const args = JSON.stringify(step.arguments);
      if (api === "openai-responses") return { kind: "sse", frames: responsesStream({ ...model, flavor: "lmstudio", toolCalls: [{ callId: id, name: step.tool, arguments: args }], usage }) };
      if (api === "openai-completions") return { kind: "sse", frames: completionsStream({ ...model, toolCalls: [{ id, name: step.tool, arguments: args }], finishReason: "tool_calls", usage }) };
      if (api === "ollama") return ollamaStream({ ...model, toolCalls: [{ id, name: step.tool, arguments: step.arguments }], usage });
      return { kind: "sse", frames: anthropicStream({ ...model, toolUses: [{ id, name: step.tool, input: step.arguments }], usage }) };
    }
    if (api === "openai-responses") return { kind: "sse", frames: responsesStream({ ...model, flavor: "lmstudio", text: step.text, ...(step.reasoning ? { reasoning: step.reasoning } : {}), usage }) };
    if (api === "openai-completions") return { kind: "sse", frames: completionsStream({ ...model, text: step.text, ...(step.reasoning ? { reasoning: step.reasoning } : {}), usage }) };
    if (api === "ollama") return ollamaStream({ ...model, text: step.text, ...(step.reasoning ? { thinking: step.reasoning } : {}), usage });
    return { kind: "sse", frames: anthropicStream({ ...model, text: step.text, ...(step.reasoning ? { thinking: step.reasoning } : {}), usage }) };
  };
}

export const lastUser = (turns: Turn[]): string => [...turns].reverse().find((turn) => turn.role === "user")?.text ?? "";
export const lastTurn = (turns: Turn[]): Turn | undefined => turns[turns.length - 1];
