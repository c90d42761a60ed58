import type { Usage } from "../../../ai/types.js";
import type { TurnFailureCause } from "../../../sessions/entries.js";
import type { AnswerFailure, AttemptSummary } from "./answer-events.js";
import { attemptCauses, causeOf, lastCalled, noneAnsweredWords } from "../../../models/attempt-causes.js";

/** Outcomes that mean "nothing could answer right now": retrying later may work (503). */
const UNAVAILABLE = new Set(["unreachable", "timeout", "overloaded", "loading", "rate-limit", "model-not-found", "cold-loading", "skipped-cooldown", "skipped-context"]);

/** Candidates that were never able to take the request, whatever its size or the moment: they say nothing of the servers. */
const NEVER_ASKED = new Set(["skipped-no-key", "skipped-policy", "skipped-fields"]);

/** A candidate that could not take the request: one of NEVER_ASKED, or cooling down after its key was refused (waiting does not change the key). */
const neverAsked = (attempt: AttemptSummary): boolean => NEVER_ASKED.has(attempt.outcome) || attempt.keyRefused === true;

/**
 * The status of a request no model answered, decided by the candidates that could have taken it (one
 * without a key, or kept out by the privacy policy, never could: it counts for nothing): 400 when the
 * request itself cannot be answered (a server refused it, too long for every window — a turn the agent
 * judged permanent, refused before any call included); 503 when each of them was down, busy, loading
 * or cooling (or there was none); 502 when one of them did something wrong (a key refused, a 5xx
 * other than 503, a broken stream); 500 when the turn broke on a fault in hearth (the cause "fault"),
 * whatever its candidates did. Every one of these is sent with `x-should-retry: false` (see
 * failureResponse): hearth has already been through the whole chain. It names no model as the one
 * answering: none answered (the attempts say what each did), and the last one called — a fallback
 * the client never named — was not speaking when the request failed.
 */
export function failureFor(outcome: { message: string; attempts: readonly AttemptSummary[]; lastKind: string | undefined; cause?: TurnFailureCause | undefined; param?: string | undefined }): AnswerFailure {
  const { attempts, lastKind } = outcome;
  const message = withCauses(outcome.message, attempts);
  if (outcome.cause === "fault") return faultFailure(message, attempts);
  const failed = attempts.filter((attempt) => attempt.outcome !== "ok");
  const classified = classify({ message, attempts, failed, lastKind, cause: outcome.cause });
  // A field of the request that no candidate could take as asked (proxy mode): the client's to change.
  if (failed.some((attempt) => attempt.outcome === "skipped-fields") && failed.every(neverAsked)) {
    return { status: 400, message, type: "invalid_request_error", code: "unsupported_parameter", param: outcome.param, attempts };
  }
  return classified;
}

function classify(outcome: { message: string; attempts: readonly AttemptSummary[]; failed: readonly AttemptSummary[]; lastKind: string | undefined; cause: TurnFailureCause | undefined }): AnswerFailure {
  const { message, attempts, failed, lastKind } = outcome;
  // The request's tools, and no candidate that could take it can use them (proxy mode): the client's to change.
  if (failed.some((attempt) => attempt.outcome === "skipped-tools") && failed.every((attempt) => attempt.outcome === "skipped-tools" || neverAsked(attempt))) return { status: 400, message, type: "invalid_request_error", code: "tools_unsupported", attempts };
  // Skipped ones came after the one that was asked last (the chain's keyless tail): what that one said decides.
  const couldTake = failed.filter((attempt) => !neverAsked(attempt));
  const lastAsked = lastKind !== undefined && NEVER_ASKED.has(lastKind) ? couldTake.at(-1)?.outcome : lastKind;
  if (lastAsked === "bad-request") return { status: 400, message, type: "invalid_request_error", code: "upstream_bad_request", attempts };
  if (outcome.cause === "permanent") {
    const tooLong = failed.every((attempt) => attempt.outcome === "context-overflow" || attempt.outcome === "skipped-context");
    return { status: 400, message, type: "invalid_request_error", code: tooLong ? "context_length_exceeded" : "invalid_request", attempts };
  }
  // Too long for every model that could have taken it: those without a key, or kept out by the privacy policy, never could.
  if (couldTake.length > 0 && couldTake.every((attempt) => attempt.outcome === "context-overflow" || attempt.outcome === "skipped-context")) {
    return { status: 400, message, type: "invalid_request_error", code: "context_length_exceeded", attempts };
  }
  if (couldTake.every((attempt) => UNAVAILABLE.has(attempt.outcome))) return { status: 503, message, type: "server_error", code: "no_model_available", attempts };
  return { status: 502, message, type: "server_error", code: "upstream_failed", attempts };
}

