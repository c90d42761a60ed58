import type { ModelRef } from "../ai/model-spec.js";
import type { AssistantMessage, Failure, FailureKind, StreamEvent, Usage } from "../ai/types.js";

export type AttemptOutcome = "ok" | FailureKind | "skipped-cooldown" | "skipped-policy" | "skipped-context" | "skipped-tools" | "skipped-fields" | "skipped-no-key" | "cold-loading";

/** One candidate of one turn: what happened to it and how long it took. */
export interface Attempt {
  model: ModelRef;
  outcome: AttemptOutcome;
  ms: number;
  /** The replica it went to, where the provider has several. */
  baseUrl?: string | undefined;
  message?: string | undefined;
  /** A `skipped-fields` attempt's request fields its API cannot take as asked, as the notice names them (`temperature 1.5 (above 1)`, `stop`). */
  fields?: readonly string[] | undefined;
  /** A `skipped-cooldown` attempt whose provider refused its key: waiting does not bring it back (the key must change), so it counts as one that could never take the request. */
  keyRefused?: true | undefined;
  /** A candidate not waited on because its server had just hung or refused the connection for another model of the turn (SilentServers). */
  silentServer?: SilentServer | undefined;
  /**
   * What a failed call spent before it broke (usedBeforeFailing: the server's counts, else an estimate
   * of a reply that had begun); absent when it spent nothing. The answer's own usage is its message's:
   * what a turn spent in all is that plus these.
   */
  usage?: Usage | undefined;
  /** What `usage` cost at the model's prices (US dollars), as an answer's cost is counted; absent with `usage`. */
  cost?: number | undefined;
  /** A `loading` or `cold-loading` attempt: how long its server had said it was loading the model (from the first such answer, this turn's or an earlier one's). */
  loadingMs?: number | undefined;
}

/** How a server failed another model of the turn just before: it hung (timed out) or refused the connection, and for which model. */
export interface SilentServer {
  failed: "hung" | "refused";
  model: string;
}

/**
 * What is known of the model while its first token is awaited: the server says it loads it, or has it loaded
 * (LM Studio's listing); "answered": no listing says, but it answered this model lately at this address.
 */
export type ServerState = "loading" | "loaded" | "answered" | "unknown";

export type RouterEvent =
  | Extract<StreamEvent, { type: "text-delta" | "reasoning-delta" | "reasoning-signed" | "tool-call" | "usage" }>
  | { type: "attempt-start"; model: ModelRef; baseUrl: string }
  /** The attempt's first text, reasoning or tool call came: sent in their place when the caller takes the whole answer only (`wholeAnswer`). */
  | { type: "first-token"; model: ModelRef }
  /** `next`: the model tried after this one, only when the failure moves on to one. */
  | { type: "attempt-failed"; attempt: Attempt; failure: Failure; next: ModelRef | undefined }
  | { type: "attempt-skipped"; attempt: Attempt }
  /**
   * No first token yet, a few seconds in (and again every few seconds): how long, the prompt, what happens when.
   * `midAnswer`: the answer had begun and its server has sent nothing more for `waitedMs` (a freeze mid-answer);
   * `limitMs` is then the idle limit, counted from its last token.
   */
  | { type: "attempt-waiting"; model: ModelRef; waitedMs: number; limitMs: number; promptTokens: number; state: ServerState; next: ModelRef | undefined; midAnswer?: true | undefined }
  /**
   * The call waits in hearth, before it is sent: for a free slot on a server that runs `running` requests
   * at once (`awaiting: "slot"`), or for room on one whose parallel requests share one KV cache ("cache");
   * `ahead` wait before it. Its first-token clock starts when it is sent.
   */
  | { type: "attempt-queued"; model: ModelRef; running: number; ahead: number; awaiting: "slot" | "cache" }
  /**
   * The call was sent and has no first token at its stuck limit, but the server says (llama.cpp `/slots`)
   * that all its `slots` are busy and working: it waits in the server's queue, not a hang (its limit starts again).
   */
  | { type: "attempt-queued"; model: ModelRef; slots: number; awaiting: "busy" }
  /**
   * The local server is loading the model (LM Studio reported it unloaded, or the server answered that it is loading it: llama.cpp's 503 "Loading model").
   * `forMs`: an earlier turn saw this load begin, so long ago (it is waited for only what is left of its limit).
   */
  | { type: "model-loading"; model: ModelRef; waiting: boolean; forMs?: number | undefined; hosted?: true | undefined }
  /**
   * The model's tools are not sent to it: its server reported that its chat template cannot render them (said
   * once per process), or — `why` — it is the model a proxied client named, which cannot take the client's
   * tools and is asked without them (said on every such request: the client's reply carries it).
   */
  | { type: "tools-off"; model: ModelRef; why?: string | undefined }
  /** Text already went out and another model answers afresh: a channel that can, clears what it showed. */
  | { type: "answer-restart"; model: ModelRef }
  /**
   * `spent` (here and on route-error): what the route's failed calls are known to have used, summed
   * (each as usedBeforeFailing counts it; zero when none began to answer) — the answer's own usage is
   * the message's.
   */
  | { type: "route-end"; message: AssistantMessage; model: ModelRef; attempts: Attempt[]; spent: Usage }
  /**
   * `shown`: the answer so far of a model that failed after its text went out on a channel that cannot restart (the caller keeps it, cut off),
   * or that was stopped (aborted) after its text went out on any channel (the caller keeps what its channel showed, stopped).
   * `fault`: the route broke on a fault in hearth, not a model's answer (the router told `onFault` what; `message` says no more).
   */
  | { type: "route-error"; message: string; failure: Failure | undefined; attempts: Attempt[]; spent: Usage; shown?: AssistantMessage | undefined; fault?: true | undefined };

/** The `message` of a route-error marked `fault`: a route broken by a fault in hearth says no more (the error itself goes to `onFault`, the log). */
export const ROUTE_FAULT = "a fault in hearth while choosing and calling a model (hearth's log says what)";
