import type { ModelRef, ModelSpec } from "../ai/model-spec.js";
import type { AssistantMessage, Context, Failure, Usage } from "../ai/types.js";
import { linkAbort } from "../shared/abort-link.js";
import { EventStream } from "../shared/event-stream.js";
import { answersOnAnyReplica } from "./ask-for-answer.js";
import { callModel, emptyPartial, type AttemptResult } from "./call-model.js";
import { isSharedCacheFull, requestTokensFromOverflow } from "../ai/server-window.js";
import { addUsage, costOf, emptyUsage, estimateContextTokens, spentAny, usedBeforeFailing } from "../ai/usage.js";
import { requestTooLarge } from "./context-fit.js";
import { noneHoldsWhole, wholeTooLarge, type WholeFitSource } from "./whole-request-fit.js";
import { countedByModel, sentTokens } from "./prompt-tokens.js";
import { FAIL_OVER, NEXT_REPLICA, serverHung } from "./failover-kinds.js";
import { SharedCacheGate } from "./shared-cache-gate.js";
import { QUICK_TIMEOUTS } from "./reachability.js";
import { enterReplicaGate, gatedReplica } from "./replica-gate.js";
import { SilentServers } from "./silent-servers.js";
import { CandidateJudgements, noCandidateError, type LeftOut } from "./candidate-judgements.js";
import type { RouteRequest } from "./route-request.js";
import type { RouterDependencies } from "./router-dependencies.js";
import { ROUTE_FAULT, type Attempt, type RouterEvent, type SilentServer } from "./router-events.js";
import { textOnly } from "../ai/compat.js";
import { localTime } from "../shared/local-time.js";
import { causeOf, noneAnsweredWords } from "./attempt-causes.js";
import { ToolJudgements } from "./tool-judgements.js";
import { endOfContext } from "./end-of-context.js";

export type { AdapterSource, RouteRequest } from "./route-request.js";
export type { RouterDependencies } from "./router-dependencies.js";
export { missingKey } from "./missing-key.js";

/** A call that failed where the chain moves on: said (attempt-failed) once the next candidate called is known. */
interface PendingFailure {
  attempt: Attempt;
  failure: Failure;
}

const noUnlink = (): void => undefined;
const turnSignal = (request: RouteRequest): AbortSignal => request.options?.signal ?? new AbortController().signal;

/** A model that hung is asked for a quick answer before a skip at most this often (a gateway's turns would each pay the check). */
const QUICK_CHECK_GAP_MS = 30_000;

/**
 * The failover chain of one turn: each candidate in order (skipping those cooling down unless the
 * user named them or their server is back, those without a key, those the privacy policy forbids,
 * those too small after an overflow), each replica of a candidate before the next candidate, cold
 * loads waited for or answered around, every attempt recorded.
 */
export class Router {
  /** Whether each model takes the request's tools (the user told once a model where it does not). */
  private readonly tools: ToolJudgements;
  /** When each local model that hung was last asked for a quick answer (`stillCooling`). */
  private readonly lastQuickCheck = new Map<string, number>();
  /** Requests to servers whose slots share one KV cache go in while they fit it together. */
  private readonly sharedCaches: SharedCacheGate;
  /** Replicas asked their context after a reply while their asks went unanswered (endOfContext): once an episode. */
  private readonly askedAfterReply = new Set<string>();
  /** Servers that just hung or refused, for any model: not waited on again for another model a while. */
  private readonly silentServers = new SilentServers();

  constructor(private readonly dependencies: RouterDependencies) {
    this.sharedCaches = dependencies.sharedCaches ?? new SharedCacheGate();
    this.tools = new ToolJudgements(dependencies);
  }

  /**
   * The turn's events. A consumer that stops reading (a client that went away) aborts the turn: the
   * upstream request is cancelled at once, and nothing is tried after it.
   */
  stream(request: RouteRequest): EventStream<RouterEvent> {
    const turn = request.controller ?? new AbortController();
    const unlink = request.controller ? noUnlink : linkAbort(request.options?.signal, turn);
    const out = new EventStream<RouterEvent>({ onCancel: () => turn.abort() });
    const routed: RouteRequest = { ...request, controller: undefined, options: { ...request.options, signal: turn.signal } };
    void this.route(routed, out)
      .catch((error: unknown) => {
        this.dependencies.onFault?.(error);
        out.push({ type: "route-error", message: ROUTE_FAULT, failure: undefined, attempts: [], spent: emptyUsage(), fault: true });
        out.end();
      })
      .finally(unlink);
    return out;
  }

