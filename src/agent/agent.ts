import type { ModelSpec } from "../ai/model-spec.js";
import type { AssistantMessage, Context, Usage } from "../ai/types.js";
import { emptyUsage } from "../ai/usage.js";
import type { LoadState } from "../models/load-state.js";
import type { ModelCatalog } from "../models/model-catalog.js";
import { fallbackNotice } from "../models/fallback-notice.js";
import type { Router } from "../models/router.js";
import type { Attempt } from "../models/router-events.js";
import type { AttemptRecord, SessionEntry } from "../sessions/entries.js";
import { timerDelay } from "../shared/timer-delay.js";
import { busyNotice, newEntryId, type SessionStore } from "../sessions/session-store.js";
import type { AgentEvent, TurnResult } from "./agent-events.js";
import type { AgentSpec } from "./agent-spec.js";
import { conversationView } from "./build-context.js";
import { budgetFor, contextTokens, shouldCompact, type Budget } from "./context-budget.js";
import { planCompaction, summarizeInChunks } from "./compaction.js";
import type { ToolRegistry } from "./tools/registry.js";
import { policyFor } from "./tools/registry.js";
import { UntrustedMarker } from "./untrusted.js";

export interface AgentDependencies {
  router: Router;
  store: SessionStore;
  tools: ToolRegistry;
  catalog: ModelCatalog;
  stateDir: string;
  /** LM Studio's loaded context, for the effective window; absent: the configured window. */
  loadState?: LoadState | undefined;
}

export interface TurnOptions {
  onEvent?: ((event: AgentEvent) => void) | undefined;
  signal?: AbortSignal | undefined;
  /** This turn only: answer with this model first (`--model`). */
  model?: ModelSpec | undefined;
  /** The channel can replace shown text with a fresh answer, or shows only the final text. */
  canRestart?: boolean | undefined;
  /** Text from outside the conversation that came with the message (forwarded, quoted). */
  quoted?: string | undefined;
}

const now = (): string => new Date().toISOString();

/** An agent: turns of a session — history, system prompt, tools, context budget, compaction, routing. */
export class Agent {
  constructor(
    readonly spec: AgentSpec,
    private readonly dependencies: AgentDependencies,
  ) {}

  /** The session's chain: its `/model` choice (or this turn's `--model`) first, then the agent's chain. */
  chainFor(entries: readonly SessionEntry[], override?: ModelSpec): ModelSpec[] {
    const chosen = override ?? this.lookupSessionModel(entries);
    return chosen ? [chosen, ...this.spec.chain.filter((model) => model.ref !== chosen.ref)] : [...this.spec.chain];
  }

  private lookupSessionModel(entries: readonly SessionEntry[]): ModelSpec | undefined {
    const ref = conversationView(entries).model;
    return ref ? this.dependencies.catalog.models.get(ref) : undefined;
  }

  readSession(key: string): SessionEntry[] {
    return this.dependencies.store.read(key).entries;
  }

  /** The context a call would send now, and its calibrated size in tokens. */
  prompt(entries: readonly SessionEntry[]): { context: Context; tokens: number } {
    const view = conversationView(entries);
    const context: Context = { systemPrompt: this.spec.systemPrompt, messages: view.messages, tools: this.dependencies.tools.definitions(policyFor(this.spec.tools)) };
    return { context, tokens: contextTokens(context, view.measuredFrom) };
  }

  /**
   * One turn, holding the session's lock from its first read to its last write: a turn of another
   * process (or of this one) on the same session waits for it, within a bound, instead of interleaving.
   */
  async turn(key: string, text: string, options: TurnOptions = {}): Promise<TurnResult> {
    const onWait = () => options.onEvent?.({ type: "notice", text: busyNotice(key) });
    const lock = await this.dependencies.store.lock(key, { signal: options.signal, onWait });
    try {
      return await this.unlockedTurn(key, text, options);
    } finally {
      await lock.release();
    }
  }

