import type { EntryNote, NoteKind, SessionEntry } from "../sessions/entries.js";
import { loadingNotice, modelName, REFS_ONLY, type ModelNames } from "../models/waiting-notice.js";
import type { AgentEvent, TurnResult } from "./agent-events.js";

/**
 * A note a channel shows beside a turn's answer for one of its events, in the words every channel uses.
 * `kept`: it tells what became of the answer — a model loaded, an attempt failed before it, a tool ran,
 * the conversation was compacted, a notice of the turn — and is kept with the session's entries, so a
 * transcript read later shows it again (see `EntryNote`). Not kept: a line of progress that the next
 * event replaces (a tool running, a summary being written).
 */
export interface ShownNote {
  /** "waiting": a wait that the answer's first words end (never kept). */
  kind: NoteKind | "waiting";
  text: string;
  kept: boolean;
}

/** How a conversation's size is said: "900 tokens", "9k tokens". */
function sizeWords(tokens: number): string {
  return tokens < 1000 ? `${tokens} tokens` : `${Math.round(tokens / 1000)}k tokens`;
}

/**
 * Why the conversation was folded, said of its size: longer than the tokens the prompt may use in the
 * model's window (its budget beside the reply and the reserve), both counted exactly so they compare;
 * an event that does not say the room (told by an older hearth) says "the context".
 */
function outgrew(event: Extract<AgentEvent, { type: "compaction" }>, names: ModelNames, tense: "is" | "was"): string {
  const { room } = event;
  if (!room) return `the conversation (${sizeWords(event.tokensBefore)}) ${tense} longer than the context allows`;
  const count = (tokens: number): string => tokens.toLocaleString("en-US");
  return `the conversation (${count(event.tokensBefore)} tokens) ${tense} longer than the ${count(room.tokens)} tokens the prompt may use in ${modelName(room.model, names)}'s window`;
}

/** What a compaction event says (the same words on the web chat and in an API stream's status lines); undefined: nothing (a summary the turn's own stop cancelled). */
export function compactionWords(event: Extract<AgentEvent, { type: "compaction" }>, names: ModelNames = REFS_ONLY): { text: string; kept: boolean } | undefined {
  const size = sizeWords(event.tokensBefore);
  // Asked for (`/compact`): said as asked, not as forced by the context's size.
  if (event.asked) {
    switch (event.phase) {
      case "start":
        return { text: `compacting the conversation (${size}) as asked: summarising its older turns`, kept: false };
      case "end":
        return { text: `the conversation (${size}) is compacted as asked: its older turns are summarised (the transcript keeps them)`, kept: true };
      case "trimmed":
        return { text: `the conversation (${size}) was to be compacted as asked, and no summary could be written: its oldest turns are left out of what is sent (the transcript keeps them)`, kept: true };
      case "deferred":
        return { text: deferredWords(event), kept: false };
      case "failed":
        return undefined;
    }
  }
  switch (event.phase) {
    case "start":
      return { text: `${outgrew(event, names, "is")}: summarising its older turns`, kept: false };
    case "end":
      return { text: `${outgrew(event, names, "was")}: its older turns are summarised (the transcript keeps them)`, kept: true };
    case "trimmed": {
      const left = event.everyEarlierTurn ? "every earlier turn is left out of what is sent: not even the latest fits beside this message" : "its oldest turns are left out of what is sent";
      return { text: `${outgrew(event, names, "is")} and no summary could be written: ${left} (the transcript keeps them)`, kept: true };
    }
    case "deferred":
      return { text: deferredWords(event), kept: false };
    case "failed":
      return undefined;
  }
}

/**
 * What a trim says where its own message may be shown (the person's own page, the terminal): why the
 * conversation was folded, then the message (why no summary, how many turns are left out and kept).
 */
export function trimNote(event: Extract<AgentEvent, { type: "compaction" }>, names: ModelNames = REFS_ONLY): string {
  return `${event.asked ? `the conversation (${sizeWords(event.tokensBefore)}) was to be compacted as asked` : outgrew(event, names, "is")}: ${event.message ?? ""}`;
}

