import type { ModelRef } from "../ai/model-spec.js";
import type { AssistantMessage, ToolResultMessage, Usage } from "../ai/types.js";

/** One line of a session file. The file is append-only: nothing is rewritten, compaction included. */
export type SessionEntry =
  | { type: "session"; version: 1; at: string; agent: string }
  | {
      type: "user";
      id: string;
      at: string;
      text: string;
      /** Text from outside the conversation (a forwarded or quoted message). */
      quoted?: string | undefined;
      /** `/retry`, `--retry`: this message resends the failed one with that id. */
      retryOf?: string | undefined;
      /** Images that came with the message (base64), for models that read images. */
      images?: readonly { mediaType: string; data: string }[] | undefined;
      /** The channel it came through (`cli`, `http`, `webchat`, `whatsapp`); absent in files written before it was recorded. */
      channel?: string | undefined;
    }
  | { type: "assistant"; id: string; at: string; message: AssistantMessage; attempts: readonly AttemptRecord[]; notes?: readonly EntryNote[] | undefined }
  | { type: "tool-result"; id: string; at: string; message: ToolResultMessage; notes?: readonly EntryNote[] | undefined }
  /** The turn got no answer; its messages are left out of what later turns send (`cause` says whether `/retry` makes sense). */
  | { type: "turn-failed"; id: string; at: string; error: string; attempts: readonly AttemptRecord[]; cause?: TurnFailureCause | undefined; notes?: readonly EntryNote[] | undefined }
  | { type: "compaction"; id: string; at: string; summary: string; /** The first entry kept word for word. */ firstKeptId: string; tokensBefore: number; model: ModelRef; calls?: readonly AttemptRecord[] | undefined }
  /** No summary could be written: turns before `firstKeptId` are left out of what is sent (the file keeps them). */
  | { type: "trim"; id: string; at: string; firstKeptId: string; tokensBefore: number; reason: string; calls?: readonly AttemptRecord[] | undefined }
  | { type: "model-change"; id: string; at: string; model: ModelRef | null }
  | { type: "settings"; id: string; at: string; reasoning: boolean }
  /** `/new`: the conversation starts afresh from here (what came before stays in the file). */
  | { type: "reset"; id: string; at: string };

/**
 * A note a channel showed beside the turn's answer while it ran, kept with the entry written after it
 * (`notes` of an assistant, tool-result or turn-failed entry) so that a reloaded transcript shows it in
 * the same words. `kind` is one of NOTE_KINDS; a kind this version does not know is kept in the file and
 * not shown.
 */
export interface EntryNote {
  kind: string;
  text: string;
}

/**
 * What a kept note tells: a model loading or loaded, an attempt that failed before the answer, a tool that
 * ran, the conversation compacted or trimmed, the turn's notices (a reply limit lowered, the model's
 * tools turned off…), the reply limit that cut the answer off.
 */
export const NOTE_KINDS = ["loading", "attempt", "tool", "compaction", "notice", "truncated"] as const;
export type NoteKind = (typeof NOTE_KINDS)[number];

/**
 * Why a turn got no answer. "cancelled": the user stopped it. "permanent": the next turn would hit it
 * again (too large for every candidate, no model, a bad request). "transient": servers down, timeouts —
 * worth a `/retry`. "fault": a fault in hearth itself broke it while choosing and calling a model (the
 * log says what) — not the models' doing nor the request's, and a `/retry` likely meets it again.
 * A cause is never taken away: session files keep the ones they were written with.
 */
export const TURN_FAILURE_CAUSES = ["cancelled", "permanent", "transient", "fault"] as const;
export type TurnFailureCause = (typeof TURN_FAILURE_CAUSES)[number];

/**
 * One model call (or a candidate left out without one, `skipped-…`). In a turn's `attempts` an `ok`
 * one is the call that answered (its usage is the reply's); in a compaction's or trim's `calls` — the
 * summary calls made for it, a summary that failed included — each keeps its own `usage` and `cost`.
 */
export interface AttemptRecord {
  model: string;
  outcome: string;
  ms: number;
  baseUrl?: string | undefined;
  message?: string | undefined;
  /** A skipped-fields attempt's fields (Attempt.fields), which its fallback notice names. */
  fields?: readonly string[] | undefined;
  /** Not waited on: its server had just hung or refused for another model (Attempt.silentServer), which its fallback notice names. */
  silentServer?: { failed: string; model: string } | undefined;
  /** What a failed call spent before it broke (Attempt.usage): the answer's usage does not count it. */
  usage?: Usage | undefined;
  /** What that cost at the model's prices (Attempt.cost); absent in records written before it was kept (then priced from the config). */
  cost?: number | undefined;
  /** How long its server had said it was loading the model (Attempt.loadingMs), which its fallback notice names. */
  loadingMs?: number | undefined;
}

/** A session's last reset (`/new`, `hearth sessions reset`): when, and how many turns the file keeps from before it. */
export interface SessionReset {
  at: string;
  earlierTurns: number;
}

export interface SessionSummary {
  key: string;
  updated: string;
  /** Turns of the current conversation: since the last reset. */
  turns: number;
  /** The last message of the current conversation ("" when none was said since the last reset). */
  lastText: string;
  /** The last reset; absent when the session was never reset. */
  reset?: SessionReset | undefined;
  /** Tokens and cost of the whole session, before any reset too (what was spent stays spent). */
  usage: Usage;
  cost: number;
}
