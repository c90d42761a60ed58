import { resolveTimeouts } from "../ai/adapter.js";
import type { ModelSpec } from "../ai/model-spec.js";
import type { AttemptResult } from "./call-model.js";
import type { RouterDependencies } from "./router-dependencies.js";

type Answered = Extract<AttemptResult, { ok: true }>;

/**
 * A local reply whose prompt and words together reached the context its server runs (`model.baseUrl`)
 * stopped there, whatever it says (llama.cpp's Responses API says "completed"): it is cut off
 * ("length"), and the server is asked its context again at the next turn (it may have been restarted smaller). A reply
 * planned before the server said its context (a stuck or starting server did not answer the ask) asks it first, with the
 * patience of the call it just answered (its limits; `signal`: the turn's), not a short bound: on a loaded machine a
 * server can take more than a second to say its window, and a reply that filled it must still be called cut off. Once
 * while its asks go unanswered (`askedAfterReply`, by replica and model: a server that answers calls but not asks does not hold
 * every reply that long).
 */
export async function endOfContext(options: { model: ModelSpec; result: Answered; windows: RouterDependencies["windows"]; signal: AbortSignal; askedAfterReply: Set<string> }): Promise<Answered> {
  const { model, result, windows, signal, askedAfterReply } = options;
  const { usage, stopReason } = result.message;
  if (!model.local || !windows || usage.estimated) return result;
  // Planned before its server said its window (it did not answer the last ask: stuck, starting), a reply that ended "stop" may have
  // filled a smaller one — llama.cpp's Responses API says "completed" for a reply its window cut off: asked now, as it just answered.
  const unanswered = windows.askUnanswered(model, model.baseUrl);
  // By replica and model, as the asks it bounds are kept: another model of the same server answering its asks does not re-open this one's.
  const asked = `${model.baseUrl}\u0000${model.id}`;
  if (!unanswered) askedAfterReply.delete(asked);
  if (stopReason === "stop" && unanswered && !askedAfterReply.has(asked) && windows.explain(model, model.baseUrl).source === "configured") {
    askedAfterReply.add(asked);
    await windows.askAfterReply(model, { replica: model.baseUrl, timeouts: resolveTimeouts(model, undefined), signal }).catch(() => undefined);
  }
  if (usage.input + usage.cacheRead + usage.cacheWrite + usage.output < windows.effectiveWindow(model, model.baseUrl)) return result;
  windows.stale(model, model.baseUrl);
  return stopReason === "stop" ? { ...result, message: { ...result.message, stopReason: "length" } } : result;
}
