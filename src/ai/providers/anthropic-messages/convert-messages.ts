import type { Base64ImageSource, ContentBlockParam, MessageParam, TextBlockParam, Tool } from "@anthropic-ai/sdk/resources/messages";
import type { ModelSpec } from "../../model-spec.js";
import type { CallOptions, Context, Message } from "../../types.js";
import { userParts } from "../../user-parts.js";
import { claudeThinking } from "../../claude-thinking.js";
import { claudeOutputFormat } from "../../response-format.js";
import { argumentsObject } from "../../tool-arguments.js";
import { toolsShown } from "../../allowed-tools.js";

// The official SDK's types check the shapes at compile time; nothing of the SDK is loaded at run time.
type Block = ContentBlockParam;
type AnthropicMessage = { role: Extract<MessageParam["role"], "user" | "assistant">; content: Block[] };
type ImageMediaType = Base64ImageSource["media_type"];

/** hearth's context → a Messages API request body. */
export function messagesRequestBody(model: ModelSpec, context: Context, options: CallOptions | undefined): Record<string, unknown> {
  const messages = toMessages(context.messages, model.provider);
  const body: Record<string, unknown> = {
    model: model.id,
    max_tokens: Math.min(options?.maxTokens ?? model.maxTokens, model.maxTokens),
    messages,
    stream: true,
  };
  if (context.systemPrompt) {
    const system: TextBlockParam = { type: "text", text: context.systemPrompt };
    if (!model.local) system.cache_control = { type: "ephemeral" };
    body.system = [system];
  }
  const tools = toolsShown(model, context, options);
  if (tools && tools.length > 0) {
    body.tools = tools.map((tool): Tool => ({ name: tool.name, description: tool.description, input_schema: { type: "object", ...tool.parameters }, ...(tool.strict ? { strict: true } : {}) }));
  }
  const { budget, effort } = claudeThinking({ model, options, messages: context.messages });
  if (budget !== undefined) {
    body.thinking = { type: "enabled", budget_tokens: budget };
  } else if (effort !== undefined) {
    body.thinking = { type: "adaptive" };
    body.output_config = { effort };
  } else if (options?.temperature !== undefined) {
    body.temperature = options.temperature;
  }
  // A schema goes beside an adaptive effort in output_config (a request for any JSON object is skipped before: carried-options.ts).
  const format = options?.responseFormat;
  if (format?.type === "json_schema") body.output_config = { ...(body.output_config as Record<string, unknown> | undefined), format: claudeOutputFormat(format) };
  if (options?.topP !== undefined) body.top_p = options.topP;
  if (options?.stop?.length) body.stop_sequences = [...options.stop];
  if (body.tools !== undefined) {
    const choice = options?.toolChoice;
    const type = choice === undefined ? { type: "auto" } : choice.type === "required" ? { type: "any" } : { type: "tool", name: choice.name };
    if (choice || options?.parallelToolCalls === false) body.tool_choice = { ...type, ...(options?.parallelToolCalls === false ? { disable_parallel_tool_use: true } : {}) };
  } else {
    // Anthropic refuses tool_use and tool_result blocks in a request that defines no tools ("Requests which include
    // tool_use or tool_result blocks must define tools"): the tools the history called are named, and none may be called.
    const called = historyTools(messages);
    if (called.length > 0) {
      body.tools = called;
      body.tool_choice = { type: "none" };
    }
  }
  return { ...body, ...model.params };
}

/** The tools a history's tool_use blocks name (a tool_result alone names none: then one stands for them), as bare definitions. */
function historyTools(messages: readonly AnthropicMessage[]): Tool[] {
  const names = new Set<string>();
  let results = false;
  for (const message of messages) {
    for (const block of message.content) {
      if (block.type === "tool_use") names.add(block.name);
      if (block.type === "tool_result") results = true;
    }
  }
  if (names.size === 0 && results) names.add("tool");
  return [...names].map((name): Tool => ({ name, input_schema: { type: "object" } }));
}

/** Merges consecutive same-role turns (tool results go in a user turn), drops empty assistant turns. */
function toMessages(messages: readonly Message[], provider: string): AnthropicMessage[] {
  const out: AnthropicMessage[] = [];
  const add = (role: AnthropicMessage["role"], blocks: Block[]): void => {
    if (blocks.length === 0) return;
    const last = out[out.length - 1];
    if (last && last.role === role) last.content.push(...blocks);
    else out.push({ role, content: blocks });
  };
  for (const message of messages) {
    if (message.role === "user") {
      // An image block has no detail: a proxied reply says so where the client asked one (proxy-notices.ts).
      const blocks: Block[] = userParts(message).map((part) =>
        part.type === "text"
          ? { type: "text" as const, text: part.text }
          : { type: "image" as const, source: { type: "base64" as const, media_type: part.mediaType as ImageMediaType, data: part.data } },
      );
      add("user", blocks);
    } else if (message.role === "tool-result") {
      add("user", [{ type: "tool_result", tool_use_id: message.toolCallId, content: message.content, is_error: message.isError }]);
    } else {
      const blocks: Block[] = [];
      for (const part of message.content) {
        if (part.type === "text") {
          if (part.text !== "") blocks.push({ type: "text", text: part.text });
        } else if (part.type === "reasoning") {
          // Thinking goes back only to the provider that signed it; other servers' reasoning stays out.
          if (message.api !== "anthropic-messages" || !message.model.startsWith(`${provider}/`)) continue;
          if (part.redacted) blocks.push({ type: "redacted_thinking", data: part.redacted });
          else if (part.signature) blocks.push({ type: "thinking", thinking: part.text, signature: part.signature });
        } else {
          blocks.push({ type: "tool_use", id: part.id, name: part.name, input: argumentsObject(part) });
        }
      }
      add("assistant", blocks);
    }
  }
  return out;
}
