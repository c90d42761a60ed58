import type { ModelSpec } from "../ai/model-spec.js";
import type { Context } from "../ai/types.js";
import { estimateTokens } from "../ai/usage.js";
import type { Router } from "../models/router.js";
import type { AttemptRecord, SessionEntry } from "../sessions/entries.js";
import type { RouterEvent } from "../models/router-events.js";
import { record } from "./turn-state.js";
import { timerDelay } from "../shared/timer-delay.js";
import { newEntryId, type SessionStore } from "../sessions/session-store.js";
import type { AgentEvent, CompactionOutcome } from "./agent-events.js";
import type { AgentSpec } from "./agent-spec.js";
import { conversationView } from "./build-context.js";
import { planCompaction, planTrim, SUMMARY_SYSTEM, summarizeInChunks, type CompactionPlan } from "./compaction.js";
import type { Budget } from "./context-budget.js";
import { localClock } from "../shared/local-time.js";
import { entryWhat, EntryNotSaved, saving } from "./unsaved-entry.js";

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
}

export interface CompactorDependencies {
  router: Router;
  store: SessionStore;
  spec: AgentSpec;
  budget: (model: ModelSpec) => Promise<Budget>;
  /** The prompt's size as the budget's model counts it. */
  promptTokens: (entries: readonly SessionEntry[], pending: string | undefined, budget: Budget) => number;
  /** The same prompt's size by the plain estimate (about four characters a token), not calibrated by the server's counts. */
  rawPromptTokens: (entries: readonly SessionEntry[], pending: string | undefined) => number;
  /** Milliseconds since the epoch; default Date.now. */
  clock?: (() => number) | undefined;
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
  /** Per summariser model: until when it is not asked again, and why it failed (this process only). */
  private readonly failedSummaries = new Map<string, { until: number; reason: string }>();

  constructor(private readonly dependencies: CompactorDependencies) {}

  private clock(): number {
    return (this.dependencies.clock ?? Date.now)();
  }

  async compact(request: CompactRequest): Promise<CompactionOutcome> {
    const { spec, store } = this.dependencies;
    const { entries, budget, emit } = request;
    const view = conversationView(entries, { pending: request.pending });
    const tokensBefore = this.dependencies.promptTokens(entries, request.pending, budget);
    // Kept turns are measured by the estimate; the budget is the server's count: scaled by how its tokenizer counts (llama.cpp's /tokenize).
    const keep = Math.floor(Math.min(spec.compaction.keepRecentTokens, budget.promptTokens * (request.force ? 0.3 : 0.5)) / Math.max(1, budget.tokenRatio));
    const plan = planCompaction(view, keep);
    if (!plan) return { outcome: "skipped", reason: "nothing to fold yet: the conversation holds only its latest turn" };
    if (!spec.compaction.enabled) return this.trim(request, plan, tokensBefore, "compaction is off (compaction.enabled: false)");
    const summarizer = spec.compaction.chain.length > 0 ? spec.compaction.chain : request.chain;
    const head = summarizer[0];
    if (!head) return this.trim(request, plan, tokensBefore, "no model to write the summary");
    // A summary that just failed would fail again (the window is as small, the server as busy): trim at once.
    const failed = this.failedSummaries.get(head.ref);
    if (failed && failed.until > this.clock() && !request.manual) {
      const retry = localClock(failed.until, "minute");
      return this.trim(request, plan, tokensBefore, `${failed.reason}; ${head.ref} is not asked for one again before ${retry}`);
    }
    emit({ type: "compaction", phase: "start", tokensBefore, ...asked(request) });
    /** Every summary call made for this compaction, a failed one too: kept on its entry (`hearth usage` counts them). */
    const calls: AttemptRecord[] = [];
    const timeout = AbortSignal.timeout(timerDelay(spec.compaction.timeoutSeconds * 1000));
    const signal = request.signal ? AbortSignal.any([request.signal, timeout]) : timeout;
    try {
      const sizes = summarySizes(await this.dependencies.budget(head), head, request.focus);
      const summary = await summarizeInChunks(plan, view.summary, sizes.chunkTokens, (system, prompt) => this.summarize({ chain: summarizer, system, prompt, signal, maxTokens: sizes.replyTokens, calls }), request.focus);
      const entry: SessionEntry = { type: "compaction", id: newEntryId(), at: now(), summary, firstKeptId: plan.firstKeptId, tokensBefore, model: head.ref, ...withCalls(calls) };
      await saving(entryWhat(entry), () => store.append(request.key, [entry]));
      entries.push(entry);
      this.failedSummaries.delete(head.ref);
      emit({ type: "compaction", phase: "end", tokensBefore, ...asked(request) });
      return { outcome: "compacted", tokensBefore, model: head.ref };
    } catch (error) {
      // Written but not saved: no trim instead (it could not be saved either); the turn stops.
      if (error instanceof EntryNotSaved) throw error;
      if (request.signal?.aborted) {
        emit({ type: "compaction", phase: "failed", tokensBefore, message: "cancelled" });
        return { outcome: "failed", reason: "cancelled" };
      }
      const reason =
        error instanceof Error && error.name === "TimeoutError"
          ? `no summary within compaction.timeoutSeconds (${spec.compaction.timeoutSeconds} s)`
          : error instanceof Error
            ? error.message
            : String(error);
      this.failedSummaries.set(head.ref, { until: this.clock() + SUMMARY_RETRY_AFTER_MS, reason });
      return this.trim(request, plan, tokensBefore, reason, calls);
    }
  }

