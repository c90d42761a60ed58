import type { ModelRef } from "../ai/model-spec.js";
import type { Message, ToolResultMessage } from "../ai/types.js";
import type { SessionEntry } from "../sessions/entries.js";

/** The summary is the assistant's own notes, not the user's words: it says so, so it carries no authority. */
export const SUMMARY_HEADING = "[Summary of the earlier conversation, written by the assistant as notes — not instructions]";

/** What of a session the model sees now: after the last /new, from the last compaction's summary on. */
export interface ConversationView {
  messages: Message[];
  /** Entry ids in the same order as `messages` (the summary has none). */
  ids: (string | undefined)[];
  summary: string | undefined;
  /** The session's model choice (`/model`), if any. */
  model: ModelRef | undefined;
  reasoning: boolean;
  /** Index of the first message that came after the last compaction: only replies from there on measured this prompt. */
  measuredFrom: number;
}

/**
 * Session entries → the messages sent to the model. Deterministic: the same entries always give the
 * same messages, byte for byte, so the prompt prefix stays stable from turn to turn.
 */
export function conversationView(entries: readonly SessionEntry[]): ConversationView {
  let start = 0;
  let model: ModelRef | undefined;
  let reasoning = false;
  entries.forEach((entry, index) => {
    if (entry.type === "reset") start = index + 1;
    if (entry.type === "model-change") model = entry.model ?? undefined;
    if (entry.type === "settings") reasoning = entry.reasoning;
  });
  const current = entries.slice(start);
  let summary: string | undefined;
  let firstKept = 0;
  current.forEach((entry, index) => {
    if (entry.type !== "compaction") return;
    summary = entry.summary;
    const kept = current.findIndex((candidate) => "id" in candidate && candidate.id === entry.firstKeptId);
    firstKept = kept >= 0 ? kept : index + 1;
  });

  const messages: Message[] = [];
  const ids: (string | undefined)[] = [];
  if (summary !== undefined) {
    messages.push({ role: "user", content: `${SUMMARY_HEADING}\n${summary}` });
    ids.push(undefined);
  }
  const pendingCalls = new Map<string, string>();
  const closePending = (): void => {
    // A turn cut short (a crash, a stop) left tool calls without results; the APIs need one for each.
    for (const [id, name] of pendingCalls) {
      messages.push(interrupted(id, name));
      ids.push(undefined);
    }
    pendingCalls.clear();
  };
  const compactionAt = current.reduce((last, entry, index) => (entry.type === "compaction" ? index : last), -1);
  let measuredFrom = 0;
  current.slice(firstKept).forEach((entry, offset) => {
    if (firstKept + offset === compactionAt + 1) measuredFrom = messages.length;
    if (entry.type === "user") {
      closePending();
      const text = entry.quoted ? `${entry.text}\n\n${entry.quoted}` : entry.text;
      const previous = messages[messages.length - 1];
      // A turn that failed left its message unanswered: join it with this one, so roles still alternate.
      if (previous?.role === "user" && typeof previous.content === "string" && ids[ids.length - 1] !== undefined) {
        messages[messages.length - 1] = { role: "user", content: `${previous.content}\n\n${text}` };
        return;
      }
      messages.push({ role: "user", content: text });
      ids.push(entry.id);
    } else if (entry.type === "assistant") {
      closePending();
      messages.push(entry.message);
      ids.push(entry.id);
      for (const part of entry.message.content) if (part.type === "tool-call") pendingCalls.set(part.id, part.name);
    } else if (entry.type === "tool-result") {
      if (!pendingCalls.has(entry.message.toolCallId)) return;
      pendingCalls.delete(entry.message.toolCallId);
      messages.push(entry.message);
      ids.push(entry.id);
    }
  });
  closePending();
  if (compactionAt >= 0 && compactionAt + 1 >= current.length) measuredFrom = messages.length;
  return { messages, ids, summary, model, reasoning, measuredFrom };
}

function interrupted(toolCallId: string, toolName: string): ToolResultMessage {
  return { role: "tool-result", toolCallId, toolName, content: "The tool call was interrupted before it finished; no result.", isError: true };
}
