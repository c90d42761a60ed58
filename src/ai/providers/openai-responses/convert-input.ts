import { createHmac } from "node:crypto";
import type { FunctionTool, ResponseInputItem } from "openai/resources/responses/responses";
import type { ModelCompat, ModelSpec } from "../../model-spec.js";
import { openAiEffort } from "../../reasoning-efforts.js";
import { chatResponseFormat, responsesTextFormat } from "../../response-format.js";
import type { CallOptions, Context, Message } from "../../types.js";
import { userParts } from "../../user-parts.js";
import type { WireHistory } from "../../wire-history.js";
import { jsonWithParts, PARTS, type WireBody } from "../../wire-parts.js";
import { allowedToolsChoice, toolsShown } from "../../allowed-tools.js";

// The official SDK's types check the shapes at compile time; nothing of the SDK is loaded at run time.
type InputItem = ResponseInputItem;

/**
 * hearth's context → a Responses API request body (stateless: the whole history each time): its fields,
 * and its bytes, each message's items kept in `parts` for the next turn.
 */
export function responsesRequestBody(model: ModelSpec, context: Context, options: CallOptions | undefined, settings: { compat: ModelCompat; parts: WireHistory }): { fields: Record<string, unknown>; bytes: WireBody } {
  const build = (message: Message): InputItem[] => inputItems(message, model.provider);
  // The items depend on the provider only (reasoning goes back to the one that produced it).
  const input = settings.parts.parts(context.history, model.provider, context.messages, build);
  const fields = responsesFields(model, context, options, settings.compat);
  return { fields, bytes: jsonWithParts(fields, "input", input) };
}

/** The body's fields, the input items standing as {@link PARTS}. */
function responsesFields(model: ModelSpec, context: Context, options: CallOptions | undefined, compat: ModelCompat): Record<string, unknown> {
  const body: Record<string, unknown> = {
    model: model.id,
    input: PARTS,
    stream: true,
    store: false,
    max_output_tokens: Math.min(options?.maxTokens ?? model.maxTokens, model.maxTokens),
  };
  if (context.systemPrompt) body.instructions = context.systemPrompt;
  const tools = toolsShown(model, context, options);
  if (tools && tools.length > 0) {
    body.tools = tools.map((tool): FunctionTool => ({ type: "function", name: tool.name, description: tool.description, parameters: { ...tool.parameters }, strict: tool.strict === true }));
  }
  const effort = openAiEffort(model, options, compat, "reasoning.effort")?.effort;
  // A summary of the reasoning as the client asked it; "auto" where it asked an effort alone (the reasoning is shown).
  const summary = options?.reasoningSummary ?? (effort === undefined ? undefined : "auto");
  if (model.reasoning && summary !== undefined) body.reasoning = { ...(effort === undefined ? {} : { effort }), summary };
  if (model.reasoning && !model.local) body.include = ["reasoning.encrypted_content"];
  if (options?.temperature !== undefined) body.temperature = options.temperature;
  if (options?.topP !== undefined) body.top_p = options.topP;
  if (options?.responseFormat) {
    body.text = { format: responsesTextFormat(options.responseFormat, model.local) };
    // llama.cpp's /v1/responses reads no text.format (its answer came back free text), only the Chat form beside it. The
    // adapter cannot tell llama.cpp from the other local servers, so each is sent both: LM Studio and Ollama leave the
    // field they do not read alone (test/ai/openai-responses.test.ts), vLLM warns of it.
    if (model.local) body.response_format = chatResponseFormat(options.responseFormat, true);
  }
  if (body.tools !== undefined) {
    const choice = options?.toolChoice;
    const allowed = allowedToolsChoice(model, options, "responses");
    if (allowed) body.tool_choice = allowed;
    else if (choice) body.tool_choice = choice.type === "required" ? "required" : { type: "function", name: choice.name };
    if (options?.parallelToolCalls === false) body.parallel_tool_calls = false;
  }
  if (options?.sessionId && options.promptCacheSecret && !model.local) body.prompt_cache_key = cacheKeyOf(options.sessionId, options.promptCacheSecret());
  return { ...body, ...model.params };
}

/**
 * A conversation's prompt_cache_key: a keyed digest of its session key (a proxied client's `user` or
 * x-hearth-session, an agent's session), the same for each of its turns and another for each
 * conversation, so OpenAI routes its turns to one cache, and is told none of the words it was made of.
 * The secret is the state dir's (never sent; not the provider's API key, which the provider holds): it
 * keeps a guessable session key — an e-mail address, a phone number — from being tried against the digest.
 */
function cacheKeyOf(sessionId: string, secret: Uint8Array): string {
  return `hearth-${createHmac("sha256", secret).update(sessionId, "utf8").digest("base64url").slice(0, 32)}`;
}

function inputItems(message: Message, provider: string): InputItem[] {
  if (message.role === "user") {
    // Every item typed: llama.cpp rejects untyped `{role, content}` items ("Cannot determine type of 'item'").
    if (typeof message.content === "string") return [{ type: "message", role: "user", content: message.content }];
    return [
      {
        type: "message",
        role: "user",
        content: userParts(message).map((part) =>
          part.type === "text" ? { type: "input_text", text: part.text } : { type: "input_image", image_url: `data:${part.mediaType};base64,${part.data}`, detail: part.detail ?? "auto" },
        ),
      },
    ];
  }
  if (message.role === "tool-result") {
    return [{ type: "function_call_output", call_id: message.toolCallId, output: message.content }];
  }
  const items: InputItem[] = [];
  let text = "";
  const flushText = (): void => {
    if (text !== "") items.push({ type: "message", role: "assistant", content: text });
    text = "";
  };
  for (const part of message.content) {
    if (part.type === "text") text += part.text;
    else if (part.type === "reasoning") {
      // Encrypted reasoning goes back only to the provider that produced it; others neither need nor accept it.
      if (part.redacted && part.signature && message.api === "openai-responses" && message.model.startsWith(`${provider}/`)) {
        flushText();
        items.push({ type: "reasoning", id: part.signature, summary: [], encrypted_content: part.redacted });
      }
    } else {
      flushText();
      items.push({ type: "function_call", call_id: part.id, name: part.name, arguments: part.rawArguments || "{}" });
    }
  }
  flushText();
  return items;
}
