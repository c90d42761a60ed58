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

/** The gateway refused the message as larger than it takes (413): sent again as it is, it is refused again. */
const TOO_LARGE = "request_too_large";

/** A size in bytes as people read it (KiB, MiB: the units of gateway.limits.maxBodyBytes in the docs). */
function size(bytes: number): string {
  if (bytes >= 1024 * 1024) return `${(bytes / (1024 * 1024)).toFixed(1)} MiB`;
  if (bytes >= 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${bytes} bytes`;
}

/** What a too-large refusal says: the message's size, and by how much it went past the gateway's limit where it said its limit. */
export function tooLargeWords(sentBytes: number, limitBytes: number | undefined): string {
  const over = limitBytes !== undefined && sentBytes > limitBytes ? `${size(sentBytes)}, ${size(sentBytes - limitBytes)} over its limit of ${size(limitBytes)}` : undefined;
  return `the message is too large for the gateway${over ? ` (${over}; gateway.limits.maxBodyBytes)` : " (gateway.limits.maxBodyBytes)"}. Sent again as it is, it would be refused again: shorten it or split it`;
}

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
 * keeps it for later; too large: the caller gives it back to be shortened; taken: another tab sent this kept
 * message first, and the turn-start of that one shows it: the caller takes its echo away).
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
      // Too large: no try of it as it is can work — the caller gives the words back to be shortened, never drops them.
      if (error instanceof ApiError && (error.status === 413 || error.code === TOO_LARGE)) return { kind: "too-large", why: tooLargeWords(new TextEncoder().encode(JSON.stringify(request)).length, error.limitBytes) };
      reportError(error);
      return { kind: "done" };
    }
  };
}
