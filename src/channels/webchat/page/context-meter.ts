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
  label.dataset["short"] = words.text;
  label.textContent = label.closest("[data-detail]") ? words.title : words.text;
}

/**
 * A tap on the meter shows its detail — the exact counts and the window, its hover text — in the line itself,
 * wrapped (a phone has no hover); another tap, the short words again.
 */
export function showContextDetailOnTap(meter: HTMLElement, label: HTMLElement): void {
  meter.addEventListener("click", () => {
    if (!label.title) return;
    const shown = meter.toggleAttribute("data-detail");
    label.textContent = shown ? label.title : (label.dataset["short"] ?? label.textContent);
  });
}

/** The header's meter as the page uses it: found by its ids, tap-to-detail wired, `show` for each conversation's context. */
export function createContextMeter(find: { gauge: HTMLMeterElement; label: HTMLElement; meter: HTMLElement }): { show(context: ContextUse | undefined): void } {
  showContextDetailOnTap(find.meter, find.label);
  return { show: (context) => showContextUse(find.gauge, find.label, context) };
}