/**
 * A fault in hearth itself (what it was is logged; `message` says only that): a 500 `internal_error` —
 * neither the request's (a 400) nor the models' unavailability (a 503, which an SDK would resend as is).
 */
export function faultFailure(message: string, attempts: readonly AttemptSummary[]): AnswerFailure {
  return { status: 500, message, type: "server_error", code: "internal_error", attempts };
}

/** An attempt as a reply reports it; `cause`: its failure's words without the leading "<model>: " (the attempt names the model). */
export function attemptSummary(attempt: { model: string; outcome: string; ms?: number | undefined; message?: string | undefined; usage?: Usage | undefined; keyRefused?: true | undefined }): AttemptSummary {
  const { model, outcome, ms, usage, keyRefused } = attempt;
  const cause = causeOf(attempt);
  return { model, outcome, ...(ms === undefined ? {} : { ms }), ...(cause ? { cause } : {}), ...(usage ? { usage } : {}), ...(keyRefused ? { keyRefused } : {}) };
}

/**
 * The failure's message with the cause of each failed attempt it does not already say. The router's
 * summary ("no model could answer (a: unreachable; b: auth)") is replaced by the same list with the
 * causes; any other message (the privacy policy, a message too large…) gets the causes after it.
 */
export function withCauses(message: string, attempts: readonly AttemptSummary[]): string {
  const failed = attempts.filter((attempt) => attempt.outcome !== "ok");
  if (!failed.some((attempt) => attempt.cause && !message.includes(attempt.cause))) return message;
  const summary = noneAnsweredWords(failed);
  if (message === summary) return `no model could answer: ${attemptCauses(failed)}`;
  return `${message} — ${attemptCauses(failed.filter((attempt) => attempt.cause && !message.includes(attempt.cause)))}`;
}

/**
 * The model answered and the answer could not be saved (a full disk): 507 Insufficient Storage, the
 * message saying what the session keeps and what not; the answer itself goes with it where the client
 * was not sent it already (a stream was). Not retried by the SDKs (`x-should-retry: false`, as every failure).
 */
export function unsavedFailure(outcome: { message: string; attempts: readonly AttemptSummary[]; answer: string; sent: boolean }): AnswerFailure {
  const message = outcome.sent ? outcome.message : `${outcome.message} — the answer: ${outcome.answer}`;
  return { status: 507, message, type: "server_error", code: "answer_not_saved", attempts: outcome.attempts, ...(lastCalled(outcome.attempts) === undefined ? {} : { model: lastCalled(outcome.attempts) }) };
}

/**
 * The gateway stops: the answer was cut off (its drain time was over), or the request was never run (it
 * waited for its turn): the client is still there and is told which — `message`, the turn's own words
 * (default: cut off) — 503 (the log's `answer`), not the 499 of a client that went away.
 */
export function stoppedFailure(attempts: readonly AttemptSummary[], message = "the gateway is stopping: this answer was cut off (send the request again once the gateway is back)"): AnswerFailure {
  return { status: 503, message, type: "server_error", code: "gateway_stopping", attempts };
}

/** The client went away or cancelled: nobody reads the answer (499, nginx's "client closed request"). */
export function cancelledFailure(attempts: readonly AttemptSummary[]): AnswerFailure {
  return { status: 499, message: "the request was cancelled", type: "server_error", code: "cancelled", attempts };
}

/**
 * The model failed in the middle of an answer the client was already shown part of, on a stream that
 * cannot take text back: no other model was tried (a fallback would start a new answer). Not
 * `no_model_available`: the model was there and answered until it went silent (`upstream_stalled`) or
 * broke off (`upstream_interrupted`). 502: sending the request again tries the chain anew.
 */
export function midAnswerFailure(outcome: { message: string; attempts: readonly AttemptSummary[]; lastKind: string | undefined; model: string | undefined }): AnswerFailure {
  const message = `${withCauses(outcome.message, outcome.attempts)} — the answer so far was sent; a stream cannot restart on another model once text went out: send the request again`;
  const code = outcome.lastKind === "timeout" ? "upstream_stalled" : "upstream_interrupted";
  return { status: 502, message, type: "server_error", code, attempts: outcome.attempts, ...(outcome.model === undefined ? {} : { model: outcome.model }) };
}