  /** One turn. The user's message is on disk before any model is called; a failed turn keeps it. */
  private async unlockedTurn(key: string, text: string, options: TurnOptions): Promise<TurnResult> {
    const { store, tools, catalog } = this.dependencies;
    const emit = options.onEvent ?? (() => undefined);
    const entries = store.read(key).entries;
    const marker = new UntrustedMarker();
    const fresh: SessionEntry[] = [];
    if (entries.length === 0) fresh.push({ type: "session", version: 1, at: now(), agent: this.spec.id });
    fresh.push({ type: "user", id: newEntryId(), at: now(), text, quoted: options.quoted ? marker.wrap(options.quoted, "forwarded or quoted message") : undefined });
    store.append(key, fresh);
    entries.push(...fresh);

    const chain = this.chainFor(entries, options.model);
    const allowed = policyFor(this.spec.tools);
    await this.learnLoadedContext(chain[0]);
    const attempts: AttemptRecord[] = [];
    const usage = emptyUsage();
    let cost = 0;
    let last: AssistantMessage | undefined;
    let firstAttempts: readonly Attempt[] = [];

    for (let step = 1; step <= this.spec.maxSteps; step++) {
      const head = chain[0];
      if (!head) return this.fail(key, entries, "no model is configured: set agents.defaults.model.primary (hearth init writes a starter config)", attempts);
      const budget = await this.budget(head);
      const prepared = this.prompt(entries);
      let context = prepared.context;
      if (shouldCompact(prepared.tokens, budget, this.spec.compaction.enabled)) {
        if (await this.compact(key, entries, chain, budget, emit, undefined, false, options.signal)) context = this.prompt(entries).context;
      }
      let result: Awaited<ReturnType<Agent["route"]>>;
      try {
        result = await this.route(key, entries, chain, context, budget, options, emit);
      } catch (error) {
        return this.fail(key, entries, error instanceof Error ? error.message : String(error), attempts);
      }
      attempts.push(...result.attempts.map(record));
      if (step === 1) firstAttempts = result.attempts;
      if (!result.ok) return this.fail(key, entries, result.error, attempts);
      const message = result.message;
      last = message;
      if (message.stopReason === "length") {
        emit({ type: "notice", text: `the answer was cut off at the reply limit (${budget.replyTokens} tokens); ask to continue, or raise maxTokens / the loaded context` });
      }
      addUsage(usage, message.usage);
      cost += message.cost;
      const assistant: SessionEntry = { type: "assistant", id: newEntryId(), at: now(), message, attempts: result.attempts.map(record) };
      store.append(key, [assistant]);
      entries.push(assistant);

      const calls = message.content.filter((part) => part.type === "tool-call");
      if (calls.length === 0) break;
      if (step === this.spec.maxSteps) {
        emit({ type: "notice", text: `stopped after ${step} model calls (maxSteps); the tools' last results were not answered` });
        break;
      }
      for (const call of calls) {
        emit({ type: "tool-start", name: call.name, arguments: call.arguments });
        const output = await tools.execute(call, allowed, {
          signal: options.signal ?? new AbortController().signal,
          stateDir: this.dependencies.stateDir,
          agentId: this.spec.id,
          settings: toolSettings(this.spec),
          untrusted: (content: string, source: string) => marker.wrap(content, source),
        });
        const entry: SessionEntry = { type: "tool-result", id: newEntryId(), at: now(), message: output };
        store.append(key, [entry]);
        entries.push(entry);
        emit({ type: "tool-end", name: call.name, isError: output.isError, preview: output.content.slice(0, 200) });
      }
    }
    const answer = (last?.content ?? []).map((part) => (part.type === "text" ? part.text : "")).join("").trim();
    const notice = this.spec.fallbackNotice ? fallbackNotice(firstAttempts, catalog) : undefined;
    const truncated = last?.stopReason === "length";
    return { ok: true, text: answer, model: last?.model ?? chain[0]?.ref ?? "unknown/unknown", session: key, attempts, usage, cost, notice, truncated };
  }

  private async route(key: string, entries: SessionEntry[], chain: readonly ModelSpec[], context: Context, budget: Budget, options: TurnOptions, emit: (event: AgentEvent) => void) {
    const stream = this.dependencies.router.stream({
      chain,
      context,
      options: { signal: options.signal, maxTokens: budget.replyTokens },
      sessionKey: key,
      privacy: this.spec.privacy,
      named: (options.model ?? this.lookupSessionModel(entries))?.ref,
      canRestart: options.canRestart ?? false,
      onOverflow: async (model) => {
        const ok = await this.compact(key, entries, chain, await this.budget(model), emit, undefined, true, options.signal);
        return ok ? this.prompt(entries).context : undefined;
      },
    });
    for await (const event of stream) {
      switch (event.type) {
        case "text-delta":
        case "reasoning-delta":
          emit(event);
          break;
        case "attempt-failed":
          emit({ type: "attempt-failed", model: event.attempt.model, outcome: event.attempt.outcome, message: event.failure.message, next: event.next });
          break;
        case "model-loading":
          emit({ type: "model-loading", model: event.model, waiting: event.waiting });
          break;
        case "attempt-waiting":
          emit(event);
          break;
        case "answer-restart":
          emit({ type: "answer-restart" });
          break;
        case "route-end":
          return { ok: true as const, message: event.message, attempts: event.attempts };
        case "route-error":
          return { ok: false as const, error: event.message, attempts: event.attempts };
        default:
          break;
      }
    }
    return { ok: false as const, error: "the model stream ended without an answer", attempts: [] };
  }

