import { resolveTimeouts } from "../ai/adapter.js";
import type { ModelRef, ModelSpec } from "../ai/model-spec.js";
import type { AssistantMessage, Context, Failure, StreamEvent } from "../ai/types.js";
import { estimateContextTokens } from "../ai/usage.js";
import { linkAbort } from "../shared/abort-link.js";
import { shellQuote } from "../shared/shell-quote.js";
import type { Clock } from "../shared/clock.js";
import type { EventStream } from "../shared/event-stream.js";
import { FirstTokenWatch } from "./first-token-watch.js";
import type { LoadState } from "./load-state.js";
import type { PrefillStats } from "./prefill-stats.js";
import type { AdapterSource, RouteRequest } from "./route-request.js";
import type { RouterEvent } from "./router-events.js";
import { SLOT_LOOK_MS, type SlotLook } from "./slot-look.js";
import { StallWatch } from "./stall-watch.js";
import { goneWatch, serverGone } from "./server-gone.js";
import { untilLoaded } from "./load-wait.js";
import { serverWide } from "./cooldowns.js";
import type { HealthLook, ServerLoads } from "./server-loads.js";

export interface CallDependencies {
  adapters: AdapterSource;
  prefill: PrefillStats;
  loadState: LoadState | undefined;
  clock: Clock;
  /** A look at a local server's slots before a call is called stuck; absent: silence at the limit is stuck. */
  slotLook?: SlotLook | undefined;
  /** The loads local servers said they were doing, remembered across turns; absent: each call counts its own wait, and asks with its request. */
  serverLoads?: ServerLoads | undefined;
  /** The state dir's secret a hosted server's prompt cache key is keyed with (CallOptions.promptCacheSecret); absent: none is sent. */
  promptCacheSecret?: (() => Uint8Array) | undefined;
}

export type AttemptResult =
  | { ok: true; message: AssistantMessage }
  | { ok: false; failure: Failure; partial: AssistantMessage; textSent: boolean; coldLoading?: boolean; baseUrl?: string; loadingMs?: number };

export interface ModelCall {
  /** The model, at the replica this call goes to (`baseUrl`). */
  model: ModelSpec;
  context: Context;
  /**
   * The prompt's size as the model's server counts it (sentTokens: calibrated by its last reply in the
   * context, else the estimate scaled by its learnt tokens per estimated token): what the first-token
   * limit, the waiting words and a broken call's estimated usage are reckoned by. Absent: the plain estimate.
   */
  promptTokens?: number | undefined;
  request: RouteRequest;
  /** The model tried after this one, if any: said while waiting, and whether a cold load may be answered around. */
  next: ModelRef | undefined;
  out: EventStream<RouterEvent>;
}

/**
 * Why a call's own controller is aborted once the call is over (it stops a load-state probe still in
 * flight): one reason for every call, since `abort()` without one builds a DOMException with a stack
 * each time — a measurable share of a proxied request.
 */
const CALL_OVER = new DOMException("the model call is over", "AbortError");

/**
 * One call. For a local model, LM Studio is asked at the same time whether the model is loaded: if
 * not, the user is told, and the call either gets the cold-load limit for its first token or is
 * dropped for the next model while a warm-up request makes the server load it; if it is loaded, the
 * limit shrinks to what reading the prompt takes — so it does for a server without that listing that
 * answered this model lately in this process. While no token has come, the user hears so.
 */
