import type { ModelRef, ModelSpec } from "../ai/model-spec.js";
import { overflowLimit } from "../ai/server-window.js";
import type { AssistantMessage, Context } from "../ai/types.js";
import { addUsage, emptyUsage } from "../ai/usage.js";
import { fallbackNotice } from "../models/fallback-notice.js";
import { missingKey } from "../models/missing-key.js";
import type { Attempt } from "../models/router-events.js";
import type { AttemptRecord, SessionEntry, TurnFailureCause } from "../sessions/entries.js";
import { currentConversation, newEntryId } from "../sessions/session-store.js";
import type { CompactionOutcome, TurnResult } from "./agent-events.js";
import type { AgentSpec } from "./agent-spec.js";
import { conversationView, sessionSettings } from "./build-context.js";
import { EntryIndexes, type EntryIndex } from "./conversation-index.js";
import { pickRetry, type RetryAsked } from "./retry-choices.js";
import { Compactor, type CompactRequest } from "./compactor.js";
import { estimatedSentTokens, replyCapped, replyLimitSent, sentTokens, withReplyCap, type Budget, type CountedBy, type PromptView } from "./context-budget.js";
import { CandidateContexts, turnCompaction } from "./candidate-contexts.js";
import { KnownWindows, type ContextWindows } from "./context-windows.js";
import { cutOffNote } from "./cut-off-note.js";
import { ModelBudgets } from "./model-budgets.js";
import { keepCutOff, keepStopped, maskedCut } from "./kept-answer.js";
import { messageRooms, oversizeRefusal } from "./message-size.js";
import { ToolLoopGuard } from "./tool-loop-guard.js";
import { ToolTurnBudget } from "./tool-turn-budget.js";
import { brokenRoute, turnFailureCause } from "./turn-failure.js";
import { NoteKeeper, withNotes } from "./turn-notes.js";
import { lostModelWords } from "./model-choices.js";
import { turnText } from "./turn-text.js";
import { ShownSoFar } from "./shown-so-far.js";
import { replyNotices } from "./reply-notices.js";
import { QUOTED_SOURCE, UntrustedMarker } from "./untrusted.js";
import { runToolCalls } from "./tool-calls-run.js";
import { policyFor } from "./tools/registry.js";
import { entryWhat, EntryNotSaved, saving, unsavedError } from "./unsaved-entry.js";
import type { AgentDependencies, TurnOptions, UserEntry } from "./agent-options.js";
import { keptMessage } from "./inbound-images.js";
import { record, type TurnState } from "./turn-state.js";

const now = (): string => new Date().toISOString();

/** An agent: turns of a session — history, system prompt, tools, context budget, compaction, routing. */
export class Agent {
  private readonly windows: ContextWindows;
  /** Models whose smaller real window the user was told about (once per process). */
  private readonly announcedWindows = new Set<string>();
  private readonly compactor: Compactor;
  private readonly budgets: ModelBudgets;
  /** Each session's index, brought up to its entries at each read: a turn's work before what it sends is not done over the whole file again. */
  private readonly indexes = new EntryIndexes();

  constructor(
    readonly spec: AgentSpec,
    private readonly dependencies: AgentDependencies,
  ) {
    this.windows = dependencies.windows ?? new KnownWindows(undefined);
    this.budgets = new ModelBudgets({ catalog: dependencies.catalog, windows: this.windows, reserveTokens: spec.compaction.reserveTokens });
    this.compactor = new Compactor({ router: dependencies.router, store: dependencies.store, spec, budget: (model) => this.budget(model), promptTokens: (entries, pending, budget) => this.prompt(entries, pending, budget).tokens, rawPromptTokens: (entries, pending, budget) => this.rawPromptTokens(entries, pending, budget), indexes: this.indexes });
  }

  /** The session's chain: its `/model` choice (or this turn's `--model`) first, then the agent's chain. */
  chainFor(entries: readonly SessionEntry[], override?: ModelSpec): ModelSpec[] {
    const chosen = override ?? this.lookupSessionModel(entries);
    return chosen ? [chosen, ...this.spec.chain.filter((model) => model.ref !== chosen.ref)] : [...this.spec.chain];
  }

