import type { Usage } from "../ai/types.js";
import type { Attempt } from "../models/router-events.js";
import type { AttemptRecord, SessionEntry } from "../sessions/entries.js";
import type { AgentEvent, CompactionOutcome } from "./agent-events.js";
import type { NoteKeeper } from "./turn-notes.js";

/** One turn under way: its session, the entry of its message, and what it has gathered so far. */
export interface TurnState {
  key: string;
  entries: SessionEntry[];
  pending: string;
  emit: (event: AgentEvent) => void;
  /** The notes shown of the turn so far, kept with the next answer, tool result or failure written (see NoteKeeper). */
  notes: NoteKeeper | undefined;
  attempts: AttemptRecord[];
  compaction: CompactionOutcome | undefined;
  /** What the turn's model calls used so far: the answer's usage, or a failed turn's. */
  usage: Usage;
}

/** An attempt as the session file keeps it. */
export function record(attempt: Attempt): AttemptRecord {
  return { model: attempt.model, outcome: attempt.outcome, ms: attempt.ms, ...(attempt.baseUrl ? { baseUrl: attempt.baseUrl } : {}), ...(attempt.message ? { message: attempt.message } : {}), ...(attempt.fields ? { fields: attempt.fields } : {}), ...(attempt.silentServer ? { silentServer: attempt.silentServer } : {}), ...(attempt.usage ? { usage: attempt.usage } : {}), ...(attempt.cost !== undefined ? { cost: attempt.cost } : {}), ...(attempt.loadingMs !== undefined ? { loadingMs: attempt.loadingMs } : {}) };
}