export async function callModel(dependencies: CallDependencies, call: ModelCall): Promise<AttemptResult> {
  const { adapters, prefill, loadState, clock, slotLook, serverLoads } = dependencies;
  const { model, context, request, next, out } = call;
  const adapter = await adapters.get(model.api);
  const base = resolveTimeouts(model, request.options);
  // The limit divides the prompt by a rate learnt in the server's own tokens: the prompt is counted as the server counts it.
  const promptTokens = call.promptTokens ?? estimateContextTokens(context);
  const firstByteLimit = { ms: prefill.firstTokenLimitMs(model.ref, model.local, base.firstByteMs, promptTokens) };
  // One controller per call, aborted by the turn's signal while the call runs (no AbortSignal.any: it would stay attached to a long-lived signal).
  const cancel = new AbortController();
  const outer = request.options?.signal;
  const unlink = linkAbort(outer, cancel);
  const signal = cancel.signal;
  let settled = false;
  let coldLoading = false;
  let stuck = false;
  /** A silence looks at a local server's port, and a closed one ends the call at once (not at its limit), as its server gone. */
  // Parts of the reply seen so far: a look that ends after more came is no verdict on a server that answers.
  let partsSeen = 0;
  const gone = goneWatch(model, { cancel, over: () => settled, progress: () => partsSeen });
  const onSilent = gone.onSilent(true);
  /** The server answered that it is loading the model; the user was told it loads (by that answer, or LM Studio's listing). */
  let serverLoading = false;
  let toldLoading = false;
  const started = performance.now();
  /** The same moment on the clock the watches run on. */
  const startedAt = clock.now();
  let firstTokenMs: number | undefined;
  const watch = new FirstTokenWatch({
    clock,
    model: model.ref,
    promptTokens,
    next,
    limit: firstByteLimit,
    emit: (event) => out.push(event),
    onExpired: () => {
      stuck = true;
      cancel.abort();
    },
    busy: slotLook && model.local ? busyCheck({ slotLook, model, signal: cancel.signal, limit: firstByteLimit, out }) : undefined,
    onSilent: gone.onSilent(false),
  });
  /** A load-state look is in flight: the call's end stops it (its abort is skipped otherwise: an abort and its event per call cost more than the look). */
  let looking = false;
  /** Why the first-token limit was lowered: the server said the model is loaded, or it answered this model lately. */
  let known = "the server has the model loaded";
  if (loadState && model.local) {
    looking = true;
    void loadState
      .isLoaded(model, model.baseUrl, cancel.signal)
      .catch(() => undefined)
      .then((loaded) => {
        looking = false;
        // Once a token arrived the model is plainly answering, whatever a slower listing says; a server that said it is loading is not (whatever it answered lately).
        if (settled || firstTokenMs !== undefined || serverLoading) return;
        // A server without LM Studio's native API that answered this model lately has it loaded, for the limit's sake.
        if (loaded === undefined) {
          if (!answeredLately(dependencies, model)) return;
          const limit = prefill.loadedLimitMs(model.ref, model.local, promptTokens);
          if (limit === undefined) return;
          // What is known, not what is guessed: it answered this model lately (no listing says it is loaded).
          const at = loadState.answeredAt(model, model.baseUrl);
          known = at === undefined ? "it answered this model earlier in this process" : `it answered this model ${Math.max(0, Math.round((clock.now() - at) / 1000))} s ago`;
          watch.loaded(limit, "answered");
          return;
        }
        if (loaded) {
          const limit = prefill.loadedLimitMs(model.ref, model.local, promptTokens);
          if (limit !== undefined) watch.loaded(limit);
          return;
        }
        // LM Studio with JIT loading off does not load it on request: nothing to wait for (the call fails, and says so).
        if (loadState.notLoadedOnRequest(model, model.baseUrl)) return;
        const fallback = answersAroundLoad(model, request, next);
        if (!toldLoading) out.push({ type: "model-loading", model: model.ref, waiting: !fallback });
        toldLoading = true;
        if (!fallback) {
          watch.loading();
          firstByteLimit.ms = Math.max(firstByteLimit.ms, model.coldLoadTimeoutSeconds * 1000);
          return;
        }
        coldLoading = true;
        cancel.abort();
        void loadState.warmUp(model, model.baseUrl, () => warmUp(dependencies, model));
      });
  }
  let textSent = false;
  const whole = request.wholeAnswer === true;
  // The call's controller is the adapter's too (it is aborted below whenever the call ends before its stream).
  // Each candidate's own reply limit where the caller plans one per model (a fallback is not held to the planned model's).
  const maxTokens = request.replyTokens ? { maxTokens: request.replyTokens(model) } : {};
  // The first token ends the wait, also one the adapter holds back (a reasoning model's leading text): the
  // reply is in progress, and the HTTP clock has moved on to the idle limit — a wait notice or the lowered
  // limit would say a fallback is coming that never will, or call a working model stuck.
  /**
   * The answer under way, from its first token (also one held back): a silence mid-answer is said as the wait for a first
   * token is — once a part of it was shown (`shown`; before, there is no answer in the middle of which to be silent) — and a
   * local server's port is looked at, shown or not.
   */
  let stall: StallWatch | undefined;
  let shown = false;
  const watchStall = (): void => {
    stall ??= new StallWatch({ clock, model: model.ref, promptTokens, next: request.canRestart === true ? next : undefined, idleMs: base.idleMs, emit: (waiting) => {
        if (shown) out.push(waiting);
      }, onSilent });
  };
  /** Every part of the reply the server sends counts against the silence, shown or not yet (a tool call's arguments streaming). */
  const onToken = (): void => {
    partsSeen++;
    stall?.token();
  };
  const onFirstToken = (): void => {
    partsSeen++;
    if (firstTokenMs !== undefined) return;
    firstTokenMs = performance.now() - started;
    watch.stop();
    watchStall();
    if (whole) out.push({ type: "first-token", model: model.ref });
  };
  let stream: ReturnType<typeof adapter.stream> | undefined;
  /** One request of the call (a server loading the model is sent it again once loaded); `limit`: its first-token limit, from when it is sent. */
  const send = (limit: { ms: number }): Promise<AttemptResult> => {
    const sent = adapter.stream(model, context, { ...request.options, ...maxTokens, timeouts: base, firstByteLimit: limit, signal, callController: cancel, sessionId: request.sessionKey, promptCacheSecret: dependencies.promptCacheSecret, onFirstToken, onToken });
    stream = sent;
    // A listener, not a loop over the stream: no promise and microtask turn per token.
    return new Promise<AttemptResult>((resolve, reject) => {
      const handle = (event: StreamEvent): void => {
        switch (event.type) {
          case "text-delta":
          case "reasoning-delta":
          case "tool-call":
            if (event.type === "text-delta") textSent = true;
            onFirstToken();
            // The adapter's onToken keeps an answer's watch going; from the first part shown, its silences are said.
            shown = true;
            watchStall();
            if (!whole) out.push(event);
            break;
          case "reasoning-signed":
            if (!whole) out.push(event);
            break;
          case "usage":
            out.push(event);
            break;
          case "response-end":
            if (event.message.usage.promptPerSecond !== undefined) prefill.recordRate(model.ref, event.message.usage.promptPerSecond);
            else if (firstTokenMs !== undefined) prefill.record(model.ref, event.message.usage.input, firstTokenMs);
            loadState?.markLoaded(model, model.baseUrl);
            serverLoads?.forget(model, model.baseUrl);
            resolve({ ok: true, message: event.message });
            break;
          case "response-error": {
            const failure = outer?.aborted ? event.failure : (gone.endedWith() ?? (stuck ? stuckFailure(model, { limitMs: limit.ms, promptTokens, known }) : event.failure));
            // A local server's connection that broke (a reset, a close before the stream's end): a closed port says it went away.
            const checked = failure.kind === "stream-broken" && model.local ? serverGone(model, { broke: failure }).then((gone) => gone ?? failure) : Promise.resolve(failure);
            resolve(checked.then((final) => notLoadedWords(final, { model, loadState })).then((said) => ({ ok: false, failure: said, partial: countedPrompt(event.partial, promptTokens), textSent, coldLoading })));
            break;
          }
        }
      };
      sent.listen({
        event: (event) => {
          try {
            handle(event);
          } catch (error) {
            reject(error);
          }
        },
        end: () => resolve({ ok: false, failure: { kind: "stream-broken", message: `${model.ref}: the answer ended without its final event` }, partial: emptyPartial(model), textSent }),
      });
    });
  };
  const loads = serverLoads;
  const attempt = async (): Promise<AttemptResult> => {
    // A load an earlier call saw, not answered since: a local server's /health first, and no prompt goes while that says it still loads.
    const health = model.local && loads?.loadingSince(model, model.baseUrl) !== undefined ? await loads.look(model, model.baseUrl, signal) : undefined;
    const first = health ? healthSaidLoading(model, health.said) : await send(firstByteLimit);
    if (first.ok || textSent) return first;
    if (first.failure.kind !== "loading") return first;
    // A hosted service that says it is loading the model (Hugging Face's "… is currently loading", for minutes or hours in
    // outages) is waited for only where the user named the model or nothing follows it; else it is an overload, which cools
    // down while the next model answers (waiting would send the whole prompt to a paid service again and again).
    if (!model.local && !waitsForHostedLoad(model, request, next)) return { ...first, failure: { ...first.failure, kind: "overloaded" } };
    // The server answered that it is loading the model (llama.cpp's 503 "Loading model"): a cold load, as LM Studio's is,
    // counted from the first such answer any turn saw — a load that outlasts the limit is not waited for again turn after turn.
    serverLoading = true;
    const since = loads?.sawLoading(model, model.baseUrl, startedAt) ?? startedAt;
    /** How long it has loaded, where an earlier call saw the load begin (a second or more ago: this turn's own first call is no news). */
    const seen = since < startedAt && clock.now() - since >= 1_000 ? { loadingMs: clock.now() - since } : undefined;
    const overdue = clock.now() >= since + model.coldLoadTimeoutSeconds * 1000;
    const around = answersAroundLoad(model, request, next);
    if (!toldLoading && (around || !overdue)) out.push({ type: "model-loading", model: model.ref, waiting: !around, ...(seen ? { forMs: seen.loadingMs } : {}), ...(model.local ? {} : { hosted: true as const }) });
    toldLoading = true;
    // The server loads it by itself: the next model answers meanwhile, and the route comes back to wait for it if none does.
    if (around) return { ...first, coldLoading: true, ...seen };
    watch.loading();
    // A hosted service has no /health of a llama-server's: its request is sent again, as often as it asks (its Retry-After, its estimate).
    const look = loads && model.local ? (stop: AbortSignal): Promise<HealthLook> => loads.look(model, model.baseUrl, stop) : undefined;
    const waited = await untilLoaded({ clock, model, signal, started: startedAt, since, shown: firstByteLimit, firstTokenMs: () => prefill.firstTokenLimitMs(model.ref, model.local, base.firstByteMs, promptTokens), send, said: first, look, paced: !model.local });
    if (waited.ok) return waited;
    return waited.failure.kind === "loading" ? { ...waited, loadingMs: clock.now() - since } : waited;
  };
  try {
    // One exit: an abort the server found gone made is said as that, whatever was waiting (a request, a cold load's pause or look).
    const result = gone.said(await attempt(), outer);
    if (!result.ok && model.local && showsAnotherServer(result.failure)) loadState?.notTheServer(model, model.baseUrl);
    return result.ok ? result : forgetIfGone(result, { model, loads });
  } finally {
    settled = true;
    watch.stop();
    stall?.stop();
    unlink();
    // The adapter's stream ends with its final event (a consumer that stops early cancels it through the stream itself).
    if (!coldLoading && (looking || stream?.isEnded !== true)) cancel.abort(CALL_OVER);
  }
}

