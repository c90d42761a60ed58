import type { AttemptOutcome } from "./router-events.js";

const REASONS: Record<AttemptOutcome, string> = {
  ok: "answered",
  unreachable: "unreachable",
  timeout: "timed out",
  auth: "refused the API key",
  "rate-limit": "rate-limited",
  overloaded: "overloaded",
  loading: "still loading the model",
  "server-error": "answered with a server error",
  "model-not-found": "does not have the model",
  "no-endpoint": "has no such endpoint (check the provider's baseUrl and api)",
  "context-overflow": "context full",
  "stream-broken": "connection dropped mid-answer",
  "bad-request": "rejected the request",
  aborted: "cancelled",
  "skipped-cooldown": "skipped after failing recently",
  "skipped-policy": "not allowed by the privacy policy",
  "skipped-context": "context too small",
  "skipped-tools": "cannot use the request's tools",
  "skipped-fields": "cannot take the request's fields as asked",
  "skipped-no-key": "skipped: no API key",
  "cold-loading": "still loading the model",
};

/** What became of an attempt, in words ("timed out", "still loading the model"); an outcome this list lacks as it is. */
export function outcomeWords(outcome: string): string {
  return Object.hasOwn(REASONS, outcome) ? REASONS[outcome as AttemptOutcome] : outcome;
}

/** A span of time for a person, as long as a load may take: "40 s", "12 min", "3 h". */
export function spanWords(ms: number): string {
  const seconds = Math.round(ms / 1000);
  if (seconds < 90) return `${seconds} s`;
  const minutes = Math.round(seconds / 60);
  return minutes < 120 ? `${minutes} min` : `${Math.round(minutes / 60)} h`;
}
