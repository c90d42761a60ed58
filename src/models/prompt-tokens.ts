import type { ModelSpec } from "../ai/model-spec.js";
import type { Context, Message } from "../ai/types.js";
import { textOnly } from "../ai/compat.js";
import { fixedCharacters, messageCharacters } from "../ai/usage.js";

/**
 * The smallest reply a call is planned with: an agent's turn keeps a quarter of the window for it, never
 * less than this; a proxied request is not sent to a model whose window leaves less than this (or
 * than the client's smaller `max_tokens`) beside its prompt.
 */
export const MIN_REPLY_TOKENS = 256;

/** The reply an agent's turn keeps in a window: a quarter of it, at least MIN_REPLY_TOKENS, never more than the model's maxTokens (what the adapters cap it at). */
export function replyTokensFor(maxTokens: number, window: number): number {
  return Math.min(maxTokens, Math.max(MIN_REPLY_TOKENS, Math.min(maxTokens, Math.floor(window / 4))));
}

/** The reserve an agent's turn keeps in a window: the configured one, never more than a tenth of the window. */
export function reserveTokensFor(reserveTokens: number, window: number): number {
  return Math.min(reserveTokens, Math.floor(window * 0.1));
}

/**
 * Whose count a prompt is measured by: the model (its ref), its server's tokens per estimated token,
 * and what it is not sent (tools where they are off, images to a model that reads text only).
 */
export interface CountedBy {
  model: string;
  tokenRatio: number;
  toolsOff: boolean;
  imagesOff: boolean;
}

/** How `model`'s server counts a prompt: its tokens per estimated token as learnt (its /tokenize, its replies; 1 until one was seen), without tools where they are off, images as a line where it reads text only. */
export function countedByModel(model: ModelSpec, counting: { tokenRatio: number; toolsOff: boolean }): CountedBy {
  return { model: model.ref, tokenRatio: counting.tokenRatio, toolsOff: counting.toolsOff, imagesOff: !model.input.includes("image") };
}

/**
 * Tokens of a context as it is sent to `countedBy`'s model: no tools to a model they are not sent to,
 * a line for each image to a model that reads text only (calibrated as contextTokens says). What an
 * agent's turn plans against and what proxy mode judges a candidate's window by: one count.
 */
export function sentTokens(context: Context, counting: { measuredFrom: number; countedBy: CountedBy | undefined }): number {
  const { measuredFrom, countedBy } = counting;
  return contextTokens(sentForm(context, countedBy), measuredFrom, countedBy);
}

/**
 * Tokens of a context as it is sent to `countedBy`'s model (no tools to a model they are not sent to, an
 * image as its line to one that reads text only), by the plain estimate: not calibrated by any reply's
 * count, nor scaled by the model's ratio — what a trim weighs its cuts by before scaling them as the
 * server counts.
 */
export function estimatedSentTokens(context: Context, countedBy: CountedBy | undefined): number {
  const sent = sentForm(context, countedBy);
  return contextTokens(sent, sent.messages.length);
}

/** The context as `countedBy`'s model is sent it: without tools where they are off, images as a line where they are. */
function sentForm(context: Context, countedBy: CountedBy | undefined): Context {
  const withoutTools = countedBy?.toolsOff ? { ...context, tools: undefined } : context;
  return countedBy?.imagesOff ? textOnly(withoutTools) : withoutTools;
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