/**
 * A broken call's partial reply whose usage the adapter estimated (the server sent none): its prompt is
 * the count the call was reckoned by (the server's, as learnt), not the adapter's four characters a
 * token — still an estimate, and marked so.
 */
function countedPrompt(partial: AssistantMessage, promptTokens: number): AssistantMessage {
  if (!partial.usage.estimated || partial.usage.input === promptTokens) return partial;
  return { ...partial, usage: { ...partial.usage, input: promptTokens } };
}

/**
 * Whether the next model answers while this one loads (its `onColdLoad` is "fallback", and there is a next
 * model or the caller has one) — never for the model the user named: the user's choice is waited for.
 */
function answersAroundLoad(model: ModelSpec, request: RouteRequest, next: ModelRef | undefined): boolean {
  return model.onColdLoad === "fallback" && request.named !== model.ref && (next !== undefined || request.coldLoadFallback === true);
}

/**
 * Whether a hosted model that says it is loading (a scale-from-zero endpoint) is waited for as a cold load: the user
 * named it (their choice is not sent to a paid fallback for it), or no model follows it in the chain.
 */
function waitsForHostedLoad(model: ModelSpec, request: RouteRequest, next: ModelRef | undefined): boolean {
  return request.named === model.ref || (next === undefined && request.coldLoadFallback !== true);
}

