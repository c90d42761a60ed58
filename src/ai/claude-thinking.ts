import { claudeVersion } from "./carried-options.js";
import type { CallOptions, Message, ReasoningLevel, ReasoningSent } from "./types.js";

/** The smallest thinking budget Anthropic takes; the budget must also be below max_tokens. */
const MIN_THINKING_BUDGET = 1024;
/** What a budget leaves of the reply limit for the answer itself. */
const ANSWER_ROOM = 1024;

/**
 * Each level's thinking budget (`thinking: { type: "enabled", budget_tokens }`), for the Claude models
 * before Opus 4.6 and Sonnet 4.6 and servers with an Anthropic-compatible API. OpenAI gives "minimal"
 * "very few reasoning tokens" and calls no reasoning "none": "minimal" is thinking at Anthropic's smallest
 * budget, not thinking off ("none" is). "max": as much as the reply limit leaves.
 */
const BUDGETS: Record<Exclude<ReasoningLevel, "off">, number> = { minimal: MIN_THINKING_BUDGET, low: 2048, medium: 8192, high: 24576, xhigh: 49152, max: Number.POSITIVE_INFINITY };

/** Claude's effort levels (`output_config.effort`): xhigh from Opus 4.7, max from Opus and Sonnet 4.6. */
type ClaudeEffort = "low" | "medium" | "high" | "xhigh" | "max";

/** What decides a Claude call's thinking: the model, and the request's reply limit and reasoning level. */
interface ThinkingAsk {
  model: { provider: string; id: string; reasoning: boolean; maxTokens: number };
  options: CallOptions | undefined;
  messages: readonly Message[];
}

/** A Claude call's thinking: a budget, or adaptive thinking at an effort, or none; `sent`: the level went as something else. */
export interface ClaudeThinking {
  budget?: number | undefined;
  effort?: ClaudeEffort | undefined;
  sent?: ReasoningSent | undefined;
}

/**
 * The thinking of an Anthropic Messages call. None when none is asked; when asked, none either (and
 * `sent` says why) for a tool loop whose thinking did not come back (unsignedToolLoop), or a reply
 * limit too small for a budget (at least 1,024 tokens, and below max_tokens). Opus 4.6, Sonnet 4.6 and
 * the Claude models after them think adaptively at an effort (Opus 4.7 takes no budget at all, and the
 * 4.6 models deprecate it); the others get the level's budget, less where the reply limit would leave
 * under 1,024 tokens for the answer.
 */
export function claudeThinking(ask: ThinkingAsk): ClaudeThinking {
  const { model, options } = ask;
  const level = options?.reasoning;
  if (!model.reasoning || level === undefined || level === "off") return {};
  const version = claudeVersion(model.id);
  const adaptive = version !== undefined && version >= 4.6;
  const maxTokens = Math.min(options?.maxTokens ?? model.maxTokens, model.maxTokens);
  if (!adaptive && maxTokens <= MIN_THINKING_BUDGET + 1) {
    return { sent: { sent: "no thinking", why: `a reply limit of ${maxTokens.toLocaleString("en-US")} tokens leaves no room for Anthropic's smallest thinking budget (1,024 tokens, below the limit)` } };
  }
  if (unsignedToolLoop(ask.messages, model.provider)) {
    return { sent: { sent: "no thinking", why: "the tool results go on a turn whose signed thinking did not come back, and Anthropic takes thinking there only with it (Chat Completions has no place for it; the Responses API keeps it as reasoning.encrypted_content)" } };
  }
  if (adaptive) return adaptiveEffort(level, version);
  const wanted = BUDGETS[level];
  const budget = Math.max(MIN_THINKING_BUDGET, Math.min(wanted, maxTokens - ANSWER_ROOM));
  if (budget >= wanted || wanted === Number.POSITIVE_INFINITY) return { budget };
  const why = `${level}'s budget is ${wanted.toLocaleString("en-US")} tokens, and a reply limit of ${maxTokens.toLocaleString("en-US")} keeps 1,024 of them for the answer`;
  return { budget, sent: { sent: `thinking.budget_tokens ${budget}`, why } };
}

/** A level as Claude's adaptive thinking takes it: the effort nearest, and why where it is not the level. */
function adaptiveEffort(level: Exclude<ReasoningLevel, "off">, version: number): ClaudeThinking {
  if (level === "minimal") return { effort: "low", sent: { sent: 'output_config.effort "low"', why: "Claude's least effort is low (it may then skip thinking on an easy question)" } };
  if (level === "xhigh" && version < 4.7) return { effort: "high", sent: { sent: 'output_config.effort "high"', why: "Claude takes xhigh from Opus 4.7 on" } };
  return { effort: level };
}

/**
 * Whether the history continues a tool loop (tool results after the last assistant turn) whose last
 * assistant turn does not start with thinking `provider` signed. With thinking on, Anthropic refuses
 * that ("a final assistant message must start with a thinking block": the tool loop is one assistant
 * turn, its thinking goes back with the tool results, complete and signed — platform.claude.com,
 * "Thinking in tool and multi-turn workflows"); with thinking off the same history is valid. A client of
 * Chat Completions has no place to keep the signature, so such a call goes without thinking.
 */
export function unsignedToolLoop(messages: readonly Message[], provider: string): boolean {
  let index = messages.length - 1;
  let results = false;
  for (; index >= 0; index -= 1) {
    const message = messages[index] as Message;
    if (message.role === "assistant") break;
    if (message.role === "tool-result") results = true;
  }
  if (!results || index < 0) return false;
  // Assistant messages in a row are one turn on the wire (the adapter merges them): its first block decides.
  while (index > 0 && messages[index - 1]?.role === "assistant") index -= 1;
  for (; index < messages.length; index += 1) {
    const message = messages[index] as Message;
    if (message.role !== "assistant") break;
    const signedHere = message.api === "anthropic-messages" && message.model.startsWith(`${provider}/`);
    for (const part of message.content) {
      if (part.type === "text" && part.text === "") continue;
      if (part.type !== "reasoning") return true;
      // Reasoning another provider made (or unsigned) is left out on the wire: the next block comes first.
      if (signedHere && (part.redacted || part.signature)) return false;
    }
  }
  return true;
}
