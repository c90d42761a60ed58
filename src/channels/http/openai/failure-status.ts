import type { TurnFailureCause } from "../../../sessions/entries.js";
import type { AnswerFailure, AttemptSummary } from "./answer-events.js";

/** Outcomes that mean "nothing could answer right now": retrying later may work (503). */
const UNAVAILABLE = new Set(["unreachable", "timeout", "overloaded", "rate-limit", "model-not-found", "cold-loading", "skipped-cooldown", "skipped-policy", "skipped-context"]);

/** Candidates that were never able to take the request, whatever its size. */
const NEVER_ASKED = new Set(["skipped-no-key", "skipped-policy"]);

/**
 * The status of a request no model answered: 400 when the request itself cannot be answered (a server
 * refused it, too long for every window — a turn the agent judged permanent, refused before any call
 * included), 503 when every candidate was down, busy or cooling, 502 for anything else a server did
 * wrong (a key refused, a broken stream). A 503 invites a client to retry; a 400 does not.
 */
export function failureFor(outcome: { message: string; attempts: readonly AttemptSummary[]; lastKind: string | undefined; cause?: TurnFailureCause | undefined }): AnswerFailure {
  const { message, attempts, lastKind } = outcome;
  const failed = attempts.filter((attempt) => attempt.outcome !== "ok");
  // The request's tools, and no candidate that could take it can use them (proxy mode): the client's to change.
  if (failed.some((attempt) => attempt.outcome === "skipped-tools") && failed.every((attempt) => attempt.outcome === "skipped-tools" || NEVER_ASKED.has(attempt.outcome))) return { status: 400, message, type: "invalid_request_error", code: "tools_unsupported", attempts };
  if (lastKind === "bad-request") return { status: 400, message, type: "invalid_request_error", code: "upstream_bad_request", attempts };
  if (outcome.cause === "permanent") {
    const tooLong = failed.every((attempt) => attempt.outcome === "context-overflow" || attempt.outcome === "skipped-context");
    return { status: 400, message, type: "invalid_request_error", code: tooLong ? "context_length_exceeded" : "invalid_request", attempts };
  }
  // Too long for every model that could have taken it: those without a key, or kept out by the privacy policy, never could.
  const couldTake = failed.filter((attempt) => !NEVER_ASKED.has(attempt.outcome));
  if (couldTake.length > 0 && couldTake.every((attempt) => attempt.outcome === "context-overflow" || attempt.outcome === "skipped-context")) {
    return { status: 400, message, type: "invalid_request_error", code: "context_length_exceeded", attempts };
  }
  if (failed.every((attempt) => UNAVAILABLE.has(attempt.outcome))) return { status: 503, message, type: "server_error", code: "no_model_available", attempts };
  return { status: 502, message, type: "server_error", code: "upstream_failed", attempts };
}

/** The client went away or cancelled: nobody reads the answer (499, nginx's "client closed request"). */
export function cancelledFailure(attempts: readonly AttemptSummary[]): AnswerFailure {
  return { status: 499, message: "the request was cancelled", type: "server_error", code: "cancelled", attempts };
}
