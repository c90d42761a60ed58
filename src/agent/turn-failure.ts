import { emptyUsage } from "../ai/usage.js";
import { ROUTE_FAULT } from "../models/router-events.js";
import type { TurnFailureCause } from "../sessions/entries.js";

/** Outcomes the next turn would hit again whatever the servers do: a request they cannot take. */
const PERMANENT = new Set(["bad-request", "context-overflow", "skipped-context", "skipped-policy"]);

/**
 * Classifies, once, why a turn got no answer, from what happened to each candidate: permanent only
 * when every candidate that could be called failed for a reason that would recur (no candidate at
 * all counts too; one without its key is not counted while another was tried). A route that broke on
 * a fault in hearth (`fault`: its route-error said so) says nothing of the candidates: it is a fault,
 * unless the user had cancelled the turn.
 */
export function turnFailureCause(outcomes: readonly string[], turn: { cancelled: boolean; fault: boolean }): TurnFailureCause {
  if (turn.cancelled || outcomes.includes("aborted")) return "cancelled";
  if (turn.fault) return "fault";
  // A candidate without its key could not be called: it says nothing of whether the request would recur.
  const called = outcomes.filter((outcome) => outcome !== "skipped-no-key");
  const judged = called.length > 0 ? called : outcomes;
  return judged.every((outcome) => PERMANENT.has(outcome)) ? "permanent" : "transient";
}

/**
 * A step's route that broke on a throw while its events were told (a listener of the turn's, the masking
 * of secrets), not on a route-error: a fault in hearth, its error told to `onFault` (the log) and the
 * turn's words ROUTE_FAULT's, as when the router itself broke — unless the user had stopped the turn.
 */
export function brokenRoute(error: unknown, turn: { cancelled: boolean; onFault: ((error: unknown) => void) | undefined }) {
  if (!turn.cancelled) turn.onFault?.(error);
  return { ok: false as const, error: turn.cancelled ? "the turn was cancelled" : ROUTE_FAULT, attempts: [], spent: emptyUsage(), shown: undefined, fault: !turn.cancelled };
}
