import type { AgentEvent, TurnResult } from "../agent/agent-events.js";
import type { ModelRef, ModelSpec } from "../ai/model-spec.js";
import type { CallOptions, Context } from "../ai/types.js";
import type { RouterEvent } from "../models/router-events.js";
import type { NoteKind, SessionReset } from "../sessions/entries.js";
import { HearthError } from "../shared/errors.js";
import type { EventStream } from "../shared/event-stream.js";

/** Where a message came from: decides what the channel may be shown (final text only, live deltas). */
export type ChannelId = "cli" | "http" | "webchat" | "whatsapp";

/** One message from a person, through any channel. */
export interface InboundMessage {
  channel: ChannelId;
  /** The session key (letters, digits, `. _ - : @ +`). */
  session: string;
  /** Which agent answers; undefined: the channel's binding, else "main". */
  agent?: string | undefined;
  text: string;
  /** This turn only: answer with this model first (an alias or a ref; `--model`). */
  model?: string | undefined;
  /** Resend the last turn that got no answer, instead of `text`. */
  retry?: boolean | undefined;
  /** With `retry`: resend this message (a user item's `id` in the transcript) rather than the last; it must have got no answer or been cut off. */
  retryOf?: string | undefined;
  /**
   * The client sends this message again on its own (an SDK's retry of a request cut off before any
   * answer reached it): when the session's last message is this same text and got no answer, it is
   * resent as `retry` does (kept once in the transcript, sent to the model once), not saved again;
   * otherwise it is a new message.
   */
  repeated?: boolean | undefined;
  /**
   * An API client's own copy of the conversation before this message (agent mode: the request's earlier
   * user and assistant messages; [] when it sent the new message alone), held against the session's
   * under its lock (client-history.ts): the session's conversation without its last answer, asking the
   * same message again (a "regenerate") → that message is sent again as `/retry` sends one; a history
   * that differs → the turn goes on from the session's own, and `onEvent` is told so (a notice).
   * Absent (every other channel): not compared.
   */
  history?: readonly ClientMessage[] | undefined;
  /** Forwarded or quoted text that came with the message (wrapped as untrusted). */
  quoted?: string | undefined;
  /** Images that came with the message (base64), for a model whose `input` has "image"; over 5 MB each is described instead. */
  images?: readonly { mediaType: string; data: string /* base64 */ }[] | undefined;
  /** The channel can replace shown text with a fresh answer, or shows only the final text. */
  canRestart?: boolean | undefined;
  /**
   * The channel shows the answer's words as they come (the web chat, an API stream, a terminal): a turn
   * stopped mid-answer keeps what it showed as its answer. Absent: only the final text is shown (WhatsApp,
   * a whole API reply, a pipe), and a stopped turn has no answer.
   */
  showsLiveText?: boolean | undefined;
  /** At most this many tokens a reply (an API client's `max_tokens`). */
  maxTokens?: number | undefined;
  /** The request's name for `maxTokens` (`max_tokens`, `max_output_tokens`…): what a notice that lowered it quotes. */
  maxTokensField?: string | undefined;
  /**
   * Aborted: the sender went away, or stopped the turn. A message whose signal aborts before its turn
   * begins is not run. It is kept (saved, unanswered: `/retry` sends it) only when the channel promised
   * its sender to keep it — `keepWhenStopped`: the web chat's 202 "accepted", a WhatsApp message taken
   * in. Otherwise (an API request whose client gave up, a terminal's Ctrl+C) it is not saved either.
   */
  signal?: AbortSignal | undefined;
  /** The channel told its sender the message was taken before its turn: see `signal`. A crash keeps it as a stop does (MessageInbox journals only such messages). */
  keepWhenStopped?: boolean | undefined;
  /** Events of this message's turn as they happen (the same events also go to `subscribe`). */
  onEvent?: ((event: AgentEvent) => void) | undefined;
  /**
   * Called once the message is kept — on disk when it has to wait for its turn — so that a channel
   * that answers "accepted" before the turn (the web chat's 202) says so only when a crash would not
   * lose it. Not called for a message that could not be kept (its journal cannot be written): `handle` rejects with why.
   * A message whose turn has not begun when the gateway stops is not started: one with `keepWhenStopped` stays in the
   * journal for the next start (stopped-turns.ts).
   */
  onAccepted?: (() => void) | undefined;
}

