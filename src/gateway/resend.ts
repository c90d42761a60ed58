import type { Agent } from "../agent/agent.js";
import type { UserEntry } from "../agent/agent-options.js";
import { retryNumber } from "../agent/command-shape.js";
import { nothingToRetry, pickRetry, type RetryAsked } from "../agent/retry-choices.js";
import { resendShownAgain } from "../sessions/message-tries.js";
import { currentConversation } from "../sessions/session-store.js";
import type { InboundMessage } from "./port.js";

/**
 * What a message's turn sends: the message itself (`none`); a resend — the try it sends again, and
 * whether it is shown again after the messages said since (MessageTries) rather than in place; or,
 * for a Retry with nothing to send, what to say instead.
 */
export type Resend = { kind: "none" } | { kind: "resend"; entry: UserEntry; again: boolean } | { kind: "nothing"; text: string };

/** Which message a Retry asks for: the one a page's *Retry* names (`retryOf`), else the n-th latest without an answer (`/retry n`; `/retry`, a `retry` flag: the latest). */
export function retryAsked(inbound: Pick<InboundMessage, "retryOf" | "text">): RetryAsked {
  return inbound.retryOf === undefined ? { latest: retryNumber(inbound.text) ?? 1 } : { id: inbound.retryOf };
}

/**
 * The resend a turn makes, under the session's lock: a Retry's (`retrying`: what `asked` names), a
 * client's own resend of the last message when it got no answer (`repeated`, the same text), or a
 * client's regenerate (`regenerate`: the message client-history.ts matched).
 */
export async function findResend(agent: Agent, session: string, request: { retrying: boolean; asked: RetryAsked; repeated: boolean; text: string; regenerate: UserEntry | undefined }): Promise<Resend> {
  const { retrying, repeated, regenerate } = request;
  if (!retrying && !repeated && regenerate === undefined) return { kind: "none" };
  const current = currentConversation(await agent.readSession(session));
  const unanswered = retrying || repeated ? pickRetry(current, retrying ? request.asked : undefined) : undefined;
  const entry = retrying || unanswered?.text === request.text ? unanswered : regenerate;
  if (entry) return { kind: "resend", entry, again: resendShownAgain(current, entry.id) };
  return retrying ? { kind: "nothing", text: nothingToRetry(current, request.asked) } : { kind: "none" };
}

/** How long a message sent again is quoted before an answer that shows only itself. */
const QUOTED_CHARS = 80;

/**
 * What a channel that shows only the answer (WhatsApp, a terminal) says above the answer to a message
 * sent again after other messages (HandleResult.sentAgain): which message it answers — the web chat and
 * the transcript show the question again instead.
 */
export function sentAgainWords(text: string): string {
  const line = text.replace(/\s+/g, " ").trim();
  return `sent again: “${line.length > QUOTED_CHARS ? `${line.slice(0, QUOTED_CHARS - 1)}…` : line}”`;
}
