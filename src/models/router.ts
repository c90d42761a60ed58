import type { ProviderAdapter } from "../ai/adapter.js";
import { resolveTimeouts } from "../ai/adapter.js";
import type { Api } from "../ai/api.js";
import type { ModelRef, ModelSpec } from "../ai/model-spec.js";
import type { AssistantMessage, CallOptions, Context, Failure } from "../ai/types.js";
import { estimateContextTokens } from "../ai/usage.js";
import { EventStream } from "../shared/event-stream.js";
import type { Cooldowns } from "./cooldowns.js";
import type { LoadState } from "./load-state.js";
import type { PrefillStats } from "./prefill-stats.js";
import type { ReplicaBalancer } from "./replicas.js";
import type { ServedWindows } from "./served-windows.js";
import type { Attempt, RouterEvent } from "./router-events.js";

export interface AdapterSource {
  get(api: Api): Promise<ProviderAdapter>;
}

export interface RouterDependencies {
  adapters: AdapterSource;
  cooldowns: Cooldowns;
  replicas: ReplicaBalancer;
  prefill: PrefillStats;
  loadState: LoadState | undefined;
  /** The windows and tool support the servers reported; absent: the configured windows, tools always sent. */
  windows?: ServedWindows | undefined;
}

export interface RouteRequest {
  /** Candidates in order: the session's model or the agent's primary, then the fallbacks. */
  chain: readonly ModelSpec[];
  context: Context;
  options?: CallOptions | undefined;
  /** Keeps a session on one replica, so the server's prompt cache is reused. */
  sessionKey?: string | undefined;
  privacy?: "any" | "local-only" | undefined;
  /** The channel can replace text it already showed with a fresh answer (or shows only the final text). */
  canRestart?: boolean | undefined;
  /** On context overflow: a smaller context (compacted) to retry the same model with once, or undefined. */
  onOverflow?: ((model: ModelSpec, failure: Failure) => Promise<Context | undefined>) | undefined;
}

/** Failures after which the next candidate is tried. A bad request is the caller's to fix; an abort is final. */
const FAIL_OVER = new Set(["unreachable", "timeout", "auth", "rate-limit", "overloaded", "model-not-found", "stream-broken", "context-overflow"]);
const NEXT_REPLICA = new Set(["unreachable", "timeout", "overloaded", "stream-broken"]);

type AttemptResult =
  | { ok: true; message: AssistantMessage }
  | { ok: false; failure: Failure; partial: AssistantMessage; textSent: boolean; coldLoading?: boolean; baseUrl?: string };

/**
 * The failover chain of one turn: each candidate in order (skipping those cooling down, those the
 * privacy policy forbids, those too small after an overflow), each replica of a candidate before the
 * next candidate, cold loads waited for or answered around, every attempt recorded.
 */
export class Router {
  /** Models the user was told cannot use tools: told once per process. */
  private readonly toldToolsOff = new Set<string>();

  constructor(private readonly dependencies: RouterDependencies) {}

  stream(request: RouteRequest): EventStream<RouterEvent> {
    const out = new EventStream<RouterEvent>();
    void this.route(request, out).catch((error: unknown) => {
      out.push({ type: "route-error", message: `routing failed: ${error instanceof Error ? error.message : String(error)}`, failure: undefined, attempts: [], partial: undefined });
      out.end();
    });
    return out;
  }

