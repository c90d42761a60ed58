import type { ModelSpec } from "../ai/model-spec.js";
import type { Context } from "../ai/types.js";
import { certainlyTooLarge, wholeRequestTooLarge } from "./context-fit.js";
import { countedByModel, MIN_REPLY_TOKENS, sentTokens, type CountedBy } from "./prompt-tokens.js";
import type { Attempt } from "./router-events.js";
import type { ServedWindows } from "./served-windows.js";

/** What a request passed on whole (proxy mode) is judged by: the windows its servers run, and whether a model's tools are sent to it. */
export interface WholeFitSource {
  windows: ServedWindows | undefined;
  toolsOff: (model: ModelSpec) => boolean;
}

const count = (value: number): string => value.toLocaleString("en-US");

/**
 * How `model`'s server counts a prompt: its ratio, the tools where they are sent, images where it reads
 * them. `judging` whether to skip it: a server that refuses an overflowing prompt, counting it, is asked
 * at the estimate's lowest — a rate learnt from other text (one overflow of JSON) cannot keep a client's
 * prose from it before any call (nothing would ever be sent to correct the rate), and a rate only kept from
 * an earlier process is taken at most at 1 for any server (judgingRatio). The size said in
 * words is the learnt count, as an agent's turn says it.
 */
function countedBy(model: ModelSpec, source: WholeFitSource, judging: boolean): CountedBy {
  const learnt = source.windows?.tokenRatio(model) ?? 1;
  // Judging, a ratio kept from an earlier process (not counted in this one) is never above 1 either (judgingRatio).
  const judged = source.windows?.judgingRatio(model) ?? 1;
  const tokenRatio = judging ? (source.windows?.refusesOverflow(model) ? Math.min(1, learnt) : judged) : learnt;
  return countedByModel(model, { tokenRatio, toolsOff: source.toolsOff(model) });
}

/**
 * Why a request passed on whole is not sent to `model`: its effective window (what its server runs it
 * with, else its contextWindow) certainly cannot hold the prompt — counted as an agent's turn counts it —
 * and a minimal reply (MIN_REPLY_TOKENS, or the client's smaller `max_tokens`). Undefined: it is sent.
 */
export function wholeTooLarge(model: ModelSpec, context: Context, source: WholeFitSource & { maxTokens: number | undefined }): string | undefined {
  const { windows } = source;
  const window = windows?.effectiveWindow(model) ?? model.contextWindow;
  const replyTokens = Math.max(1, Math.min(MIN_REPLY_TOKENS, model.maxTokens, source.maxTokens ?? MIN_REPLY_TOKENS));
  const judged = sentTokens(context, { measuredFrom: 0, countedBy: countedBy(model, source, true) });
  if (!certainlyTooLarge({ tokens: judged, replyTokens, window })) return undefined;
  // Said at the server's count as learnt (never less than the count judged by).
  const counting = countedBy(model, source, false);
  const tokens = sentTokens(context, { measuredFrom: 0, countedBy: counting });
  return wholeRequestTooLarge(model, { tokens, replyTokens, window, context, toolsOff: counting.toolsOff, ratio: counting.tokenRatio, slots: windows?.reportedSlots(model), maximum: windows?.maximum(model), kind: windows?.serverKind(model) });
}

/**
 * The head of the error of a request passed on whole that no candidate could hold: its size and the
 * largest window of the chain (nothing was sent). Undefined when no candidate was skipped for its size.
 */
export function noneHoldsWhole(request: { chain: readonly ModelSpec[]; context: Context }, attempts: readonly Attempt[], source: WholeFitSource): string | undefined {
  const judged = request.chain.filter((model) => attempts.some((attempt) => attempt.model === model.ref && attempt.outcome === "skipped-context"));
  let largest: { model: ModelSpec; window: number } | undefined;
  for (const model of judged) {
    const window = source.windows?.effectiveWindow(model) ?? model.contextWindow;
    if (largest === undefined || window > largest.window) largest = { model, window };
  }
  if (!largest) return undefined;
  const tokens = sentTokens(request.context, { measuredFrom: 0, countedBy: countedBy(largest.model, source, false) });
  return `the request is too large for every model of the chain: about ${count(tokens)} tokens, and the largest context window is ${count(largest.window)} tokens (${largest.model.ref}) — nothing was sent; send fewer or shorter messages, or name a model with a larger window`;
}