  /** Summarises older turns into a compaction entry. Returns false when there was nothing to fold or it failed. */
  async compact(
    key: string,
    entries: SessionEntry[],
    chain: readonly ModelSpec[],
    budget: Budget,
    emit: (event: AgentEvent) => void,
    focus?: string,
    force = false,
    cancel?: AbortSignal,
  ): Promise<boolean> {
    const view = conversationView(entries);
    const tokensBefore = this.prompt(entries).tokens;
    const keep = Math.min(this.spec.compaction.keepRecentTokens, Math.floor(budget.promptTokens * (force ? 0.3 : 0.5)));
    const plan = planCompaction(view, keep);
    if (!plan) return false;
    emit({ type: "compaction", phase: "start", tokensBefore });
    const summarizer = this.spec.compaction.chain.length > 0 ? this.spec.compaction.chain : chain;
    const head = summarizer[0];
    if (!head) return false;
    const summarizerBudget = await this.budget(head);
    try {
      const timeout = AbortSignal.timeout(timerDelay(this.spec.compaction.timeoutSeconds * 1000));
      const signal = cancel ? AbortSignal.any([cancel, timeout]) : timeout;
      const summary = await summarizeInChunks(plan, view.summary, summarizerBudget.promptTokens - 1_500, (system, prompt) => this.summarize(summarizer, system, prompt, signal), focus);
      const entry: SessionEntry = { type: "compaction", id: newEntryId(), at: now(), summary, firstKeptId: plan.firstKeptId, tokensBefore, model: head.ref };
      this.dependencies.store.append(key, [entry]);
      entries.push(entry);
      emit({ type: "compaction", phase: "end", tokensBefore });
      return true;
    } catch (error) {
      const message = cancel?.aborted
        ? "cancelled"
        : error instanceof Error && error.name === "TimeoutError"
          ? `no summary within compaction.timeoutSeconds (${this.spec.compaction.timeoutSeconds} s)`
          : error instanceof Error
            ? error.message
            : String(error);
      emit({ type: "compaction", phase: "failed", tokensBefore, message });
      return false;
    }
  }

  private async summarize(chain: readonly ModelSpec[], system: string, prompt: string, signal: AbortSignal): Promise<string> {
    const stream = this.dependencies.router.stream({
      chain,
      context: { systemPrompt: system, messages: [{ role: "user", content: prompt }] },
      // Room for a model that reasons before it writes the summary.
      options: { signal, maxTokens: 4_096 },
      privacy: this.spec.privacy,
      canRestart: true,
    });
    for await (const event of stream) {
      if (event.type === "route-end") {
        const text = event.message.content.map((part) => (part.type === "text" ? part.text : "")).join("").trim();
        if (text === "") throw new Error("the summary came back empty");
        if (event.message.stopReason === "length") throw new Error("the summary was cut off at its length limit");
        return text;
      }
      if (event.type === "route-error") throw new Error(signal.aborted ? "the summary was cancelled" : `the summary could not be written: ${event.message}`);
    }
    throw new Error("the summary could not be written");
  }

  /**
   * LM Studio may have loaded the model with less context than configured: ask once per process,
   * briefly, before the first budget (later calls keep the answer fresh as they go).
   */
  private async learnLoadedContext(model: ModelSpec | undefined): Promise<void> {
    const loadState = this.dependencies.loadState;
    if (!model?.local || !loadState || loadState.knownContext(model) !== undefined) return;
    await loadState.isLoaded(model, model.baseUrl, AbortSignal.timeout(300)).catch(() => undefined);
  }

  async budget(model: ModelSpec): Promise<Budget> {
    const loaded = this.dependencies.loadState?.knownContext(model);
    return budgetFor(model, loaded, this.spec.compaction.reserveTokens);
  }

  private fail(key: string, entries: SessionEntry[], error: string, attempts: AttemptRecord[]): TurnResult {
    const entry: SessionEntry = { type: "turn-failed", id: newEntryId(), at: now(), error, attempts };
    this.dependencies.store.append(key, [entry]);
    entries.push(entry);
    return { ok: false, error, session: key, attempts };
  }
}

function record(attempt: Attempt): AttemptRecord {
  return { model: attempt.model, outcome: attempt.outcome, ms: attempt.ms, ...(attempt.baseUrl ? { baseUrl: attempt.baseUrl } : {}), ...(attempt.message ? { message: attempt.message } : {}) };
}

function addUsage(total: Usage, add: Usage): void {
  total.input += add.input;
  total.output += add.output;
  total.cacheRead += add.cacheRead;
  total.cacheWrite += add.cacheWrite;
  total.reasoning += add.reasoning;
  total.estimated ||= add.estimated;
}

function toolSettings(spec: AgentSpec) {
  const tools = spec.tools;
  return {
    exec: tools?.exec,
    webFetch: tools?.web_fetch,
  };
}