  private lookupSessionModel(entries: readonly SessionEntry[]): ModelSpec | undefined {
    const ref = this.settings(entries).model;
    return ref ? this.dependencies.catalog.models.get(ref) : undefined;
  }

  /** When the session's `/model` choice is no longer in the config: what to say (the chain answers instead), else undefined. */
  lostModelNotice(entries: readonly SessionEntry[], answering: ModelSpec | undefined): string | undefined {
    return lostModelWords(this.settings(entries).model, { catalog: this.dependencies.catalog, answering });
  }

  /** What to say when the chain is empty: where to set a model, and the command that writes one. */
  get noModelMessage(): string {
    const key = this.spec.id === "main" ? "agents.defaults.model.primary" : `agents.list (${this.spec.id}).model, or agents.defaults.model.primary`;
    const missing = this.dependencies.missingConfigFile;
    return `no model is configured: ${missing ? `there is no config file at ${missing}; ` : ""}set ${key} (\`${this.dependencies.initCommand ?? "hearth init"}\` writes a starter config)`;
  }

  /** The session's `/model` choice and `/reasoning` setting, and where its current conversation starts (sessionSettings). */
  settings(entries: readonly SessionEntry[]): ReturnType<typeof sessionSettings> {
    return sessionSettings(entries, this.indexOf(entries));
  }

  /** The index of the session whose entries `entries` begins with (read by `readSession`), if there is one. */
  indexOf(entries: readonly SessionEntry[]): EntryIndex | undefined {
    return this.indexes.covering(entries);
  }

  /** The session's entries as its store holds them now (its index brought up to them). */
  async readSession(key: string): Promise<SessionEntry[]> {
    const entries = (await this.dependencies.store.read(key)).entries;
    this.indexes.note(entries);
    return entries;
  }

  /**
   * The context a call would send now, and its calibrated size in tokens — as the server of `countedBy`
   * (a budget's model) counts it, where given. `pending`: the message of a turn under way.
   */
  prompt(entries: readonly SessionEntry[], pending?: string, countedBy?: CountedBy): { context: Context; tokens: number } {
    const whole = this.promptView(entries, pending);
    return { context: whole.context, tokens: whole.tokens(countedBy) };
  }

  /**
   * The context a call would send now, built once (the conversation's view of every entry), and its
   * size as any budget's model counts it — counted from that one context, never built again: a step
   * shares it between the router and each candidate it calls (CandidateContexts).
   */
  promptView(entries: readonly SessionEntry[], pending?: string): PromptView {
    const view = conversationView(entries, { pending, index: this.indexOf(entries) });
    // The session's first entry stands for it while the store holds it in memory: the adapters keep its history's wire form that long.
    const context: Context = { systemPrompt: this.spec.systemPrompt, messages: view.messages, tools: this.dependencies.tools.definitions(policyFor(this.spec.tools)), history: entries[0] };
    return { context, tokens: (countedBy) => sentTokens(context, { measuredFrom: view.measuredFrom, countedBy }) };
  }

  /** The size of the context a call to `countedBy`'s model would send now (its tools and images as it gets them) by the plain estimate, not calibrated by the server's counts. */
  private rawPromptTokens(entries: readonly SessionEntry[], pending: string | undefined, countedBy: CountedBy): number {
    return estimatedSentTokens(this.promptView(entries, pending).context, countedBy);
  }

  /**
   * The try a Retry sends again (pickRetry): `asked` undefined, the last message of the session when it
   * got no answer (failed, cancelled, cut short) or an answer cut off (at a limit, or a stream that stalled
   * after its text went out) — the resend then takes the cut-off answer's place in what the model is sent
   * (conversationView); `{ id }`, that message of the current conversation (a page's Retry beside it),
   * judged by its latest try; `{ latest: n }`, the n-th latest message without an answer (`/retry n`).
   */
  async retryable(key: string, asked?: RetryAsked): Promise<UserEntry | undefined> {
    return pickRetry(currentConversation(await this.readSession(key)), asked);
  }

