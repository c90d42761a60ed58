import type { ProviderAdapter } from "../ai/adapter.js";
import type { Api } from "../ai/api.js";
import type { ModelRef, ModelSpec } from "../ai/model-spec.js";
import type { CallOptions, Context, Failure } from "../ai/types.js";

/** The context a caller fitted to a candidate, or why the candidate is not sent the request: it cannot hold it, whatever is left out. */
export type FittedContext = Context | { tooLarge: string };

export interface AdapterSource {
  get(api: Api): Promise<ProviderAdapter>;
}

export interface RouteRequest {
  /** Candidates in order: the session's model or the agent's primary, then the fallbacks. */
  chain: readonly ModelSpec[];
  context: Context;
  options?: CallOptions | undefined;
  /**
   * The turn's own controller, given by a caller that makes one per turn (a proxied request): the
   * router aborts it when its consumer stops reading and its signal is the turn's, instead of making a
   * controller of its own linked to `options.signal`.
   */
  controller?: AbortController | undefined;
  /** Keeps a session on one replica, so the server's prompt cache is reused. */
  sessionKey?: string | undefined;
  privacy?: "any" | "local-only" | undefined;
  /** The model the user named (`--model`, `/model`, the session's pinned model): tried even while it cools down. */
  named?: ModelRef | undefined;
  /** The channel can replace text it already showed with a fresh answer (or shows only the final text). */
  canRestart?: boolean | undefined;
  /**
   * The caller reads only the route's end (a non-streaming reply, a summary): text, reasoning and tool
   * call deltas are not passed on — the end's message holds them whole — and one `first-token` event
   * marks when each attempt's first token came. Spares every layer above the call a step per token.
   */
  wholeAnswer?: boolean | undefined;
  /**
   * Ask each local candidate's server what it runs the model with (once, again when that answer is old) before the call,
   * so a request its window cannot hold is not sent. The agent asks when it plans its budget; a proxied
   * request has no such step.
   */
  askWindows?: boolean | undefined;
  /**
   * The context is the caller's whole conversation, passed on as it is (a proxied client's: never trimmed
   * or compacted): a candidate whose effective window — what its server runs it with (asked first with
   * `askWindows`, or learned from an overflow), else its `contextWindow` — certainly cannot hold it and a
   * minimal reply is skipped (`skipped-context`) before any call, counted as an agent's turn counts its
   * prompt (sentTokens); near the edge it is sent, and the server decides.
   */
  wholeHistory?: boolean | undefined;
  /**
   * The context's tools are the caller's own (a proxied client's): a candidate that cannot take them
   * (its server says its template cannot render them, or its compat says so) is skipped, never sent the
   * request without them — but the model the caller `named`, which is asked without them (`tools-off` with
   * why) unless `options.toolChoice` demands a call (then the route stops with a 400, nothing sent): the
   * request is never moved to a fallback for its tools. The agent's own tools are dropped for such a model instead (`tools-off`).
   */
  toolsRequired?: boolean | undefined;
  /**
   * The reply limit (`max_tokens`) of a call to each candidate, asked per attempt: the agent plans its
   * turn for one model, but a fallback that answers has its own window and maxTokens. Absent:
   * `options.maxTokens` for every candidate.
   */
  replyTokens?: ((model: ModelSpec) => number) | undefined;
  /**
   * The context a candidate is sent, fitted to its own window from the whole history (the agent's
   * turn: compacted or trimmed for that model alone); asked once per candidate, right before it is
   * called — after every reason to skip it — so no model that is skipped or cooling is planned for.
   * Absent, or undefined: `context`. `{ tooLarge }`: its window cannot hold the request (the agent's
   * turn alone is larger than it): skipped (`skipped-context`) with those words, never sent.
   */
  contextFor?: ((model: ModelSpec, turn: { next: ModelRef | undefined }) => Promise<FittedContext | undefined>) | undefined;
  /**
   * A local candidate whose server is loading it (LM Studio's cold load) and whose `onColdLoad` is
   * "fallback" is not waited for even as the last candidate: the route ends with it loading (its load
   * started). The caller has another model to go to — a summary asked of the model of a turn whose
   * chain goes on (the turn's next candidate answers meanwhile).
   */
  coldLoadFallback?: boolean | undefined;
  /** On context overflow: a smaller context (compacted) to retry the same model with once, or undefined. */
  onOverflow?: ((model: ModelSpec, failure: Failure) => Promise<Context | undefined>) | undefined;
}
