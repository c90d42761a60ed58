import type { ModelCompat, ModelSpec } from "../../model-spec.js";
import type { CallOptions, Context, Message } from "../../types.js";
import { userParts } from "../../user-parts.js";
import type { WireHistory } from "../../wire-history.js";
import { jsonWithParts, PARTS, wirePart, type WirePart, type WireBody } from "../../wire-parts.js";
import { argumentsObject } from "../../tool-arguments.js";
import { ollamaThink } from "./think.js";
import { ollamaFormat } from "../../response-format.js";
import { toolsShown } from "../../allowed-tools.js";

/** One message of Ollama's native `/api/chat` (the shapes of its API reference). */
interface OllamaMessage {
  role: "system" | "user" | "assistant" | "tool";
  content: string;
  /** Base64 images, without the data: prefix. */
  images?: string[];
  thinking?: string;
  tool_calls?: { id?: string; function: { name: string; arguments: Record<string, unknown> } }[];
  /** Which tool a tool message answers (Ollama matches results by name, in order). */
  tool_name?: string;
  /** The call a tool message answers, for servers that number calls (older ones ignore it). */
  tool_call_id?: string;
}

/**
 * hearth's context → an `/api/chat` request body. The context length goes in `options.num_ctx`:
 * without it Ollama runs the model at its own default and silently cuts longer prompts, which is the
 * reason to speak its native API rather than its OpenAI-compatible one.
 */
export function ollamaRequestBody(model: ModelSpec, context: Context, options: CallOptions | undefined, settings: { compat: ModelCompat; parts: WireHistory }): WireBody {
  const system: WirePart[] = context.systemPrompt ? [wirePart([{ role: "system", content: context.systemPrompt } satisfies OllamaMessage])] : [];
  const messages = system.concat(settings.parts.parts(context.history, "", context.messages, ollamaMessages));
  return jsonWithParts(ollamaFields(model, context, { options, compat: settings.compat }), "messages", messages);
}

/** The context Ollama runs the model with for hearth's request: `num_ctx`, the model's window unless its params set their own. */
export function ollamaContextLength(model: ModelSpec): number {
  const extra = model.params?.options;
  const own = extra && typeof extra === "object" ? (extra as Record<string, unknown>).num_ctx : undefined;
  return typeof own === "number" && Number.isInteger(own) && own > 0 ? own : model.contextWindow;
}

/** The body's fields, the messages standing as {@link PARTS}. */
function ollamaFields(model: ModelSpec, context: Context, call: { options: CallOptions | undefined; compat: ModelCompat }): Record<string, unknown> {
  const { options } = call;
  const messages = PARTS;
  const modelOptions: Record<string, unknown> = {
    num_ctx: model.contextWindow,
    num_predict: Math.min(options?.maxTokens ?? model.maxTokens, model.maxTokens),
  };
  if (options?.temperature !== undefined) modelOptions.temperature = options.temperature;
  if (options?.topP !== undefined) modelOptions.top_p = options.topP;
  if (options?.stop?.length) modelOptions.stop = [...options.stop];
  if (options?.seed !== undefined) modelOptions.seed = options.seed;
  if (options?.frequencyPenalty !== undefined) modelOptions.frequency_penalty = options.frequencyPenalty;
  if (options?.presencePenalty !== undefined) modelOptions.presence_penalty = options.presencePenalty;
  const body: Record<string, unknown> = { model: model.id, messages, stream: true, options: modelOptions };
  const tools = toolsShown(model, context, options);
  if (tools && tools.length > 0) {
    body.tools = tools.map((tool) => ({ type: "function", function: { name: tool.name, description: tool.description, parameters: { ...tool.parameters } } }));
  }
  if (options?.responseFormat) body.format = ollamaFormat(options.responseFormat);
  const think = ollamaThink(model, options, call.compat);
  if (think) body.think = think.think;
  const params = { ...model.params };
  const extraOptions = params.options;
  delete params.options;
  if (extraOptions && typeof extraOptions === "object") body.options = { ...modelOptions, ...(extraOptions as Record<string, unknown>) };
  return { ...body, ...params };
}

function ollamaMessages(message: Message): OllamaMessage[] {
  return [ollamaMessage(message)];
}

function ollamaMessage(message: Message): OllamaMessage {
  if (message.role === "user") {
    if (typeof message.content === "string") return { role: "user", content: message.content };
    const text = userParts(message).flatMap((part) => (part.type === "text" ? [part.text] : [])).join("\n");
    const images = message.content.flatMap((part) => (part.type === "image" ? [part.data] : []));
    return images.length > 0 ? { role: "user", content: text, images } : { role: "user", content: text };
  }
  if (message.role === "tool-result") return { role: "tool", content: message.content, tool_name: message.toolName, tool_call_id: message.toolCallId };
  const content = message.content.map((part) => (part.type === "text" ? part.text : "")).join("");
  const thinking = message.content.map((part) => (part.type === "reasoning" && message.api === "ollama" ? part.text : "")).join("");
  const calls = message.content.flatMap((part) => (part.type === "tool-call" ? [{ id: part.id, function: { name: part.name, arguments: argumentsObject(part) } }] : []));
  return {
    role: "assistant",
    content,
    ...(thinking !== "" ? { thinking } : {}),
    ...(calls.length > 0 ? { tool_calls: calls } : {}),
  };
}