  /**
   * One turn. The user's message is on disk before any model is called; a turn that gets no answer
   * is marked so (with its cause) and left out of what later turns send. The caller holds the session
   * (its lock and its place in the queue: `Gateway.handle`), so no other turn interleaves.
   */
  async turn(key: string, said: string, options: TurnOptions = {}): Promise<TurnResult> {
    const { catalog } = this.dependencies;
    const marker = new UntrustedMarker();
    const { entries, user, text, quoted } = await this.saveMessage(key, said, { options, marker });
    options.onSaved?.();
    const notes = new NoteKeeper(options.onEvent ?? (() => undefined), { aliasOf: (ref) => catalog.aliasOf(ref) });
    const state: TurnState = { key, entries, pending: user.id, emit: notes.emit, notes, attempts: [], compaction: undefined, usage: emptyUsage() };
    /** Every reply of the turn: its answer is the words of all of them (see turnText). */
    const replies: AssistantMessage[] = [];
    try {
      return await this.answer(state, { options, replies, text, quoted, marker });
    } catch (error) {
      // An entry of the turn could not be saved: it stops there, and says what the session keeps.
      if (!(error instanceof EntryNotSaved)) throw error;
      const shown = turnText(replies);
      const keptAfter = state.entries.length - (state.entries.findIndex((entry) => entry.type === "user" && entry.id === state.pending) + 1);
      return { ok: false, error: unsavedError(error, { keptAfter, shown: shown !== "" }), session: key, attempts: state.attempts, cause: "transient", compaction: state.compaction, usage: state.usage, ...(shown === "" ? {} : { unsavedAnswer: shown }) };
    }
  }

