import type { ModelSpec } from "../ai/model-spec.js";
import type { Context } from "../ai/types.js";
import { estimateTokens } from "../ai/usage.js";
import type { Router } from "../models/router.js";
import type { AttemptRecord, SessionEntry } from "../sessions/entries.js";
import type { Attempt, RouterEvent } from "../models/router-events.js";
import { outcomeWords } from "../models/outcome-words.js";
import { record } from "./turn-state.js";
import { entryWhat, saving } from "./unsaved-entry.js";
import { timerDelay } from "../shared/timer-delay.js";
import { currentConversation, newEntryId, type SessionStore } from "../sessions/session-store.js";
import type { AgentEvent, CompactionOutcome } from "./agent-events.js";
import type { AgentSpec } from "./agent-spec.js";
import { conversationView, type ConversationView } from "./build-context.js";
import type { EntryIndexes } from "./conversation-index.js";
import { planCompaction, planTrim, SUMMARY_SYSTEM, summarizeInChunks, type CompactionPlan } from "./compaction.js";
import type { Budget } from "./context-budget.js";
import { localClock } from "../shared/local-time.js";

export interface CompactRequest {
  key: string;
  entries: SessionEntry[];
  chain: readonly ModelSpec[];
  /** The budget of the model the conversation must fit (its effective window). */
  budget: Budget;
  emit: (event: AgentEvent) => void;
  focus?: string | undefined;
  /** After an overflow or on `/compact`: keep less word for word. */
  force?: boolean | undefined;
  /** The user asked (`/compact`): a summary is attempted even where one failed lately. */
  manual?: boolean | undefined;
  signal?: AbortSignal | undefined;
  /** The user entry of the turn under way. */
  pending?: string | undefined;
  /**
   * The turn has another model to go to while this one's server loads it (`onColdLoad: "fallback"`): a
   * summariser that is loading is not waited for (the summary is not written now, nor counted as failed).
   */
  coldLoadFallback?: boolean | undefined;
}

/** The summariser's server is loading it and the turn goes on without waiting (`CompactRequest.coldLoadFallback`). */
class SummarizerLoading extends Error {}

export interface CompactorDependencies {
  router: Router;
  store: SessionStore;
  spec: AgentSpec;
  budget: (model: ModelSpec) => Promise<Budget>;
  /** The prompt's size as the budget's model counts it. */
  promptTokens: (entries: readonly SessionEntry[], pending: string | undefined, budget: Budget) => number;
  /** The same prompt's size as sent to the budget's model (its tools and images as it gets them) by the plain estimate (about four characters a token), not calibrated by the server's counts. */
  rawPromptTokens: (entries: readonly SessionEntry[], pending: string | undefined, budget: Budget) => number;
  /** Milliseconds since the epoch; default Date.now. */
  clock?: (() => number) | undefined;
  /** The sessions' indexes (the agent's): a fold's view is built without going over the whole file. */
  indexes?: EntryIndexes | undefined;
}

const now = (): string => new Date().toISOString();

/** A summariser that could not write a summary is not asked again for this long: turns trim at once meanwhile. */
export const SUMMARY_RETRY_AFTER_MS = 10 * 60_000;

/**
 * Folds older turns into a summary; when no summary can be written (cut off, too large, the
 * summariser fails or compaction is off), leaves the oldest turns out of what is sent instead — a
 * deterministic trim, so a session can always continue. The transcript keeps everything.
 */
export class Compactor {
  /**
   * Per summariser model: until when it is not asked again, why it failed, and in which session (this
   * process only). Kept per model, not per conversation: what made it fail (its window, its reply limit,
   * a busy or slow server) holds for every conversation, and each one would wait for a failed summary
   * again — so a conversation that never asked is told the summary failed in another one.
   */
  private readonly failedSummaries = new Map<string, { until: number; reason: string; session: string }>();

  constructor(private readonly dependencies: CompactorDependencies) {}

  private clock(): number {
    return (this.dependencies.clock ?? Date.now)();
  }

  /** Folds and saves at once (`/compact`): the entry is the session's from now on, and the channel is told. */
  async compact(request: CompactRequest): Promise<CompactionOutcome> {
    const fold = await this.fold(request);
    await this.commit(request, fold);
    if (fold.said) request.emit(fold.said);
    return fold.outcome;
  }

  /** Saves a fold's entry (made for the model that then answered): the session's from now on. */
  async commit(request: Pick<CompactRequest, "key" | "entries">, fold: Fold): Promise<void> {
    if (!fold.entry) return;
    const entry = fold.entry;
    await saving(entryWhat(entry), () => this.dependencies.store.append(request.key, [entry]));
    request.entries.push(fold.entry);
  }

