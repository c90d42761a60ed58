import { compactNumber, windowSize } from "./token-counts.js";
import type { ContextUse } from "./wire-types.js";

/**
 * "12.3k of 192k tokens · lmstudio/minimax" beside a <meter> that turns amber at 70 %, red at 90 %; the window
 * in binary k as the server's own settings say it (windowSize), the exact counts on hover ("12,345 of 196,608 tokens").
 */
export function showContextUse(gauge: HTMLMeterElement, label: HTMLElement, context: ContextUse | undefined): void {
  if (!context || context.window <= 0) {
    gauge.value = 0;
    label.textContent = "—";
    label.removeAttribute("title");
    return;
  }
  const share = Math.min(1, context.tokens / context.window);
  gauge.value = share;
  gauge.setAttribute("aria-valuetext", `${Math.round(share * 100)} percent of the context window`);
  label.title = `${context.tokens.toLocaleString("en-US")} of ${context.window.toLocaleString("en-US")} tokens`;
  label.textContent = `${compactNumber(context.tokens)} of ${windowSize(context.window)} tokens (${Math.round(share * 100)} %)${context.model ? ` · ${context.model}` : ""}`;
}
