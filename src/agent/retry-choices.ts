import type { SessionEntry } from "../sessions/entries.js";
import { cutOffTurns, latestTry, turnMarks } from "./build-context.js";

type UserEntry = Extract<SessionEntry, { type: "user" }>;

/**
 * Which message a Retry sends again: `id`, the one the page's *Retry* beside it names (its latest try
 * is judged); `latest`, the n-th of retryChoices (`/retry` is 1, `/retry 2` the one before it).
 */
export type RetryAsked = { id: string } | { latest: number };

/**
 * The messages of a conversation (`current`: after its last reset) a Retry can send again, the latest
 * first — each as its latest try (the last resend of it, or itself): every message whose latest try got
 * no answer (failed, cancelled, cut by a stop of hearth), and the last message when its answer was cut off
 * (a limit, a stall after its text went out, a stop). These are the messages the web chat gives a *Retry*
 * (the cut-off last one aside: its answer is there), counted from the end as `/retry N` counts them.
 */
export function retryChoices(current: readonly SessionEntry[]): UserEntry[] {
  const { unanswered, cutOff } = turnMarks(current, undefined);
  const resent = new Set(current.flatMap((entry) => (entry.type === "user" && entry.retryOf !== undefined ? [entry.retryOf] : [])));
  const last = current.findLast((entry): entry is UserEntry => entry.type === "user");
  return current.filter((entry): entry is UserEntry => entry.type === "user" && !resent.has(entry.id) && (unanswered.has(entry.id) || (entry === last && cutOff.has(entry.id)))).reverse();
}

/**
 * The try a Retry sends again, or undefined when there is none to send. `asked` undefined: the last
 * message, when it got no answer or its answer was cut off (a client's own resend of it, `repeated`).
 * By `id`, judged by that message's latest try (latestTry): a message a Retry already sent again and
 * got answered is not sent again (two tabs, a page not re-read since).
 */
export function pickRetry(current: readonly SessionEntry[], asked: RetryAsked | undefined): UserEntry | undefined {
  if (asked !== undefined && "latest" in asked) return retryChoices(current)[asked.latest - 1];
  const wanted = asked === undefined ? current.findLast((entry): entry is UserEntry => entry.type === "user") : latestTry(current, asked.id);
  return wanted && (turnMarks(current, undefined).unanswered.has(wanted.id) || cutOffTurns(current).has(wanted.id)) ? wanted : undefined;
}

/** How many choices the refusal names (the latest first). */
const NAMED_CHOICES = 5;
const EXCERPT_CHARS = 50;

function excerpt(text: string): string {
  const line = text.replace(/\s+/g, " ").trim();
  return line.length > EXCERPT_CHARS ? `${line.slice(0, EXCERPT_CHARS - 1)}…` : line;
}

/** `/retry` (`/retry N`) as it is typed for the n-th choice. */
export function retryCommand(latest: number): string {
  return latest === 1 ? "/retry" : `/retry ${latest}`;
}

/** What a Retry that finds nothing to send says: and, for `/retry N` past the choices, which there are and how to name each. */
export function nothingToRetry(current: readonly SessionEntry[], asked: RetryAsked): string {
  if ("id" in asked) return "Nothing to retry: that message was answered, or is not in this conversation.";
  const choices = retryChoices(current);
  if (choices.length === 0) return "Nothing to retry: every message of this conversation got its answer (or there is none).";
  const named = choices.slice(0, NAMED_CHOICES).map((entry, index) => `${retryCommand(index + 1)} sends “${excerpt(entry.text)}”`);
  const more = choices.length > NAMED_CHOICES ? `, and ${choices.length - NAMED_CHOICES} more before them` : "";
  return `Nothing to retry as ${retryCommand(asked.latest)}: ${choices.length === 1 ? "one message" : `${choices.length} messages`} of this conversation got no answer — ${named.join("; ")}${more}.`;
}
