import type { Api } from "./api.js";
import type { ModelRef } from "./model-spec.js";

export interface TextContent {
  type: "text";
  text: string;
}

export interface ImageContent {
  type: "image";
  mediaType: string;
  /** Base64 without the data: prefix. */
  data: string;
  /** The resolution the client asked the model to see it at (OpenAI's `detail`); absent: the server's default ("auto"). */
  detail?: ImageDetail | undefined;
}

/** OpenAI's image detail levels: `original` is the Responses API's alone. */
export type ImageDetail = "low" | "high" | "auto" | "original";

/** Reasoning the model produced; kept apart from text from the wire up. */
export interface ReasoningContent {
  type: "reasoning";
  text: string;
  /** Opaque data some protocols need back with the history (Anthropic's signature, a Responses item id). */
  signature?: string | undefined;
  /** Reasoning the server returned only encrypted (Anthropic redacted_thinking, Responses encrypted_content). */
  redacted?: string | undefined;
  /** A summary of the reasoning (OpenAI's reasoning summaries), not the reasoning itself: a Responses reply keeps it a summary. */
  summary?: true | undefined;
}

export interface ToolCall {
  type: "tool-call";
  id: string;
  name: string;
  /** The parsed arguments; `{}` when they could not be parsed (see `argumentsError`). */
  arguments: Record<string, unknown>;
  /** The arguments exactly as the model streamed them. */
  rawArguments: string;
  /** Set when the model's arguments are not a JSON object: the agent feeds this back as a tool error. */
  argumentsError?: string | undefined;
}

export interface UserMessage {
  role: "user";
  content: string | readonly (TextContent | ImageContent)[];
}

export type StopReason = "stop" | "length" | "tool-use" | "content-filter" | "error" | "aborted";

export interface Usage {
  /** Prompt tokens not read from cache. */
  input: number;
  output: number;
  cacheRead: number;
  cacheWrite: number;
  /** Reasoning tokens, already counted in `output`. */
  reasoning: number;
  /** True when the server sent no usage and hearth estimated it. */
  estimated: boolean;
  /** Prompt tokens read a second, as the server measured them (llama.cpp `timings.prompt_per_second`). */
  promptPerSecond?: number | undefined;
}

export interface AssistantMessage {
  role: "assistant";
  content: readonly (TextContent | ReasoningContent | ToolCall)[];
  model: ModelRef;
  api: Api;
  stopReason: StopReason;
  usage: Usage;
  /** US dollars for this reply, from usage and the model's cost table. */
  cost: number;
  /**
   * The model the server said answered (its reply's `model`), where that is not the configured id:
   * a llama-server restarted with another model (`stories-v2` for `stories260k`) answers any id with it.
   */
  served?: string | undefined;
  /**
   * The reply's text turned out to begin with reasoning, ended by an orphan `</think>` (or another
   * spelling's close: `</seed:think>`, `[/THINK]`…) from a model not yet known to send one (its chat
   * template opens the block in the prompt): the content holds that reasoning apart, but its deltas had
   * gone out as text — a stream showed it as the answer's.
   */
  reasoningFromText?: true | undefined;
  /** With `reasoningFromText`: the closing tag that ended that reasoning, as written. */
  reasoningEndTag?: string | undefined;
  /**
   * What the call sent of its reasoning level where the server could not be sent the level itself (a
   * level it takes instead, thinking left out): what a proxied reply says. Absent: the level went as asked.
   */
  reasoningSent?: ReasoningSent | undefined;
}

/** A reasoning level sent as something else: what went (`think "low"`, `no thinking`) and why, in the user's words. */
export interface ReasoningSent {
  sent: string;
  why: string;
}

export interface ToolResultMessage {
  role: "tool-result";
  toolCallId: string;
  toolName: string;
  content: string;
  isError: boolean;
}

export type Message = UserMessage | AssistantMessage | ToolResultMessage;

export interface ToolDefinition {
  name: string;
  description: string;
  /** A JSON Schema object describing the arguments. */
  parameters: Readonly<Record<string, unknown>>;
  /** The caller asked for arguments that match `parameters` exactly (OpenAI's and Anthropic's `strict: true`). */
  strict?: true | undefined;
}

export interface Context {
  systemPrompt?: string | undefined;
  messages: readonly Message[];
  /**
   * Stands for this conversation while its history is held in memory (an agent passes its session's
   * first entry): the adapters keep the history's serialised form for the next request while this
   * object lives. Without it each request serialises every message.
   */
  history?: object | undefined;
  tools?: readonly ToolDefinition[] | undefined;
}

export const FAILURE_KINDS = [
  "unreachable",
  "timeout",
  "auth",
  "rate-limit",
  "overloaded",
  /** The server answered that it is loading the model (llama.cpp's 503 "Loading model"): waited for as a cold load; never a cooldown. */
  "loading",
  "server-error",
  "model-not-found",
  "no-endpoint",
  "context-overflow",
  "stream-broken",
  "bad-request",
  "aborted",
] as const;
export type FailureKind = (typeof FAILURE_KINDS)[number];

/** A classified failure of one call: what the router decides on and the user reads. */
export interface Failure {
  kind: FailureKind;
  message: string;
  status?: number | undefined;
  retryAfterMs?: number | undefined;
  /** Which timeout fired, for kind "timeout". */
  phase?: "connect" | "first-byte" | "idle" | "total" | undefined;
  /** The server's own words, trimmed. */
  detail?: string | undefined;
  /**
   * An "auth" failure that refused the key itself (a 401, or words naming the key), not this model for
   * it: every model called with that key on that server would fail alike.
   */
  keyRefused?: boolean | undefined;
  /** The answer was a web page (HTML), not the API's: another program holds the address. The message says so, with its fix. */
  webPage?: true | undefined;
}

