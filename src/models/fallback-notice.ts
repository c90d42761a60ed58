import type { ModelCatalog } from "./model-catalog.js";
import type { Attempt, AttemptOutcome } from "./router-events.js";

const REASONS: Record<AttemptOutcome, string> = {
  ok: "answered",
  unreachable: "unreachable",
  timeout: "timed out",
  auth: "refused the API key",
  "rate-limit": "rate-limited",
  overloaded: "overloaded",
  "model-not-found": "does not have the model",
  "context-overflow": "context full",
  "stream-broken": "broke off mid-answer",
  "bad-request": "rejected the request",
  aborted: "cancelled",
  "skipped-cooldown": "skipped after failing recently",
  "skipped-policy": "not allowed by the privacy policy",
  "skipped-context": "context too small",
  "cold-loading": "still loading the model",
};

/**
 * One short line when a fallback answered: "answered by Opus — local server unreachable".
 * Undefined when the first candidate answered.
 */
export function fallbackNotice(attempts: readonly Attempt[], catalog: ModelCatalog): string | undefined {
  const answered = attempts.find((attempt) => attempt.outcome === "ok");
  // A candidate the privacy policy keeps out is not "the primary that failed": the policy is the user's choice.
  const first = attempts.find((attempt) => attempt.outcome !== "skipped-policy");
  if (!answered || !first || first.model === answered.model) return undefined;
  const name = (ref: string): string => catalog.aliasOf(ref as never) ?? ref;
  const firstModel = catalog.models.get(first.model);
  const who = firstModel?.local ? "local server" : name(first.model);
  return `answered by ${name(answered.model)} — ${who} ${REASONS[first.outcome]}`;
}
