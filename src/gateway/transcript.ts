import { unansweredTurns } from "../agent/build-context.js";
import type { SessionEntry } from "../sessions/entries.js";
import type { TranscriptItem } from "./port.js";

/**
 * The current conversation of a session (after its last `/new`) as a channel shows it: the user's
 * messages (marked when they got no answer), the answers' text with their reasoning apart, and a
 * notice for each turn that failed or was cancelled and for each summary, trim and model change.
 * `pending`: the message of a turn under way, not (yet) unanswered.
 */
export function transcriptItems(entries: readonly SessionEntry[], pending?: string): TranscriptItem[] {
  const current = entries.slice(entries.findLastIndex((entry) => entry.type === "reset") + 1);
  const unanswered = unansweredTurns(current, pending);
  const items: TranscriptItem[] = [];
  for (const entry of current) {
    switch (entry.type) {
      case "user":
        items.push({ role: "user", text: entry.text, at: entry.at, ...(unanswered.has(entry.id) ? { unanswered: true } : {}) });
        break;
      case "assistant": {
        const text = entry.message.content.map((part) => (part.type === "text" ? part.text : "")).join("").trim();
        const reasoning = entry.message.content.map((part) => (part.type === "reasoning" ? part.text : "")).join("").trim();
        if (text === "" && reasoning === "") break;
        items.push({ role: "assistant", text, at: entry.at, model: entry.message.model, ...(reasoning ? { reasoning } : {}) });
        break;
      }
      case "turn-failed":
        items.push({ role: "notice", text: entry.cause === "cancelled" ? "cancelled: no answer" : `no answer: ${entry.error}`, at: entry.at });
        break;
      case "compaction":
        items.push({ role: "notice", text: `earlier turns summarised by ${entry.model}`, at: entry.at });
        break;
      case "trim":
        items.push({ role: "notice", text: `earlier turns left out of what is sent (${entry.reason})`, at: entry.at });
        break;
      case "model-change":
        items.push({ role: "notice", text: entry.model ? `model: ${entry.model}` : "model: back to the agent's", at: entry.at });
        break;
      default:
        break;
    }
  }
  return items;
}