/** A message of an API client's own conversation, as text ("other": a tool call or result, which no conversation with an agent gives a client). */
export interface ClientMessage {
  role: "user" | "assistant" | "other";
  text: string;
}

/** What handling a message came to: an in-chat command's answer, or a turn's result. */
export type HandleResult =
  | { kind: "command"; text: string }
  /** `sentAgain`: the turn resent a message other messages came after (TurnMessage.again) — its words, so that a channel showing only the answer says which message it answers. */
  | { kind: "turn"; result: TurnResult; sentAgain?: string | undefined };

/** A model call on behalf of a client that keeps its own history and tools (proxy mode): nothing is stored. */
export interface ProxyRequest {
  /** An alias or a ref; the chain is that model, then the agent's fallbacks (never a paid model the user did not list). */
  model: string;
  context: Context;
  options?: CallOptions | undefined;
  /** Keeps a client on one replica (prompt cache); from the request's `user` or `x-hearth-session`. */
  stickyKey?: string | undefined;
  signal?: AbortSignal | undefined;
  /** The request's own controller (`signal` its signal), which the route may abort itself: no other is made for the turn. */
  controller?: AbortController | undefined;
  /**
   * The client sees only the final answer (non-streaming): a broken answer may be replaced by the next
   * model's, and tokens are not passed on as they come (the route's end holds the whole message).
   */
  canRestart?: boolean | undefined;
  /**
   * One of the model's replicas (a baseUrl of its provider's `baseUrls`) to call, and only that one: no
   * other replica, no fallback (a load warms each replica in turn). Absent: the balancer chooses.
   */
  replica?: string | undefined;
}

/** The models and agents a request may name. */
export interface Catalogue {
  agents: readonly { id: string; name: string; primary: ModelRef | undefined }[];
  /**
   * `listed`: shown where the models a request may name are listed (GET /v1/models, LM Studio's listing,
   * a 404's "choose one of"): the config's own models and those its agents or aliases name, and the built-in
   * catalog's that can be called (their key is set). A catalog model without its key may still be named, and is answered with the key to set.
   */
  models: readonly {
    ref: ModelRef;
    alias: string | undefined;
    local: boolean;
    spec: ModelSpec;
    listed: boolean;
    /** Why `/model` (and so the web chat's picker) cannot choose it, with the fix: an alias to add; absent: it can. */
    notChoosable?: string | undefined;
  }[];
  /**
   * Names an earlier config of this process gave a model that the config now in force does not (an
   * alias renamed or dropped, a model removed by a reload), by the name lowercased: what a request
   * still naming one is told. Absent where there was no reload.
   */
  former?: ReadonlyMap<string, FormerName>;
}

/** A name a reloaded config no longer has: the name as it was written, and the model it named. */
export interface FormerName {
  name: string;
  ref: ModelRef;
  /**
   * What took it away: "reload", a config (re)loaded; "default", the built-in default (no config file) moving to
   * another model the local server lists.
   */
  by: "reload" | "default";
}

/** What a model's servers are known to run it with, beyond its config (what LM Studio's listing must say of it). */
export interface ServedModel {
  /** The window requests to it are planned against: the smallest its servers reported, else the configured one. */
  contextWindow: number;
  /** false: the config (`compat.supportsTools`) or a server says it cannot take tools; undefined: nothing known against them. */
  tools: boolean | undefined;
  /** The server's word over its replicas (LM Studio's as last seen, Ollama's `/api/ps` at the last look): true when one has it loaded, false when every one that said has it unloaded; undefined: not known (hosted, another server, not asked yet). */
  loaded: boolean | undefined;
}

export type ProviderHealthState = "up" | "cooling" | "down" | "unknown";

export interface ProviderHealth {
  provider: string;
  local: boolean;
  state: ProviderHealthState;
  /** When the cooldown ends (ISO time), for "cooling". */
  coolingUntil?: string | undefined;
  /** Recent first-token latencies in ms, oldest first (at most 60). */
  firstTokenMs: readonly number[];
  /** Why it is not up, in words. */
  reason?: string | undefined;
}

