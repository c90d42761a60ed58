import type { ModelSpec } from "../ai/model-spec.js";
import type { AssistantMessage, Failure } from "../ai/types.js";
import type { Clock } from "../shared/clock.js";
import { spanWords } from "./outcome-words.js";
import type { HealthLook } from "./server-loads.js";

/** A call that did not answer (call-model's AttemptResult has this shape). */
interface Unanswered {
  ok: false;
  failure: Failure;
  partial: AssistantMessage;
  textSent: boolean;
}

/** How long after a "loading" answer the server is asked again: soon at first, then every 2 s (each is answered at once while the server loads). */
const RESEND_AFTER_MS = [500, 1_000, 2_000] as const;
/** While the server's `/health` says it is loading, the request itself goes again only this often (should the two ever disagree). */
const RESEND_ANYWAY_MS = 30_000;
/** A hosted service (`paced`) that names no wait is asked again after these (each ask sends the whole prompt). */
const PACED_AFTER_MS = [2_000, 5_000, 10_000] as const;
/** The wait a hosted service asks for (Retry-After, Hugging Face's estimate) is kept within these: an estimate of hours is no reason to stop asking. */
const PACED_WITHIN_MS = { least: 1_000, most: 30_000 } as const;

export interface LoadWait<Answer extends { ok: true } | Unanswered> {
  clock: Clock;
  model: ModelSpec;
  /** The call's signal: the wait ends with it. */
  signal: AbortSignal;
  /** When the call began (clock time): the limit the user is told of counts from there. */
  started: number;
  /** When the load began: the first "loading" answer seen from this replica for this model, by any turn (the call's start if none before it). */
  since: number;
  /** The limit the user is told of (the first-token watch's, counted from `started`): the rest of the load's limit while it loads. */
  shown: { ms: number };
  /** The first-token limit of a request sent once the server has the model (its prompt to read). */
  firstTokenMs: () => number;
  /** Sends the call's request again, with that first-token limit from the moment it is sent. */
  send: (limit: { ms: number }) => Promise<Answer>;
  /** The server's answer that it is loading: its request's, or its `/health`'s (no request went then). */
  said: Unanswered;
  /** The cheap question asked before the request goes again (the server's `/health`); absent: the request is sent each time. */
  look?: ((signal: AbortSignal) => Promise<HealthLook>) | undefined;
  /**
   * A hosted service: asked again as often as it asks (its Retry-After or estimate, within 1–30 s), else after 2, 5,
   * then every 10 s, and once more at the limit where the wait would pass it.
   */
  paced?: boolean | undefined;
}

/**
 * A server that answered it is loading the model (llama.cpp's 503 "Loading model") is waited for as a
 * cold load: asked again every few seconds — its `/health` while that says it is loading, else the
 * request itself — until the request is taken (then it is an ordinary call, with its own first-token
 * limit), for up to the model's `coldLoadTimeoutSeconds` from the start of the load (`since`: seen by
 * this turn or an earlier one). Still loading then, the call fails as `loading` (the next model answers;
 * no cooldown) — at once for a load that had already taken that long.
 */
export async function untilLoaded<Answer extends { ok: true } | Unanswered>(wait: LoadWait<Answer>): Promise<Answer | Unanswered> {
  const { clock, model, signal, started, shown, firstTokenMs, send, look } = wait;
  const deadline = wait.since + model.coldLoadTimeoutSeconds * 1000;
  // The limit said is the load's: what is left of it where an earlier turn saw the load begin.
  shown.ms = Math.max(0, deadline - started);
  let last: Unanswered = wait.said;
  const cancelled = (): Unanswered => ({ ok: false, failure: { kind: "aborted", message: "the call was cancelled" }, partial: last.partial, textSent: false });
  /** When the request itself last went (or the call began, where only `/health` was asked). */
  let sentAt = clock.now();
  let looking = look !== undefined;
  for (let attempt = 0; ; attempt++) {
    const left = deadline - clock.now();
    const delay = wait.paced ? Math.min(pacedDelay(attempt, last.failure.retryAfterMs), left) : (RESEND_AFTER_MS[Math.min(attempt, RESEND_AFTER_MS.length - 1)] as number);
    if (wait.paced ? left <= 0 : delay > left) return stillLoading(wait, last);
    if (!(await pause(clock, delay, signal))) return cancelled();
    let looked = false;
    if (look && looking && clock.now() - sentAt < RESEND_ANYWAY_MS) {
      const found = await look(signal);
      if (signal.aborted) return cancelled();
      if (found) continue;
      looked = true;
    }
    const limit = { ms: firstTokenMs() };
    shown.ms = Math.max(deadline - started, clock.now() - started + limit.ms);
    sentAt = clock.now();
    const result = await send(limit);
    if (result.ok || result.failure.kind !== "loading" || result.textSent) return result;
    // Its /health said it was not loading, its request says it is: that /health does not follow the load (a relay's own, say).
    if (looked) looking = false;
    last = result;
  }
}

/** How long a hosted service is left before it is asked again: the wait it asked for, within bounds, else a growing pause. */
function pacedDelay(attempt: number, askedMs: number | undefined): number {
  if (askedMs !== undefined) return Math.min(PACED_WITHIN_MS.most, Math.max(PACED_WITHIN_MS.least, askedMs));
  return PACED_AFTER_MS[Math.min(attempt, PACED_AFTER_MS.length - 1)] as number;
}

/** Still loading at the load's limit: said with how long it has loaded, when an earlier turn saw it begin. */
function stillLoading(wait: { clock: Clock; model: ModelSpec; started: number; since: number }, last: Unanswered): Unanswered {
  const { clock, model, started, since } = wait;
  const said = last.failure.detail ?? last.failure.message;
  const limit = `coldLoadTimeoutSeconds of provider ${model.provider}`;
  const message =
    since < started
      ? `${model.ref}: its server has said it is loading the model for ${spanWords(clock.now() - since)}, and a cold load is waited for ${model.coldLoadTimeoutSeconds} s at most (${limit}): not waited for again until it answers — the server said: ${said}`
      : `${model.ref}: its server was still loading the model after ${model.coldLoadTimeoutSeconds} s, the longest a cold load is waited for (${limit}) — the server said: ${said}`;
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
