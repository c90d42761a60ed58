import type { ModelCompat, ModelSpec } from "../../model-spec.js";
import type { CallOptions, ReasoningSent } from "../../types.js";

/** Ollama's `think` levels (docs.ollama.com, Thinking): gpt-oss takes these, and newer servers take them of any thinking model. */
type ThinkLevel = "low" | "medium" | "high";

/**
 * Whether Ollama reasons only at a level for this model, whatever `think: false` says: "GPT-OSS requires
 * `think` to be set to "low", "medium", or "high". Passing true/false is ignored for that model."
 */
function levelsOnly(model: ModelSpec): boolean {
  return /gpt-?oss/i.test(model.id);
}

/**
 * The `think` of an `/api/chat` request for a model configured to reason (undefined for another: the
 * field is left out), and, where the reasoning level asked went as something else, what and why.
 * - no level asked: `true` (the reasoning comes apart from the text);
 * - a level: as Ollama names it ("minimal" is its "low", "xhigh" and "max" its "high"), until the server
 *   refused a level for the model (`compat.thinkLevels`, learned from its 400): then `true`;
 * - "none": `false`, but for gpt-oss, which Ollama cannot stop reasoning: its least, "low".
 */
export function ollamaThink(model: ModelSpec, options: CallOptions | undefined, compat: ModelCompat): { think: boolean | ThinkLevel; sent?: ReasoningSent } | undefined {
  if (!model.reasoning) return undefined;
  const level = options?.reasoning;
  if (level === undefined) return { think: true };
  const levels = compat.thinkLevels !== false;
  if (level === "off") {
    if (!levelsOnly(model) || !levels) return { think: false };
    return { think: "low", sent: { sent: 'think "low"', why: "Ollama cannot stop gpt-oss reasoning (it ignores think false), and low is its least" } };
  }
  const think: ThinkLevel = level === "minimal" ? "low" : level === "xhigh" || level === "max" ? "high" : level;
  if (!levels) return { think: true, sent: { sent: "think true", why: "its Ollama refused a think level for this model, so it takes thinking on or off only" } };
  if (think === level) return { think };
  return { think, sent: { sent: `think "${think}"`, why: "Ollama's levels are low, medium and high" } };
}

/** Ollama takes the reasoning out of the text itself when the request asks it to think (at any level). */
export function asksToThink(model: ModelSpec, options: CallOptions | undefined): boolean {
  return model.reasoning && (options?.reasoning !== "off" || levelsOnly(model));
}