  /**
   * What would fit the budget's model: a summary of the older turns, or (none could be written) the
   * oldest turns left out — an entry not yet saved, and what the channel is told once it is. A turn
   * plans one for each model it calls and saves only the answering model's, so no model is sent, and
   * no session keeps, a history cut for another model's window. Only the summary's progress is told now.
   */
  async fold(request: CompactRequest): Promise<Fold> {
    const { spec } = this.dependencies;
    const { entries, budget, emit } = request;
    const view = conversationView(entries, { pending: request.pending, index: this.dependencies.indexes?.covering(entries) });
    const tokensBefore = this.dependencies.promptTokens(entries, request.pending, budget);
    // Kept turns are measured by the estimate; the budget is the server's count: scaled by how its tokenizer counts (llama.cpp's /tokenize).
    const keep = Math.floor(Math.min(spec.compaction.keepRecentTokens, budget.promptTokens * (request.force ? 0.3 : 0.5)) / Math.max(1, budget.tokenRatio));
    const plan = planCompaction(view, keep);
    if (!plan) return { outcome: { outcome: "skipped", reason: nothingToFold(entries, view) }, entry: undefined, said: undefined };
    if (!spec.compaction.enabled) return this.trim(request, plan, tokensBefore, "compaction is off (compaction.enabled: false)");
    const summarizer = spec.compaction.chain.length > 0 ? spec.compaction.chain : request.chain;
    const head = summarizer[0];
    if (!head) return this.trim(request, plan, tokensBefore, "no model to write the summary");
    // A summary that just failed would fail again (the window is as small, the server as busy): trim at once.
    const failed = this.failedSummaries.get(head.ref);
    if (failed && failed.until > this.clock() && !request.manual) {
      const retry = localClock(failed.until, "minute");
      const why = failed.session === request.key ? `${failed.reason}; ${head.ref} is not asked for one again before ${retry}` : `${head.ref} is not asked for one before ${retry}: it could not write one in another conversation — ${failed.reason}`;
      return this.trim(request, plan, tokensBefore, why);
    }
    emit({ type: "compaction", phase: "start", tokensBefore, ...said(request) });
    /** Every summary call made for this compaction, a failed one too: kept on its entry (`hearth usage` counts them). */
    const calls: AttemptRecord[] = [];
    const timeout = AbortSignal.timeout(timerDelay(spec.compaction.timeoutSeconds * 1000));
    const signal = request.signal ? AbortSignal.any([request.signal, timeout]) : timeout;
    try {
      const sizes = summarySizes(await this.dependencies.budget(head), head, request.focus);
      // Only the turn's own model may be left loading (the next one answers); a configured compaction.model is waited for.
      const coldLoadFallback = request.coldLoadFallback === true && spec.compaction.chain.length === 0;
      const summary = await summarizeInChunks(plan, view.summary, sizes.chunkTokens, (system, prompt) => this.summarize({ chain: summarizer, system, prompt, signal, maxTokens: sizes.replyTokens, calls, coldLoadFallback }), request.focus);
      const entry: SessionEntry = { type: "compaction", id: newEntryId(), at: now(), summary, firstKeptId: plan.firstKeptId, tokensBefore, model: head.ref, ...withCalls(calls) };
      this.failedSummaries.delete(head.ref);
      return { outcome: { outcome: "compacted", tokensBefore, model: head.ref }, entry, said: { type: "compaction", phase: "end", tokensBefore, ...said(request) } };
    } catch (error) {
      if (request.signal?.aborted) {
        emit({ type: "compaction", phase: "failed", tokensBefore, message: "cancelled" });
        return { outcome: { outcome: "failed", reason: "cancelled" }, entry: undefined, said: undefined };
      }
      // Loading, not failing: asked again once it is loaded (the turn's next model answers meanwhile).
      // The "start" told is ended here: no summary follows now.
      if (error instanceof SummarizerLoading) {
        emit({ type: "compaction", phase: "deferred", tokensBefore, message: error.message, ...said(request) });
        return this.trim(request, plan, tokensBefore, error.message, calls);
      }
      const reason =
        error instanceof Error && error.name === "TimeoutError"
          ? `no summary within compaction.timeoutSeconds (${spec.compaction.timeoutSeconds} s)`
          : error instanceof Error
            ? error.message
            : String(error);
      this.failedSummaries.set(head.ref, { until: this.clock() + SUMMARY_RETRY_AFTER_MS, reason, session: request.key });
      return this.trim(request, plan, tokensBefore, reason, calls);
    }
  }

