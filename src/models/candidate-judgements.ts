import { optionsNotCarried } from "../ai/carried-options.js";
import type { ModelRef, ModelSpec } from "../ai/model-spec.js";
import type { Context, Failure } from "../ai/types.js";
import type { Cooldowns } from "./cooldowns.js";
import { missingKey } from "./missing-key.js";
import type { RouteRequest } from "./route-request.js";
import type { Attempt, SilentServer } from "./router-events.js";
import type { ServedWindows } from "./served-windows.js";
import { sameServer } from "./silent-servers.js";

/** Why a candidate is not called: its attempt's outcome and message (and, skipped for the request's fields, which). */
export type LeftOut = Pick<Attempt, "outcome" | "fields" | "silentServer" | "keyRefused"> & { message: string };

/** Whether a candidate is called (`left` undefined) or skipped, and which of the route's error words its reason joins. */
export interface Judgement {
  left?: LeftOut | undefined;
  words?: "tools" | "context" | undefined;
  /**
   * Called without the request's tools, and why it cannot take them: the model the client named, where the
   * client lets the model choose whether to call one (no `tool_choice` demanding a call). The content stays
   * with the model the user chose: it is never moved to a fallback because of the tools.
   */
  toolsOff?: string | undefined;
}

/** What a judgement asks of the router: the state its servers reported, and the checks that may ask them now. */
export interface JudgeChecks {
  cooldowns: Cooldowns;
  windows: ServedWindows | undefined;
  whyNoTools: (model: ModelSpec) => Promise<string | undefined>;
  tooLargeFor: (model: ModelSpec, context: Context) => string | undefined;
  stillCooling: (model: ModelSpec, request: RouteRequest) => Promise<{ message: string; keyRefused: boolean } | undefined>;
  serverSilent: (model: ModelSpec, request: RouteRequest, more: boolean) => Promise<{ message: string; silentServer: SilentServer } | undefined>;
}

const turnSignal = (request: RouteRequest): AbortSignal => request.options?.signal ?? new AbortController().signal;

/** Why `model` can never take this request, whatever its servers say: the privacy policy, a missing key, a field its API has no place for. */
function whyLeftOut(model: ModelSpec, request: RouteRequest): LeftOut | undefined {
  if (request.privacy === "local-only" && !model.local) return { outcome: "skipped-policy", message: "privacy is local-only and this model is hosted" };
  const noKey = missingKey(model);
  if (noKey) return { outcome: "skipped-no-key", message: noKey };
  // A field the caller set that this protocol has no place for: the answer would differ from the one asked for.
  const notCarried = request.options ? optionsNotCarried(model, request.options) : [];
  return notCarried.length > 0 ? { outcome: "skipped-fields", message: `its API (${model.api}) has no ${notCarried.join(", ")}`, fields: notCarried } : undefined;
}

/**
 * Whether each candidate of one route is called, judged when the walk comes to it — or earlier, once the
 * one before it failed (`nextTried`): then the live line names the candidate really tried next, and the walk
 * skips the ones judged on the way with the same reasons. A judgement is dropped when the request changes
 * (compacted after an overflow: `forgetAll`).
 */
export class CandidateJudgements {
  /** The candidates nothing rules out for good (policy, key, fields): judged once each, the chain filtered by it. */
  readonly allowed: readonly ModelSpec[];
  /** Every allowed candidate is cooling down: none is skipped for it (the least bad is tried). */
  readonly everyCooling: boolean;
  /** A candidate whose window is not larger than one that overflowed is skipped. */
  minimumWindow = 0;
  private readonly leftOutOf: Map<ModelSpec, LeftOut | undefined>;
  private readonly judged = new Map<ModelSpec, Judgement>();

  constructor(
    private readonly route: {
      request: RouteRequest;
      checks: JudgeChecks;
      /** The request's context as it stands (smaller after an overflow's compaction). */
      context: () => Context;
    },
  ) {
    const { request, checks } = route;
    this.leftOutOf = new Map(request.chain.map((model) => [model, whyLeftOut(model, request)]));
    this.allowed = request.chain.filter((model) => !this.leftOut(model));
    this.everyCooling = this.allowed.every((model) => checks.cooldowns.until(model.ref) !== undefined);
  }

  /** Why `model` can never take this request, or undefined. */
  leftOut(model: ModelSpec): LeftOut | undefined {
    return this.leftOutOf.has(model) ? this.leftOutOf.get(model) : whyLeftOut(model, this.route.request);
  }

  /** The judgement of `model`: made now, or the one made when the candidate before it failed. */
  async judgement(model: ModelSpec): Promise<Judgement> {
    const known = this.judged.get(model);
    if (known !== undefined) return known;
    const made = await this.judge(model);
    this.judged.set(model, made);
    return made;
  }

  /** The walk came to `model`: its judgement is used, and made afresh should it come to it again. */
  forget(model: ModelSpec): void {
    this.judged.delete(model);
  }