  /** The turn after its message is saved: context, compaction, model calls, tools. */
  private async answer(state: TurnState, turn: { options: TurnOptions; replies: AssistantMessage[]; text: string; quoted: string | undefined; marker: UntrustedMarker }): Promise<TurnResult> {
    const { catalog } = this.dependencies;
    const { options, replies, text, quoted, marker } = turn;
    const { key, entries } = state;

    const chain = this.chainFor(entries, options.model);
    const head = chain[0];
    const lost = options.model ? undefined : this.lostModelNotice(entries, head);
    if (lost) state.emit({ type: "notice", text: lost });
    if (!head) return await this.fail(state, this.noModelMessage, "permanent");
    await this.windows.refresh(head, AbortSignal.timeout(300));
    const planned = this.plannedFor(chain) ?? head;
    const refusal = await this.refuseOversize(chain, { text: quoted ? `${text}\n\n${quoted}` : text, maxTokens: options.maxTokens });
    if (refusal) return await this.fail(state, refusal, "permanent");

    const guard = new ToolLoopGuard(this.spec.maxRepeatedToolCalls);
    const toolBudget = new ToolTurnBudget({ callsPerReply: this.spec.maxToolCallsPerReply, outputChars: this.spec.maxToolOutputPerTurn });
    const usage = state.usage;
    /** What failed calls of the steps that were answered used: a failed turn's usage counts them too. */
    const failedCalls = emptyUsage();
    let cost = 0;
    let last: AssistantMessage | undefined;
    let firstAttempts: readonly Attempt[] = [];
    /** A client's reply limit lowered is said once a turn (its steps all carry the same one). */
    let capSaid = false;
    /** Why the turn was stopped before the model answered its tools' results (maxSteps, a tool loop). */
    let stoppedWhy: string | undefined;

    for (let step = 1; step <= this.spec.maxSteps; step++) {
      // The reply set aside is the client's max_tokens where that is the smaller; the config's (for the notice below) otherwise.
      const configuredBudget = await this.budget(planned);
      const budget = withReplyCap(configuredBudget, options.maxTokens);
      // Each model the router calls gets the conversation fitted to its own window; only the answering one's fold is saved.
      const contexts = this.candidateContexts(state, options);
      // A throw while the route's events are told (a listener of the turn's, the masking of secrets) is a fault in hearth, as one in the router is.
      const shownSoFar = new ShownSoFar();
      const result = await this.route(state, chain, { contexts, budget, shown: shownSoFar }, options).catch((error: unknown) => brokenRoute(error, { cancelled: options.signal?.aborted === true, onFault: this.dependencies.onFault }));
      state.attempts.push(...result.attempts.map(record));
      if (step === 1) firstAttempts = result.attempts;
      if (!result.ok) {
        addUsage(usage, failedCalls);
        addUsage(usage, result.spent);
        // What was shown ended mid-stream: kept masked as the channel showed it (maskedCut). A route that carries none says what its channel
        // still shows (ShownSoFar): a fault's (it broke before it could say) where the channel cannot restart, and — where it shows the words
        // live and can restart — an answer that broke off and that no later model answered over (it failed too, or said nothing before the
        // stop): those words are still on the screen, and are kept rather than dropped.
        const stillShown = (result.fault && !options.canRestart) || (options.canRestart && options.showsLiveText) ? shownSoFar.message((ref) => this.dependencies.catalog.models.get(ref)?.api) : undefined;
        const partial = result.shown ?? stillShown;
        const shown = partial && maskedCut(partial, this.dependencies.secrets);
        if (options.signal?.aborted) return await this.stopped(state, { replies, partial: shown, attempts: result.attempts, options, error: result.error });
        if (shown && turnText([shown]) !== "") return await keepCutOff(state, { shown, error: result.error, attempts: result.attempts, cause: result.fault ? "fault" : "transient", save: (entry) => this.appendOrSay(state, entry) });
        return await this.fail(state, result.error, turnFailureCause(result.attempts.filter((attempt) => attempt.outcome !== "ok").map((attempt) => attempt.outcome), { cancelled: false, fault: result.fault }));
      }
      const message = result.message;
      const fold = contexts.foldOf(message.model);
      if (fold) {
        contexts.tell(message.model, state.emit);
        try {
          await this.compactor.commit(state, fold);
        } catch (error) {
          if (!(error instanceof EntryNotSaved)) throw error;
          // Folded for this answer and not kept: the answer is not saved either (it would read against a history the session does not have), but shown.
          replies.push(message);
          throw new EntryNotSaved(error.what, error.fault, true);
        }
        state.compaction = turnCompaction(state.compaction, fold.outcome);
      }
      addUsage(failedCalls, result.spent);
      last = message;
      // The notices below speak of the limit the answering model's request carried.
      const answered = this.budgets.answer(message.model, budget, options.maxTokens);
      const capped = capSaid ? undefined : replyCapped({ budget: answered, model: catalog.models.get(message.model), ref: message.model, options });
      if (capped) {
        capSaid = true;
        state.emit({ type: "notice", text: capped });
      }
      if (message.stopReason === "length") {
        // The limit the request carried: the caller's own (an API client's max_tokens) where it was the smaller.
        const configured = replyLimitSent(message.model === budget.model ? configuredBudget : this.budgets.answer(message.model, budget, undefined), catalog.models.get(message.model));
        const asked = options.maxTokens !== undefined && options.maxTokens < configured ? { field: options.maxTokensField ?? "max_tokens", tokens: options.maxTokens } : undefined;
        // Which limit it was: the reply's, or the model's context (the prompt and the answer filled the window first).
        // The window its server runs it with, where it said so only after the turn was planned (a stuck server's first turn): its reply ran into that.
        const answeringModel = catalog.models.get(message.model);
        const window = Math.min(answered.window, (answeringModel && this.windows.known(answeringModel)) ?? Number.POSITIVE_INFINITY);
        const text = cutOffNote({ usage: message.usage, replyLimit: asked?.tokens ?? configured, window, asked, from: this.budgets.replyLimitSource(message.model, configured, window) });
        state.emit({ type: "notice", text, about: "reply-limit" });
      }
      addUsage(usage, message.usage);
      cost += message.cost;
      // The ledger keeps the server that answered, so `hearth usage` tells a local reply from a hosted one after the config changes.
      const answeredBy = (attempt: Attempt): AttemptRecord => (attempt.outcome === "ok" && !attempt.baseUrl ? { ...record(attempt), baseUrl: catalog.models.get(attempt.model)?.baseUrl } : record(attempt));
      replies.push(message);
      const calls = message.content.filter((part) => part.type === "tool-call");
      // Said before the reply is written, so that the entry keeps them with the answer (NoteKeeper).
      const stopped = calls.length > 0 && step === this.spec.maxSteps;
      if (stopped) {
        stoppedWhy = `stopped after ${step} model calls (maxSteps); the tools' last results were not answered`;
        state.emit({ type: "notice", text: stoppedWhy });
      }
      for (const notice of replyNotices(message, { replies, catalog })) state.emit({ type: "notice", ...notice });
      await this.append(state, { type: "assistant", id: newEntryId(), at: now(), message, attempts: result.attempts.map(answeredBy) });
      if (calls.length === 0 || stopped) break;
      stoppedWhy = await runToolCalls({ spec: this.spec, dependencies: this.dependencies, state, calls, guard, budget: toolBudget, marker, signal: options.signal, append: (entry) => this.append(state, entry) });
      if (stoppedWhy !== undefined) break;
    }
    const answer = turnText(replies);
    const notice = this.spec.fallbackNotice ? fallbackNotice(firstAttempts, catalog) : undefined;
    const truncated = last?.stopReason === "length";
    return { ok: true, text: answer, model: last?.model ?? head.ref, session: key, attempts: state.attempts, usage, cost, notice, truncated, compaction: state.compaction, ...(stoppedWhy === undefined ? {} : { stopped: stoppedWhy }) };
  }

