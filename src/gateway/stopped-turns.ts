import { emptyUsage } from "../ai/usage.js";
import type { HandleResult } from "./port.js";

/** What a message whose turn had not begun when the gateway began to stop comes to. */
export interface NotStarted {
  /** Its journal entry stays (not taken): the next `hearth gateway` saves it to its session, unanswered. */
  leftInJournal: boolean;
  /** The caller's answer; undefined: it is saved unanswered now (a gateway without a journal). */
  result: HandleResult | undefined;
}

/**
 * A message still waiting for its turn when the gateway stops is not started (that would make the
 * stop longer, and a gateway started meanwhile serves the page). A message its channel promised to
 * keep (the web chat's 202, WhatsApp's) stays in the journal, which the next start saves to its
 * session unanswered; an API request's is not run, and its client is told the gateway is stopping.
 */
export function notStartedAtStop(session: string, message: { keep: boolean; journaled: boolean }): NotStarted {
  if (message.keep && message.journaled) return { leftInJournal: true, result: failed(session, KEPT_FOR_NEXT_START) };
  if (message.keep) return { leftInJournal: false, result: undefined };
  return { leftInJournal: false, result: notRunAtStop(session) };
}

/** What a message its channel did not promise to keep (an API request's) is told when the gateway stops before its turn begins. */
export function notRunAtStop(session: string): HandleResult {
  return failed(session, NOT_RUN_STOPPING);
}

/** A message whose sender went away before its turn began: no model was called and nothing was saved. */
export function notRun(session: string): HandleResult {
  return failed(session, "not run: the sender went away before this message's turn began; it was not saved");
}

/** Why a message kept as its channel promised got no answer (it shows unanswered; `/retry` sends it). */
export const STOPPED_BEFORE_TURN = "the gateway stopped before this message's turn began — Retry sends it";

const KEPT_FOR_NEXT_START = "the gateway stopped before this message's turn began; it is kept, and the next start saves it to its conversation, unanswered (Retry sends it then)";
const NOT_RUN_STOPPING = "not run: the gateway is stopping and started no new turn; the message was not saved (send it again once the gateway is back)";

function failed(session: string, error: string): HandleResult {
  return { kind: "turn", result: { ok: false, error, session, attempts: [], cause: "cancelled", compaction: undefined, usage: emptyUsage() } };
}
