import { compactNumber } from "./dom.js";
import type { ContextUse } from "./wire-types.js";

/** "12.3k of 196k tokens · lmstudio/minimax" beside a <meter> that turns amber at 70 %, red at 90 %. */
export function showContextUse(gauge: HTMLMeterElement, label: HTMLElement, context: ContextUse | undefined): void {
  if (!context || context.window <= 0) {
    gauge.value = 0;
    label.textContent = "—";
    return;
  }
  const share = Math.min(1, context.tokens / context.window);
  gauge.value = share;
  gauge.setAttribute("aria-valuetext", `${Math.round(share * 100)} percent of the context window`);
  label.textContent = `${compactNumber(context.tokens)} of ${compactNumber(context.window)} tokens (${Math.round(share * 100)} %)${context.model ? ` · ${context.model}` : ""}`;
}