  /**
   * A message stopped before its turn began, kept as the channel promised its sender (see
   * `InboundMessage.keepWhenStopped`): saved, and marked cancelled with `why` — unanswered, `/retry` sends it. No model is called.
   */
  async keepUnanswered(key: string, said: string, message: { options: Pick<TurnOptions, "quoted" | "images" | "channel" | "onSaving">; why: string }): Promise<TurnResult> {
    const { entries, user } = await this.saveMessage(key, said, { options: message.options, marker: new UntrustedMarker() });
    return await this.fail({ key, entries, pending: user.id, emit: () => undefined, notes: undefined, attempts: [], compaction: undefined, usage: emptyUsage() }, message.why, "cancelled");
  }

  /** Saves the user's message (with the session's first entry when new), flushed to disk: the one fsync of a turn. */
  private async saveMessage(key: string, said: string, message: { options: TurnOptions; marker: UntrustedMarker }): Promise<{ entries: SessionEntry[]; user: UserEntry; text: string; quoted: string | undefined }> {
    const { options, marker } = message;
    const entries = await this.readSession(key);
    const fresh: SessionEntry[] = [];
    if (entries.length === 0) fresh.push({ type: "session", version: 1, at: now(), agent: this.spec.id });
    const quoted = options.retry ? options.retry.quoted : options.quoted ? marker.wrap(options.quoted, QUOTED_SOURCE) : undefined;
    const { text, images } = options.retry ? { text: said, images: [...(options.retry.images ?? [])] } : keptMessage(said, options.images ?? []);
    const user: UserEntry = {
      type: "user",
      id: newEntryId(),
      at: now(),
      text,
      quoted,
      ...(images.length > 0 ? { images } : {}),
      ...(options.retry ? { retryOf: options.retry.id } : {}),
      ...(options.channel ? { channel: options.channel } : {}),
    };
    fresh.push(user);
    options.onSaving?.(user.id);
    const secrets = this.dependencies.secrets;
    const kept = secrets ? fresh.map((entry) => secrets.redactValue(entry)) : fresh;
    await this.dependencies.store.append(key, kept, { sync: true });
    entries.push(...kept);
    return { entries, user, text, quoted };
  }

  /**
   * A message larger than the roomiest window in the chain allows would overflow every candidate:
   * refuse it before any call. Only candidates that can be called count (the privacy policy allows
   * them, and they have their key): a keyless hosted fallback's large window would never be used.
   */
  private async refuseOversize(chain: readonly ModelSpec[], message: { text: string; maxTokens: number | undefined }): Promise<string | undefined> {
    const permitted = chain.filter((model) => (this.spec.privacy !== "local-only" || model.local) && missingKey(model) === undefined);
    // A model whose tools are not sent to it (its server said its template cannot render them, or compat says so) is not charged for them.
    const toolsOff = (model: ModelSpec): boolean => model.compat?.supportsTools === false || this.windows.toolsUsable(model) === false;
    const candidates = await Promise.all((permitted.length > 0 ? permitted : chain).map(async (model) => ({ model, budget: withReplyCap(await this.budget(model), message.maxTokens), toolsOff: toolsOff(model), ratio: this.windows.judgingRatio?.(model) ?? this.windows.tokenRatio(model), slots: this.windows.reportedSlots?.(model), maximum: this.windows.maximum?.(model), kind: this.windows.serverKind?.(model) })));
    const { systemPrompt, tools } = this.prompt([]).context;
    return oversizeRefusal(message.text, messageRooms(candidates, { systemPrompt, tools }));
  }

