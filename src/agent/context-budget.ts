import type { ModelSpec } from "../ai/model-spec.js";
import type { Context } from "../ai/types.js";
import { replyTokensFor, reserveTokensFor, type CountedBy } from "../models/prompt-tokens.js";
import { replyCapNotice } from "../models/reply-cap-notice.js";

// The prompt's count is shared with the router's judgement of a proxied request (one count, models/prompt-tokens.ts).
export { contextTokens, estimatedSentTokens, sentTokens, type CountedBy } from "../models/prompt-tokens.js";

export interface Budget {
  /** The model (its ref) whose window this is: the prompt is counted as its server counts. */
  model: string;
  /**
   * Its server's tokens per estimated token, as counts showed (1 until one did): what the estimate is
   * scaled by when no reply of this model calibrates it (the last replies came from a fallback with
   * another tokenizer — or one that counts nothing like this server).
   */
  tokenRatio: number;
  /** Its tools are not sent to it (its server said its template cannot render them, or compat says so): not counted. */
  toolsOff: boolean;
  /** It reads text only: images are sent to it as a line saying one was left out, and counted so. */
  imagesOff: boolean;
  /** The effective window: the smallest of the configured one, what the server loaded, what an overflow named. */
  window: number;
  /** Tokens kept for the reply: the `max_tokens` a call to this model carries. */
  replyTokens: number;
  reserveTokens: number;
  /** What the prompt may use: window − reply − reserve. */
  promptTokens: number;
}

/**
 * The effective window (the configured one, or the smaller `knownWindow` the server reported or an
 * overflow named), minus the reply's tokens and a reserve (both scaled down for small windows).
 */
export function budgetFor(model: ModelSpec, knownWindow: number | undefined, reserveTokens: number, counting: { tokenRatio?: number; toolsOff?: boolean } = {}): Budget {
  const tokenRatio = counting.tokenRatio ?? 1;
  const toolsOff = counting.toolsOff ?? false;
  const imagesOff = !model.input.includes("image");
  const window = Math.min(model.contextWindow, knownWindow ?? Number.POSITIVE_INFINITY);
  // A quarter of the window, at least 256 — but never more than the model's maxTokens, which the adapters cap it at.
  const replyTokens = replyTokensFor(model.maxTokens, window);
  const reserve = reserveTokensFor(reserveTokens, window);
  return { model: model.ref, tokenRatio, toolsOff, imagesOff, window, replyTokens, reserveTokens: reserve, promptTokens: Math.max(0, window - replyTokens - reserve) };
}

/**
 * The budget of a turn whose caller asked for shorter replies (an API client's `max_tokens`): the reply
 * set aside is the smaller of the two, so the prompt may use what the config's reply size would have
 * kept — a client asking for 256 tokens does not get its history compacted as if 8192 were needed.
 */
export function withReplyCap(budget: Budget, maxTokens: number | undefined): Budget {
  if (maxTokens === undefined || maxTokens >= budget.replyTokens) return budget;
  const replyTokens = Math.max(1, maxTokens);
  return { ...budget, replyTokens, promptTokens: Math.max(0, budget.window - replyTokens - budget.reserveTokens) };
}

/** A context built once, and its size as each budget's model counts it (counted from it, not built again). */
export interface PromptView {
  context: Context;
  tokens: (countedBy?: CountedBy) => number;
}

/** Pure: is it time to compact? */
export function shouldCompact(tokens: number, budget: Budget, enabled: boolean): boolean {
  return enabled && tokens > budget.promptTokens;
}

/** The reply limit a call to `model` actually carried under this budget (the adapters cap it at the model's maxTokens). */
export function replyLimitSent(budget: Budget, model: ModelSpec | undefined): number {
  return model ? Math.min(budget.replyTokens, model.maxTokens) : budget.replyTokens;
}

/**
 * What the client is told when a reply of its turn was sent less than its `max_tokens`: the model's
 * maxTokens in the config, or the room this budget keeps for the reply in its window (replyCapNotice).
 */
export function replyCapped(call: { budget: Budget; model: ModelSpec | undefined; ref: string; options: { maxTokens?: number | undefined; maxTokensField?: string | undefined } }): string | undefined {
  const { budget, model, ref, options } = call;
  if (options.maxTokens === undefined) return undefined;
  const sent = replyLimitSent(budget, model);
  const reason = model && sent === model.maxTokens ? ({ by: "config" } as const) : ({ by: "window", window: budget.window, model: budget.model } as const);
  return replyCapNotice({ field: options.maxTokensField ?? "max_tokens", asked: options.maxTokens, sent, model: ref, reason });
}