/** A summary not waited for while its model loads (a passing note: the answer or the wait follows). */
const deferredWords = (event: Extract<AgentEvent, { type: "compaction" }>): string => `no summary now: ${event.message ?? "its model is loading"}`;

/**
 * The note shown for an event of a running turn; undefined for an event that is no note (the answer's
 * words, an attempt starting or skipped) or one a channel shows otherwise (the waits: `attempt-waiting`,
 * `attempt-queued`, `turn-queued` say what happens now and go once it is over).
 */
export function turnNote(event: AgentEvent, names: ModelNames = REFS_ONLY): ShownNote | undefined {
  switch (event.type) {
    case "attempt-failed": {
      // The router's failure messages mostly name the model already ("home/m: cannot reach …"): name it once, as every line of the turn names it.
      const why = event.message.startsWith(`${event.model}: `) ? event.message.slice(event.model.length + 2) : event.message;
      return { kind: "attempt", text: `${modelName(event.model, names)}: ${why}${event.next ? ` — trying ${modelName(event.next, names)}` : ""}`, kept: true };
    }
    case "model-loading":
      return { kind: "loading", text: loadingNotice(event, names), kept: true };
    case "tool-start":
      return { kind: "tool", text: `running ${event.command}…`, kept: false };
    case "tool-end":
      return { kind: "tool", text: `${event.command} — ${event.isError ? "failed" : "done"}${event.preview ? `: ${event.preview}` : ""}`, kept: true };
    case "compaction": {
      const words = compactionWords(event, names);
      // A trim's own message says how many turns and why no summary was written: the person's own page may show it.
      if (words && event.phase === "trimmed" && event.message) return { kind: "compaction", text: trimNote(event, names), kept: true };
      return words ? { kind: "compaction", ...words } : undefined;
    }
    case "notice":
      if (event.about === "session-busy") return { kind: "waiting", text: event.text, kept: false };
      return { kind: event.about === "reply-limit" ? "truncated" : "notice", text: event.text, kept: true };
    default:
      return undefined;
  }
}

/**
 * A turn's events on their way to its channel, with the kept notes among them held until the entry
 * written next (`take`): an answer, a tool's result, the turn's failure carries the notes shown before it.
 */
export class NoteKeeper {
  private held: EntryNote[] = [];

  /** `names`: each model as the turn's lines name it (its alias, else its ref). */
  constructor(
    private readonly onEvent: (event: AgentEvent) => void,
    private readonly names: ModelNames = REFS_ONLY,
  ) {}

  readonly emit = (event: AgentEvent): void => {
    this.onEvent(event);
    const note = turnNote(event, this.names);
    if (note?.kept) this.held.push({ kind: note.kind, text: note.text });
  };

  /** The notes shown since the last take, for the entry about to be written; undefined: none. */
  take(): readonly EntryNote[] | undefined {
    if (this.held.length === 0) return undefined;
    const notes = this.held;
    this.held = [];
    return notes;
  }
}

/** The entry with the notes shown before it, where its type keeps them: an answer, a tool's result, a failure. */
export function withNotes(entry: SessionEntry, keeper: NoteKeeper | undefined): SessionEntry {
  if (entry.type !== "assistant" && entry.type !== "tool-result" && entry.type !== "turn-failed") return entry;
  const notes = keeper?.take();
  return notes ? { ...entry, notes } : entry;
}

/**
 * The answer a channel that shows only text sends (an API reply, WhatsApp): the turn's words, or — a turn
 * stopped before any word of an answer (a tool loop, maxSteps) — why there is none, never an empty message
 * that reads as an answer.
 */
export function answerText(result: Extract<TurnResult, { ok: true }>): string {
  return result.text.trim() === "" && result.stopped !== undefined ? `(no answer — ${result.stopped})` : result.text;
}