  /** The contexts of one step's candidates: each fitted to its own window, folded (summarised or trimmed) for it alone. */
  private candidateContexts(state: TurnState, options: TurnOptions): CandidateContexts {
    return new CandidateContexts({
      entries: state.entries,
      pending: state.pending,
      compactionEnabled: this.spec.compaction.enabled,
      budget: async (model) => withReplyCap(await this.budget(model), options.maxTokens),
      judgingRatio: (model) => this.windows.judgingRatio?.(model) ?? this.windows.tokenRatio(model),
      // The whole history's prompt, built once for the step: the router's context and each candidate's where it fits.
      whole: this.promptView(state.entries, state.pending),
      view: (entries) => this.promptView(entries, state.pending),
      // The summary is asked of the model it is for (or the configured compaction model): never of one the router skipped.
      fold: (model, fold) => this.compactor.fold({ ...this.request(state, [model], fold.budget), force: fold.force, coldLoadFallback: fold.coldLoadFallback, signal: options.signal }),
    });
  }

  private async route(state: TurnState, chain: readonly ModelSpec[], plan: { contexts: CandidateContexts; budget: Budget; shown: ShownSoFar }, options: TurnOptions) {
    const { contexts, budget, shown } = plan;
    const stream = this.dependencies.router.stream({
      chain,
      // The whole conversation; each candidate is sent its own fitted context (contextFor).
      context: contexts.whole,
      contextFor: (model, turn) => contexts.contextFor(model, turn),
      options: { signal: options.signal, maxTokens: budget.replyTokens },
      // The turn is planned for one model; a fallback that answers gets its own reply limit (its window, its maxTokens).
      replyTokens: (model) => this.budgets.answer(model.ref, budget, options.maxTokens).replyTokens,
      sessionKey: state.key,
      privacy: this.spec.privacy,
      named: (options.model ?? this.lookupSessionModel(state.entries))?.ref,
      canRestart: options.canRestart ?? false,
      onOverflow: async (model, failure) => {
        // The server named its real window: plan against that from now on.
        // (The router's served windows may have learned it already; the user is told once per model.)
        const limit = overflowLimit(failure);
        if (limit !== undefined && limit < model.contextWindow) {
          this.windows.learn(model, limit);
          if (!this.announcedWindows.has(model.ref)) {
            this.announcedWindows.add(model.ref);
            state.emit({ type: "notice", text: `${model.ref}: the server's context is ${limit} tokens, not the ${model.contextWindow} of contextWindow; planning against ${limit} (raise the server's context, or lower contextWindow)` });
          }
        }
        return await contexts.afterOverflow(model);
      },
    });
    const observe = this.dependencies.observeRoute?.();
    /** The model called last: what its context's fold did is said as its answer starts. */
    let calling: ModelRef | undefined;
    for await (const event of stream) {
      observe?.(event);
      switch (event.type) {
        case "text-delta":
        case "reasoning-delta":
          if (calling) contexts.tell(calling, state.emit);
          shown.add(event);
          state.emit(event);
          break;
        case "attempt-start":
          calling = event.model;
          shown.begin(event.model);
          state.emit({ type: "attempt-start", model: event.model });
          break;
        case "attempt-failed":
          // A call stopped (the user, the client, the gateway) is no failure of its model: the turn's end says the stop.
          if (event.attempt.outcome === "aborted") break;
          state.emit({ type: "attempt-failed", model: event.attempt.model, outcome: event.attempt.outcome, message: event.failure.message, next: event.next, ...(event.attempt.usage ? { usage: event.attempt.usage } : {}) });
          break;
        case "attempt-skipped":
          state.emit({ type: "attempt-skipped", model: event.attempt.model, outcome: event.attempt.outcome, ms: event.attempt.ms, ...(event.attempt.message ? { message: event.attempt.message } : {}) });
          break;
        case "model-loading":
          state.emit({ type: "model-loading", model: event.model, waiting: event.waiting, ...(event.forMs !== undefined ? { forMs: event.forMs } : {}), ...(event.hosted ? { hosted: true as const } : {}) });
          break;
        case "attempt-waiting":
        case "attempt-queued":
          state.emit(event);
          break;
        case "answer-restart":
          shown.restart();
          state.emit({ type: "answer-restart" });
          break;
        case "tools-off":
          state.emit({ type: "notice", text: `${event.model} cannot use tools (its chat template cannot render them); they are off for it` });
          break;
        case "route-end":
          return { ok: true as const, message: event.message, attempts: event.attempts, spent: event.spent };
        case "route-error":
          return { ok: false as const, error: event.message, attempts: event.attempts, spent: event.spent, shown: event.shown, fault: event.fault === true };
        default:
          break;
      }
    }
    return { ok: false as const, error: "the model stream ended without an answer", attempts: [], spent: emptyUsage(), shown: undefined, fault: false };
  }

