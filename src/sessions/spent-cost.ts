import type { Usage } from "../ai/types.js";

/** A call that broke before its answer, as its attempt record keeps it: what it spent, and (since it is kept) what that cost. */
export interface SpentAttempt {
  model: string;
  usage: Usage;
  cost?: number | undefined;
}

/** What `usage` costs at `ref`'s prices in the config; undefined for a model the config does not have. */
export type SpentPrice = (ref: string, usage: Usage) => number | undefined;

/**
 * What a broken call cost, as any call of its model is priced: the cost its record kept (the model's
 * prices when it ran), else — a record from before that was kept — its tokens at the model's prices in
 * the config, where `price` is given and knows the model; else nothing.
 */
export function spentCost(attempt: SpentAttempt, price: SpentPrice | undefined): number {
  return attempt.cost ?? price?.(attempt.model, attempt.usage) ?? 0;
}
