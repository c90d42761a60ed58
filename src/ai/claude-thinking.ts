import type { CallOptions, Message } from "./types.js";

/** The smallest thinking budget Anthropic takes. */
const MIN_THINKING_BUDGET = 1024;
const BUDGETS = { low: 2048, medium: 8192, high: 24576 } as const;

/** What decides a Claude call's thinking: the model, and the request's reply limit and reasoning level. */
interface ThinkingAsk {
  model: { provider: string; reasoning: boolean; maxTokens: number };
  options: CallOptions | undefined;
  messages: readonly Message[];
}

/**
 * The thinking budget of an Anthropic Messages call, or undefined for a call sent without `thinking`:
 * none asked, a reply limit too small to think in (the budget is at least 1,024 tokens and below
 * max_tokens), or a tool loop whose thinking did not come back (unsignedToolLoop).
 */
export function thinkingBudget(ask: ThinkingAsk): number | undefined {
  const { model, options } = ask;
  const reasoning = options?.reasoning;
  if (!model.reasoning || reasoning === undefined || reasoning === "off") return undefined;
  const maxTokens = Math.min(options?.maxTokens ?? model.maxTokens, model.maxTokens);
  if (maxTokens <= MIN_THINKING_BUDGET + 1) return undefined;
  if (unsignedToolLoop(ask.messages, model.provider)) return undefined;
  return Math.max(MIN_THINKING_BUDGET, Math.min(BUDGETS[reasoning], maxTokens - 1024));
}

/** The call is sent without the thinking it asked for only because its tool loop's thinking did not come back: what the reply's notice says. */
export function thinkingLeftOut(ask: ThinkingAsk): boolean {
  return thinkingBudget(ask) === undefined && unsignedToolLoop(ask.messages, ask.model.provider) && thinkingBudget({ ...ask, messages: [] }) !== undefined;
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
