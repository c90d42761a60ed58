import { unansweredTurns } from "../agent/build-context.js";
import { faultNote } from "../agent/failure-hint.js";
import { joinReplies, replyText } from "../agent/turn-text.js";
import { fallbackNotice, type DescribeModel } from "../models/fallback-notice.js";
import { NOTE_KINDS, type EntryNote, type SessionEntry } from "../sessions/entries.js";
import { MessageTries, SENT_AGAIN_BELOW, withoutRetryPromise, type Showing } from "../sessions/message-tries.js";
import { currentConversation } from "../sessions/session-store.js";
import type { TranscriptItem, TranscriptNote } from "./port.js";
import { shownImages } from "./shown-images.js";

export interface TranscriptOptions {
  /** The message of a turn under way, not (yet) unanswered. */
  pending?: string | undefined;
  /** How the fallback note names models; absent: no fallback note (the agent's `fallbackNotice: false`). */
  describe?: DescribeModel | undefined;
}

/** The notes an entry keeps, as the live turn showed them (a kind this version does not know is left out). */
export function keptNotes(entry: { notes?: readonly EntryNote[] | undefined }): TranscriptNote[] {
  return (entry.notes ?? []).filter((note): note is TranscriptNote => (NOTE_KINDS as readonly string[]).includes(note.kind)).map(({ kind, text }) => ({ kind, text }));
}

/**
 * Why an answer stopped before its end, for an entry that keeps no notes (a file written before they
 * were kept; a live turn says it in a kept note): the reply limit, a cut-off, a stop, the server's filter. Undefined for an answer that
 * ended (`stop`) or called tools.
 */
function stopNote(message: Extract<SessionEntry, { type: "assistant" }>["message"]): TranscriptNote | undefined {
  switch (message.stopReason) {
    case "length":
      return { kind: "truncated", text: `the answer was cut off at the reply limit (after ${message.usage.output} tokens); ask to continue, or raise maxTokens / the loaded context` };
    case "error":
      return { kind: "truncated", text: "the answer was cut off: its model stopped with an error partway" };
    case "aborted":
      return { kind: "truncated", text: "the answer was stopped partway" };
    case "content-filter":
      return { kind: "truncated", text: "the answer was cut off by the server's content filter" };
    default:
      return undefined;
  }
}

/**
 * The notes of an answer's entry: those it keeps, then — as the live turn shows them at its end — the
 * fallback note made from its attempts. An answer that stopped before its end and keeps no note saying
 * why (a file written before notes were kept) has one made from its stop reason.
 */
export function answerNotes(entry: Extract<SessionEntry, { type: "assistant" }>, describe: DescribeModel | undefined): TranscriptNote[] {
  const notes = keptNotes(entry);
  const stopped = entry.notes === undefined ? stopNote(entry.message) : undefined;
  if (stopped) notes.push(stopped);
  const fallback = describe ? fallbackNotice(entry.attempts, describe) : undefined;
  if (fallback) notes.push({ kind: "fallback", text: fallback });
  return notes;
}

/** Adds notes to an item: the fallback note stays last, and is said once however many replies the answer had. */
function addNotes(item: TranscriptItem, notes: readonly TranscriptNote[]): void {
  const all = [...(item.notes ?? [])];
  for (const note of notes) {
    const fallbackAt = all.findIndex((said) => said.kind === "fallback");
    if (note.kind === "fallback") {
      if (fallbackAt < 0) all.push(note);
    } else if (fallbackAt >= 0) all.splice(fallbackAt, 0, note);
    else all.push(note);
  }
  if (all.length > 0) item.notes = all;
}

/** Between an answer and the answer to the same message sent again in place (a regenerate): which one the conversation goes on from. */
export const SENT_AGAIN_IN_PLACE = "sent again: the answer below is the one the conversation goes on from";

/** A notice as told: its words, how many times in a row, and — a failed try's — whether the try was sent again (in place, or again below). */
interface NoticeTold {
  text: string;
  count: number;
  sentAgain: Showing["kind"] | undefined;
}

function noticeText(told: NoticeTold): string {
  const words = told.sentAgain === undefined || told.sentAgain === "message" ? told.text : `${withoutRetryPromise(told.text)}${told.sentAgain === "again" ? SENT_AGAIN_BELOW : ""}`;
  return told.count > 1 ? `${words} (${told.count} times)` : words;
}