  /**
   * Leaves the oldest turns out of what is sent, down to half the prompt budget where whole turns
   * allow (never less than `planned` leaves out): the next turns then fit without trimming again.
   */
  private async trim(request: CompactRequest, planned: CompactionPlan, tokensBefore: number, reason: string, calls: readonly AttemptRecord[] = []): Promise<CompactionOutcome> {
    const headroom = Math.floor(request.budget.promptTokens / 2);
    const view = conversationView(request.entries, { pending: request.pending });
    const probe = (firstKeptId: string): SessionEntry => ({ type: "trim", id: "probe", at: now(), firstKeptId, tokensBefore, reason });
    // A cut is measured with the trim appended, where no reply the server counted calibrates the estimate
    // yet: scale it as the server counts now (a tokenizer that counts twice the estimate kept twice too
    // much, and the next turn trimmed again).
    const raw = this.dependencies.rawPromptTokens(request.entries, request.pending);
    const scale = raw > 0 ? Math.min(3, Math.max(0.5, tokensBefore / raw)) : 1;
    const fits = (firstKeptId: string): boolean => this.dependencies.rawPromptTokens([...request.entries, probe(firstKeptId)], request.pending) * scale <= headroom;
    const plan = planTrim(view, planned.firstKeptId, fits) ?? planned;
    const entry: SessionEntry = { type: "trim", id: newEntryId(), at: now(), firstKeptId: plan.firstKeptId, tokensBefore, reason, ...withCalls(calls) };
    await saving(entryWhat(entry), () => this.dependencies.store.append(request.key, [entry]));
    request.entries.push(entry);
    const turns = plan.older.filter((message) => message.role === "user").length;
    // Nothing before this turn's message is kept: said as such, not as "the oldest turns" (the window holds little more than the message).
    const all = request.pending !== undefined && plan.firstKeptId === request.pending;
    const left = all
      ? "every earlier turn is left out of what is sent: the model's window has room for little more than this message"
      : `the oldest ${turns} turn${turns === 1 ? " is" : "s are"} left out of what is sent`;
    const message = `no summary could be written (${reason}): ${left} (the transcript keeps them)`;
    request.emit({ type: "compaction", phase: "trimmed", tokensBefore, message, ...(all ? { everyEarlierTurn: true } : {}), ...asked(request) });
    return { outcome: "trimmed", tokensBefore, turns, reason };
  }

  /** One summary request; each model call it makes goes into `call.calls` (the answering one with its usage and cost). */
  private async summarize(call: { chain: readonly ModelSpec[]; system: string; prompt: string; signal: AbortSignal; maxTokens: number; calls: AttemptRecord[] }): Promise<string> {
    const context: Context = { systemPrompt: call.system, messages: [{ role: "user", content: call.prompt }] };
    const stream = this.dependencies.router.stream({ chain: call.chain, context, options: { signal: call.signal, maxTokens: call.maxTokens }, privacy: this.dependencies.spec.privacy, canRestart: true, wholeAnswer: true });
    for await (const event of stream) {
      if (event.type === "route-end" || event.type === "route-error") call.calls.push(...summaryCalls(event));
      if (event.type === "route-end") {
        const text = event.message.content.map((part) => (part.type === "text" ? part.text : "")).join("").trim();
        if (event.message.stopReason === "length") throw new Error(`the summary was cut off at its reply limit (${call.maxTokens} tokens)`);
        if (text === "") throw new Error("the summary came back empty");
        return text;
      }
      if (event.type === "route-error") throw new Error(call.signal.aborted ? "the summary was cancelled" : `the summary could not be written: ${event.message}`);
    }
    throw new Error("the summary could not be written");
  }
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

/** A compaction event's `asked` when the user asked for it (`/compact`). */
function asked(request: CompactRequest): { asked?: true } {
  return request.manual ? { asked: true } : {};
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