  private async route(request: RouteRequest, out: EventStream<RouterEvent>): Promise<void> {
    const { cooldowns } = this.dependencies;
    const attempts: Attempt[] = [];
    const skip = (model: ModelSpec, left: LeftOut): void => {
      const attempt: Attempt = { model: model.ref, outcome: left.outcome, ms: 0, message: left.message, ...(left.fields ? { fields: left.fields } : {}), ...(left.silentServer ? { silentServer: left.silentServer } : {}), ...(left.keyRefused ? { keyRefused: true } : {}) };
      attempts.push(attempt);
      out.push({ type: "attempt-skipped", attempt });
    };
    /** What the failed calls used before failing, every one of them (an earlier candidate's reasoning counts as the last one's words do). */
    const spent = emptyUsage();
    const finishError = (message: string, failure: Failure | undefined, shown?: AssistantMessage): void => {
      out.push({ type: "route-error", message, failure, attempts, spent, ...(shown ? { shown } : {}) });
      out.end();
    };
    const noneAnswered = (): string => noneAnsweredWords(attempts.map((attempt) => ({ model: attempt.model, outcome: attempt.outcome, cause: causeOf(attempt) })));

    let context = request.context;
    const judgements = new CandidateJudgements({
      request,
      context: () => context,
      checks: {
        cooldowns,
        windows: this.dependencies.windows,
        whyNoTools: (model) => this.tools.whyNoTools(model),
        tooLargeFor: (model, sent) => this.tooLargeBefore(model, sent, request),
        stillCooling: (model, routed) => this.stillCooling(model, routed),
        serverSilent: (model, routed, more) => this.serverSilent(model, routed, more),
      },
    });
    if (judgements.allowed.length === 0) {
      for (const model of request.chain) {
        const left = judgements.leftOut(model);
        if (left) skip(model, left);
      }
      const { message, failure } = noCandidateError(request, attempts, noneAnswered);
      return finishError(message, failure);
    }
    let lastFailure: Failure | undefined;
    const compacted = new Set<string>();
    /** Each candidate's own context where the caller fits one to it (`contextFor`), or a smaller one after it overflowed. */
    const fitted = new Map<ModelRef, Context>();
    /** Why each candidate could not take the request for its size: the route's error when that is all there is. */
    const contextWords: string[] = [];
    /** Why each candidate could not take the caller's tools. */
    const toolWords: string[] = [];
    const loading: ModelSpec[] = [];
    /** The model named, asked without the request's tools (it cannot take them, and the client lets the model choose: Judgement.toolsOff). */
    const toolsDropped = new Set<ModelRef>();
    const withoutDropped = (model: ModelSpec, sent: Context): Context => (toolsDropped.has(model.ref) && sent.tools ? { ...sent, tools: undefined } : sent);
    /** A candidate's call failed and the chain moves on: said once what comes next is known (a candidate skipped is never named). */
    const announce = (failed: PendingFailure, next: ModelRef | undefined): void => {
      out.push({ type: "attempt-failed", attempt: failed.attempt, failure: failed.failure, next });
    };
    /** A candidate whose window cannot hold the request as it would be sent: skipped, saying why (never sent). */
    const tooLarge = (model: ModelSpec, why: string): void => {
      skip(model, { outcome: "skipped-context", message: why });
      contextWords.push(`${model.ref}: ${why}`);
    };

    for (let index = 0; index < request.chain.length; index++) {
      const model = request.chain[index] as ModelSpec;
      const decided = await judgements.judgement(model);
      judgements.forget(model);
      if (decided.left) {
        skip(model, decided.left);
        // The model the client named cannot take the tool call its tool_choice demands: refused, never moved to a fallback for the tools.
        if (decided.words === "tools" && model.ref === request.named) {
          const message = `the request's tool_choice asks for a tool call, and ${model.ref}, the model it names, cannot use tools (${decided.left.message}): name a model that supports tools, or leave tool_choice out (${model.ref} is then asked without the tools)`;
          return finishError(message, { kind: "bad-request", message });
        }
        if (decided.words === "tools") toolWords.push(`${model.ref}: ${decided.left.message}`);
        if (decided.words === "context") contextWords.push(`${model.ref}: ${decided.left.message}`);
        continue;
      }
      if (decided.toolsOff !== undefined) {
        toolsDropped.add(model.ref);
        out.push({ type: "tools-off", model: model.ref, why: decided.toolsOff });
      }
      let sent = withoutDropped(model, fitted.get(model.ref) ?? context);
      if (request.contextFor) {
        if (!fitted.has(model.ref)) {
          const coolingBefore = cooldowns.until(model.ref) !== undefined;
          const made = (await request.contextFor(model, { next: judgements.likelyNext(index, model) })) ?? context;
          if ("tooLarge" in made) {
            tooLarge(model, made.tooLarge);
            continue;
          }
          sent = made;
          fitted.set(model.ref, sent);
          // Asked for the summary its context needed, it hung or failed (the summary's call set its cooldown): it is not called now.
          if (!coolingBefore && cooldowns.until(model.ref) !== undefined && model.ref !== request.named && !turnSignal(request).aborted) {
            skip(model, { outcome: "skipped-cooldown", message: `it failed just now, asked for the summary its context needed (${cooldowns.reason(model.ref) ?? "unknown"})` });
            continue;
          }
        }
        const tooLargeFitted = this.tooLargeFor(model, sent);
        if (tooLargeFitted) {
          tooLarge(model, tooLargeFitted);
          continue;
        }
      }
      const next = judgements.likelyNext(index, model);
      // While it is under way, a cooldown another process found for the model is not taken (Cooldowns.takeShared): this call's end says more.
      const result = await this.tryReplicas(model, sent, request, attempts, out, next).finally(cooldowns.calling(model.ref));
      addUsage(spent, result.spent);
      if (result.ok) {
        cooldowns.succeed(model.ref);
        const { usage } = result.message;
        // The tokenizer's ratio, learnt from the first counted reply (estimating the whole context again per reply costs every request) —
        // in proxy mode from every one: its size check estimates each request anyway, and a client's next request is most like its last
        // (a ratio learnt from another kind of text, JSON against prose, would judge it wrongly for as long as the gateway runs).
        const windows = this.dependencies.windows;
        // Counted by the replica that answered: the model at it.
        const counter = { ...model, baseUrl: result.answeredAt ?? model.baseUrl };
        if (!usage.estimated && windows && (request.wholeHistory || !windows.hasTokenRatio(counter))) windows.learnTokens(counter, estimateContextTokens(this.sentContext(model, sent)), usage.input + usage.cacheRead + usage.cacheWrite);
        out.push({ type: "route-end", message: result.message, model: model.ref, attempts, spent });
        out.end();
        return;
      }
      if (result.coldLoading) {
        loading.push(model);
        continue;
      }
      const { failure } = result;
      lastFailure = failure;
      // Stopped (the caller, or the gateway): the words its channel showed go with the error (the agent keeps what was shown).
      if (failure.kind === "aborted") return finishError("the turn was cancelled", failure, result.textSent ? result.partial : undefined);
      if (!FAIL_OVER.has(failure.kind)) return finishError(failure.message, failure);
      if (failure.kind === "context-overflow") {
        // The overflow message may name the server's real window: plan the retry and the next candidates against it.
        if (result.baseUrl) this.dependencies.windows?.learnFromOverflow(model, result.baseUrl, failure);
        // It may count the request too: how its tokenizer counts against the estimate.
        const counted = requestTokensFromOverflow(failure);
        if (counted !== undefined) this.dependencies.windows?.learnTokens(result.baseUrl ? { ...model, baseUrl: result.baseUrl } : model, estimateContextTokens(this.sentContext(model, sent)), counted);
        if (request.onOverflow && !compacted.has(model.ref)) {
          compacted.add(model.ref);
          const smaller = await request.onOverflow(model, failure);
          if (smaller) {
            // Fitted per candidate: the smaller context is this model's alone; the next candidate gets its own.
            if (request.contextFor) fitted.set(model.ref, smaller);
            else context = smaller;
            judgements.forgetAll();
            if (result.pending) announce(result.pending, model.ref);
            index--; // the same model again, with the compacted context
            continue;
          }
        }
        judgements.minimumWindow = Math.max(judgements.minimumWindow, this.dependencies.windows?.effectiveWindow(model, result.baseUrl) ?? model.contextWindow);
        const words = this.tooLargeFor(model, sent, { failure, proxied: request.wholeHistory });
        contextWords.push(`${model.ref}: ${words ?? failure.message}`);
        // Said in hearth's words — the window the server stated against the config's, and the fix — not the server's alone, whatever answers next.
        const refused = result.pending?.attempt ?? attempts.findLast((attempt) => attempt.model === model.ref && attempt.outcome === "context-overflow");
        if (words && refused) refused.message = words;
      } else if (!isSharedCacheFull(failure)) {
        // A shared cache that ran out under parallel requests is the neighbours' doing, not the model's: no cooldown.
        cooldowns.fail(model.ref, failure);
      }
      if (result.textSent && !request.canRestart) return finishError(failure.message, failure, result.partial);
      // Judged now, after this failure (its server may have just hung for the next one too): the candidate really called next.
      const upNext = (await judgements.nextTried(index)) ?? loading[0]?.ref;
      if (result.pending) announce(result.pending, upNext);
      if (result.textSent && upNext) out.push({ type: "answer-restart", model: upNext });
    }
    // Nothing else could answer: go back to a model that was loading, and wait for it this time (unless the caller goes elsewhere meanwhile).
    for (const [position, model] of request.coldLoadFallback ? [] : loading.entries()) {
      // Fitted again, waiting this time: its context was fitted while a later candidate was to answer (a summary not waited for);
      // and judged again for its size, as any candidate is before it is sent: it may have loaded meanwhile, with a context of its
      // own (LM Studio's default, loaded on request), which its server is asked for again.
      const { windows } = this.dependencies;
      for (const baseUrl of model.replicas) windows?.stale(model, baseUrl);
      if (request.askWindows) await windows?.refresh(model, AbortSignal.any([turnSignal(request), AbortSignal.timeout(1_000)])).catch(() => undefined);
      const made = request.contextFor ? ((await request.contextFor(model, { next: undefined })) ?? context) : (fitted.get(model.ref) ?? context);
      if ("tooLarge" in made) {
        tooLarge(model, made.tooLarge);
        continue;
      }
      const sent = withoutDropped(model, made);
      const tooLargeNow = this.tooLargeBefore(model, sent, request);
      if (tooLargeNow) {
        tooLarge(model, tooLargeNow);
        continue;
      }
      const result = await this.tryReplicas({ ...model, onColdLoad: "wait" }, sent, request, attempts, out, undefined).finally(cooldowns.calling(model.ref));
      addUsage(spent, result.spent);
      if (!result.ok && result.pending) announce(result.pending, loading[position + 1]?.ref);
      if (result.ok) {
        cooldowns.succeed(model.ref);
        out.push({ type: "route-end", message: result.message, model: model.ref, attempts, spent });
        out.end();
        return;
      }
      lastFailure = result.failure;
    }
    // A candidate skipped while its key is refused could take the request once the key is fixed: the error says so beside the other fix.
    const keyWords = attempts.filter((attempt) => attempt.keyRefused === true).map((attempt) => `${attempt.model} is skipped: ${attempt.message ?? "its key was refused"}`);
    const andKeys = keyWords.length > 0 ? `; ${keyWords.join("; ")}` : "";
    // No candidate that could be asked can take the caller's tools: none was sent the request without them.
    if (toolWords.length > 0 && attempts.every((attempt) => attempt.keyRefused === true || ["skipped-tools", "skipped-no-key", "skipped-policy"].includes(attempt.outcome))) {
      const message = `the request has tools, and no model that could answer it can use them (${toolWords.join("; ")}): name a model that supports tools, or send the request without tools (or with tool_choice "none")${andKeys}`;
      finishError(message, { kind: "bad-request", message });
      return;
    }
    // Every candidate that could be asked was too small for the request: say so, and how to fix it. (One cooling
    // down because its key was refused could not be asked either: waiting does not change the key.)
    const tooSmall = attempts.every((attempt) => attempt.keyRefused === true || ["skipped-context", "context-overflow", "skipped-no-key", "skipped-policy"].includes(attempt.outcome));
    const unsent = request.wholeHistory === true && attempts.every((attempt) => attempt.outcome.startsWith("skipped-"));
    const words = unsent ? noneHoldsWhole(request, attempts, this.wholeFit()) : undefined;
    finishError(tooSmall && contextWords.length > 0 ? `${words ?? "too large for every model"}: ${contextWords.join("; ")}${andKeys}` : noneAnswered(), lastFailure);
  }

