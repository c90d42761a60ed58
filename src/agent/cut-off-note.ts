import type { Usage } from "../ai/types.js";

/** What a reply that stopped for length ("length") was held to: the reply limit it was sent, the window it ran in. */
export interface CutOff {
  usage: Usage;
  /** The reply limit the request carried (the config's maxTokens, the window's reply room, or the caller's own). */
  replyLimit: number;
  /** The effective window of the model that answered (the configured one, or the smaller one its server runs). */
  window: number;
  /** The caller's own limit, when it was the one sent (an API client's max_tokens, by the name it gave it). */
  asked?: { field: string; tokens: number } | undefined;
}

/** How a session's turn makes room in its window (the agent's words). */
const TURN_ROOM = "/compact or /new makes room, or load the model with a larger context";

/**
 * The context window cut the reply off — the prompt and the answer together filled it before the answer
 * reached its reply limit — said with the numbers and `room` (how to make room, in the caller's words:
 * a turn's `/compact`, a proxied request's shorter messages); undefined when the reply limit cut it.
 */
export function contextCutOff(cut: CutOff, room: string = TURN_ROOM): string | undefined {
  const { usage, replyLimit, window } = cut;
  const prompt = usage.input + usage.cacheRead + usage.cacheWrite;
  if (usage.output >= replyLimit || prompt + usage.output < window) return undefined;
  return `the answer was cut off at the model's context window: the prompt (${prompt} tokens) and the answer (${usage.output}) filled its ${window}, below the reply limit (${replyLimit}); ${room}`;
}

/**
 * Which limit cut a reply off, with the numbers: the context window when the prompt and the answer together
 * filled it before the answer reached its reply limit, else the reply limit (the caller's, or the config's) —
 * never "reply limit" for a context that ran out, whose fix is not a larger maxTokens.
 */
export function cutOffNote(cut: CutOff): string {
  const window = contextCutOff(cut);
  if (window) return window;
  if (cut.asked) return `the answer was cut off at the reply limit this request set (${cut.asked.field} ${cut.asked.tokens}); send a larger ${cut.asked.field}, or ask to continue`;
  return `the answer was cut off at the reply limit (${cut.replyLimit} tokens); ask to continue, or raise maxTokens / the loaded context`;
}
