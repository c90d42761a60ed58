import type { ModelSpec } from "../ai/model-spec.js";
import type { Context, Message } from "../ai/types.js";
import { textOnly } from "../ai/compat.js";
import { fixedCharacters, messageCharacters } from "../ai/usage.js";
import { replyCapNotice } from "../models/reply-cap-notice.js";

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
  const replyTokens = Math.min(model.maxTokens, Math.max(256, Math.min(model.maxTokens, Math.floor(window / 4))));
  const reserve = Math.min(reserveTokens, Math.floor(window * 0.1));
  return { model: model.ref, tokenRatio, toolsOff, imagesOff, window, replyTokens, reserveTokens: reserve, promptTokens: Math.max(0, window - replyTokens - reserve) };
}

/** Whose count a prompt is measured by: the model (its ref) and its server's tokens per estimated token. */
export type CountedBy = Pick<Budget, "model" | "tokenRatio" | "toolsOff" | "imagesOff">;

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

/**
 * Tokens of a context as it is sent to `countedBy`'s model: no tools to a model they are not sent to,
 * a line for each image to a model that reads text only (calibrated as contextTokens says).
 */
export function sentTokens(context: Context, counting: { measuredFrom: number; countedBy: CountedBy | undefined }): number {
  const { measuredFrom, countedBy } = counting;
  const withoutTools = countedBy?.toolsOff ? { ...context, tools: undefined } : context;
  const counted = countedBy?.imagesOff ? textOnly(withoutTools) : withoutTools;
  return contextTokens(counted, measuredFrom, countedBy);
}

/**
 * Prompt tokens of a context: the estimate, calibrated by what the server reported for the last call
 * (its usage counts the prompt exactly, where the estimate only guesses). One pass over the messages,
 * nothing copied: a long session's turn measures its whole history.
 * With `countedBy`, only that model's own replies calibrate it (another model's tokenizer — a hosted
 * fallback that answered while the local server was down — counts the same text differently); without
 * one of them, the estimate is scaled by the model's token ratio, as the router scales it when it
 * decides whether the request fits that model's server — and never counted less than that.
 */
export function contextTokens(context: Context, measuredFrom = 0, countedBy?: CountedBy): number {
  const messages = context.messages;
  // The last reply the server measured: its prompt was everything before it. Replies before `measuredFrom` answered another prompt (before a compaction).
  let measured = -1;
  for (let index = messages.length - 1; index >= measuredFrom && measured < 0; index--) {
    const message = messages[index] as Message;
    if (message.role === "assistant" && !message.usage.estimated && (countedBy === undefined || message.model === countedBy.model)) measured = index;
  }
  let before = fixedCharacters(context);
  let after = 0;
  messages.forEach((message, index) => {
    if (measured >= 0 && index >= measured) after += messageCharacters(message);
    else before += messageCharacters(message);
  });
  const estimate = Math.ceil((before + after) / 4);
  const calibrated = measured < 0 ? undefined : Math.round(estimate * calibration(messages[measured], Math.ceil(before / 4)));
  if (!countedBy) return calibrated ?? estimate;
  // Never less than the router's own judgement of a fit (the estimate scaled by the model's ratio): a prompt
  // the agent planned to fit is never skipped there for its size.
  return Math.max(calibrated ?? 0, Math.round(estimate * countedBy.tokenRatio));
}

/** The server's count of the prompt a reply answered over the estimate of that prompt (1 when there is none). */
function calibration(reply: Message | undefined, estimated: number): number {
  if (reply?.role !== "assistant") return 1;
  const actual = reply.usage.input + reply.usage.cacheRead + reply.usage.cacheWrite;
  if (actual <= 0 || estimated <= 0) return 1;
  return Math.min(3, Math.max(0.5, actual / estimated));
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