  /**
   * Leaves the oldest turns out of what is sent, down to half the room the budget leaves beside what
   * is always sent where whole turns allow; where none does, down to the budget itself (as many
   * recent turns as fit it, not none).
   * After an overflow (`force`), never fewer than `planned` leaves out. The notice says how many turns
   * are left out and kept, and — when none is kept — why: not even the latest fits beside the message,
   * or (after an overflow, where it would by the count) the server refused the prompt as too long.
   */
  private trim(request: CompactRequest, planned: CompactionPlan, tokensBefore: number, reason: string, calls: readonly AttemptRecord[] = []): Fold {
    const { budget } = request;
    const view = conversationView(request.entries, { pending: request.pending, index: this.dependencies.indexes?.covering(request.entries) });
    const probe = (firstKeptId: string): SessionEntry => ({ type: "trim", id: "probe", at: now(), firstKeptId, tokensBefore, reason });
    // A cut is measured with the trim appended, where no reply the server counted calibrates the estimate
    // yet: scale it as the server counts now (a tokenizer that counts twice the estimate kept twice too
    // much, and the next turn trimmed again).
    const raw = this.dependencies.rawPromptTokens(request.entries, request.pending, budget);
    const scale = raw > 0 ? Math.min(3, Math.max(0.5, tokensBefore / raw)) : 1;
    const measure = (firstKeptId: string): number => this.dependencies.rawPromptTokens([...request.entries, probe(firstKeptId)], request.pending, budget) * scale;
    const plan = planTrim(view, { notBefore: request.force ? planned.firstKeptId : undefined, budget: budget.promptTokens, measure }) ?? planned;
    const entry: SessionEntry = { type: "trim", id: newEntryId(), at: now(), firstKeptId: plan.firstKeptId, tokensBefore, reason, ...withCalls(calls) };
    const turns = plan.older.filter((message) => message.role === "user").length;
    const all = request.pending !== undefined && plan.firstKeptId === request.pending;
    // After an overflow the cut may leave out a turn that fits by the count: the server's refusal is why, not the room.
    const latest = all ? latestEarlierTurn(view, request.pending) : undefined;
    const refused = request.force === true && !request.manual && latest !== undefined && measure(latest) <= budget.promptTokens;
    const message = `no summary could be written (${reason}): ${trimWords({ turns, kept: all ? 0 : keptTurns(view, plan.firstKeptId, request.pending), refused })} (the transcript keeps them)`;
    return { outcome: { outcome: "trimmed", tokensBefore, turns, reason }, entry, said: { type: "compaction", phase: "trimmed", tokensBefore, message, ...(all && !refused ? { everyEarlierTurn: true } : {}), ...said(request) } };
  }

  /** One summary request; each model call it makes goes into `call.calls` (the answering one with its usage and cost). */
  private async summarize(call: { chain: readonly ModelSpec[]; system: string; prompt: string; signal: AbortSignal; maxTokens: number; calls: AttemptRecord[]; coldLoadFallback: boolean }): Promise<string> {
    const context: Context = { systemPrompt: call.system, messages: [{ role: "user", content: call.prompt }] };
    const stream = this.dependencies.router.stream({ chain: call.chain, context, options: { signal: call.signal, maxTokens: call.maxTokens }, privacy: this.dependencies.spec.privacy, canRestart: true, wholeAnswer: true, coldLoadFallback: call.coldLoadFallback });
    for await (const event of stream) {
      if (event.type === "route-end" || event.type === "route-error") call.calls.push(...summaryCalls(event));
      if (event.type === "route-end") {
        const text = event.message.content.map((part) => (part.type === "text" ? part.text : "")).join("").trim();
        if (event.message.stopReason === "length") throw new Error(`the summary was cut off at its reply limit (${call.maxTokens} tokens)`);
        if (text === "") throw new Error("the summary came back empty");
        return text;
      }
      if (event.type === "route-error" && !call.signal.aborted) {
        const loading = event.attempts.find((attempt) => attempt.outcome === "cold-loading");
        if (loading && call.coldLoadFallback) throw new SummarizerLoading(`${loading.model} is loading: its server started loading it, and the next model answers meanwhile`);
      }
      // In hearth's words only, by what became of each attempt (a server's error text may quote the conversation): the reason is shown wherever the trim is, an API client's notice included.
      if (event.type === "route-error") throw new Error(call.signal.aborted ? "the summary was cancelled" : `the summary could not be written: ${summaryAttempts(event.attempts)}`);
    }
    throw new Error("the summary could not be written");
  }
}

/** What became of a summary's attempts, in hearth's words: "local/m answered with a server error; spare/m timed out". */
function summaryAttempts(attempts: readonly Attempt[]): string {
  return attempts.length === 0 ? "no model could be asked" : attempts.map((attempt) => `${attempt.model} ${outcomeWords(attempt.outcome)}`).join("; ");
}