  private async route(request: RouteRequest, out: EventStream<RouterEvent>): Promise<void> {
    const { cooldowns } = this.dependencies;
    const attempts: Attempt[] = [];
    const skip = (model: ModelSpec, outcome: Attempt["outcome"], message: string): void => {
      const attempt: Attempt = { model: model.ref, outcome, ms: 0, message };
      attempts.push(attempt);
      out.push({ type: "attempt-skipped", attempt });
    };
    const finishError = (message: string, failure: Failure | undefined, partial: AssistantMessage | undefined): void => {
      out.push({ type: "route-error", message, failure, attempts, partial });
      out.end();
    };

    const allowed = request.chain.filter((model) => {
      if (request.privacy === "local-only" && !model.local) {
        skip(model, "skipped-policy", "privacy is local-only and this model is hosted");
        return false;
      }
      return true;
    });
    if (allowed.length === 0) {
      finishError(
        request.privacy === "local-only"
          ? "privacy is local-only and no local model is in the chain: nothing was sent out. Add a local model to the chain, or change agents.defaults.privacy."
          : "no model to try: the chain is empty",
        undefined,
        undefined,
      );
      return;
    }
    const everyCooling = allowed.every((model) => cooldowns.until(model.ref) !== undefined);
    let context = request.context;
    let minimumWindow = 0;
    let lastFailure: Failure | undefined;
    let lastPartial: AssistantMessage | undefined;
    const compacted = new Set<string>();
    const loading: ModelSpec[] = [];

    for (let index = 0; index < allowed.length; index++) {
      const model = allowed[index] as ModelSpec;
      const next = allowed[index + 1]?.ref;
      const window = this.dependencies.windows?.effectiveWindow(model) ?? model.contextWindow;
      if (window <= minimumWindow) {
        skip(model, "skipped-context", `its context window (${window}) is not larger than the one that overflowed`);
        continue;
      }
      const until = cooldowns.until(model.ref);
      if (until !== undefined && !everyCooling) {
        skip(model, "skipped-cooldown", `failed recently; tried again after ${new Date(until).toISOString()}`);
        continue;
      }
      const result = await this.tryReplicas(model, context, request, attempts, out, next);
      if (result.ok) {
        cooldowns.succeed(model.ref);
        out.push({ type: "route-end", message: result.message, model: model.ref, attempts });
        out.end();
        return;
      }
      if (result.coldLoading) {
        loading.push(model);
        continue;
      }
      const { failure } = result;
      lastFailure = failure;
      lastPartial = result.partial;
      if (failure.kind === "aborted") return finishError("the turn was cancelled", failure, result.partial);
      if (!FAIL_OVER.has(failure.kind)) return finishError(failure.message, failure, result.partial);
      if (failure.kind === "context-overflow") {
        // The overflow message may name the server's real window: plan the retry and the next candidates against it.
        if (result.baseUrl) this.dependencies.windows?.learnFromOverflow(model, result.baseUrl, failure);
        if (request.onOverflow && !compacted.has(model.ref)) {
          compacted.add(model.ref);
          const smaller = await request.onOverflow(model, failure);
          if (smaller) {
            context = smaller;
            index--; // the same model again, with the compacted context
            continue;
          }
        }
        minimumWindow = Math.max(minimumWindow, this.dependencies.windows?.effectiveWindow(model, result.baseUrl) ?? model.contextWindow);
      } else {
        cooldowns.fail(model.ref, failure);
      }
      if (result.textSent) {
        if (!request.canRestart) return finishError(failure.message, failure, result.partial);
        if (next) out.push({ type: "answer-restart", model: next });
      }
    }
    // Nothing else could answer: go back to a model that was loading, and wait for it this time.
    for (const model of loading) {
      const result = await this.tryReplicas({ ...model, onColdLoad: "wait" }, context, request, attempts, out, undefined);
      if (result.ok) {
        cooldowns.succeed(model.ref);
        out.push({ type: "route-end", message: result.message, model: model.ref, attempts });
        out.end();
        return;
      }
      lastFailure = result.failure;
      lastPartial = result.partial;
    }
    const tried = attempts.filter((attempt) => attempt.outcome !== "ok");
    const summary = tried.map((attempt) => `${attempt.model}: ${attempt.outcome}`).join("; ");
    finishError(`no model could answer (${summary})`, lastFailure, lastPartial);
  }

  /**
   * A server that reported its chat template cannot render tools drops them without an error: send
   * none, and tell the user once.
   */
  private withoutUnusableTools(model: ModelSpec, context: Context, out: EventStream<RouterEvent>): Context {
    if (!context.tools || context.tools.length === 0) return context;
    if (this.dependencies.windows?.toolsUsable(model, model.baseUrl) !== false) return context;
    if (!this.toldToolsOff.has(model.ref)) {
      this.toldToolsOff.add(model.ref);
      out.push({ type: "tools-off", model: model.ref });
    }
    return { ...context, tools: undefined };
  }

  /** A minimal request that makes LM Studio load the model (JIT) while another model answers. */
  private async warmUp(model: ModelSpec, baseUrl: string): Promise<void> {
    const adapter = await this.dependencies.adapters.get(model.api);
    const timeout = model.coldLoadTimeoutSeconds * 1000;
    const stream = adapter.stream({ ...model, baseUrl }, { messages: [{ role: "user", content: "ok" }] }, { maxTokens: 1, timeouts: { firstByteMs: timeout, idleMs: timeout } });
    for await (const event of stream) {
      if (event.type === "response-end") this.dependencies.loadState?.markLoaded(model, baseUrl);
    }
  }

