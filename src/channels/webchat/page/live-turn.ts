import { faultNote } from "../../../agent/failure-hint.js";
import { turnNote } from "../../../agent/turn-notes.js";
import { queuedNotice, REFS_ONLY, waitingNotice, type ModelNames } from "../../../models/waiting-notice.js";
import type { AgentEvent, TurnResult } from "./wire-types.js";

/**
 * A note beside an answer: a fallback answered, a local model is loading, a tool ran, a failure. The
 * words are the turn's own (turnNote), so the notes a reloaded history shows are these. `passing`: a
 * line of progress (a tool running, a summary being written) that the note of its outcome replaces, and
 * that goes when the turn ends — as the history, which keeps only outcomes, has it.
 */
export interface TurnNote {
  kind: "fallback" | "loading" | "waiting" | "attempt" | "tool" | "compaction" | "notice" | "error" | "truncated";
  text: string;
  passing?: boolean | undefined;
}

/** What the page knows of one turn while it runs and once it ended (plain data; the view draws it). */
export interface LiveTurn {
  /** The gateway's id of the turn (absent: an event told outside a turn, or an older gateway). */
  turn: string | undefined;
  /** The number of the last of its live events folded in (see turn-join.ts). */
  seq: number;
  text: string;
  reasoning: string;
  notes: TurnNote[];
  done: boolean;
  model: string | undefined;
  /** The turn got no answer (failed or cancelled): the user's message can be resent. */
  failed: boolean;
  /** The entry id of the turn's message, once the gateway said it (turn-start): what its *Retry* names; unknown, no Retry (the message is in no session). */
  message: string | undefined;
  /** A resend: the try it sends again (its answer ended, the page draws the conversation as saved, where that try now reads as sent again). */
  retryOf: string | undefined;
  /** Where the text and reasoning of the reply under way begin: a restart replaces that reply only, not the words said before its tools ran. */
  replyFrom: { text: number; reasoning: number };
  /** The model ran its tools after some words: what it says next is a new paragraph (as the turn's final text has it). */
  paragraph: boolean;
  /**
   * The answer restarted (another model, or the same one again, after a break): the words of the reply that broke
   * stay shown until the fresh answer's first words take their place — when none come, they are the turn's
   * cut-off answer, as the session keeps them (never dropped from the page while the next model is tried).
   */
  restarted: boolean;
}

export function newLiveTurn(turn?: string): LiveTurn {
  return { turn, seq: 0, text: "", reasoning: "", notes: [], done: false, model: undefined, failed: false, message: undefined, retryOf: undefined, replyFrom: { text: 0, reasoning: 0 }, paragraph: false, restarted: false };
}

/** The "no reply from … for 8 s" line says what is happening now: a newer one, a token or the attempt's end replaces it. */
function endWaiting(turn: LiveTurn): void {
  turn.notes = turn.notes.filter((note) => note.kind !== "waiting");
}

/** Folds one event of a running turn into what is shown; `names` names each model as the turn's fallback notice does (its alias, else its ref). */
export function applyAgentEvent(turn: LiveTurn, event: AgentEvent, names: ModelNames = REFS_ONLY): void {
  if (event.type === "text-delta" || event.type === "reasoning-delta" || event.type === "attempt-failed" || event.type === "attempt-waiting") endWaiting(turn);
  if ((event.type === "text-delta" || event.type === "reasoning-delta") && event.delta !== "" && turn.restarted) replaceBrokenReply(turn);
  switch (event.type) {
    case "text-delta":
      if (turn.paragraph && event.delta !== "") {
        turn.text += "\n\n";
        turn.paragraph = false;
      }
      turn.text += event.delta;
      return;
    case "reasoning-delta":
      turn.reasoning += event.delta;
      return;
    case "answer-restart":
      turn.restarted = true;
      return;
    case "tool-start":
      turn.replyFrom = { text: turn.text.length, reasoning: turn.reasoning.length };
      turn.paragraph = turn.text.trim() !== "";
      break;
    case "attempt-waiting":
      turn.notes.push({ kind: "waiting", text: waitingNotice(event, names) });
      return;
    case "attempt-queued":
      turn.notes.push({ kind: "waiting", text: queuedNotice(event, names) });
      return;
    default:
      break;
  }
  const note = turnNote(event, names);
  if (!note) return;
  // The outcome takes the place of the progress line it ends (the tool's "running…", "summarising…"); so does
  // a summary's next step ("no summary now" after "summarising…", and back).
  const progress = note.kept || note.kind === "compaction" ? turn.notes.findLastIndex((shown) => shown.passing === true && shown.kind === note.kind) : -1;
  const shown: TurnNote = note.kept ? { kind: note.kind, text: note.text } : { kind: note.kind, text: note.text, passing: true };
  if (progress >= 0) turn.notes.splice(progress, 1, shown);
  else turn.notes.push(shown);
}

/** The fresh answer's first words came: the reply that broke off before it goes (not the words said before its tools ran). */
function replaceBrokenReply(turn: LiveTurn): void {
  turn.text = turn.text.slice(0, turn.replyFrom.text);
  turn.reasoning = turn.reasoning.slice(0, turn.replyFrom.reasoning);
  turn.paragraph = turn.text.trim() !== "";
  turn.restarted = false;
}

/** The turn's outcome: the model that answered, the fallback note, or the failure in words. */
export function applyTurnResult(turn: LiveTurn, result: TurnResult): void {
  turn.done = true;
  endWaiting(turn);
  turn.notes = turn.notes.filter((note) => note.passing !== true);
  if (result.ok) {
    turn.text = result.text;
    turn.model = result.model;
    if (result.notice) turn.notes.push({ kind: "fallback", text: result.notice });
    // The turn's own notice said so already (with the limit), unless the page came in after it.
    if (result.truncated && !turn.notes.some((note) => note.kind === "truncated")) turn.notes.push({ kind: "truncated", text: "the answer was cut off (the model stopped for length)" });
    return;
  }
  // The words shown before the answer broke off are kept as its cut-off answer (the session's entry, its `truncated` note saying why):
  // answered, cut off — as the saved conversation shows it, with no Retry beside it and no "no answer" line.
  if (result.keptCutOff !== undefined) {
    if (turn.text === "") turn.text = result.keptCutOff;
    return;
  }
  turn.failed = true;
  // An answer that could not be saved (a full disk) stays on the page with the error saying so.
  if (result.unsavedAnswer !== undefined && turn.text === "") turn.text = result.unsavedAnswer;
  // A fault in hearth says so, as the reloaded history's notice does (transcriptItems): not a passing failure that Retry would mend.
  turn.notes.push({ kind: "error", text: result.cause === "fault" ? faultNote(result.error) : result.error });
}
