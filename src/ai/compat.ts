import type { ModelCompat, ModelSpec } from "./model-spec.js";
import { effortOf, effortsFromRefusal, EFFORTS, nearestEffort } from "./reasoning-efforts.js";
import type { CallOptions, Context, Failure, Message } from "./types.js";

/**
 * How servers and chat templates say they cannot take a request's shape, one line per server, and
 * the switch that fixes it. A 400 with these words teaches the adapter the switch for that model.
 */
const REFUSALS: readonly { pattern: RegExp; learn: ModelCompat }[] = [
  { pattern: /system role not supported/i, learn: { supportsSystemRole: false } }, // Gemma's chat template (llama.cpp, vLLM, LM Studio)
  { pattern: /(?:role|roles?) '?(?:system|developer)'? (?:is )?not supported|unsupported role:? '?(?:system|developer)/i, learn: { supportsSystemRole: false } }, // templates and servers without a system/developer role
  { pattern: /does not support tools/i, learn: { supportsTools: false } }, // Ollama: "registry.ollama.ai/library/gemma:2b does not support tools"
  { pattern: /template does not support tool|tools? (?:are|is) not supported/i, learn: { supportsTools: false } }, // llama.cpp / vLLM without a tool-capable template
  { pattern: /invalid type: sequence, expected a string|content must be a string|expected string content|Input should be a valid string.*content/i, learn: { stringContentOnly: true } }, // Rust (serde) and Python (pydantic) servers that take plain string content only
  { pattern: /'max_tokens' is not supported with this model\. Use 'max_completion_tokens'/i, learn: { maxTokensField: "max_completion_tokens" } }, // OpenAI reasoning models
  { pattern: /(?:unrecognized request argument supplied|extra (?:fields|inputs) (?:are )?not permitted|unknown field)[^]*max_completion_tokens/i, learn: { maxTokensField: "max_tokens" } }, // older OpenAI-compatible servers (Azure, vLLM < 0.6)
  // Ollama takes a `think` level for gpt-oss alone before 0.12 ('think value "high" is not supported for this model'), and none at all before 0.11 (a bool field).
  { pattern: /think value "[^"]*" is not supported|cannot unmarshal string into Go (?:struct field \S*think|value of type bool)/i, learn: { thinkLevels: false } },
];

/** What each model could not take, learned from refusals: one per adapter instance, like the reasoning habits. */
export class CompatHabits {
  private readonly learned = new Map<string, ModelCompat>();

  /** The config's switches, then what was learned for this model. */
  for(model: ModelSpec): ModelCompat {
    return { ...model.compat, ...this.learned.get(model.ref) };
  }

  /**
   * A bad request whose words name a shape the model cannot take: remember the switch and say which.
   * Undefined when the failure is something else, or the switch was already on.
   */
  learn(model: ModelSpec, failure: Failure, options?: CallOptions): { compat: ModelCompat; key: keyof ModelCompat } | undefined {
    // llama.cpp reports a template's refusal as 500, vLLM and LM Studio as 400: the words decide.
    if (failure.status === undefined) return undefined;
    const words = `${failure.detail ?? ""} ${failure.message}`;
    const current = this.for(model);
    const efforts = this.refusedEffort(model, { words, current, options });
    if (efforts) return efforts;
    for (const refusal of REFUSALS) {
      if (!refusal.pattern.test(words)) continue;
      const key = Object.keys(refusal.learn)[0] as keyof ModelCompat;
      if (current[key] === refusal.learn[key]) return undefined;
      this.learned.set(model.ref, { ...this.learned.get(model.ref), ...refusal.learn });
      return { compat: this.for(model), key };
    }
    return undefined;
  }

  /**
   * A reasoning effort the server refused (a model configured to reason was sent one): the efforts it
   * says it takes are remembered, and the call goes again with the nearest (see openAiEffort).
   */
  private refusedEffort(model: ModelSpec, seen: { words: string; current: ModelCompat; options: CallOptions | undefined }): { compat: ModelCompat; key: keyof ModelCompat } | undefined {
    const level = seen.options?.reasoning;
    if (!model.reasoning || level === undefined || model.api === "anthropic-messages" || model.api === "ollama") return undefined;
    const taken = seen.current.reasoningEfforts ?? EFFORTS;
    const sent = nearestEffort(effortOf(level), taken);
    const learned = effortsFromRefusal(seen.words, sent)?.filter((effort) => taken.includes(effort));
    // Fewer than before, or none: what is sent next differs (the same list again would be refused again).
    if (!learned || learned.length === taken.length) return undefined;
    this.learned.set(model.ref, { ...this.learned.get(model.ref), reasoningEfforts: learned });
    return { compat: this.for(model), key: "reasoningEfforts" };
  }
}

/**
 * The context reshaped for what the model cannot take: tools left out, the system prompt folded, parts
 * flattened — and images, for a model that reads text only, replaced by a note (a session that holds an
 * image must not fail every later turn on a text-only fallback).
 */
export function compatibleContext(context: Context, compat: ModelCompat, acceptsImages = true): Context {
  let shaped: Context = acceptsImages ? context : textOnly(context);
  if (compat.supportsTools === false && context.tools && context.tools.length > 0) shaped = { ...shaped, tools: undefined };
  if (compat.supportsSystemRole === false && shaped.systemPrompt) shaped = foldSystemPrompt(shaped);
  if (compat.stringContentOnly) shaped = { ...shaped, messages: shaped.messages.map(flattenContent) };
  return shaped;
}

/** The system prompt at the top of the first user message (a leading user message is made when there is none). */
function foldSystemPrompt(context: Context): Context {
  const system = context.systemPrompt ?? "";
  const messages = [...context.messages];
  const first = messages.findIndex((message) => message.role === "user");
  const firstUser = messages[first];
  if (firstUser?.role === "user") {
    messages[first] =
      typeof firstUser.content === "string"
        ? { role: "user", content: `${system}\n\n${firstUser.content}` }
        : { role: "user", content: firstUser.content[0]?.type === "text" ? [{ type: "text", text: `${system}\n\n${firstUser.content[0].text}` }, ...firstUser.content.slice(1)] : [{ type: "text", text: system }, ...firstUser.content] };
  } else {
    messages.unshift({ role: "user", content: system });
  }
  return { ...context, systemPrompt: undefined, messages };
}

/** The context as a model that reads text only is sent it: each image a line saying one was left out. */
export function textOnly(context: Context): Context {
  return context.messages.some(hasImage) ? { ...context, messages: context.messages.map(withoutImages) } : context;
}

function hasImage(message: Message): boolean {
  return message.role === "user" && typeof message.content !== "string" && message.content.some((part) => part.type === "image");
}

function withoutImages(message: Message): Message {
  if (!hasImage(message) || message.role !== "user" || typeof message.content === "string") return message;
  return { role: "user", content: message.content.map((part) => (part.type === "image" ? { type: "text" as const, text: `[image (${part.mediaType}) left out: this model reads text only]` } : part)) };
}

function flattenContent(message: Message): Message {
  if (message.role !== "user" || typeof message.content === "string") return message;
  const text = message.content
    .map((part) => (part.type === "text" ? part.text : `[image (${part.mediaType}) left out: this server takes text only]`))
    .join("\n");
  return { role: "user", content: text };
}
