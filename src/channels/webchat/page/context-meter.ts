import { compactNumber, windowSize } from "./token-counts.js";
import type { ContextUse } from "./wire-types.js";

/**
 * What the next turn would send of what its prompt may use — the model's window less the reply and the
 * reserve, the room a turn plans against — beside a <meter> that turns amber at 70 %, red at 90 %:
 * "12.3k of 24k prompt tokens (51 %) · lmstudio/minimax", the exact counts and the window on hover (as
 * its server says it, windowSize).
 * A conversation longer than that room is not sent whole: the meter is full and says that earlier turns
 * will be summarised or left out (what every turn then does), never a share of the window that no turn sends.
 */
export function showContextUse(gauge: HTMLMeterElement, label: HTMLElement, context: ContextUse | undefined): void {
  if (!context || context.window <= 0) {
    gauge.value = 0;
    label.textContent = "—";
    label.removeAttribute("title");
    return;
  }
  const room = context.promptTokens;
  const over = context.tokens > room;
  const share = room > 0 ? Math.min(1, context.tokens / room) : 1;
  const percent = Math.round(share * 100);
  const exact = (tokens: number): string => tokens.toLocaleString("en-US");
  const model = context.model ? ` · ${context.model}` : "";
  gauge.value = over ? 1 : share;
  gauge.setAttribute("aria-valuetext", over ? "full: earlier turns will be summarised or left out" : `${percent} percent of what the prompt may use`);
  // The window as its server says it (windowSize: 32,768 is "32k"), and exactly.
  const whose = context.model ? `${context.model}'s` : "the";
  label.title = `${exact(context.tokens)} of the ${exact(room)} tokens the prompt may use in ${whose} ${windowSize(context.window)} window (${exact(context.window)} tokens: the rest is kept for the reply and a reserve)${over ? "; the next turn summarises earlier turns or leaves them out" : ""}`;
  label.textContent = `${compactNumber(context.tokens)} of ${compactNumber(room)} prompt tokens ${over ? "— full: earlier turns will be summarised or left out" : `(${percent} %)`}${model}`;
}