/** Live events for every listener (the web chat's event stream): turn events with their session, and health. */
export type GatewayEvent =
  /** `turn`: the turn's id (LiveTurnSnapshot). */
  | ({ type: "turn-start"; session: string; channel: ChannelId; text: string; turn?: string | undefined } & TurnMessage)
  /** `turn` and `seq`: which turn, and the event's number in it from 1 (absent for a wait told before the turn begins). */
  | { type: "turn-event"; session: string; event: AgentEvent; turn?: string | undefined; seq?: number | undefined }
  /** `notBegun`: the message (or command) whose turn never began — its session could not take it, no turn-start was told — as turn-start would have said it. */
  | { type: "turn-end"; session: string; result: TurnResult; turn?: string | undefined; notBegun?: { channel: ChannelId; text: string } | undefined }
  /** A turn under way when the listener came (the first events of `/api/events`): what it told so far, as one snapshot. */
  | ({ type: "turn-live" } & LiveTurnSnapshot)
  /** The gateway now serves an edited config: the models, aliases and agents may have changed (read `/api/status` again). */
  | { type: "config-reloaded" }
  | { type: "command-result"; session: string; text: string }
  /** Another process (`hearth agent`, `hearth chat`) wrote to the session: read it again. */
  | { type: "session-updated"; session: string }
  | { type: "provider-health"; health: ProviderHealth }
  /** The provider is no longer in use (in no agent's chain, not cooling down, no answer since the start): its card goes. */
  | { type: "provider-left"; provider: string }
  | { type: "setup"; problems: readonly string[] };

/**
 * A turn under way: its message, and every live event it told so far (`seq` of them; a run of text
 * deltas kept as one), folded by a channel as it folds the live events. The events numbered after
 * `seq` are what it has not told yet: a page joins the snapshot and the live events on it.
 */
export interface LiveTurnSnapshot extends TurnMessage {
  session: string;
  turn: string;
  seq: number;
  channel: ChannelId;
  /** The user's message (masked as the live events are). */
  text: string;
  at: string;
  events: readonly AgentEvent[];
}

/**
 * A turn's message as a page places it: its entry id (`message`, once it is saved: what its Retry
 * names), and for a resend the try it sends again (`retryOf`) and how it is shown (MessageTries):
 * `again` — other messages came after that try, so it is shown again, as the question above its
 * answer; else in place of that try, where its answer follows it.
 */
export interface TurnMessage {
  message?: string | undefined;
  retryOf?: string | undefined;
  again?: boolean | undefined;
}

/**
 * A conversation as a page opening it needs it: the saved items (up to and with the message of the
 * turn under way, shown waiting), and that turn's answer so far (`live`, absent when none is under way here).
 */
export interface ConversationSnapshot {
  items: readonly TranscriptItem[];
  live: Omit<LiveTurnSnapshot, "session"> | undefined;
  /** Messages taken in whose turn has not begun (in no session file yet), oldest first: shown after the turn under way. */
  waiting: readonly WaitingMessage[];
}

/** A message waiting for its turn, and why (behind a turn here, another process's hold on the session, recovery after a stop). */
export interface WaitingMessage {
  text: string;
  at: string;
  why: string;
  /** The images that came with it, as its saved message will show them (TranscriptItem.images); absent when none. */
  images?: readonly ShownImage[] | undefined;
}

/** An image a user message carries, as a channel shows it: its kind and size (the bytes stay in the session file). */
export interface ShownImage {
  mediaType: string;
  bytes: number;
}

/** One line of a conversation as a channel shows it (the web chat's history after a reload). */
export interface TranscriptItem {
  role: "user" | "assistant" | "notice";
  text: string;
  /** The reasoning of an assistant reply, kept apart (shown collapsed, never on final-text channels). */
  reasoning?: string | undefined;
  model?: ModelRef | undefined;
  at: string;
  /** A user message's entry id (what a Retry of this message names: `retryOf`). */
  id?: string | undefined;
  /** The images a user message carried (a WhatsApp photo), each shown by its kind and size. */
  images?: readonly ShownImage[] | undefined;
  /** A user message whose turn got no answer (failed, cancelled, cut by a stop of hearth): it has a Retry (naming `id`). */
  unanswered?: boolean | undefined;
  /**
   * A message sent again (a Retry, `/retry`) after other messages: shown again here, above its answer
   * (MessageTries' rule); where it was said before, it is no longer unanswered, and its "no answer"
   * notice ends "— sent again below".
   */
  sentAgain?: boolean | undefined;
  /** Notes beside an answer, as the live turn showed them (see TranscriptNote); on a notice, what the turn that got no answer showed. */
  notes?: readonly TranscriptNote[] | undefined;
}

/**
 * A note kept with an answer (or with the notice of a turn that got none), in the live turn's words;
 * `kind` is the live turn's: "fallback" (made from the attempts), or one of the kinds the session entries
 * keep (`NoteKind`: a model loading, a failed attempt, a tool, a compaction, a notice, the reply limit).
 */