/**
 * The current conversation of a session (after its last `/new`) as a channel shows it: the user's
 * messages (marked when they got no answer), the answers' text with their reasoning apart, and a notice
 * for each turn that failed or was cancelled and for each summary, trim and model change (the same
 * notice again at once: one, with a count). A resend (`/retry`, a Retry, a channel retrying) is shown
 * by MessageTries' rule: in place of the try before it when nothing was said since (marked by how its
 * latest try went), else again — `sentAgain`, the question above its answer — its earlier showing then
 * no longer unanswered. A try sent again no longer promises a Retry in its notice. An answer carries
 * the notes the live turn showed beside it (a fallback answered, the reply limit).
 */
export function transcriptItems(entries: readonly SessionEntry[], options: TranscriptOptions = {}): TranscriptItem[] {
  const { pending, describe } = options;
  const current = currentConversation(entries);
  const unanswered = unansweredTurns(current, pending);
  const items: TranscriptItem[] = [];
  const tries = new MessageTries();
  /** Each try's id → the item that shows it. */
  const shownAs = new Map<string, TranscriptItem>();
  /** The item of the message whose turn is being read, and the "no answer" notices of each message's tries. */
  let turnItem: TranscriptItem | undefined;
  const failures = new Map<TranscriptItem, Set<TranscriptItem>>();
  // The same failure told again and again (a channel retrying) is one notice with a count.
  const told = new Map<TranscriptItem, NoticeTold>();
  const notice = (text: string, said: { at: string; notes?: readonly TranscriptNote[]; failure?: boolean }): void => {
    const last = items.at(-1);
    const repeated = last ? told.get(last) : undefined;
    let item = last;
    if (last && repeated?.text === text) {
      repeated.count += 1;
      // Told of the message's latest try as well: its promise holds again.
      repeated.sentAgain = undefined;
      last.text = noticeText(repeated);
    } else {
      item = { role: "notice", text, at: said.at, ...(said.notes && said.notes.length > 0 ? { notes: said.notes } : {}) };
      told.set(item, { text, count: 1, sentAgain: undefined });
      items.push(item);
    }
    if (said.failure && turnItem && item) failures.set(turnItem, (failures.get(turnItem) ?? new Set()).add(item));
  };
  /** The message shown by `item` was sent again: its tries' notices no longer offer a Retry (and say where it went). */
  const sentAgain = (item: TranscriptItem, how: Showing["kind"]): void => {
    for (const failure of failures.get(item) ?? []) {
      const record = told.get(failure);
      if (!record) continue;
      record.sentAgain = how;
      failure.text = noticeText(record);
    }
  };
  /** The last item is the answer of the turn under way (its tools' results do not end it; anything else shown does). */
  let answering = false;
  /** Notes of the turn not yet beside an answer (its first reply was a tool call alone): the answer that follows takes them. */
  let held: TranscriptNote[] = [];
  /** A turn whose notes found no answer (its replies were tool calls alone): shown beside an empty one, as the live turn did. */
  const flushHeld = (at: string): void => {
    if (held.length === 0) return;
    const item: TranscriptItem = { role: "assistant", text: "", at };
    addNotes(item, held);
    items.push(item);
    held = [];
  };
  const toldBeside = foldsToldBeside(current);
  for (const entry of current) {
    if (entry.type !== "assistant" && entry.type !== "tool-result") answering = false;
    if (entry.type === "user" || entry.type === "reset") flushHeld(entry.at);
    switch (entry.type) {
      case "user": {
        const showing = tries.read(entry);
        const before = entry.retryOf === undefined ? undefined : shownAs.get(entry.retryOf);
        if (before && showing?.kind === "in-place") {
          // Its earlier try was answered (a regenerate): the new answer follows the old one, a notice between them saying so.
          if (items.at(-1)?.role === "assistant") notice(SENT_AGAIN_IN_PLACE, { at: entry.at });
          sentAgain(before, "in-place");
          if (unanswered.has(entry.id)) before.unanswered = true;
          else delete before.unanswered;
          // A Retry of it sends its latest try again.
          before.id = entry.id;
          shownAs.set(entry.id, before);
          turnItem = before;
          break;
        }
        if (before && showing?.kind === "again") {
          sentAgain(before, "again");
          delete before.unanswered;
        }
        const images = shownImages(entry.images);
        const item: TranscriptItem = { role: "user", text: entry.text, at: entry.at, id: entry.id, ...(images ? { images } : {}), ...(before && showing?.kind === "again" ? { sentAgain: true } : {}), ...(unanswered.has(entry.id) ? { unanswered: true } : {}) };
        shownAs.set(entry.id, item);
        items.push(item);
        turnItem = item;
        break;
      }
      case "assistant": {
        const text = replyText(entry.message);
        const reasoning = entry.message.content.map((part) => (part.type === "reasoning" ? part.text : "")).join("").trim();
        const notes = [...held, ...answerNotes(entry, describe)];
        held = [];
        // The replies of one turn (text, a tool call, more text) are one answer, as its stream showed it.
        const last = items.at(-1);
        if (last?.role === "assistant" && answering) {
          last.text = joinReplies([last.text, text]);
          const reasonings = joinReplies([last.reasoning ?? "", reasoning]);
          if (reasonings !== "") last.reasoning = reasonings;
          last.model = entry.message.model;
          addNotes(last, notes);
          break;
        }
        if (text === "" && reasoning === "") {
          held = notes;
          break;
        }
        const item: TranscriptItem = { role: "assistant", text, at: entry.at, model: entry.message.model, ...(reasoning ? { reasoning } : {}) };
        addNotes(item, notes);
        items.push(item);
        answering = true;
        break;
      }
      case "tool-result": {
        const last = items.at(-1);
        if (last?.role === "assistant" && answering) addNotes(last, keptNotes(entry));
        else held.push(...keptNotes(entry));
        break;
      }
      case "turn-failed": {
        // What the turn showed before it failed (the attempts that failed, a tool that ran) stays with the notice that says so.
        const notes = [...held, ...keptNotes(entry)];
        held = [];
        notice(entry.cause === "cancelled" ? "cancelled: no answer" : `no answer: ${entry.cause === "fault" ? faultNote(entry.error) : entry.error}`, { at: entry.at, notes, failure: true });
        break;
      }
      // A turn's own fold is said by the note its answer keeps, as the live turn showed it; one with no such note
      // (`/compact`, or a file written before notes were kept) has a notice of its own.
      case "compaction":
        if (!toldBeside.has(entry)) notice(`earlier turns summarised by ${entry.model}`, { at: entry.at });
        break;
      case "trim":
        if (!toldBeside.has(entry)) notice(`earlier turns left out of what is sent (${entry.reason})`, { at: entry.at });
        break;
      case "model-change":
        notice(entry.model ? `model: ${entry.model}` : "model: back to the agent's", { at: entry.at });
        break;
      default:
        break;
    }
  }
  // A turn under way is not over: what it showed so far comes with its live events.
  const lastUser = current.findLast((entry) => entry.type === "user");
  if (lastUser?.id !== pending) flushHeld(current.at(-1)?.at ?? "");
  return items;
}

/**
 * The summaries and trims whose turn kept the note that told them: the entry its turn wrote next (the
 * answer, a tool's result, the failure) keeps a `compaction` note — there the live turn showed it.
 */
function foldsToldBeside(entries: readonly SessionEntry[]): Set<SessionEntry> {
  const told = new Set<SessionEntry>();
  entries.forEach((entry, index) => {
    if (entry.type !== "compaction" && entry.type !== "trim") return;
    const next = nextTold(entries, index + 1);
    if (next && "notes" in next && next.notes?.some((note) => note.kind === "compaction")) told.add(entry);
  });
  return told;
}

/** The first entry from `from` on that a turn writes (a message, an answer, a tool's result, a failure) or a reset: read up to it, not beyond. */
function nextTold(entries: readonly SessionEntry[], from: number): SessionEntry | undefined {
  for (let index = from; index < entries.length; index++) {
    const later = entries[index] as SessionEntry;
    if (later.type === "user" || later.type === "reset" || later.type === "assistant" || later.type === "tool-result" || later.type === "turn-failed") return later;
  }
  return undefined;
}
