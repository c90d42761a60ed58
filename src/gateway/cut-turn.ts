import { cutAtWord, toolCallWords } from "../agent/tool-words.js";
import type { EntryNote, SessionEntry } from "../sessions/entries.js";
import { newEntryId } from "../sessions/session-store.js";

/**
 * Why a message a stopped hearth had taken in, and never began to answer, got no answer (the notice
 * says "no answer: " before it).
 */
export const NOT_STARTED = "hearth stopped before this message's turn began; nothing was lost — Retry sends it";

/** Which hearth process was answering a turn (a journal's `turn` line says it): the gateway, or a one-shot `hearth agent` / `hearth chat`. */
export type TurnProcess = "gateway" | "agent" | "chat";

/** How the words name each process, and how its message is sent again. */
const PROCESS_WORDS: Record<TurnProcess, { who: string; retry: string }> = {
  gateway: { who: "the gateway", retry: "Retry sends it again" },
  agent: { who: "hearth agent", retry: "--retry (hearth agent), /retry or the web chat's Retry sends it again" },
  chat: { who: "hearth chat", retry: "/retry (or the web chat's Retry) sends it again" },
};

/**
 * Why a message whose turn a killed or crashed hearth was answering got no answer. A reply's words are
 * saved when the reply ends: the words streamed of the reply under way died with the process.
 */
function cutWords(by: TurnProcess, keptSteps: boolean): string {
  const { who, retry } = PROCESS_WORDS[by];
  const kept = keptSteps ? "what it said before its last step is kept above; the words of the reply under way were not kept" : "the words shown as the answer streamed were not kept";
  return `hearth stopped while answering this message (${who} was killed or crashed): ${kept} — ${retry}`;
}

/**
 * The entry that closes the turn of `message` (a user entry's id) when a process that is gone (`by`:
 * the gateway unless said) was answering it and never ended it: a `turn-failed` saying so, with a note
 * for each tool call that got no result (it was running, or had not begun, when the process died).
 * Undefined when the turn ended (an answer, a failure, a mark), when the message is not in the session,
 * or when a later message followed it (the turn is over; an entry appended now would be read as that
 * later turn's).
 */
export function cutTurnEnd(entries: readonly SessionEntry[], message: string, cut: { by?: TurnProcess | undefined; at?: Date | undefined } = {}): SessionEntry | undefined {
  const start = entries.findIndex((entry) => entry.type === "user" && entry.id === message);
  if (start < 0) return undefined;
  const turn = entries.slice(start + 1);
  if (turn.some((entry) => entry.type === "user" || entry.type === "reset" || entry.type === "turn-failed")) return undefined;
  const replies = turn.filter((entry) => entry.type === "assistant");
  const last = replies.at(-1);
  // Its last reply ended the turn (no tool calls to answer): the process died after the answer was saved.
  if (last && last.message.stopReason !== "tool-use") return undefined;
  const answered = new Set(turn.flatMap((entry) => (entry.type === "tool-result" ? [entry.message.toolCallId] : [])));
  const notes: EntryNote[] = replies.flatMap((reply) =>
    reply.message.content.flatMap((part) => (part.type === "tool-call" && !answered.has(part.id) ? [{ kind: "tool", text: `${toolCallWords(part.name, part.arguments)} — no result: hearth stopped before it ended` }] : [])),
  );
  const keptWords = replies.some((reply) => reply.message.content.some((part) => part.type === "text" && part.text.trim() !== ""));
  return { type: "turn-failed", id: newEntryId(), at: (cut.at ?? new Date()).toISOString(), error: cutWords(cut.by ?? "gateway", keptWords), attempts: [], cause: "transient", ...(notes.length > 0 ? { notes } : {}) };
}

/** How much of a cut turn's message its notice quotes. */
const QUOTED_CHARS = 60;

/**
 * What the turn after it says of a cut turn it closed (one a killed `hearth agent` left: no gateway start
 * came to close it) — the terminal on stderr, a page as a notice: which message, and why it has no answer.
 */
export function cutTurnNotice(cut: { text: string; end: SessionEntry }): string {
  const why = cut.end.type === "turn-failed" ? cut.end.error : "its turn was cut";
  return `an earlier message in this conversation got no answer ("${cutAtWord(cut.text.replace(/\s+/g, " ").trim(), QUOTED_CHARS)}"): ${why}`;
}
