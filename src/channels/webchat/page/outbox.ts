import { element } from "./dom.js";

const STORAGE_KEY = "hearth.unsent-messages";
const LOCK_NAME = "hearth.unsent-messages";

/** A message typed while the gateway could not take it: kept in this browser until it is sent or cancelled. */
export interface HeldMessage {
  id: string;
  session: string;
  /** What is sent (`//shrug` as typed). */
  text: string;
  /** What is shown, as the transcript shows it (`/shrug`). */
  shown: string;
  /** The agent picked (the model is the session's choice, kept by the gateway). */
  agent?: string | undefined;
  /** A try was sent and its answer lost: the gateway may have kept it, so it is sent as a resend (`repeated`). */
  mayHaveArrived: boolean;
  /** The gateway's words when it was there but could not keep it (a full disk): it is sent again later (unkeptRetryMs). */
  why?: string | undefined;
  /** It could not be kept for a fault in hearth (waiting will not mend it): it waits for the user's Retry, not sent by itself. */
  byUser?: true | undefined;
  /** The gateway refused it as too large (these words say by how much): no try can take it as it is — it waits for the user's Edit (back to the input box) or Cancel. */
  tooLarge?: string | undefined;
  /** Refused as not kept: this message's own wait before its next try (15 s, doubled at each refusal) and when that try is due (ms since the epoch). */
  waitMs?: number | undefined;
  dueAt?: number | undefined;
  /** A tab is sending it now (or was, and closed before it heard back: then it may have arrived). */
  sending?: boolean | undefined;
  at: string;
}

/** The first wait before the page sends again a message the gateway could not keep (its state dir's disk full): as the gateway tries its own kept messages. */
export const UNKEPT_RETRY_MS = 15_000;
/** The longest wait between those tries: each failed try doubles the wait (15 s, 30 s, 60 s …) up to this. */
export const UNKEPT_RETRY_MOST_MS = 5 * 60_000;

/** The wait after a try that the gateway refused again: twice the last one, at most UNKEPT_RETRY_MOST_MS. */
export function nextUnkeptWait(lastMs: number): number {
  return Math.min(lastMs * 2, UNKEPT_RETRY_MOST_MS);
}

/**
 * How sending one went: sent (or refused, the error shown): it leaves the outbox; away: kept for later;
 * unkept: the gateway is there but could not keep it now (`why`, its words): kept, and sent again later —
 * by the user's Retry alone where `byUser` (a fault in hearth, which waiting does not mend); too large: kept,
 * never sent again as it is, for the user to edit (or cancel).
 */
export type HeldOutcome = { kind: "done" } | { kind: "away"; mayHaveArrived: boolean } | { kind: "unkept"; why: string; byUser?: true | undefined } | { kind: "too-large"; why: string };

export interface Outbox {
  hold(message: Omit<HeldMessage, "id" | "at" | "sending">): void;
  /** Shows the held messages of `session` (with *Cancel*) and how many wait in other conversations. */
  draw(session: string): void;
  /**
   * Sends the held messages, oldest first, one at a time — a conversation's in the order they were typed, one not due yet
   * (`all`: every one is) or waiting for its Retry holding the later ones of its conversation back — until one cannot reach the gateway; one tab
   * at a time (a Web Lock), each message read again from storage just before it goes. The storage of a
   * tab can lag behind the lock (another tab's process wrote it), so a message another tab sent may be
   * sent again: it carries its id, and the gateway takes each id once.
   */
  flush(send: (message: HeldMessage) => Promise<HeldOutcome>, all?: boolean): Promise<void>;
  /**
   * The gateway started a turn for `text` in `session`: a held message that may have arrived (its try's
   * answer was lost) and says that did arrive, so it leaves the outbox rather than go twice. True if one did.
   */
  arrived(session: string, text: string): boolean;
  /** When the earliest try of a message the gateway could not keep is due (ms since the epoch); undefined when none waits to be sent again by itself. */
  nextDue(): number | undefined;
  /** Whether a message of `session` waits here: one typed after it goes behind it, never before it. */
  holds(session: string): boolean;
}

