import type { ModelCatalog } from "./model-catalog.js";
import type { Attempt, AttemptOutcome } from "./router-events.js";

const REASONS: Record<AttemptOutcome, string> = {
  ok: "answered",
  unreachable: "unreachable",
  timeout: "timed out",
  auth: "refused the API key",
  "rate-limit": "rate-limited",
  overloaded: "overloaded",
  "server-error": "answered with a server error",
  "model-not-found": "does not have the model",
  "context-overflow": "context full",
  "stream-broken": "connection dropped mid-answer",
  "bad-request": "rejected the request",
  aborted: "cancelled",
  "skipped-cooldown": "skipped after failing recently",
  "skipped-policy": "not allowed by the privacy policy",
  "skipped-context": "context too small",
  "skipped-tools": "cannot use the request's tools",
  "skipped-no-key": "skipped: no API key",
  "cold-loading": "still loading the model",
};

/** What became of an attempt, in words ("timed out", "still loading the model"); an outcome this list lacks as it is. */
export function outcomeWords(outcome: string): string {
  return Object.hasOwn(REASONS, outcome) ? REASONS[outcome as AttemptOutcome] : outcome;
}

/**
 * One short line when a fallback answered: "answered by Opus — local server unreachable", naming
 * hosted models left out for want of a key on the way. Undefined when the first candidate answered.
 */
export function fallbackNotice(attempts: readonly Attempt[], catalog: ModelCatalog): string | undefined {
  const answered = attempts.find((attempt) => attempt.outcome === "ok");
  // A candidate the privacy policy keeps out is not "the primary that failed": the policy is the user's choice.
  const first = attempts.find((attempt) => attempt.outcome !== "skipped-policy");
  if (!answered || !first || first.model === answered.model) return undefined;
  const name = (ref: string): string => catalog.aliasOf(ref as never) ?? ref;
  // "local server unreachable", but a model left out for want of a key is named: its provider needs the key, wherever it points.
  const who = (attempt: Attempt): string => (catalog.models.get(attempt.model as never)?.local && attempt.outcome !== "skipped-no-key" ? "local server" : name(attempt.model));
  const keyless = attempts.filter((attempt) => attempt !== first && attempt.outcome === "skipped-no-key" && attempts.indexOf(attempt) < attempts.indexOf(answered));
  const also = keyless.map((attempt) => `; ${name(attempt.model)} ${REASONS[attempt.outcome]}`).join("");
  return `answered by ${name(answered.model)} — ${who(first)} ${REASONS[first.outcome]}${also}`;
}
