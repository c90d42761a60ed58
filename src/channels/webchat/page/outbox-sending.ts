import type { GatewayLink } from "./gateway-link.js";
import type { createMessageSender } from "./message-sender.js";
import { RESEND } from "./message-sender.js";
import type { HeldMessage, HeldOutcome, Outbox } from "./outbox.js";
import { retryNumber } from "../../../agent/command-shape.js";

export interface OutboxSendingOptions {
  outbox: Outbox;
  link: GatewayLink;
  send: ReturnType<typeof createMessageSender>;
  /** Settles once the open conversation is on screen. */
  opened: () => Promise<void>;
  /** The conversation open now. */
  current: () => string;
  /** Draws a held message in the open conversation as it goes; the bubble is removed if it is held again. */
  addUserMessage: (text: string) => HTMLElement;
  reportError: (error: unknown) => void;
}

/**
 * Sends the page's held messages (outbox.ts): `flush` tries those due (`all`: every one — the gateway is back, and
 * a restart may have mended what refused them); `tryWhenDue` sets one timer for the next message's wait. A message
 * the gateway could not keep (its disk full) is sent again while it is there, each on its own wait — 15 s after its
 * refusal, doubled at each refusal again, at most 5 min — in order within its conversation.
 */
export function createOutboxSending(options: OutboxSendingOptions): { flush: (all?: boolean) => void; tryWhenDue: () => void } {
  const { outbox, link, send } = options;
  /** A held message goes once the open conversation is on screen (a reload after the gateway came back draws it first). */
  const sendHeld = async (held: HeldMessage): Promise<HeldOutcome> => {
    await options.opened();
    const bubble = held.session === options.current() ? options.addUserMessage(held.shown) : undefined;
    // Its id goes with it: a tab whose view of the outbox lagged behind the one that sent it first sends it in vain, not twice.
    const outcome = await send(held.session, { text: held.text, id: held.id, ...(held.agent ? { agent: held.agent } : {}), ...(held.mayHaveArrived ? { repeated: true } : {}) }, retryNumber(held.text) === undefined ? held.shown : RESEND);
    if (outcome.kind === "away" || outcome.kind === "unkept" || outcome.kind === "too-large" || outcome.kind === "taken") bubble?.remove();
    return outcome.kind === "taken" ? { kind: "done" } : outcome;
  };
  const flush = (all = false): void => {
    outbox.flush(sendHeld, all).catch(options.reportError);
  };
  let dueTimer: number | undefined;
  const tryWhenDue = (): void => {
    window.clearTimeout(dueTimer);
    const due = outbox.nextDue();
    if (due === undefined) return;
    // Gateway away when it comes due: the flush when it is back sends it (and any storage change looks again).
    dueTimer = window.setTimeout(() => (link.state().kind === "up" ? flush() : undefined), Math.max(0, due - Date.now()) + 20);
  };
  return { flush, tryWhenDue };
}
