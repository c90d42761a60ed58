import type { ServerKind } from "../ai/server-kind.js";
import type { Usage } from "../ai/types.js";

/**
 * Where a reply limit came from: the model's maxTokens in the config, or the room a turn keeps for the
 * reply in the model's window (a quarter of it, at least 256: budgetFor) — the window its server runs it
 * with (`served`, of the server `kind` where it said), or its configured contextWindow.
 */
export type ReplyLimitSource = { by: "config"; model: string } | { by: "window"; model: string; window: number; served: boolean; kind?: ServerKind | undefined };

/** What a reply that stopped for length ("length") was held to: the reply limit it was sent, the window it ran in. */
export interface CutOff {
  usage: Usage;
  /** The reply limit the request carried (the config's maxTokens, the window's reply room, or the caller's own). */
  replyLimit: number;
  /** The effective window of the model that answered (the configured one, or the smaller one its server runs). */
  window: number;
  /** The caller's own limit, when it was the one sent (an API client's max_tokens, by the name it gave it). */
  asked?: { field: string; tokens: number } | undefined;
  /** Where the reply limit came from, where known: the fix offered is the one that raises it. */
  from?: ReplyLimitSource | undefined;
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
  const context = contextCutOff(cut);
  if (context) return context;
  if (cut.asked) return `the answer was cut off at the reply limit this request set (${cut.asked.field} ${cut.asked.tokens}); send a larger ${cut.asked.field}, or ask to continue`;
  const from = cut.from;
  if (!from) return `the answer was cut off at the reply limit (${cut.replyLimit} tokens); ask to continue, or raise maxTokens / the loaded context`;
  if (from.by === "config") return `the answer was cut off at the reply limit (${count(cut.replyLimit)} tokens: ${from.model}'s maxTokens in the config); ask to continue, or raise maxTokens there`;
  // A quarter of the window, or (a window under 1,024 tokens) the least a turn keeps for a reply: a larger window raises it, maxTokens does not.
  const share = cut.replyLimit === Math.floor(from.window / 4) ? "a quarter of" : "the least a turn keeps for the reply in";
  const window = from.served ? `the ${count(from.window)}-token window the server runs ${from.model} with` : `${from.model}'s ${count(from.window)}-token contextWindow`;
  return `the answer was cut off at the reply limit (${count(cut.replyLimit)} tokens: ${share} ${window}); ask to continue, or ${largerWindow(from)}`;
}

const count = (tokens: number): string => tokens.toLocaleString("en-US");

/** The fix that raises a reply limit taken from the window: a larger context where it is served, in the server's own setting where it said which it is. */
function largerWindow(from: Extract<ReplyLimitSource, { by: "window" }>): string {
  if (!from.served) return "raise contextWindow in the config (where the server runs the model with that much)";
  switch (from.kind) {
    case "llamacpp":
      return "restart the server with a larger context (llama.cpp: a larger -c)";
    case "vllm":
      return "restart the server with a larger context (vLLM: --max-model-len)";
    case "lmstudio":
      return `load the model with a larger context (hearth models load ${from.model} --context …)`;
    case "ollama":
      return "raise contextWindow in the config (hearth asks Ollama for it as num_ctx)";
    default:
      return "run the model with a larger context on its server";
  }
}
