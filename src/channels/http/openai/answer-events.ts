import type { Api } from "../../../ai/api.js";
import type { ModelRef } from "../../../ai/model-spec.js";
import type { ReasoningContent, StopReason, ToolCall, Usage } from "../../../ai/types.js";

/** One attempt as a reply reports it (headers, error bodies): which model, what became of it, how long, and why it failed. */
export interface AttemptSummary {
  model: string;
  outcome: string;
  ms?: number | undefined;
  /**
   * Why it failed, in the words `hearth agent` shows ("cannot reach 127.0.0.1:1234: connection
   * refused…", "POST /v1/messages answered 401: invalid x-api-key"), the config's secrets masked;
   * absent for the attempt that answered. In error bodies and the log, not in the compact header.
   */
  cause?: string | undefined;
  /** What a failed call spent before it broke (Attempt.usage): the reply's `usage` is the answering calls' own, so the total is that plus these. */
  usage?: Usage | undefined;
  /** A model skipped while it cools down after its key was refused (Attempt.keyRefused): it could not have taken the request. */
  keyRefused?: true | undefined;
}

/** Reasoning the answering provider signed or encrypted: what a client must replay for the same provider to accept it. */
export interface SignedReasoning {
  model: ModelRef;
  api: Api;
  parts: readonly ReasoningContent[];
}

/** One part of an answer's reasoning, in order: the reasoning itself, or (`summary`) a summary of it, and what its provider signed of it (`signed`: that part alone). */
export interface ReasoningPart {
  text: string;
  summary?: true | undefined;
  signed?: SignedReasoning | undefined;
}

/** The whole answer of one request, in either mode. */
export interface Answer {
  text: string;
  reasoning: string;
  /** The reasoning as it came, in order (a part with no text is there for what its provider signed). Absent: `reasoning`, as itself. */
  reasoningParts?: readonly ReasoningPart[] | undefined;
  toolCalls: readonly ToolCall[];
  /** The model that answered (a ref; an agent's label for an in-chat command's answer). */
  model: string;
  attempts: readonly AttemptSummary[];
  usage: Usage;
  stopReason: StopReason;
  /**
   * Agent mode's notes of the turn, one a line, as the web chat shows them: the conversation summarised
   * or trimmed to fit the context, the reply cut short, a tool loop stopped… and last "answered by Opus
   * — Local (local server) unreachable" when a fallback answered.
   */
  notice?: string | undefined;
}

/** Why a request got no answer: the HTTP status and OpenAI error fields it is reported with. */
export interface AnswerFailure {
  status: number;
  message: string;
  type: string;
  code: string;
  attempts: readonly AttemptSummary[];
  /** The request field the failure is about (OpenAI's `param`), where it is one. */
  param?: string | undefined;
  /** The model that was answering when the answer broke (the last one called); absent when none was. */
  model?: string | undefined;
  /** What the answer is known to have used before it failed (see usedBeforeFailing); absent: nothing known. */
  usage?: Usage | undefined;
  /** Agent mode's notes of the turn before it failed (the conversation trimmed…), as Answer.notice. */
  notice?: string | undefined;
}

/**
 * A line for a stream's client while it waits (a model loading, silent, queued; an attempt failed):
 * hearth's own words about models and waits, never the conversation's text, reasoning or a key.
 * `startsStream`: worth starting the response for (a wait that may be long); otherwise it goes out
 * when the response starts for another reason (the failed attempt is in the headers then too).
 */
export interface StatusLine {
  type: "status";
  text: string;
  startsStream: boolean;
}

/**
 * What the writers see of a request, in either mode. `restart`: what was said so far is replaced by
 * another model's fresh answer (only where the request let hearth restart: non-streaming); `failed-over`:
 * the model answering broke before its words and the next one is asked — what it showed (its reasoning)
 * stays, cut where it broke, and what it signed was never passed on; `step-break`:
 * the agent ran its tools, text after it is a new paragraph; `status`: see StatusLine (a non-streaming
 * request ignores it). Exactly one `end` or `error` comes last.
 */
export type AnswerEvent =
  | { type: "text-delta"; delta: string }
  /** `summary`: a summary of the reasoning (a Responses reply keeps it in the reasoning item's `summary`). */
  | { type: "reasoning-delta"; delta: string; summary?: true | undefined }
  /** What the provider signed of the reasoning block `block` (see StreamEvent "reasoning-signed"): a Responses reply's reasoning item carries it for replay. */
  | { type: "reasoning-signed"; block: number; signed: SignedReasoning }
  | { type: "tool-call"; call: ToolCall }
  | { type: "restart" }
  | { type: "failed-over" }
  | { type: "step-break" }
  | StatusLine
  | { type: "end"; answer: Answer }
  | { type: "error"; failure: AnswerFailure };

/** An answer under way: its events, and what is known so far of who answers. */
export interface AnswerSource {
  events: AsyncIterable<AnswerEvent>;
  /**
   * For a stream's headers: the model that answers once its words have begun, when no later step can
   * hand the answer to another (proxy mode; an agent's turn may call another model after its tools:
   * undefined), and the attempts so far.
   */
  known(): { model: string | undefined; attempts: readonly AttemptSummary[] };
  /** The model whose words come now (in agent mode, this step's), for the `model` the events name. */
  speaking(): string | undefined;
  /**
   * For a stream's headers (`x-hearth-notice`), once the answer's words have begun: what can be said of
   * it already — proxy mode's notes of the request, the model named answering without the request's
   * tools, another model answering than the one named. Undefined while nothing is or the answer can
   * still move to another model (agent mode: always; its turn may call another model after its tools).
   */
  noticeSoFar?(): string | undefined;
}

/** What a client is told of a fault in hearth itself (neither the request's nor a model's): where to look. What it was goes to the log alone. */
export const FAULT_WORDS = "a fault in hearth (its log says what: hearth logs)";
