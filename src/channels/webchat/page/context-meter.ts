import { contextMeterWords } from "./context-words.js";
import type { ContextUse } from "./wire-types.js";

/**
 * The header's context meter: a <meter> that turns amber at 70 %, red at 90 %, of what the next turn's
 * prompt may use, and its label (contextMeterWords: "12.3k of 24k prompt tokens (51 %) · lmstudio/minimax",
 * full when earlier turns will be summarised or left out).
 */
export function showContextUse(gauge: HTMLMeterElement, label: HTMLElement, context: ContextUse | undefined): void {
  const words = contextMeterWords(context);
  if (!words) {
    gauge.value = 0;
    label.textContent = "—";
    label.removeAttribute("title");
    return;
  }
  gauge.value = words.value;
  gauge.setAttribute("aria-valuetext", words.valuetext);
  label.title = words.title;
  label.textContent = words.text;
}
