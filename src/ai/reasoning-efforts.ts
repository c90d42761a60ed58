import type { Effort, ModelCompat } from "./model-spec.js";
import type { CallOptions, ReasoningLevel, ReasoningSent } from "./types.js";

/** OpenAI's reasoning efforts, least to most: what Chat Completions' `reasoning_effort` and Responses' `reasoning.effort` take. */
export const EFFORTS: readonly Effort[] = ["none", "minimal", "low", "medium", "high", "xhigh", "max"];

/** The efforts every OpenAI-compatible server that takes one knows (gpt-oss, vLLM, LM Studio, the o-series). */
export const COMMON_EFFORTS: readonly Effort[] = ["low", "medium", "high"];

/** A level as OpenAI names it ("off" is its "none"). */
export function effortOf(level: ReasoningLevel): Effort {
  return level === "off" ? "none" : level;
}

/**
 * The effort of `taken` nearest to `wanted` on OpenAI's scale; of two as near, the one toward "medium"
 * (a "minimal" asked of a server without it gets "low", which still reasons, not "none").
 */
export function nearestEffort(wanted: Effort, taken: readonly Effort[]): Effort {
  const at = EFFORTS.indexOf(wanted);
  const middle = EFFORTS.indexOf("medium");
  let best: Effort = taken[0] ?? "medium";
  for (const effort of taken) {
    const distance = Math.abs(EFFORTS.indexOf(effort) - at);
    const bestDistance = Math.abs(EFFORTS.indexOf(best) - at);
    if (distance < bestDistance || (distance === bestDistance && Math.abs(EFFORTS.indexOf(effort) - middle) < Math.abs(EFFORTS.indexOf(best) - middle))) best = effort;
  }
  return best;
}

/**
 * The effort an OpenAI-shaped server (Chat Completions, Responses) is sent for the call, or undefined
 * when none is asked or the model is not configured to reason. The level goes as asked until the
 * server refused one (`compat.reasoningEfforts`, learned from its words): then the nearest it takes, or
 * none where it takes none (Ollama's /v1 for a model without think levels), and `sent` says so.
 */
export function openAiEffort(model: { reasoning: boolean }, options: CallOptions | undefined, compat: ModelCompat, field: string): { effort: Effort | undefined; sent?: ReasoningSent } | undefined {
  if (!model.reasoning || options?.reasoning === undefined) return undefined;
  const asked = effortOf(options.reasoning);
  const taken = compat.reasoningEfforts;
  if (taken === undefined || taken.includes(asked)) return { effort: asked };
  if (taken.length === 0) return { effort: undefined, sent: { sent: `no ${field}`, why: "the server refused a reasoning effort for this model, so it reasons as it does by default" } };
  const effort = nearestEffort(asked, taken);
  return { effort, sent: { sent: `${field} "${effort}"`, why: `the server refused "${asked}" (it takes ${taken.join(", ")})` } };
}

/** Words that introduce the values a server takes, in the refusals of OpenAI, vLLM (pydantic) and other servers. */
const TAKEN_INTRO = /supported values?|should be|expected|must be|one of|allowed|valid values?|permitted|accepted/i;
const EFFORT_WORD = /\b(none|minimal|low|medium|high|xhigh|max)\b/g;

/**
 * What a server's refusal of an effort says it takes: "Unsupported value: 'reasoning_effort' does not
 * support 'minimal' with this model. Supported values are: 'low', 'medium', and 'high'." (OpenAI),
 * "Input should be 'low', 'medium' or 'high'" (vLLM), "invalid reasoning value: 'minimal' (must be
 * "high", "medium", "low", or "none")" (Ollama's /v1), "… supported values: [low medium high]". The
 * efforts named after the words that introduce them, but `refused`; where none are named, the common
 * three; none at all where Ollama's /v1 refused the think level it makes of one. Undefined for words
 * about something else: a refusal of the field itself names no effort.
 */
export function effortsFromRefusal(words: string, refused: Effort): Effort[] | undefined {
  // Ollama's OpenAI-compatible /v1 turns an effort into its `think` level, which a model without levels refuses.
  if (/think value "[^"]*" is not supported/i.test(words)) return [];
  if (!/effort|reasoning value/i.test(words) || !new RegExp(`\\b${refused}\\b`).test(words)) return undefined;
  const intro = TAKEN_INTRO.exec(words);
  const named = intro ? [...words.slice(intro.index).matchAll(EFFORT_WORD)].map((match) => match[1] as Effort) : [];
  const taken = EFFORTS.filter((effort) => effort !== refused && named.includes(effort));
  return taken.length > 0 ? taken : COMMON_EFFORTS.filter((effort) => effort !== refused);
}
