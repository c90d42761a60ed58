import { ApiError, GatewayAway, type ApiClient } from "./api-client.js";
import type { HeldOutcome } from "./outbox.js";
import type { MessageRequest } from "./wire-types.js";

/**
 * The refusals of a gateway that is there but cannot keep the message now — its state dir's disk full or
 * not writable (`not_kept`), the messages waiting already holding all it keeps (`journal_full`): the page
 * keeps the message and sends it again later, as it does while the gateway is away.
 */
const NOT_KEPT_NOW = new Set(["not_kept", "journal_full"]);

/**
 * A refusal of a message the gateway could not keep for a fault of its own (`internal_error`): waiting will not
 * mend it, so the page keeps the message for the user to send again (its Retry), not by itself.
 */
const NOT_KEPT_FAULT = "internal_error";

/** A message echoed on screen before its turn starts; a resend's text is the gateway's to tell. */
export const RESEND = Symbol("resend");

/** What the page's sender shares with the rest of the page. */
export interface MessageSenderParts {
  api: ApiClient;
  /** Keys this page made with *New conversation*: nothing to read until a message is sent to them. */
  fresh: Set<string>;
  /** Per session, the messages echoed on screen whose turn-start has not come yet (a turn-start takes its echo). */
  echoes: Map<string, (string | typeof RESEND)[]>;
  reportError: (error: unknown) => void;
}

/**
 * Posts a message; resolves with how it went (the gateway away, or there but unable to keep it now: the caller
 * keeps it for later; taken: another tab sent this kept message first, and the turn-start of that one shows
 * it: the caller takes its echo away).
 */
export function createMessageSender(parts: MessageSenderParts) {
  const { api, fresh, echoes, reportError } = parts;
  return async (session: string, request: MessageRequest, echo: string | typeof RESEND): Promise<HeldOutcome | { kind: "taken" }> => {
    // Once a message is on its way the session exists (or is refused, saying why): it is read from now on.
    fresh.delete(session);
    echoes.set(session, [...(echoes.get(session) ?? []), echo]);
    try {
      const answer = await api.send(session, request);
      const queue = echoes.get(session) ?? [];
      const index = queue.indexOf(echo);
      // Its echo not taken by a turn-start yet: none will come for this one, the other tab's turn-start draws the message.
      if (answer.duplicate && index >= 0) {
        queue.splice(index, 1);
        return { kind: "taken" };
      }
      return { kind: "done" };
    } catch (error) {
      const queue = echoes.get(session) ?? [];
      const index = queue.indexOf(echo);
      // Its turn began (the echo was taken by its turn-start): it arrived, only its answer was lost.
      if (index < 0 && error instanceof GatewayAway && error.mayHaveArrived) return { kind: "done" };
      if (index >= 0) queue.splice(index, 1);
      if (error instanceof GatewayAway) return { kind: "away", mayHaveArrived: error.mayHaveArrived };
      if (error instanceof ApiError && error.code !== undefined && NOT_KEPT_NOW.has(error.code)) return { kind: "unkept", why: error.message };
      if (error instanceof ApiError && error.code === NOT_KEPT_FAULT) return { kind: "unkept", why: error.message, byUser: true };
      reportError(error);
      return { kind: "done" };
    }
  };
}
