import type { ChatCompletionMessageParam, ChatCompletionTool } from "openai/resources/chat/completions";
import type { ModelCompat, ModelSpec } from "../../model-spec.js";
import { openAiEffort } from "../../reasoning-efforts.js";
import { chatResponseFormat } from "../../response-format.js";
import type { CallOptions, Context, ImageContent, Message } from "../../types.js";
import { userParts } from "../../user-parts.js";
import type { WireHistory } from "../../wire-history.js";
import { jsonWithParts, PARTS, wirePart, type WirePart, type WireBody } from "../../wire-parts.js";
import { allowedToolsChoice, toolsShown } from "../../allowed-tools.js";

// The official SDK's types check the shapes at compile time; nothing of the SDK is loaded at run time.
type ChatMessage = ChatCompletionMessageParam;

/** hearth's context → a chat completions request body, as bytes: each message's wire form is kept in `parts` for the next turn. */
export function completionsRequestBody(model: ModelSpec, context: Context, options: CallOptions | undefined, settings: { compat?: ModelCompat | undefined; parts: WireHistory }): WireBody {
  const compat = settings.compat ?? model.compat ?? {};
  const variant = compat.stringContentOnly ? "string-content" : "";
  const system: WirePart[] = context.systemPrompt ? [wirePart([{ role: "system", content: context.systemPrompt }])] : [];
  const build = (message: Message): ChatMessage[] => chatMessages(message, compat);
  const parts = system.concat(settings.parts.parts(context.history, variant, context.messages, build));
  return jsonWithParts(completionsFields(model, context, options, compat), "messages", parts);
}

/** The body's fields, the messages standing as {@link PARTS}. */
function completionsFields(model: ModelSpec, context: Context, options: CallOptions | undefined, compat: ModelCompat): Record<string, unknown> {
  const messages = PARTS;
  const body: Record<string, unknown> = {
    model: model.id,
    messages,
    stream: true,
    stream_options: { include_usage: true },
  };
  // OpenAI's own API deprecated max_tokens for max_completion_tokens; other servers know max_tokens.
  const maxTokens = Math.min(options?.maxTokens ?? model.maxTokens, model.maxTokens);
  const field = compat.maxTokensField ?? (isOpenAi(model.baseUrl) ? "max_completion_tokens" : "max_tokens");
  body[field] = maxTokens;
  const tools = toolsShown(model, context, options);
  if (tools && tools.length > 0) {
    body.tools = tools.map((tool): ChatCompletionTool => ({ type: "function", function: { name: tool.name, description: tool.description, parameters: { ...tool.parameters }, ...(tool.strict ? { strict: true } : {}) } }));
  }
  const effort = openAiEffort(model, options, compat, "reasoning_effort")?.effort;
  if (effort !== undefined) body.reasoning_effort = effort;
  if (options?.temperature !== undefined) body.temperature = options.temperature;
  if (options?.topP !== undefined) body.top_p = options.topP;
  if (options?.stop?.length) body.stop = [...options.stop];
  if (options?.seed !== undefined) body.seed = options.seed;
  if (options?.frequencyPenalty !== undefined) body.frequency_penalty = options.frequencyPenalty;
  if (options?.presencePenalty !== undefined) body.presence_penalty = options.presencePenalty;
  if (options?.responseFormat) body.response_format = chatResponseFormat(options.responseFormat, model.local);
  if (body.tools !== undefined) {
    const choice = options?.toolChoice;
    const allowed = allowedToolsChoice(model, options, "chat");
    if (allowed) body.tool_choice = allowed;
    else if (choice) body.tool_choice = choice.type === "required" ? "required" : { type: "function", function: { name: choice.name } };
    if (options?.parallelToolCalls === false) body.parallel_tool_calls = false;
  }
  return { ...body, ...model.params };
}

/** Base URLs judged (a gateway calls a few, every request): whether each is OpenAI's own API. */
const openAiHosts = new Map<string, boolean>();
const MAX_JUDGED_URLS = 256;

function isOpenAi(baseUrl: string): boolean {
  const known = openAiHosts.get(baseUrl);
  if (known !== undefined) return known;
  const openAi = new URL(baseUrl).hostname === "api.openai.com";
  if (openAiHosts.size >= MAX_JUDGED_URLS) openAiHosts.clear();
  openAiHosts.set(baseUrl, openAi);
  return openAi;
}

function chatMessages(message: Message, compat: ModelCompat): ChatMessage[] {
  if (message.role === "user") {
    if (typeof message.content === "string") return [{ role: "user", content: message.content }];
    return [
      {
        role: "user",
        content: userParts(message).map((part) =>
          part.type === "text" ? { type: "text", text: part.text } : { type: "image_url", image_url: imageUrl(part) },
        ),
      },
    ];
  }
  if (message.role === "tool-result") return [{ role: "tool", tool_call_id: message.toolCallId, content: message.content }];
  const text = message.content.map((part) => (part.type === "text" ? part.text : "")).join("");
  const toolCalls = message.content.flatMap((part) =>
    part.type === "tool-call" ? [{ id: part.id, type: "function" as const, function: { name: part.name, arguments: part.rawArguments || "{}" } }] : [],
  );
  const out: ChatMessage = { role: "assistant", content: text === "" && toolCalls.length > 0 && !compat.stringContentOnly ? null : text, ...(toolCalls.length > 0 ? { tool_calls: toolCalls } : {}) };
  return [out];
}

/** An image as Chat Completions takes it: its detail as the client asked it (the Responses API's "original" has no place here: the reply says so). */
function imageUrl(image: ImageContent): { url: string; detail?: "low" | "high" | "auto" } {
  const url = `data:${image.mediaType};base64,${image.data}`;
  return image.detail === undefined || image.detail === "original" ? { url } : { url, detail: image.detail };
}
