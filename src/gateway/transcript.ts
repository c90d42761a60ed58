import { unansweredTurns } from "../agent/build-context.js";
import { joinReplies, replyText } from "../agent/turn-text.js";
import { fallbackNotice, type DescribeModel } from "../models/fallback-notice.js";
import type { SessionEntry } from "../sessions/entries.js";
import type { TranscriptItem, TranscriptNote } from "./port.js";

export interface TranscriptOptions {
  /** The message of a turn under way, not (yet) unanswered. */
  pending?: string | undefined;
  /** How the fallback note names models; absent: no fallback note (the agent's `fallbackNotice: false`). */
  describe?: DescribeModel | undefined;
}

/** The notes the live turn showed beside this answer, made again from what the entry keeps. */
function answerNotes(entry: Extract<SessionEntry, { type: "assistant" }>, describe: DescribeModel | undefined): TranscriptNote[] {
  const notes: TranscriptNote[] = [];
  const fallback = describe ? fallbackNotice(entry.attempts, describe) : undefined;
  if (fallback) notes.push({ kind: "fallback", text: fallback });
  if (entry.message.stopReason === "length") {
    notes.push({ kind: "truncated", text: `the answer was cut off at the reply limit (after ${entry.message.usage.output} tokens); ask to continue, or raise maxTokens / the loaded context` });
  }
  return notes;
}

/**
 * The current conversation of a session (after its last `/new`) as a channel shows it: the user's
 * messages (marked when they got no answer; a resend shown once, where it was first said), the
 * answers' text with their reasoning apart, and a notice for each turn that failed or was cancelled
 * and for each summary, trim and model change (the same notice again at once: one, with a count).
 * An answer carries the notes the live turn showed beside it (a fallback answered, the reply limit).
 */
export function transcriptItems(entries: readonly SessionEntry[], options: TranscriptOptions = {}): TranscriptItem[] {
  const { pending, describe } = options;
  const current = entries.slice(entries.findLastIndex((entry) => entry.type === "reset") + 1);
  const unanswered = unansweredTurns(current, pending);
  const items: TranscriptItem[] = [];
  // A resend (`/retry`, a channel retrying while every model was down) is the same message again: it is
  // shown once, where it was first said, marked by how its latest try went.
  const shownAs = new Map<string, TranscriptItem>();
  // The same failure told again and again (a channel retrying) is one notice with a count.
  const repeats = new Map<TranscriptItem, { text: string; count: number }>();
  const notice = (text: string, at: string): void => {
    const last = items.at(-1);
    const repeated = last ? repeats.get(last) : undefined;
    if (last && repeated?.text === text) {
      repeated.count += 1;
      last.text = `${text} (${repeated.count} times)`;
      return;
    }
    const item: TranscriptItem = { role: "notice", text, at };
    repeats.set(item, { text, count: 1 });
    items.push(item);
  };
  /** The last item is the answer of the turn under way (its tools' results do not end it; anything else shown does). */
  let answering = false;
  for (const entry of current) {
    if (entry.type !== "assistant" && entry.type !== "tool-result") answering = false;
    switch (entry.type) {
      case "user": {
        const first = entry.retryOf === undefined ? undefined : shownAs.get(entry.retryOf);
        if (first) {
          if (unanswered.has(entry.id)) first.unanswered = true;
          else delete first.unanswered;
          shownAs.set(entry.id, first);
          break;
        }
        const item: TranscriptItem = { role: "user", text: entry.text, at: entry.at, ...(unanswered.has(entry.id) ? { unanswered: true } : {}) };
        shownAs.set(entry.id, item);
        items.push(item);
        break;
      }
      case "assistant": {
        const text = replyText(entry.message);
        const reasoning = entry.message.content.map((part) => (part.type === "reasoning" ? part.text : "")).join("").trim();
        if (text === "" && reasoning === "") break;
        const notes = answerNotes(entry, describe);
        // The replies of one turn (text, a tool call, more text) are one answer, as its stream showed it.
        const last = items.at(-1);
        if (last?.role === "assistant" && answering) {
          last.text = joinReplies([last.text, text]);
          const reasonings = joinReplies([last.reasoning ?? "", reasoning]);
          if (reasonings !== "") last.reasoning = reasonings;
          last.model = entry.message.model;
          const said = last.notes ?? [];
          const all = [...said, ...notes.filter((note) => !said.some((seen) => seen.text === note.text))];
          if (all.length > 0) last.notes = all;
          break;
        }
        items.push({ role: "assistant", text, at: entry.at, model: entry.message.model, ...(reasoning ? { reasoning } : {}), ...(notes.length > 0 ? { notes } : {}) });
        answering = true;
        break;
      }
      case "turn-failed":
        notice(entry.cause === "cancelled" ? "cancelled: no answer" : `no answer: ${entry.error}`, entry.at);
        break;
      case "compaction":
        notice(`earlier turns summarised by ${entry.model}`, entry.at);
        break;
      case "trim":
        notice(`earlier turns left out of what is sent (${entry.reason})`, entry.at);
        break;
      case "model-change":
        notice(entry.model ? `model: ${entry.model}` : "model: back to the agent's", entry.at);
        break;
      default:
        break;
    }
  }
  return items;
}