export interface TranscriptNote {
  kind: NoteKind | "fallback";
  text: string;
}

export interface SessionListing {
  session: string;
  updated: string;
  /** Turns of the current conversation (since the last reset). */
  turns: number;
  /** The last message of the current conversation ("" when none since the last reset). */
  lastText: string;
  /** The last reset (`/new`, `hearth sessions reset`): when, and how many turns came before it; absent: never reset. */
  reset?: SessionReset | undefined;
}

/** The context meter: what the next turn would send, of what its prompt may use, of which window, on which model. */
export interface ContextUse {
  model: ModelRef | undefined;
  tokens: number;
  window: number;
  /**
   * What the prompt may use of the window (less the reply and the reserve: what a turn plans against);
   * `tokens` above it: the next turn summarises earlier turns or leaves them out. 0 with no model.
   */
  promptTokens: number;
  /** `tokens` is only the four-characters-a-token estimate: the model's server never counted a prompt (Agent.countEstimated); absent: counted as it counts. */
  estimated?: true;
}

/** What a session's in-chat settings say: `/reasoning on|off` (off by default) and its `/model` choice (none: the agent's chain). */
export interface SessionSettings {
  reasoning: boolean;
  model: ModelRef | undefined;
}

/** The sessions, newest first, and a line for each session file that could not be read (path, what is wrong, the fix). */
export interface SessionsList {
  sessions: readonly SessionListing[];
  problems: readonly string[];
}

export interface SessionsView {
  list(): Promise<SessionsList>;
  transcript(session: string): Promise<readonly TranscriptItem[]>;
  /** The conversation with its turn under way so far (the web chat's `GET /api/sessions/:session`). */
  conversation(session: string): Promise<ConversationSnapshot>;
  /** Every turn under way in this gateway so far (told first to a page that connects to the events). */
  underWay(): readonly LiveTurnSnapshot[];
  contextUse(session: string, agent?: string): Promise<ContextUse>;
  settings(session: string): Promise<SessionSettings>;
}

/**
 * Contract: what every channel uses of the running assistant. `handle` serialises the turns of one
 * session (in arrival order, across processes through the session lock), owns the in-chat commands
 * and the cancel signal, saves the message before any model call, and never throws for a model
 * failure (that is a `TurnResult` with `ok: false`). `proxy` never writes a session.
 */
export interface GatewayPort {
  handle(inbound: InboundMessage): Promise<HandleResult>;
  proxy(request: ProxyRequest): EventStream<RouterEvent>;
  catalogue(): Catalogue;
  /** What a model of the catalogue is known to be served with (no I/O); undefined for a ref not in it. */
  served(ref: ModelRef): ServedModel | undefined;
  /**
   * Asks the local servers of these models what they have in memory now, where only a look says it
   * (Ollama's `/api/ps`: it loads and unloads models by itself), for `served` to say after; a few
   * seconds at most, never throws.
   */
  lookLoaded(refs: readonly ModelRef[]): Promise<void>;
  health(): readonly ProviderHealth[];
  sessions(): SessionsView;
  /** What is missing for a first turn to work (no config, no server, no key), in words with the fix; [] when ready. */
  setupProblems(): readonly string[];
  subscribe(listener: (event: GatewayEvent) => void): () => void;
}

/**
 * What `handle` rejects with when hearth could not write the message's session (a full disk, a file that
 * is not a file) but kept the message in its journal (`keptIn`): the fault, and the line saying it is
 * kept and saved, unanswered, once the session can be written. A channel that tells its sender says so
 * (WhatsApp), never "send it again" — which would save it twice.
 */
export class KeptMessageFault extends HearthError {
  readonly keptIn: string;

  constructor(fault: { error: HearthError; keptIn: string; said: string }) {
    super(fault.error.kind, fault.error.message, [...fault.error.details, fault.said]);
    this.keptIn = fault.keptIn;
  }
}

/**
 * A message refused before it was kept because the journal of messages waiting for their turn is full
 * (MessageInbox's bound: see JOURNAL_HOLDS_BYTES). Nothing of it is kept: a channel tells its sender so at
 * once, and to send it again once the messages before it are answered (or without its images).
 */
export class JournalFullFault extends HearthError {
  constructor(fault: { message: string; details: string[] }) {
    super("runtime", fault.message, fault.details);
  }
}
