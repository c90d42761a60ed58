import type { SessionEntry } from "../sessions/entries.js";
import { HearthError } from "../shared/errors.js";

/**
 * An entry of a turn under way that the session store could not keep (a full disk, a quota, an I/O
 * error): the turn stops there — no model is called for what could not be saved — and says what was
 * kept and what was not.
 */
export class EntryNotSaved extends Error {
  constructor(
    /** What was not kept, in the user's words: "the answer", "the result of exec"… */
    readonly what: string,
    readonly fault: HearthError,
    /** Not kept after the model answered (a summary saved only for the model that answered): the answer is not kept either. */
    readonly afterAnswer = false,
  ) {
    super(fault.message);
    this.name = "EntryNotSaved";
  }
}

/** Runs a session write; the store's fault comes back as EntryNotSaved naming `what` (anything else passes through). */
export async function saving(what: string, write: () => Promise<void>): Promise<void> {
  try {
    await write();
  } catch (error) {
    if (error instanceof HearthError) throw new EntryNotSaved(what, error);
    throw error;
  }
}

/** What an entry holds, as the error of a turn that could not save it names it. */
export function entryWhat(entry: SessionEntry): string {
  switch (entry.type) {
    case "assistant":
      return entry.message.content.some((part) => part.type === "tool-call") ? "the model's reply (its tool calls were not run)" : "the answer";
    case "tool-result":
      return `the result of ${entry.message.toolName} (the tool ran)`;
    case "turn-failed":
      return "that the turn failed";
    case "compaction":
      return "the summary of the earlier turns";
    case "trim":
      return "the note that leaves the oldest turns out of what is sent";
    default:
      return `the ${entry.type} entry`;
  }
}

/**
 * The error of a turn stopped by an entry it could not save: the store's fault (where, what is wrong),
 * what the session keeps of the turn and what it does not, then the fix. `keptAfter`: entries of the
 * turn saved after its message; `shown`: the unsaved answer is shown to the user beside this error.
 */
export function unsavedError(failure: EntryNotSaved, turn: { keptAfter: number; shown: boolean }): string {
  const kept = turn.keptAfter === 0 ? "your message" : `your message and the turn's ${turn.keptAfter} ${turn.keptAfter === 1 ? "entry" : "entries"} after it`;
  const notKept = `${failure.what}${failure.afterAnswer ? " nor the answer written with it" : ""}${turn.shown ? ", shown here but not saved" : ""}`;
  return [failure.fault.message, `the session keeps ${kept}, not ${notKept}${failure.afterAnswer ? "" : "; no model was called after it"}`, ...failure.fault.details].join(" — ");
}