/**
 * Whether a silent call's server is busy rather than hung: it answers a look at its slots (llama.cpp
 * `/slots`, answered by its main loop, so not while that loop is stuck), every slot is taken, and they
 * moved on since the last look. Said once a call; each time, the first-token limit grows with the wait.
 */
function busyCheck(check: { slotLook: SlotLook; model: ModelSpec; signal: AbortSignal; limit: { ms: number }; out: EventStream<RouterEvent> }): NonNullable<ConstructorParameters<typeof FirstTokenWatch>[0]["busy"]> {
  const { slotLook, model, signal, limit, out } = check;
  let seen: { slots: number; progress: string } | undefined;
  let told = false;
  return {
    lookMs: SLOT_LOOK_MS,
    ask: async () => {
      const slots = await slotLook.slots(model, signal);
      if (!slots || slots.processing < slots.slots || slots.progress === seen?.progress) return false;
      seen = { slots: slots.slots, progress: slots.progress };
      return true;
    },
    onBusy: (limitMs) => {
      // The HTTP watchdog reads the same limit: past the new one by the look's time, so the watch decides first.
      limit.ms = limitMs + SLOT_LOOK_MS;
      if (!told && seen) out.push({ type: "attempt-queued", model: model.ref, slots: seen.slots, awaiting: "busy" });
      told = true;
    },
  };
}