  /**
   * Why a request is not sent to `model` before its call: a window its server reported (or an overflow
   * named) cannot hold it as it would be sent; for a request passed on whole (`wholeHistory`), also its
   * effective window — the configured one included — cannot hold it and a minimal reply. Near the edge
   * (the estimate could be wrong either way) a request passed on whole goes to a server that refuses an
   * overflowing prompt, saying so (llama.cpp, vLLM: `refusesOverflow`), and the server decides; to
   * another, what a reported window rules out by the estimate is not sent: LM Studio may answer garbage
   * past its window, Ollama cuts the prompt's start in silence.
   */
  private tooLargeBefore(model: ModelSpec, context: Context, request: RouteRequest): string | undefined {
    const whole = request.wholeHistory ? wholeTooLarge(model, context, { ...this.wholeFit(), maxTokens: request.options?.maxTokens }) : undefined;
    if (request.wholeHistory && this.dependencies.windows?.refusesOverflow(model)) return whole;
    return this.tooLargeFor(model, context, { proxied: request.wholeHistory }) ?? whole;
  }

  private wholeFit(): WholeFitSource {
    return { windows: this.dependencies.windows, toolsOff: (model) => this.tools.toolsOff(model) };
  }

  /**
   * Why the request is not sent to `model`: the window its server reported, or an overflow named, cannot
   * hold the prompt as it would be sent (without tools where they are off), counted as its tokenizer
   * counts (as learned). Before a call only what servers said counts; after an overflow (`failure`) the
   * words are given with the server's count where it named one.
   */
  private tooLargeFor(model: ModelSpec, context: Context, more: { failure?: Failure | undefined; proxied?: boolean | undefined } = {}): string | undefined {
    const { failure } = more;
    const windows = this.dependencies.windows;
    const window = failure ? (windows?.effectiveWindow(model) ?? model.contextWindow) : windows?.known(model);
    if (window === undefined) return undefined;
    const counted = failure ? requestTokensFromOverflow(failure) : undefined;
    // Before a call, a ratio only kept from an earlier process never makes the request larger than the estimate (judgingRatio).
    const ratio = failure ? windows?.tokenRatio(model) : windows?.judgingRatio(model);
    return requestTooLarge(model, window, this.sentContext(model, context), { ratio, counted, overflowed: failure !== undefined, slots: windows?.reportedSlots(model), maximum: windows?.maximum(model), kind: windows?.serverKind(model), proxied: more.proxied });
  }