  private async tryReplicas(
    model: ModelSpec,
    context: Context,
    request: RouteRequest,
    attempts: Attempt[],
    out: EventStream<RouterEvent>,
    next: ModelRef | undefined,
  ): Promise<AttemptResult> {
    const { replicas } = this.dependencies;
    const order = replicas.order(model.replicas, request.sessionKey, model.provider);
    let result: AttemptResult | undefined;
    for (let position = 0; position < order.length; position++) {
      const baseUrl = order[position] as string;
      const started = performance.now();
      out.push({ type: "attempt-start", model: model.ref, baseUrl });
      replicas.start(baseUrl);
      result = await this.attempt({ ...model, baseUrl }, context, request, next !== undefined, out);
      const ms = Math.round(performance.now() - started);
      const withReplica = model.replicas.length > 1 ? { baseUrl } : {};
      if (result.ok) {
        replicas.finish(baseUrl, { ok: true, sessionKey: request.sessionKey, provider: model.provider });
        attempts.push({ model: model.ref, outcome: "ok", ms, ...withReplica });
        return result;
      }
      replicas.finish(baseUrl, { ok: false, failure: result.failure });
      result.baseUrl = baseUrl;
      if (result.coldLoading) {
        const skipped: Attempt = { model: model.ref, outcome: "cold-loading", ms, message: "the local server is loading it; the next model answers meanwhile", ...withReplica };
        attempts.push(skipped);
        out.push({ type: "attempt-skipped", attempt: skipped });
        return result;
      }
      const attempt: Attempt = { model: model.ref, outcome: result.failure.kind, ms, message: result.failure.message, ...withReplica };
      attempts.push(attempt);
      const anotherReplica = position < order.length - 1 && NEXT_REPLICA.has(result.failure.kind) && !result.textSent;
      out.push({ type: "attempt-failed", attempt, failure: result.failure, next: anotherReplica ? model.ref : next });
      if (!anotherReplica) break;
    }
    return result as AttemptResult;
  }

  /**
   * One call. For a local model, LM Studio is asked at the same time whether the model is loaded: if
   * not, the user is told, and the call either gets the cold-load limit for its first token or is
   * dropped for the next model while a warm-up request makes the server load it.
   */
  private async attempt(model: ModelSpec, context: Context, request: RouteRequest, hasNext: boolean, out: EventStream<RouterEvent>): Promise<AttemptResult> {
    const { adapters, prefill, loadState } = this.dependencies;
    const adapter = await adapters.get(model.api);
    context = this.withoutUnusableTools(model, context, out);
    const base = resolveTimeouts(model, request.options);
    const firstByteLimit = { ms: prefill.firstTokenLimitMs(model.ref, model.local, base.firstByteMs, estimateContextTokens(context)) };
    const cancel = new AbortController();
    const outer = request.options?.signal;
    const signal = outer ? AbortSignal.any([outer, cancel.signal]) : cancel.signal;
    let settled = false;
    let coldLoading = false;
    const started = performance.now();
    let firstTokenMs: number | undefined;
    if (loadState && model.local) {
      void loadState
        .isLoaded(model, model.baseUrl, cancel.signal)
        .catch(() => undefined)
        .then((loaded) => {
          // Once a token arrived the model is plainly answering, whatever a slower listing says.
          if (loaded !== false || settled || firstTokenMs !== undefined) return;
          const fallback = model.onColdLoad === "fallback" && hasNext;
          out.push({ type: "model-loading", model: model.ref, waiting: !fallback });
          if (!fallback) {
            firstByteLimit.ms = Math.max(firstByteLimit.ms, model.coldLoadTimeoutSeconds * 1000);
            return;
          }
          coldLoading = true;
          cancel.abort();
          void this.warmUp(model, model.baseUrl).catch(() => undefined);
        });
    }
    let textSent = false;
    const stream = adapter.stream(model, context, { ...request.options, timeouts: base, firstByteLimit, signal, sessionId: request.sessionKey });
    try {
      for await (const event of stream) {
        switch (event.type) {
          case "text-delta":
          case "reasoning-delta":
          case "tool-call":
            firstTokenMs ??= performance.now() - started;
            if (event.type === "text-delta") textSent = true;
            out.push(event);
            break;
          case "usage":
            out.push(event);
            break;
          case "response-end":
            if (event.message.usage.promptPerSecond !== undefined) prefill.recordRate(model.ref, event.message.usage.promptPerSecond);
            else if (firstTokenMs !== undefined) prefill.record(model.ref, event.message.usage.input, firstTokenMs);
            loadState?.markLoaded(model, model.baseUrl);
            return { ok: true, message: event.message };
          case "response-error":
            return { ok: false, failure: event.failure, partial: event.partial, textSent, coldLoading };
        }
      }
    } finally {
      settled = true;
      if (!coldLoading) cancel.abort();
    }
    return { ok: false, failure: { kind: "stream-broken", message: `${model.ref}: the answer ended without its final event` }, partial: emptyPartial(model), textSent };
  }
}

function emptyPartial(model: ModelSpec): AssistantMessage {
  return {
    role: "assistant",
    content: [],
    model: model.ref,
    api: model.api,
    stopReason: "error",
    usage: { input: 0, output: 0, cacheRead: 0, cacheWrite: 0, reasoning: 0, estimated: true },
    cost: 0,
  };
}