/** How long after an answer a server without a load listing is taken to still have the model loaded. */
export const ANSWERED_LATELY_MS = 10 * 60_000;

/** Ollama unloads an idle model after 5 minutes by default (keep_alive): an answer counts for less than that. */
const OLLAMA_ANSWERED_LATELY_MS = 4 * 60_000;

/**
 * It answered in this process: a measured prompt-reading speed, or an answer within
 * ANSWERED_LATELY_MS. Ollama unloads idle models by itself, so there only a recent answer counts.
 */
function answeredLately(dependencies: CallDependencies, model: ModelSpec): boolean {
  // Its address answered as another server since (refused, a 404, a web page): what it answered before says nothing now.
  if (dependencies.loadState?.doubted(model, model.baseUrl) === true) return false;
  if (model.api === "ollama") return dependencies.loadState?.answeredRecently(model, model.baseUrl, OLLAMA_ANSWERED_LATELY_MS) === true;
  if (dependencies.prefill.tokensPerSecond(model.ref) !== undefined) return true;
  return dependencies.loadState?.answeredRecently(model, model.baseUrl, ANSWERED_LATELY_MS) === true;
}

/**
 * A "no such model" from a local server that has the model but not loaded, and does not load on request
 * (LM Studio with JIT loading off: "No models loaded", "Invalid model identifier"): said as that, with
 * the load that fixes it. The load-state look under way (or a fresh one) says which.
 */
async function notLoadedWords(failure: Failure, at: { model: ModelSpec; loadState: LoadState | undefined }): Promise<Failure> {
  const { model, loadState } = at;
  if (failure.kind !== "model-not-found" || !loadState || !model.local) return failure;
  if ((await loadState.isLoaded(model, model.baseUrl).catch(() => undefined)) !== false) return failure;
  const notLoaded = loadState.notLoadedOnRequest(model, model.baseUrl);
  if (!notLoaded) return failure;
  return {
    ...failure,
    message: `${model.ref}: not loaded, and the server does not load on request (LM Studio's JIT loading is off): load it with \`hearth models load ${shellQuote(model.ref)} --context ${notLoaded.loadContext}\`, or turn on Just-in-Time model loading — the server said: ${failure.detail ?? failure.message}`,
  };
}

function stuckFailure(model: ModelSpec, wait: { limitMs: number; promptTokens: number; known: string }): Failure {
  return {
    kind: "timeout",
    phase: "first-byte",
    message: `${model.ref}: no first token within ${Math.round(wait.limitMs / 1000)} s although ${wait.known} and the prompt is ${wait.promptTokens} tokens: it looks stuck`,
  };
}

/** A minimal request that makes LM Studio load the model (JIT) while another model answers. */
async function warmUp(dependencies: CallDependencies, model: ModelSpec): Promise<void> {
  const adapter = await dependencies.adapters.get(model.api);
  const timeout = model.coldLoadTimeoutSeconds * 1000;
  const stream = adapter.stream(model, { messages: [{ role: "user", content: "ok" }] }, { maxTokens: 1, timeouts: { firstByteMs: timeout, idleMs: timeout } });
  for await (const event of stream) {
    if (event.type === "response-end") dependencies.loadState?.markLoaded(model, model.baseUrl);
  }
}

/** The server's `/health` said it is still loading the model: the call's answer as its request's would have been (no request went). */
function healthSaidLoading(model: ModelSpec, said: string): AttemptResult {
  return { ok: false, failure: { kind: "loading", status: 503, message: `${model.ref}: its server's /health answered 503: ${said}`, detail: said }, partial: emptyPartial(model), textSent: false };
}

/**
 * A failure that shows the address no longer holds the server that answered: nothing there (refused, no such
 * host), no such model or endpoint there (a 404), or a web page (another program on the port).
 */
function showsAnotherServer(failure: Failure): boolean {
  return serverWide(failure) || failure.webPage === true || failure.kind === "no-endpoint" || failure.kind === "model-not-found" || failure.status === 404;
}

/** A server found not there (refused, no such host) loads anew when it is back: the load it said it was doing is forgotten. */
function forgetIfGone(result: Extract<AttemptResult, { ok: false }>, at: { model: ModelSpec; loads: ServerLoads | undefined }): AttemptResult {
  if (serverWide(result.failure)) at.loads?.forget(at.model, at.model.baseUrl);
  return result;
}

export function emptyPartial(model: ModelSpec): AssistantMessage {
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