function isHeld(value: unknown): value is HeldMessage {
  const item = value as Partial<HeldMessage> | null;
  return typeof item === "object" && item !== null && typeof item.id === "string" && typeof item.session === "string" && typeof item.text === "string" && typeof item.shown === "string";
}

/** The messages not sent yet, in this browser's localStorage (`hearth.unsent-messages`): a reload or a closed tab keeps them. */
export function createOutbox(options: { storage: Storage; container: HTMLElement; onChange: () => void; onRetry: () => void; onEdit: (text: string) => void; now?: (() => number) | undefined }): Outbox {
  const { storage, container } = options;
  const now = options.now ?? Date.now;
  // Another tab held, sent or cancelled one: shown here too.
  window.addEventListener("storage", (event) => {
    if (event.key === STORAGE_KEY || event.key === null) options.onChange();
  });

  const read = (): HeldMessage[] => {
    try {
      const parsed = JSON.parse(storage.getItem(STORAGE_KEY) ?? "[]") as unknown;
      return Array.isArray(parsed) ? parsed.filter(isHeld) : [];
    } catch {
      return [];
    }
  };
  const write = (messages: readonly HeldMessage[]): void => {
    if (messages.length === 0) storage.removeItem(STORAGE_KEY);
    else storage.setItem(STORAGE_KEY, JSON.stringify(messages));
    options.onChange();
  };
  const change = (id: string, edit: (message: HeldMessage) => HeldMessage | undefined): void => {
    write(read().flatMap((message) => (message.id === id ? (edit(message) ?? []) : [message])));
  };

  const draw = (session: string): void => {
    // One a tab is sending right now is in its transcript already.
    const waiting = read().filter((message) => !message.sending);
    const here = waiting.filter((message) => message.session === session);
    const elsewhere = waiting.length - here.length;
    const rows = here.map((message, index) => {
      const cancel = element("button", { className: "held-cancel", text: "Cancel", attributes: { type: "button" } });
      cancel.addEventListener("click", () => change(message.id, () => undefined));
      const why = message.why?.replace(/^not accepted: /, "");
      if (message.tooLarge) {
        // No Retry: sent as it is, it is refused again. Edit gives the words back to the input box (it leaves the outbox), to shorten.
        const edit = element("button", { className: "held-edit", text: "Edit", attributes: { type: "button" } });
        edit.addEventListener("click", () => {
          change(message.id, () => undefined);
          options.onEdit(message.text);
        });
        return element(
          "div",
          { className: "held", attributes: { "data-held": message.id } },
          element("div", { className: "message user held-message", text: message.shown }),
          element("p", { className: "held-note", text: `Not sent — ${message.tooLarge}. Edit puts it back in the input box. ` }, edit, cancel),
        );
      }
      if (message.byUser) {
        // A fault in hearth: sent again only when the user says so (after a restart of the gateway, say).
        const retry = element("button", { className: "held-retry", text: "Retry", attributes: { type: "button" } });
        retry.addEventListener("click", () => {
          change(message.id, (stored) => ({ ...stored, byUser: undefined }));
          options.onRetry();
        });
        return element(
          "div",
          { className: "held", attributes: { "data-held": message.id } },
          element("div", { className: "message user held-message", text: message.shown }),
          element("p", { className: "held-note", text: `Not sent — hearth could not keep it: ${why ?? "a fault in hearth"}. Waiting will not fix this: Retry sends it again. ` }, retry, cancel),
        );
      }
      // Typed after another message of this conversation that is not sent yet: it goes right after that one, never before it.
      const note =
        index > 0
          ? "Not sent yet — it goes after the message above it, in the order they were typed. "
          : why
            ? `Not sent yet — hearth could not keep it: ${why}. It is sent again by itself: after ${(message.waitMs ?? UNKEPT_RETRY_MS) / 1000} s, then less often (at most every ${UNKEPT_RETRY_MOST_MS / 60_000} min). `
            : "Not sent yet — will be sent when hearth is back. ";
      return element("div", { className: "held", attributes: { "data-held": message.id } }, element("div", { className: "message user held-message", text: message.shown }), element("p", { className: "held-note", text: note }, cancel));
    });
    if (elsewhere > 0) rows.push(element("p", { className: "held-elsewhere", text: `${elsewhere} more ${elsewhere === 1 ? "message waits" : "messages wait"} in other conversations.` }));
    container.replaceChildren(...rows);
    container.hidden = rows.length === 0;
  };

  /**
   * Oldest first; a conversation's messages in the order they were typed: one that waits — for the user's Retry or Edit, or for its
   * own next try after a refusal (`all`: the gateway just came back, every try is due) — holds the later ones of its
   * conversation back, not those of others.
   */
  const sendAll = async (send: (message: HeldMessage) => Promise<HeldOutcome>, all: boolean): Promise<void> => {
    const held = new Set<string>();
    for (;;) {
      let next: HeldMessage | undefined;
      for (const message of read()) {
        if (held.has(message.session)) continue;
        if (message.byUser || message.tooLarge !== undefined || (!all && (message.dueAt ?? 0) > now())) held.add(message.session);
        else {
          next = message;
          break;
        }
      }
      if (!next) return;
      // A tab closed while sending it (or one without Web Locks sends it): it may have arrived, so it goes as a resend.
      const message = next.sending ? { ...next, mayHaveArrived: true } : next;
      change(message.id, (stored) => ({ ...stored, sending: true }));
      const outcome = await send(message);
      if (outcome.kind === "done") {
        change(message.id, () => undefined);
        continue;
      }
      if (outcome.kind === "away") {
        change(message.id, (stored) => ({ ...stored, sending: false, mayHaveArrived: stored.mayHaveArrived || outcome.mayHaveArrived, why: undefined, waitMs: undefined, dueAt: undefined }));
        return;
      }
      if (outcome.kind === "too-large") {
        change(message.id, (stored) => ({ ...stored, sending: false, tooLarge: outcome.why, byUser: undefined, why: undefined, waitMs: undefined, dueAt: undefined }));
        held.add(message.session);
        continue;
      }
      // Refused again: its own wait doubles (another message's refusals say nothing of when this one is tried); the others go on.
      const waitMs = message.waitMs === undefined ? UNKEPT_RETRY_MS : nextUnkeptWait(message.waitMs);
      change(message.id, (stored) => ({ ...stored, sending: false, why: outcome.why, ...(outcome.byUser ? { byUser: true } : { waitMs, dueAt: now() + waitMs }) }));
      held.add(message.session);
    }
  };

  // No tab sends now (the lock is free): one marked as being sent was left so by a tab closed meanwhile, and it
  // may have arrived. It is shown again, and goes as a resend.
  void navigator.locks?.request(LOCK_NAME, { ifAvailable: true }, (lock) => {
    if (!lock || !read().some((message) => message.sending)) return;
    write(read().map((message) => (message.sending ? { ...message, sending: false, mayHaveArrived: true } : message)));
  });

  let flushing: Promise<void> | undefined;
  return {
    hold: (message) => {
      const id = `${now().toString(36)}-${Array.from(crypto.getRandomValues(new Uint8Array(4)), (byte) => byte.toString(16).padStart(2, "0")).join("")}`;
      const due = message.why !== undefined && !message.byUser ? { waitMs: UNKEPT_RETRY_MS, dueAt: now() + UNKEPT_RETRY_MS } : {};
      write([...read(), { ...message, ...due, id, at: new Date(now()).toISOString() }]);
    },
    draw,
    nextDue: () => {
      const due = read().flatMap((message) => (message.dueAt !== undefined && !message.sending && !message.byUser ? [message.dueAt] : []));
      return due.length > 0 ? Math.min(...due) : undefined;
    },
    holds: (session) => read().some((message) => message.session === session),
    arrived: (session, text) => {
      const match = read().find((message) => message.mayHaveArrived && !message.sending && message.session === session && message.shown === text);
      if (match) change(match.id, () => undefined);
      return match !== undefined;
    },
    flush: (send, all = false) => {
      // Another flush of this tab runs: it reads storage again for each message, so it takes this one too.
      flushing ??= (navigator.locks ? navigator.locks.request(LOCK_NAME, () => sendAll(send, all)) : sendAll(send, all)).finally(() => {
        flushing = undefined;
      });
      return flushing;
    },
  };
}