  private request(state: TurnState, chain: readonly ModelSpec[], budget: Budget): CompactRequest {
    return { key: state.key, entries: state.entries, chain, budget, emit: state.emit, pending: state.pending };
  }

  /** Summarises older turns into a compaction entry; when no summary can be written, trims them instead. */
  compact(request: CompactRequest): Promise<CompactionOutcome> {
    return this.compactor.compact(request);
  }

  /**
   * The model whose budget a turn's reply limit and notices start from: the chain's first that can
   * answer now (a local model whose servers all refused the connection when last asked or called is
   * down). Its context is not planned here: each candidate the router calls gets its own, fitted to
   * its window from the whole history (CandidateContexts).
   */
  private plannedFor(chain: readonly ModelSpec[]): ModelSpec | undefined {
    return chain.find((model) => (this.spec.privacy !== "local-only" || model.local) && missingKey(model) === undefined && this.windows.refused?.(model) !== true);
  }

  /** Whether a prompt's size for `model` is only the four-characters-a-token estimate (ModelBudgets.countEstimated). */
  countEstimated(model: ModelSpec, entries: readonly SessionEntry[]): boolean {
    return this.budgets.countEstimated(model, entries);
  }

  /** The model's budget against its effective window, its server asked first (ModelBudgets.budget). */
  budget(model: ModelSpec): Promise<Budget> {
    return this.budgets.budget(model);
  }

  /** Saves an entry of the turn; one that cannot be saved stops the turn (EntryNotSaved). */
  private async append(state: TurnState, entry: SessionEntry): Promise<void> {
    const noted = withNotes(entry, state.notes);
    const kept = this.dependencies.secrets ? this.dependencies.secrets.redactValue(noted) : noted;
    await saving(entryWhat(entry), () => this.dependencies.store.append(state.key, [kept]));
    state.entries.push(kept);
  }

  /** The turn was stopped while it ran: what its channel showed is kept, or it is left unanswered (see keepStopped). */
  private async stopped(state: TurnState, stop: { replies: readonly AssistantMessage[]; partial: AssistantMessage | undefined; attempts: readonly Attempt[]; options: TurnOptions; error: string }): Promise<TurnResult> {
    const { options } = stop;
    return await keepStopped(state, { ...stop, signal: options.signal, showsLiveText: options.showsLiveText === true, save: (entry) => this.appendOrSay(state, entry), fail: (error, cause) => this.fail(state, error, cause) });
  }

  private async fail(state: TurnState, error: string, cause: TurnFailureCause): Promise<TurnResult> {
    const unsaved = await this.appendOrSay(state, { type: "turn-failed", id: newEntryId(), at: now(), error, attempts: state.attempts, cause });
    // Unsaved, the message still shows unanswered (nothing follows it): `/retry` sends it all the same.
    const said = unsaved ? `${error} (that the turn failed could not be saved: ${unsaved})` : error;
    return { ok: false, error: said, session: state.key, attempts: state.attempts, cause, compaction: state.compaction, usage: state.usage };
  }

  /** Saves the last entry of a turn that ends without an answer; undefined when saved, else the store's fault in words. */
  private async appendOrSay(state: TurnState, entry: SessionEntry): Promise<string | undefined> {
    try {
      await this.append(state, entry);
      return undefined;
    } catch (error) {
      if (!(error instanceof EntryNotSaved)) throw error;
      return [error.fault.message, ...error.fault.details].join(" — ");
    }
  }
}
