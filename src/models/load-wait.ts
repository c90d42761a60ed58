import type { ModelSpec } from "../ai/model-spec.js";
import type { AssistantMessage, Failure } from "../ai/types.js";
import type { Clock } from "../shared/clock.js";

/** A call that did not answer (call-model's AttemptResult has this shape). */
interface Unanswered {
  ok: false;
  failure: Failure;
  partial: AssistantMessage;
  textSent: boolean;
}

/** How long after a "loading" answer the request is sent again: soon at first, then every 2 s (each is answered at once while the server loads). */
const RESEND_AFTER_MS = [500, 1_000, 2_000] as const;

export interface LoadWait<Answer extends { ok: true } | Unanswered> {
  clock: Clock;
  model: ModelSpec;
  /** The call's signal: the wait ends with it. */
  signal: AbortSignal;
  /** When the call began (clock time): the cold-load limit counts from there. */
  started: number;
  /** The limit the user is told of (the first-token watch's, counted from `started`): the cold-load limit while it loads. */
  shown: { ms: number };
  /** The first-token limit of a request sent once the server has the model (its prompt to read). */
  firstTokenMs: () => number;
  /** Sends the call's request again, with that first-token limit from the moment it is sent. */
  send: (limit: { ms: number }) => Promise<Answer>;
  /** The server's answer that it is loading. */
  said: Unanswered;
}

/**
 * A server that answered it is loading the model (llama.cpp's 503 "Loading model") is waited for as a
 * cold load: the request is sent again every few seconds until it is taken — then it is an ordinary
 * call, with its own first-token limit — for up to the model's `coldLoadTimeoutSeconds` from the start
 * of the call. Still loading then, the call fails as `loading` (the next model answers; no cooldown).
 */
export async function untilLoaded<Answer extends { ok: true } | Unanswered>(wait: LoadWait<Answer>): Promise<Answer | Unanswered> {
  const { clock, model, signal, started, shown, firstTokenMs, send } = wait;
  const coldLoadMs = model.coldLoadTimeoutSeconds * 1000;
  shown.ms = Math.max(shown.ms, coldLoadMs);
  let last: Unanswered = wait.said;
  for (let attempt = 0; ; attempt++) {
    const delay = RESEND_AFTER_MS[Math.min(attempt, RESEND_AFTER_MS.length - 1)] as number;
    if (clock.now() + delay - started > coldLoadMs) return stillLoading(model, last);
    if (!(await pause(clock, delay, signal))) return { ok: false, failure: { kind: "aborted", message: "the call was cancelled" }, partial: last.partial, textSent: false };
    const limit = { ms: firstTokenMs() };
    shown.ms = Math.max(coldLoadMs, clock.now() - started + limit.ms);
    const result = await send(limit);
    if (result.ok || result.failure.kind !== "loading" || result.textSent) return result;
    last = result;
  }
}

function stillLoading(model: ModelSpec, last: Unanswered): Unanswered {
  const said = last.failure.detail ?? last.failure.message;
  const message = `${model.ref}: its server was still loading the model after ${model.coldLoadTimeoutSeconds} s, the longest a cold load is waited for (coldLoadTimeoutSeconds of provider ${model.provider}) — the server said: ${said}`;
  return { ...last, failure: { ...last.failure, message } };
}

/**
 * Waits `ms` on the clock; false when `signal` ended the wait first. The clock's timers do not keep the
 * process alive, and between two requests nothing else does (a one-shot command would end with its
 * turn unanswered): a timer that does is held for the pause.
 */
function pause(clock: Clock, ms: number, signal: AbortSignal): Promise<boolean> {
  if (signal.aborted) return Promise.resolve(false);
  const alive = setInterval(() => undefined, 60_000);
  return new Promise<boolean>((resolve) => {
    const onAbort = (): void => {
      timer.cancel();
      resolve(false);
    };
    const timer = clock.setTimeout(() => {
      signal.removeEventListener("abort", onAbort);
      resolve(true);
    }, ms);
    signal.addEventListener("abort", onAbort, { once: true });
  }).finally(() => clearInterval(alive));
}
