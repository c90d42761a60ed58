import type { ModelRef } from "../ai/model-spec.js";
import type { Usage } from "../ai/types.js";
import type { RouterEvent } from "../models/router-events.js";
import type { AttemptRecord, TurnFailureCause } from "../sessions/entries.js";

/** What a channel sees of a turn while it runs. */
export type AgentEvent =
  | { type: "text-delta"; delta: string }
  /** `summary`: a summary of the reasoning (OpenAI's reasoning summaries), not the reasoning itself. */
  | { type: "reasoning-delta"; delta: string; summary?: true | undefined }
  /** `command`: what the call runs, for a person (`exec git status --short`: tool-words.ts), secrets masked. */
  | { type: "tool-start"; name: string; arguments: Record<string, unknown>; command: string }
  /** `preview`: the start of its result for a person — the untrusted markers out, cut at a word with "…" (tool-words.ts). */
  | { type: "tool-end"; name: string; command: string; isError: boolean; preview: string }
  /** `usage`: what the call spent before it broke (Attempt.usage), when it spent any. */
  | { type: "attempt-failed"; model: ModelRef; outcome: string; message: string; next: ModelRef | undefined; usage?: Usage | undefined }
  /** A model of the chain left out without a call (cooling down, no key, the privacy policy, too small a context, no tools). */
  | { type: "attempt-skipped"; model: ModelRef; outcome: string; ms: number; message?: string | undefined }
  /**
   * A model is called for the turn's next reply (the words that follow are its, until another
   * starts). Only the message's own `onEvent` hears it, not the gateway's live events.
   */
  | { type: "attempt-start"; model: ModelRef }
  /** `forMs`: an earlier turn saw this load begin, so long ago (RouterEvent's model-loading). */
  | { type: "model-loading"; model: ModelRef; waiting: boolean; forMs?: number | undefined; hosted?: true | undefined }
  /** No first token yet from a model: how long, and what happens when (see waitingNotice). */
  | Extract<RouterEvent, { type: "attempt-waiting" }>
  /** The call waits for room on a server whose parallel requests share one KV cache. */
  | Extract<RouterEvent, { type: "attempt-queued" }>
  /**
   * The message waits for the turn before it in its session (this process's line, or another
   * process's lock). Only the message's own `onEvent` hears it: it comes before the turn starts.
   */
  | { type: "turn-queued" }
  /** Text already shown is replaced by another model's fresh answer: clear it. */
  | { type: "answer-restart" }
  /**
   * "trimmed": no summary could be written, so the oldest turns are left out of what is sent; `message`
   * says so, and `everyEarlierTurn` when nothing before the turn's own message could be kept.
   * "deferred": the summary was begun ("start") for a model its server is loading, and is not waited for
   * (the next model answers from its own window meanwhile; the loaded model writes it later): `message` says so.
   * `room`: what the prompt may use of the model's window (its budget: the window less the reply and the
   * reserve), which the conversation outgrew — absent in events told before it was said.
   */
  | {
      type: "compaction";
      phase: "start" | "end" | "failed" | "trimmed" | "deferred";
      tokensBefore: number;
      message?: string | undefined;
      everyEarlierTurn?: boolean | undefined;
      /** The user asked for it (`/compact`): not forced by the context's size. */
      asked?: boolean | undefined;
      room?: { model: string; tokens: number } | undefined;
    }
  /**
   * Something the user should know of the turn; `about` names the one a result field repeats
   * (`truncated`), so a channel shows it once, and the wait for another process's turn in the session
   * ("session-busy"), which says what happens now rather than what became of the answer, and the message a
   * turn sends again after later ones ("sent-again"), which a channel showing only answers says with the answer,
   * and reasoning that streamed as text before its orphan closing tag showed it was reasoning ("reasoning-shown"),
   * which only a channel showing the live text showed.
   */
  | { type: "notice"; text: string; about?: "reply-limit" | "session-busy" | "sent-again" | "reasoning-shown" | undefined };

export type TurnResult =
  | {
      ok: true;
      /** The turn's answer: the words of each of its replies, in order, a paragraph apart (see turnText) — what its stream showed. */
      text: string;
      model: ModelRef;
      session: string;
      attempts: AttemptRecord[];
      usage: Usage;
      cost: number;
      /** "answered by Opus — Local (local server) unreachable", when a fallback answered and notices are on. */
      notice: string | undefined;
      /** The answer stopped for length: at its reply limit, or at the model's context window (the notice says which). */
      truncated: boolean;
      /** What became of a compaction this turn needed (none: it needed none). */
      compaction: CompactionOutcome | undefined;
      /** The turn was stopped before the model answered its tools' results (maxSteps, a tool loop): why, as its notice said. */
      stopped?: string | undefined;
    }
  | {
      ok: false;
      error: string;
      session: string;
      attempts: AttemptRecord[];
      cause: TurnFailureCause;
      compaction: CompactionOutcome | undefined;
      /** What the turn's calls are known to have used before it failed (its finished steps, and what each failed call used): see usedBeforeFailing. */
      usage: Usage;
      /** The answer the model gave when it could not be saved (a full disk): shown with the error, not kept in the session. */
      unsavedAnswer?: string | undefined;
      /**
       * The words shown before the answer broke off, kept in the session as the turn's answer, marked cut off (its
       * `truncated` note says why): the turn has that answer, not none — no Retry beside it, as the saved conversation has it.
       */
      keptCutOff?: string | undefined;
    };

/** What became of one compaction: the channel shows it, `--json` reports it, `/compact` answers with it. */
export type CompactionOutcome =
  | { outcome: "compacted"; tokensBefore: number; model: string }
  /** No summary could be written: the oldest turns are left out of what is sent instead. */
  | { outcome: "trimmed"; tokensBefore: number; turns: number; reason: string }
  | { outcome: "skipped"; reason: string }
  | { outcome: "failed"; reason: string };
