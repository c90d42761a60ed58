import { toolCallWords } from "../agent/tool-words.js";
import type { EntryNote, SessionEntry } from "../sessions/entries.js";
import { newEntryId } from "../sessions/session-store.js";

/**
 * Why a message a stopped hearth had taken in, and never began to answer, got no answer (the notice
 * says "no answer: " before it).
 */
export const NOT_STARTED = "hearth stopped before this message's turn began; nothing was lost — Retry sends it";

/**
 * Why a message whose turn a killed or crashed hearth was answering got no answer. A reply's words are
 * saved when the reply ends: the words streamed of the reply under way died with the process.
 */
const CUT_NOTHING_KEPT = "hearth stopped while answering this message (the gateway was killed or crashed): the words shown as the answer streamed were not kept — Retry sends it again";
const CUT_STEPS_KEPT = "hearth stopped while answering this message (the gateway was killed or crashed): what it said before its last step is kept above; the words of the reply under way were not kept — Retry sends it again";

/**
 * The entry that closes the turn of `message` (a user entry's id) when a process that is gone was
 * answering it and never ended it: a `turn-failed` saying so, with a note for each tool call that got
 * no result (it was running, or had not begun, when the process died). Undefined when the turn ended
 * (an answer, a failure, a mark), when the message is not in the session, or when a later message
 * followed it (the turn is over; an entry appended now would be read as that later turn's).
 */
export function cutTurnEnd(entries: readonly SessionEntry[], message: string, at: Date = new Date()): SessionEntry | undefined {
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
  return { type: "turn-failed", id: newEntryId(), at: at.toISOString(), error: keptWords ? CUT_STEPS_KEPT : CUT_NOTHING_KEPT, attempts: [], cause: "transient", ...(notes.length > 0 ? { notes } : {}) };
}