  /** The request changed: every judgement made on the way is made again. */
  forgetAll(): void {
    this.judged.clear();
  }

  /** The candidate after `index` that will be called: the ones before it are judged now, and skipped as judged. */
  async nextTried(index: number): Promise<ModelRef | undefined> {
    for (const model of this.route.request.chain.slice(index + 1)) if (!(await this.judgement(model)).left) return model.ref;
    return undefined;
  }

  /**
   * The candidate likely called should `current` fail — what the wait line names ("— trying Opus if none by 60 s") and
   * whether a cold load is answered around: judged without asking anything, as nextTried will (no key, too
   * small, cooling down, or on the very server that is silent now).
   */
  likelyNext(index: number, current: ModelSpec): ModelRef | undefined {
    const { request, checks } = this.route;
    return request.chain.slice(index + 1).find((candidate) => {
      if (this.leftOut(candidate)) return false;
      if ((checks.windows?.effectiveWindow(candidate) ?? candidate.contextWindow) <= this.minimumWindow) return false;
      if (candidate.ref === request.named) return true;
      if (!this.everyCooling && checks.cooldowns.until(candidate.ref) !== undefined) return false;
      return !candidate.replicas.every((baseUrl) => current.replicas.some((own) => sameServer(own, baseUrl)));
    })?.ref;
  }

  private async judge(model: ModelSpec): Promise<Judgement> {
    const { request, checks } = this.route;
    const left = this.leftOut(model);
    if (left) return { left };
    const more = this.allowed[this.allowed.indexOf(model) + 1] !== undefined;
    const { windows } = checks;
    const window = windows?.effectiveWindow(model) ?? model.contextWindow;
    if (window <= this.minimumWindow) return { left: { outcome: "skipped-context", message: `its context window (${window}) is not larger than the one that overflowed` } };
    // What the server runs the model with (asked once, again when that answer is old; an agent's turn asked when it planned).
    // (Checked first: a signal and a timer per request cost the proxy path more than the check.)
    if (model.local && request.askWindows && windows && !windows.asked(model)) await windows.refresh(model, AbortSignal.any([turnSignal(request), AbortSignal.timeout(1_000)])).catch(() => undefined);
    let context = this.route.context();
    let toolsOff: string | undefined;
    if (request.toolsRequired && (context.tools?.length ?? 0) > 0) {
      const noTools = await checks.whyNoTools(model);
      // The model named is asked without them (the router stops with a 400 where a tool call is demanded); any other is skipped.
      if (noTools && model.ref === request.named && request.options?.toolChoice === undefined) {
        toolsOff = noTools;
        context = { ...context, tools: undefined };
      } else if (noTools) return { left: { outcome: "skipped-tools", message: noTools }, words: "tools" };
    }
    const called: Judgement = toolsOff !== undefined ? { toolsOff } : {};
    // A context the caller fits to each candidate is judged once fitted, in the router's walk.
    const tooLarge = request.contextFor ? undefined : checks.tooLargeFor(model, context);
    if (tooLarge) return { left: { outcome: "skipped-context", message: tooLarge }, words: "context" };
    const cooling = this.everyCooling || model.ref === request.named ? undefined : await checks.stillCooling(model, request);
    if (cooling !== undefined) return { left: { outcome: "skipped-cooldown", message: cooling.message, ...(cooling.keyRefused ? { keyRefused: true } : {}) } };
    // Its server just hung or refused for another model (the same llama.cpp as two providers): skipped while a later candidate remains; the last gets a quick check first.
    const silent = model.ref === request.named ? undefined : await checks.serverSilent(model, request, more);
    if (silent !== undefined) return { left: { outcome: "skipped-cooldown", ...silent } };
    return called;
  }
}

/**
 * The route's error when no candidate of the chain can ever take the request (`skipped`: each one's attempt):
 * the privacy policy, the request's fields, or no model at all.
 */
export function noCandidateError(request: RouteRequest, skipped: readonly Attempt[], noneAnswered: () => string): { message: string; failure: Failure | undefined } {
  const policy = request.privacy === "local-only" && skipped.every((attempt) => attempt.outcome === "skipped-policy");
  const fields = skipped.filter((attempt) => attempt.outcome === "skipped-fields");
  if (!policy && fields.length > 0) {
    const message = `no model of the chain can take the request as sent (${fields.map((attempt) => `${attempt.model}: ${attempt.message ?? ""}`).join("; ")}): name a model whose API has the field, or leave the field out`;
    return { message, failure: { kind: "bad-request", message } };
  }
  const message = policy
    ? "privacy is local-only and no local model is in the chain: nothing was sent out. Add a local model to the chain, or change agents.defaults.privacy."
    : skipped.length === 0
      ? "no model to try: the chain is empty"
      : noneAnswered();
  return { message, failure: undefined };
}
