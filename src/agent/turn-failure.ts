import type { TurnFailureCause } from "../sessions/entries.js";

/** Outcomes the next turn would hit again whatever the servers do: a request they cannot take. */
const PERMANENT = new Set(["bad-request", "context-overflow", "skipped-context", "skipped-policy"]);

/**
 * Classifies, once, why a turn got no answer, from what happened to each candidate: permanent only
 * when every candidate failed for a reason that would recur (no candidate at all counts too).
 */
export function turnFailureCause(outcomes: readonly string[], cancelled: boolean): TurnFailureCause {
  if (cancelled || outcomes.includes("aborted")) return "cancelled";
  return outcomes.every((outcome) => PERMANENT.has(outcome)) ? "permanent" : "transient";
}
