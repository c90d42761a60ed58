import type { TurnFailureCause } from "../sessions/entries.js";

/** Outcomes the next turn would hit again whatever the servers do: a request they cannot take. */
const PERMANENT = new Set(["bad-request", "context-overflow", "skipped-context", "skipped-policy"]);

/**
 * Classifies, once, why a turn got no answer, from what happened to each candidate: permanent only
 * when every candidate that could be called failed for a reason that would recur (no candidate at
 * all counts too; one without its key is not counted while another was tried).
 */
export function turnFailureCause(outcomes: readonly string[], cancelled: boolean): TurnFailureCause {
  if (cancelled || outcomes.includes("aborted")) return "cancelled";
  // A candidate without its key could not be called: it says nothing of whether the request would recur.
  const called = outcomes.filter((outcome) => outcome !== "skipped-no-key");
  const judged = called.length > 0 ? called : outcomes;
  return judged.every((outcome) => PERMANENT.has(outcome)) ? "permanent" : "transient";
}