  /**
   * The prompt's size as `model`'s server counts it (sentTokens: calibrated by that model's last reply in
   * it, else the estimate scaled by its learnt ratio) — what an agent's turn plans by: the first-token
   * limit divides it by a rate learnt in the server's tokens.
   */
  private promptTokensFor(model: ModelSpec, context: Context): number {
    const tokenRatio = this.dependencies.windows?.tokenRatio(model) ?? 1;
    return sentTokens(context, { measuredFrom: 0, countedBy: countedByModel(model, { tokenRatio, toolsOff: this.tools.toolsOff(model) }) });
  }

  /** The context as it goes to `model`: without tools where they are off, its images a line each where it reads text only. */
  private sentContext(model: ModelSpec, context: Context): Context {
    const sent = this.tools.toolsOff(model) ? { ...context, tools: undefined } : context;
    return model.input.includes("image") ? sent : textOnly(sent);
  }

  /**
   * Why a cooling model is skipped, or undefined when it is tried after all. A local server that was
   * absent gets a quick look at its listing; one whose model hung (a hung LM Studio still answers its
   * listing) is asked for a tiny real answer — at most every 30 s per model. Either under half a second,
   * cancelled with the turn; a server that answers is back: its cooldowns end and it is tried now.
   */
  private async stillCooling(model: ModelSpec, request: RouteRequest): Promise<{ message: string; keyRefused: boolean } | undefined> {
    const { cooldowns, reachability, clock } = this.dependencies;
    const until = cooldowns.until(model.ref);
    if (until === undefined) return undefined;
    const reason = cooldowns.reason(model.ref);
    const signal = request.options?.signal;
    // A rate limit or a refused key is the server's answer, and hosted models keep their cooldowns.
    const look = model.local && reachability !== undefined && cooldowns.endsWithLook(model.ref);
    if (look && (await reachability.answers(model, signal))) {
      cooldowns.clearProvider(model.provider);
      return undefined;
    }
    const now = clock.now();
    const ask = model.local && reason === "timeout" && !look && now - (this.lastQuickCheck.get(model.ref) ?? -Infinity) >= QUICK_CHECK_GAP_MS;
    if (ask) {
      const answered = await answersOnAnyReplica(this.dependencies.adapters, model, { timeouts: QUICK_TIMEOUTS, signal }).catch(() => false);
      if (signal?.aborted !== true) this.lastQuickCheck.set(model.ref, now);
      if (answered) {
        this.lastQuickCheck.delete(model.ref);
        cooldowns.clearProvider(model.provider);
        cooldowns.succeed(model.ref);
        return undefined;
      }
    }
    const refused = cooldowns.current(model.ref)?.keyRefused;
    const why = refused ? refused.why : reason === "timeout" ? "it hung recently" : `it failed recently (${reason ?? "unknown"})`;
    const checked = look ? " and its server does not answer now" : ask ? " and did not answer a quick check now" : "";
    return { message: `${why}${checked}; tried again after ${localTime(until, "second")}`, keyRefused: refused !== undefined };
  }