/** A compaction or trim planned for one model's window, not saved yet (see `Compactor.fold`). */
export interface Fold {
  outcome: CompactionOutcome;
  /** The compaction or trim entry to save; undefined: nothing was folded. */
  entry: SessionEntry | undefined;
  /** What the channel is told once it is saved (the summary written, the turns left out). */
  said: AgentEvent | undefined;
}

/** Turns of the view from `firstKeptId` on, before the turn under way (`pending`). */
function keptTurns(view: ConversationView, firstKeptId: string, pending: string | undefined): number {
  const from = view.ids.indexOf(firstKeptId);
  return view.messages.filter((message, index) => index >= from && message.role === "user" && view.ids[index] !== undefined && view.ids[index] !== pending).length;
}

/** Why there is nothing to fold: the conversation has one turn, or the model is sent only its latest (earlier ones folded already). */
function nothingToFold(entries: readonly SessionEntry[], view: ConversationView): string {
  const lastFold = currentConversation(entries).findLast((entry) => entry.type === "compaction" || entry.type === "trim");
  if (lastFold?.type === "trim") return "nothing to fold yet: the model is sent only the latest turn (the earlier ones are left out already: no summary could be written)";
  if (view.summary !== undefined) return "nothing to fold yet: the model is sent only the summary and the latest turn";
  return "nothing to fold yet: the conversation holds only its latest turn";
}

/** The id of the latest turn before the turn under way (`pending`) in the view, if there is one. */
function latestEarlierTurn(view: ConversationView, pending: string | undefined): string | undefined {
  const index = view.messages.findLastIndex((message, at) => message.role === "user" && view.ids[at] !== undefined && view.ids[at] !== pending && at > 0);
  return index < 0 ? undefined : view.ids[index];
}

/**
 * What a trim did, in words: how many earlier turns are left out and kept, and why none is kept where
 * none is (`refused`: the server refused the prompt with them, though the latest fits by the count).
 * The room the prompt may use is said before it (compactionWords), so it is not said again here.
 */
export function trimWords(trim: { turns: number; kept: number; refused?: boolean | undefined }): string {
  const { turns, kept } = trim;
  const plural = (count: number): string => `${count} turn${count === 1 ? "" : "s"}`;
  if (kept === 0 && trim.refused) return "every earlier turn is left out of what is sent: the server refused the prompt with them as longer than its window";
  if (kept === 0) return "every earlier turn is left out of what is sent: not even the latest fits beside this message";
  return `the oldest ${plural(turns)} ${turns === 1 ? "is" : "are"} left out of what is sent, the latest ${plural(kept)} kept`;
}

/**
 * A summary request that fits the summariser's effective window: its reply limit (room for a model
 * that reasons first, at most a quarter of the window and the model's maxTokens), the summary so far
 * (no longer than a reply), the instructions, and the chunk of transcript.
 */
export function summarySizes(budget: Budget, model: ModelSpec, focus: string | undefined): { replyTokens: number; chunkTokens: number } {
  const replyTokens = Math.max(64, Math.min(model.maxTokens, 4_096, Math.floor(budget.window / 4)));
  const overhead = estimateTokens(SUMMARY_SYSTEM) + estimateTokens(focus ?? "") + 64;
  // The chunk is measured by the estimate, the window as the server counts: a tokenizer that counts twice the estimate (llama.cpp's
  // /tokenize said so) gets chunks half as long, or the router finds the summary request too large for it and a fallback writes it.
  const room = Math.floor((budget.window - 2 * replyTokens) / Math.max(1, budget.tokenRatio));
  return { replyTokens, chunkTokens: Math.max(64, room - overhead) };
}

/** The calls a summary request made: the model's calls, not the candidates left out; the answering one with what it used and cost. */
function summaryCalls(event: Extract<RouterEvent, { type: "route-end" | "route-error" }>): AttemptRecord[] {
  const made = event.attempts.filter((attempt) => !attempt.outcome.startsWith("skipped-")).map(record);
  if (event.type !== "route-end") return made;
  const answered = made.findLastIndex((attempt) => attempt.outcome === "ok" && attempt.model === event.message.model);
  return made.map((attempt, index) => (index === answered ? { ...attempt, usage: event.message.usage, cost: event.message.cost } : attempt));
}

function withCalls(calls: readonly AttemptRecord[]): { calls?: readonly AttemptRecord[] } {
  return calls.length > 0 ? { calls: [...calls] } : {};
}

/** What a compaction event says of its request: the room the prompt may use in the model's window, and `asked` when the user asked (`/compact`). */
function said(request: CompactRequest): { room: { model: string; tokens: number }; asked?: true } {
  const room = { model: request.budget.model, tokens: request.budget.promptTokens };
  return request.manual ? { room, asked: true } : { room };
}