export type StreamEvent =
  | { type: "text-delta"; delta: string }
  | { type: "reasoning-delta"; delta: string; summary?: true | undefined }
  /**
   * A reasoning block got the data its protocol needs back with the history (Anthropic's signature or
   * redacted_thinking, a Responses item's id and encrypted_content): the block whole as it stands, and its
   * place among the message's parts (`block`: the same again when more data comes for it).
   */
  | { type: "reasoning-signed"; block: number; part: ReasoningContent }
  | { type: "tool-call"; call: ToolCall }
  | { type: "usage"; usage: Usage }
  | { type: "response-end"; message: AssistantMessage }
  | { type: "response-error"; failure: Failure; partial: AssistantMessage };

/** Timeouts of one call in milliseconds; 0 turns one off. */
export interface Timeouts {
  /** TCP (and TLS) connection established. */
  connectMs: number;
  /** From the request sent to the response headers — a local server may be loading the model. */
  firstByteMs: number;
  /** Longest silence between two chunks of the body. */
  idleMs: number;
  /** The whole call, 0 for none. */
  totalMs: number;
}

/** OpenAI's reasoning efforts, least to most ("off" is its "none"). */
export type ReasoningLevel = "off" | "minimal" | "low" | "medium" | "high" | "xhigh" | "max";

/** The Responses API's reasoning summaries (`reasoning.summary`). */
export type ReasoningSummary = "auto" | "concise" | "detailed";

/**
 * The shape the reply must take (OpenAI's structured outputs): any JSON object (`json_object`), or one
 * that matches `schema` (`json_schema`). `asked` is the request's own name for it (`response_format`,
 * `text.format`), which a skipped candidate's notice quotes.
 */
export type ResponseFormat = { asked: string } & ({ type: "json_object" } | { type: "json_schema"; name: string; schema: Record<string, unknown>; strict?: true | undefined; description?: string | undefined });

export interface CallOptions {
  maxTokens?: number | undefined;
  signal?: AbortSignal | undefined;
  /**
   * The caller's own controller of this one call, `signal` its signal: the adapter aborts it itself
   * (a consumer that stops reading) instead of making a controller of its own linked to `signal` — one
   * controller per call, not one per layer. Given only by a caller that aborts it at the call's end.
   */
  callController?: AbortController | undefined;
  timeouts?: Partial<Timeouts> | undefined;
  /** How hard a model configured to reason is asked to think (each protocol's form of it; see reasoning-efforts.ts). */
  reasoning?: ReasoningLevel | undefined;
  /** How a Responses server summarises the reasoning (`reasoning.summary`); absent: "auto". */
  reasoningSummary?: ReasoningSummary | undefined;
  /**
   * The first-token limit as a box the caller may raise while the call runs (the router does when
   * LM Studio turns out to be loading the model); overrides `timeouts.firstByteMs`.
   */
  firstByteLimit?: { ms: number } | undefined;
  /**
   * Called once, when the server sends the reply's first token (text, reasoning, a tool call or its
   * arguments) — also one the adapter holds back before it goes out (a reasoning model's leading text,
   * held until it is known not to be reasoning): from then on the reply is in progress, and the call's
   * clock is the idle limit, not the first-token one.
   */
  onFirstToken?: (() => void) | undefined;
  /**
   * Called on every part of the reply the server sends — text, reasoning, a tool call or a piece of its
   * arguments, a reasoning signature — given out or held: what resets the idle limit. Events alone miss
   * some (a tool call goes out whole at its end, however long its arguments take to stream).
   */
  onToken?: (() => void) | undefined;
  /** A stable id the server may use for prompt caching (OpenAI prompt_cache_key, …). */
  sessionId?: string | undefined;
  /**
   * The secret a hosted server's prompt cache key is a keyed digest with (of `sessionId`): the same for every
   * process of one state dir (`prompt-cache.key`), so a conversation keeps its key across restarts and from the
   * CLI. Asked only when a key is sent; absent: no prompt cache key is sent.
   */
  promptCacheSecret?: (() => Uint8Array) | undefined;
  temperature?: number | undefined;
  /** Nucleus sampling (OpenAI's `top_p`). */
  topP?: number | undefined;
  /** Sequences that end the reply where they would appear (not part of the text). */
  stop?: readonly string[] | undefined;
  /** Sampling seed, for repeatable answers where the server takes one. */
  seed?: number | undefined;
  frequencyPenalty?: number | undefined;
  presencePenalty?: number | undefined;
  /** Which tool the model must call: any ("required") or the one named; absent: the model chooses. */
  toolChoice?: { type: "required" } | { type: "tool"; name: string } | undefined;
  /** The tools of the context the model may call (OpenAI's `allowed_tools`; `toolChoice` "required": one of them): see allowed-tools.ts. */
  allowedTools?: readonly string[] | undefined;
  /** false: at most one tool call a reply (absent: the server's default, several allowed). */
  parallelToolCalls?: false | undefined;
  /** A tool of the call asks for arguments that match its schema exactly (its `strict`): only an API that enforces it may take the call. */
  strictTools?: true | undefined;
  /** The reply is JSON (of a schema): each API's structured output (see carried-options.ts for where it has none). */
  responseFormat?: ResponseFormat | undefined;
}
