import type { AgentEvent } from "../../../agent/agent-events.js";
import { outcomeWords } from "../../../models/fallback-notice.js";
import type { RouterEvent } from "../../../models/router-events.js";
import { queuedNotice, TURN_QUEUED_NOTICE, waitingNotice } from "../../../models/waiting-notice.js";
import type { StatusLine } from "./answer-events.js";

/** The events of either mode that a waiting client is told of. */
export type WaitEvent =
  | Extract<RouterEvent, { type: "attempt-waiting" | "attempt-queued" | "model-loading" }>
  | { type: "attempt-failed"; model: string; outcome: string; next: string | undefined }
  | Extract<AgentEvent, { type: "turn-queued" }>;

/**
 * What a stream's client is told while it waits, in the words the terminal and the web chat use: only
 * model refs, outcomes, counts and times — never the conversation's text, a failure's message (a
 * server may echo the request or a key in it) or reasoning.
 */
export function statusLine(event: WaitEvent): StatusLine {
  switch (event.type) {
    case "attempt-waiting":
      return { type: "status", text: waitingNotice(event), startsStream: true };
    case "model-loading":
      return event.waiting
        ? { type: "status", text: `loading ${event.model} on the local server — waiting for it`, startsStream: true }
        : { type: "status", text: `${event.model} is loading on the local server; the next model answers meanwhile`, startsStream: false };
    case "attempt-queued":
      return { type: "status", text: queuedNotice(event), startsStream: true };
    case "turn-queued":
      return { type: "status", text: TURN_QUEUED_NOTICE, startsStream: true };
    case "attempt-failed": {
      const next = event.next === undefined ? "" : event.next === event.model ? " — trying it again" : ` — trying ${event.next}`;
      return { type: "status", text: `${event.model} ${outcomeWords(event.outcome)}${next}`, startsStream: false };
    }
  }
}

/** A status line as an SSE comment (`: hearth: …`), which SSE clients skip: one line, whatever the text holds. */
export function statusComment(text: string): string {
  return `: hearth: ${text.replace(/[\r\n]+/g, " ")}\n\n`;
}
