import type { ModelSpec } from "../ai/model-spec.js";
import type { Context, Message } from "../ai/types.js";
import { estimateContextTokens } from "../ai/usage.js";

export interface Budget {
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
export function budgetFor(model: ModelSpec, knownWindow: number | undefined, reserveTokens: number): Budget {
  const window = Math.min(model.contextWindow, knownWindow ?? Number.POSITIVE_INFINITY);
  // A quarter of the window, at least 256 — but never more than the model's maxTokens, which the adapters cap it at.
  const replyTokens = Math.min(model.maxTokens, Math.max(256, Math.min(model.maxTokens, Math.floor(window / 4))));
  const reserve = Math.min(reserveTokens, Math.floor(window * 0.1));
  return { window, replyTokens, reserveTokens: reserve, promptTokens: Math.max(0, window - replyTokens - reserve) };
}

/**
 * Prompt tokens of a context: the estimate, calibrated by what the server reported for the last call
 * (its usage counts the prompt exactly, where the estimate only guesses).
 */
export function contextTokens(context: Context, measuredFrom = 0): number {
  const estimate = estimateContextTokens(context);
  return Math.round(estimate * calibration(context, measuredFrom));
}

/** Replies before `measuredFrom` were answers to another prompt (before a compaction): they say nothing about this one. */
function calibration(context: Context, measuredFrom: number): number {
  const messages = context.messages;
  for (let index = messages.length - 1; index >= measuredFrom; index--) {
    const message = messages[index] as Message;
    if (message.role !== "assistant" || message.usage.estimated) continue;
    const actual = message.usage.input + message.usage.cacheRead + message.usage.cacheWrite;
    const estimated = estimateContextTokens({ ...context, messages: messages.slice(0, index) });
    if (actual <= 0 || estimated <= 0) return 1;
    return Math.min(3, Math.max(0.5, actual / estimated));
  }
  return 1;
}

/** Pure: is it time to compact? */
export function shouldCompact(tokens: number, budget: Budget, enabled: boolean): boolean {
  return enabled && tokens > budget.promptTokens;
}

/** The reply limit a call to `model` actually carried under this budget (the adapters cap it at the model's maxTokens). */
export function replyLimitSent(budget: Budget, model: ModelSpec | undefined): number {
  return model ? Math.min(budget.replyTokens, model.maxTokens) : budget.replyTokens;
}
