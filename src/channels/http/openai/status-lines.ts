import type { AgentEvent } from "../../../agent/agent-events.js";
import { compactionWords, trimNote } from "../../../agent/turn-notes.js";
import type { RouterEvent } from "../../../models/router-events.js";
import { attemptFailedNotice, loadingNotice, queuedNotice, TURN_QUEUED_NOTICE, waitingNotice, type ModelNames } from "../../../models/waiting-notice.js";
import type { Catalogue } from "../../../gateway/port.js";
import type { StatusLine } from "./answer-events.js";

/** The events of either mode that a waiting client is told of. */
export type WaitEvent =
  | Extract<RouterEvent, { type: "attempt-waiting" | "attempt-queued" | "model-loading" }>
  | { type: "attempt-failed"; model: string; outcome: string; next: string | undefined }
  | Extract<AgentEvent, { type: "turn-queued" }>;

/**
 * How a stream's lines name a model: as its fallback notice does ("answered by Backup — Local (local
 * server) …", fallbackNotice) — the alias, else the ref — so that one stream never calls one model two
 * names ("trying backup/m2", then "answered by Backup").
 */
export function streamNames(catalogue: Catalogue): ModelNames {
  return { aliasOf: (ref) => catalogue.models.find((model) => model.ref === ref)?.alias };
}

/**
 * What a stream's client is told while it waits, in the words the terminal and the web chat use: only
 * model names (streamNames), outcomes, counts and times — never the conversation's text, a failure's
 * message (a server may echo the request or a key in it) or reasoning.
 */
export function statusLine(event: WaitEvent, names: ModelNames): StatusLine {
  switch (event.type) {
    case "attempt-waiting":
      return { type: "status", text: waitingNotice(event, names), startsStream: true };
    case "model-loading":
      return { type: "status", text: loadingNotice(event, names), startsStream: event.waiting };
    case "attempt-queued":
      return { type: "status", text: queuedNotice(event, names), startsStream: true };
    case "turn-queued":
      return { type: "status", text: TURN_QUEUED_NOTICE, startsStream: true };
    case "attempt-failed":
      return { type: "status", text: attemptFailedNotice(event, names), startsStream: false };
  }
}

/** What agent mode's turn says of the conversation and of itself, as the web chat and the terminal show it. */
export type TurnNote = Extract<AgentEvent, { type: "compaction" | "notice" }>;

/**
 * A note of the turn for an API client: its status line (a stream's `: hearth: …` comment), and `kept`
 * when it tells what became of the conversation or the answer — a summary written, turns left out,
 * the reply cut short — which a non-streaming reply's `x-hearth-notice` repeats; a wait is not kept.
 * A trim says why no summary could be written, in the words the web chat and the terminal show
 * (trimNote: one wording everywhere). undefined: nothing to say (a compaction the cancelled request stopped).
 */
export function turnNote(event: TurnNote): { line: StatusLine; kept: boolean } | undefined {
  // Another process's turn in the session: a wait (turn-queued says so too), not what became of the answer.
  if (event.type === "notice") return { line: { type: "status", text: event.text, startsStream: event.about === "session-busy" }, kept: event.about !== "session-busy" };
  if (event.phase === "trimmed" && event.message) return { line: { type: "status", text: trimNote(event), startsStream: false }, kept: true };
  const words = compactionWords(event);
  // A summary being written is a wait (the stream starts with it); what became of the conversation is kept;
  // a summary not waited for while its model loads is neither (the next model answers, as a fallback's note does not start the stream).
  return words ? { line: { type: "status", text: words.text, startsStream: event.phase === "start" }, kept: words.kept } : undefined;
}

/** A status line as an SSE comment (`: hearth: …`), which SSE clients skip: one line, whatever the text holds. */
export function statusComment(text: string): string {
  return `: hearth: ${text.replace(/[\r\n]+/g, " ")}\n\n`;
}
