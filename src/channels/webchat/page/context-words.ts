// What the context meter says: pure, so a Node test checks it (test/webchat/context-meter.test.ts).
import { compactNumber, windowSize } from "./token-counts.js";
import type { ContextUse } from "./wire-types.js";

export interface ContextMeterWords {
  /** The <meter>'s value, 0 to 1. */
  value: number;
  /** Its aria-valuetext. */
  valuetext: string;
  /** The label beside it, and its title (shown on hover). */
  text: string;
  title: string;
}

/**
 * What the next turn would send of what its prompt may use — the model's window less the reply and the
 * reserve, the room a turn plans against: "12.3k of 24k prompt tokens (51 %) · lmstudio/minimax", the
 * exact counts and the window (as its server says it, windowSize) on hover. A conversation longer than
 * that room is not sent whole: full, saying that earlier turns will be summarised or left out (what every
 * turn then does), never a share of the window that no turn sends. A count that is only the estimate (the
 * server never counted one) starts with "~" and says so on hover. Undefined: no model to measure for.
 */
export function contextMeterWords(context: ContextUse | undefined): ContextMeterWords | undefined {
  if (!context || context.window <= 0) return undefined;
  const room = context.promptTokens;
  const over = context.tokens > room;
  const share = room > 0 ? Math.min(1, context.tokens / room) : 1;
  const percent = Math.round(share * 100);
  const exact = (tokens: number): string => tokens.toLocaleString("en-US");
  const model = context.model ? ` · ${context.model}` : "";
  const whose = context.model ? `${context.model}'s` : "the";
  const full = "full: earlier turns will be summarised or left out";
  return {
    value: over ? 1 : share,
    valuetext: over ? full : `${percent} percent of what the prompt may use`,
    text: `${context.estimated ? "~" : ""}${compactNumber(context.tokens)} of ${compactNumber(room)} prompt tokens ${over ? `— ${full}` : `(${percent} %)`}${model}`,
    title: `${exact(context.tokens)} of the ${exact(room)} tokens the prompt may use in ${whose} ${windowSize(context.window)} window (${exact(context.window)} tokens: the rest is kept for the reply and a reserve)${over ? "; the next turn summarises earlier turns or leaves them out" : ""}${context.estimated ? "; estimated at 4 characters a token: the model's server has not counted a prompt yet" : ""}`,
  };
}