  /**
   * Why `model` is not waited on: every server of it just hung or refused for another model. With no
   * later candidate (`more` false) it is asked for a quick answer first, and tried if it gives one.
   */
  private async serverSilent(model: ModelSpec, request: RouteRequest, more: boolean): Promise<{ message: string; silentServer: SilentServer } | undefined> {
    const silent = this.silentServers.why(model.replicas, { now: this.dependencies.clock.now(), route: request });
    if (silent === undefined) return undefined;
    const { words: why, silence: silentServer } = silent;
    if (more) return { message: `${why}: not waited on again`, silentServer };
    const answered = await answersOnAnyReplica(this.dependencies.adapters, model, { timeouts: QUICK_TIMEOUTS, signal: request.options?.signal }).catch(() => false);
    if (answered) {
      for (const baseUrl of model.replicas) this.silentServers.answered(baseUrl);
      return undefined;
    }
    return { message: `${why}, and it did not answer a quick check now`, silentServer };
  }

  /**
   * The model's call on each replica in turn until one answers; `spent`: what its failed calls used (see
   * usedBeforeFailing); `pending`: the last call failed and the chain moves on — its attempt-failed is the
   * caller's to send, once it knows which candidate is called next; `answeredAt`: the replica that answered.
   */
  private async tryReplicas(model: ModelSpec, context: Context, request: RouteRequest, attempts: Attempt[], out: EventStream<RouterEvent>, next: ModelRef | undefined): Promise<AttemptResult & { spent: Usage; pending?: PendingFailure; answeredAt?: string }> {
    const { replicas } = this.dependencies;
    const order = replicas.order(model.replicas, request.sessionKey, model.provider);
    let result: AttemptResult | undefined;
    const spent = emptyUsage();
    /** The shared KV cache ran out under parallel requests on this replica: the retry goes alone. */
    let alone = false;
    for (let position = 0; position < order.length; position++) {
      const baseUrl = order[position] as string;
      // Ollama's native API runs the model with the window asked for (num_ctx): ask for no more than the model can take.
      const window = model.api === "ollama" ? { contextWindow: this.dependencies.windows?.effectiveWindow(model, baseUrl) ?? model.contextWindow } : {};
      const onReplica = { ...model, baseUrl, ...window };
      // Without a wait the call starts at once (an await here would let a parallel turn pick its replica before this call counts as in flight).
      const started = performance.now();
      const { windows } = this.dependencies;
      const gate = alone || gatedReplica(onReplica, windows) ? await enterReplicaGate(onReplica, { sharedCaches: this.sharedCaches, windows, context, request, alone, out }) : undefined;
      if (gate === "aborted") return { ok: false, failure: { kind: "aborted", message: "the turn was cancelled" }, partial: emptyPartial(model), textSent: false, spent };
      if (gate === "server-hung") {
        // A request before this one on the server ended because it hung: this one is not sent there to wait out its own limit.
        result = { ok: false, failure: { kind: "timeout", phase: "first-byte", message: `${model.ref}: its server hung for an earlier request while this one waited for a free slot there: not waited on` }, partial: emptyPartial(model), textSent: false };
      } else {
        out.push({ type: "attempt-start", model: model.ref, baseUrl });
        let answer: AttemptResult | undefined;
        try {
          answer = await replicas.attempt(
            baseUrl,
            () => {
              const sending = this.tools.withoutUnusableTools(onReplica, context, out);
              return callModel(this.dependencies, { model: onReplica, context: sending, promptTokens: this.promptTokensFor(onReplica, sending), request, next, out });
            },
            (reply) => (reply.ok ? { ok: true, sessionKey: request.sessionKey, provider: model.provider } : { ok: false, failure: reply.failure }),
          );
        } finally {
          gate?.release(answer !== undefined && serverHung(answer));
        }
        result = answer;
      }
      const ms = Math.round(performance.now() - started);
      const withReplica = model.replicas.length > 1 ? { baseUrl } : {};
      // A local server found down (refused, no such host), or answering again: the next turn plans for the model that will answer.
      if (model.local && (result.ok || result.failure.kind === "unreachable")) this.dependencies.windows?.markReachable(model, baseUrl, result.ok);
      if (result.ok) this.silentServers.answered(baseUrl);
      // A server that stalled mid-answer hung as surely as one that never answered (an answer cut by the total limit was still coming).
      else if (result.failure.kind === "unreachable" || (result.failure.kind === "timeout" && (!result.textSent || result.failure.phase !== "total"))) this.silentServers.failed(baseUrl, { at: this.dependencies.clock.now(), model: model.ref, kind: result.failure.kind, route: request });
      if (result.ok) {
        result = await endOfContext({ model: onReplica, result, windows: this.dependencies.windows, signal: turnSignal(request), askedAfterReply: this.askedAfterReply });
        const { usage } = result.message;
        if (gate && gate !== "server-hung" && !usage.estimated) this.sharedCaches.calibrate(baseUrl, gate.promptEstimate, usage.input + usage.cacheRead + usage.cacheWrite);
        attempts.push({ model: model.ref, outcome: "ok", ms, ...withReplica });
        return { ...result, spent, answeredAt: baseUrl };
      }
      result.baseUrl = baseUrl;
      const used = usedBeforeFailing(result.partial);
      addUsage(spent, used);
      if (result.coldLoading) {
        const skipped: Attempt = { model: model.ref, outcome: "cold-loading", ms, message: "its local server was loading it (the load goes on): not waited for, the next model was asked meanwhile", ...withReplica, ...(result.loadingMs !== undefined ? { loadingMs: result.loadingMs } : {}) };
        attempts.push(skipped);
        out.push({ type: "attempt-skipped", attempt: skipped });
        return { ...result, spent };
      }
      const attempt: Attempt = { model: model.ref, outcome: result.failure.kind, ms, message: result.failure.message, ...withReplica, ...(spentAny(used) ? { usage: used, cost: costOf(used, model.cost) } : {}), ...(result.loadingMs !== undefined ? { loadingMs: result.loadingMs } : {}) };
      attempts.push(attempt);
      // The cache its slots share ran out under parallel requests: the same replica again, once, alone (the answer restarts where the channel can show that).
      const again = !alone && isSharedCacheFull(result.failure) && (!result.textSent || request.canRestart === true);
      const anotherReplica = position < order.length - 1 && NEXT_REPLICA.has(result.failure.kind) && !result.textSent;
      // The chain moving on to another candidate: announced by the caller, naming the one it then calls.
      const movesOn = FAIL_OVER.has(result.failure.kind) && (!result.textSent || request.canRestart === true);
      if (!again && !anotherReplica && movesOn) return { ...result, spent, pending: { attempt, failure: result.failure } };
      out.push({ type: "attempt-failed", attempt, failure: result.failure, next: again || anotherReplica ? model.ref : undefined });
      if (again) {
        if (result.textSent) out.push({ type: "answer-restart", model: model.ref });
        alone = true;
        position--;
        continue;
      }
      alone = false;
      if (!anotherReplica) break;
    }
    return { ...(result as AttemptResult), spent };
  }
}
