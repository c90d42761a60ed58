import type { SessionEntry } from "./entries.js";

type UserEntry = Extract<SessionEntry, { type: "user" }>;

/**
 * How a user entry reads among the messages before it (every reader of a session: the web chat, live
 * and reloaded, `sessions show`/`export`, a channel's answer):
 * - `message`: a message of its own;
 * - `in-place`: a resend (`retryOf`) of the message said last — nothing else was said since its
 *   previous try — shown where that try is: its answer follows it there;
 * - `again`: a resend of a message other messages came after — shown again, as the question above its
 *   answer, which would otherwise read as the answer to the message before it. Its earlier showing is
 *   then superseded: no Retry there, and its "no answer" notice says it was sent again below.
 * `first`: the id of the message's first try (what every later try of it leads back to).
 */
export type Showing = { kind: "message" } | { kind: "in-place"; first: string } | { kind: "again"; first: string };

/**
 * Reads a session's user entries in order and tells how each is shown (Showing): one rule, so that a
 * page drawn live, a page reloaded and a transcript agree. A reset starts a new conversation: a
 * resend of a try before it is a message of its own there.
 */
export class MessageTries {
  /** Each try's id → its message's first try. */
  private readonly firstOf = new Map<string, string>();
  /** The first try of the message said last. */
  private last: string | undefined;

  /** The next entry of the session, in order: how a user entry is shown (undefined for any other entry). */
  read(entry: SessionEntry): Showing | undefined {
    if (entry.type === "reset") {
      this.firstOf.clear();
      this.last = undefined;
    }
    return entry.type === "user" ? this.show(entry) : undefined;
  }

  /** How a resend of the try `retryOf`, said next, would be shown (nothing is recorded). */
  resend(retryOf: string): Showing {
    const first = this.firstOf.get(retryOf);
    if (first === undefined) return { kind: "message" };
    return this.last === first ? { kind: "in-place", first } : { kind: "again", first };
  }

  private show(entry: UserEntry): Showing {
    const showing = entry.retryOf === undefined ? { kind: "message" as const } : this.resend(entry.retryOf);
    const first = showing.kind === "message" ? entry.id : showing.first;
    this.firstOf.set(entry.id, first);
    this.last = first;
    return showing;
  }
}

/** Whether a resend of the try `retryOf` said now, after `entries`, would be shown again (other messages came after that message) rather than in place. */
export function resendShownAgain(entries: readonly SessionEntry[], retryOf: string): boolean {
  const tries = new MessageTries();
  for (const entry of entries) tries.read(entry);
  return tries.resend(retryOf).kind === "again";
}

/**
 * The ends of the reasons a turn got no answer that promise a Retry, as hearth has written them
 * (session files keep the words they were written with): a try sent again no longer offers its Retry.
 */
const RETRY_PROMISES = [
  " — Retry sends it again",
  " — Retry (or /retry) sends it",
  " — Retry sends it",
  " — /retry sends it again",
  " (/retry sends it)",
  " (Retry sends it then)",
  // A turn a killed `hearth agent` or `hearth chat` cut (src/gateway/cut-turn.ts): test/sessions/retry-promises.test.ts pins every such ending.
  " — --retry (hearth agent), /retry or the web chat's Retry sends it again",
  " — /retry (or the web chat's Retry) sends it again",
];

/** A "no answer" reason without its Retry promise: said of a try that was sent again (no Retry is offered there now). */
export function withoutRetryPromise(reason: string): string {
  const promise = RETRY_PROMISES.find((words) => reason.endsWith(words));
  return promise === undefined ? reason : reason.slice(0, -promise.length);
}

/** What the "no answer" notice of a try sent again after other messages (shown again: Showing `again`) ends with. */
export const SENT_AGAIN_BELOW = " — sent again below";
