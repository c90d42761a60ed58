import { optionsNotCarried } from "../../../ai/carried-options.js";
import type { AssistantMessage, CallOptions, Context, ReasoningContent, ToolCall } from "../../../ai/types.js";
import type { ModelRef } from "../../../ai/model-spec.js";
import type { Catalogue, GatewayPort } from "../../../gateway/port.js";
import { fallbackNotice, localInWords, type DescribeModel } from "../../../models/fallback-notice.js";
import type { Attempt, RouterEvent } from "../../../models/router-events.js";
import { EventStream } from "../../../shared/event-stream.js";
import { FAULT_WORDS, type Answer, type AnswerEvent, type AnswerSource, type AttemptSummary } from "./answer-events.js";
import { isHearthError } from "../../../shared/errors.js";
import { stoppedByGateway } from "../../../gateway/stop-switch.js";
import { attemptSummary, cancelledFailure, failureFor, faultFailure, midAnswerFailure, stoppedFailure } from "./failure-status.js";
import { statusLine, streamNames } from "./status-lines.js";
import { answeredNotices, shownReasoningNotice } from "./proxy-notices.js";

export interface ProxyCall {
  /** A ref (already checked against the catalogue). */
  model: string;
  context: Context;
  options: CallOptions;
  /** The request's name for `options.maxTokens`, quoted when the answering model was sent less (replyCapNotice). */
  maxTokensField: string;
  /** The reply limit field the request set to -1 ("no limit"): the answering model's own maxTokens went, said in the reply. */
  noLimitField?: string | undefined;
  stickyKey: string | undefined;
  /** Non-streaming: a fresh answer may replace a broken one after text came (the client sees only the end). */
  canRestart: boolean;
  /** The request's one controller: aborted when the client goes away, and by the route when it stops reading. */
  controller: AbortController;
  /** What the reply says of the request itself (fields not sent on), before its other notes. */
  notes?: readonly string[] | undefined;
  /** A fault in hearth while answering: logged (the client is told FAULT_WORDS only). */
  onFault?: ((error: unknown) => void) | undefined;
}

const summary = (attempt: Attempt): AttemptSummary => attemptSummary(attempt);

/** Proxy mode: the client's context through the gateway's chain; nothing is stored. */
export function proxyAnswer(port: GatewayPort, call: ProxyCall): AnswerSource {
  const out = new EventStream<AnswerEvent>();
  const attempts: AttemptSummary[] = [];
  /** The attempts that did not answer, as the router told them (their fields and servers, for the notice). */
  const tried: Attempt[] = [];
  let model: string | undefined;
  const names = streamNames(port.catalogue());
  /** The answer's last event went out: later events of the route (none should come) are not passed on. */
  let over = false;
  /** Text of the answer went to the client since the answer last started. */
  let shown = false;
  /**
   * The attempt under way is the answer: its words came (a stream fails over to the next model only
   * while none did). Until then what it signed is held, and dropped if it fails: the reply carries
   * the answering model's signed reasoning alone, streamed as whole — replayed, another model's
   * would name the wrong model for the words that follow it.
   */
  let answering = false;
  /** The attempt's signed reasoning, and reasoning after it (a later block: its item would close the one signed), held until it answers. */
  let held: AnswerEvent[] = [];
  /** The attempt under way showed reasoning: if it fails, its item ends there (`failed-over`). */
  let reasoned = false;
  /** The model named was asked without the request's tools (it cannot take them): why, said with its answer. */
  const toolsOff = new Map<string, string>();
  const release = (): void => {
    answering = true;
    for (const event of held) out.push(event);
    held = [];
  };
  const finish = (last: AnswerEvent): void => {
    if (over) return;
    over = true;
    out.push(last);
    out.end();
  };
  const handle = (event: RouterEvent): void => {
    switch (event.type) {
      case "attempt-start":
        if (reasoned && !answering) out.push({ type: "failed-over" });
        model = event.model;
        held = [];
        answering = false;
        reasoned = false;
        break;
      case "attempt-failed":
        attempts.push(summary(event.attempt));
        tried.push(event.attempt);
        out.push(statusLine({ type: "attempt-failed", model: event.attempt.model, outcome: event.attempt.outcome, next: event.next }, names));
        break;
      case "attempt-skipped":
        attempts.push(summary(event.attempt));
        tried.push(event.attempt);
        break;
      case "text-delta":
        shown = true;
        if (!answering) release();
        out.push(event);
        break;
      case "reasoning-delta":
        reasoned = true;
        if (held.length > 0) held.push(event);
        else out.push(event);
        break;
      // A stream sends tool calls with its end (only an answer's): they are not yet shown.
      case "tool-call":
        out.push(event);
        break;
      // The reasoning block's own data, for its Responses item to carry for replay: signed by the model answering now, in its API.
      case "reasoning-signed": {
        const api = port.catalogue().models.find((candidate) => candidate.ref === model)?.spec.api;
        if (model === undefined || api === undefined) break;
        const signed: AnswerEvent = { type: "reasoning-signed", block: event.block, signed: { model: model as ModelRef, api, parts: [event.part] } };
        if (answering) out.push(signed);
        else held.push(signed);
        break;
      }
      case "tools-off":
        if (event.why !== undefined) toolsOff.set(event.model, event.why);
        break;
      case "answer-restart":
        shown = false;
        out.push({ type: "restart" });
        break;
      case "route-end": {
        release();
        const catalogue = port.catalogue();
        const notes = [...(call.notes ?? []), toolsOffNotice(catalogue, event.model, toolsOff.get(event.model)), fallbackNotice(event.attempts, describeIn(catalogue), { named: true }), ...answeredNotices(catalogue, { options: call.options, context: call.context, maxTokensField: call.maxTokensField, noLimitField: call.noLimitField, model: event.model, message: event.message, window: port.served(event.model)?.contextWindow }), shownReasoningNotice(catalogue, event.message)].filter((note) => note !== undefined);
        // A stream says each as a `: hearth:` comment; a whole reply in x-hearth-notice (metadata.hearth_notice on Responses).
        for (const note of notes) out.push({ type: "status", text: note, startsStream: false });
        finish({ type: "end", answer: { ...answerOf(event.message, event.attempts.map(summary)), ...(notes.length > 0 ? { notice: notes.join("\n") } : {}) } });
        return;
      }
      case "route-error": {
        const all = event.attempts.map(summary);
        const failure = event.fault
          ? faultFailure(`proxy failed: ${FAULT_WORDS}`, all)
          : stoppedByGateway(call.controller.signal)
          ? stoppedFailure(all)
          : call.controller.signal.aborted || event.failure?.kind === "aborted"
            ? cancelledFailure(all)
            : shown && !call.canRestart
              ? midAnswerFailure({ message: event.message, attempts: all, lastKind: event.failure?.kind, model })
              : failureFor({ message: event.message, attempts: all, lastKind: event.failure?.kind, param: fieldNotCarried(port.catalogue(), all, call.options) });
        const said = call.notes && call.notes.length > 0 ? { notice: [...call.notes, ...(failure.notice ? [failure.notice] : [])].join("\n") } : {};
        finish({ type: "error", failure: { ...failure, usage: event.spent, ...said } });
        return;
      }
      case "attempt-waiting":
      case "attempt-queued":
      case "model-loading":
        out.push(statusLine(event, names));
        break;
      case "usage":
      case "first-token":
        break;
    }
  };
  // hearth's own errors carry their words and fix for the client; any other is a fault, said as one and logged.
  const failed = (error: unknown): void => {
    if (!isHearthError(error)) call.onFault?.(error);
    if (!isHearthError(error)) return finish({ type: "error", failure: faultFailure(`proxy failed: ${FAULT_WORDS}`, attempts) });
    finish({ type: "error", failure: failureFor({ message: `proxy failed: ${[error.message, ...error.details].join(" — ")}`, attempts, lastKind: undefined }) });
  };
  try {
    // Passed on as each comes (a listener: no promise and microtask turn per event).
    const { signal } = call.controller;
    port.proxy({ model: call.model, context: call.context, options: { ...call.options, signal }, stickyKey: call.stickyKey, signal, controller: call.controller, canRestart: call.canRestart }).listen({
      event: (event) => {
        if (over) return;
        try {
          handle(event);
        } catch (error) {
          failed(error);
        }
      },
      end: () => finish({ type: "error", failure: failureFor({ message: "the model stream ended without an answer", attempts, lastKind: "stream-broken" }) }),
    });
  } catch (error) {
    failed(error);
  }
  /** Once the answer's words came (it can no longer move to another model): the notes known then, as route-end says them. */
  const noticeSoFar = (): string | undefined => {
    if (!answering || model === undefined) return undefined;
    const catalogue = port.catalogue();
    const notes = [...(call.notes ?? []), toolsOffNotice(catalogue, model, toolsOff.get(model)), fallbackNotice([...tried, { model, outcome: "ok" }], describeIn(catalogue), { named: true })].filter((note) => note !== undefined);
    return notes.length > 0 ? notes.join("\n") : undefined;
  };
  return { events: out, known: () => ({ model, attempts }), speaking: () => model, noticeSoFar };
}

/** The model named answered without the request's tools, which it cannot take (why): said, with the fix that has them called. */
function toolsOffNotice(catalogue: Catalogue, model: string, why: string | undefined): string | undefined {
  if (why === undefined) return undefined;
  const name = streamNames(catalogue).aliasOf(model as ModelRef) ?? model;
  return `${name} cannot use tools (${why}): it answered without the request's tools — name a model that supports tools to have them called`;
}

/** The first request field a candidate skipped for its fields could not take (the error's `param`). */
function fieldNotCarried(catalogue: Catalogue, attempts: readonly AttemptSummary[], options: CallOptions): string | undefined {
  const specs = attempts.filter((attempt) => attempt.outcome === "skipped-fields").flatMap((attempt) => catalogue.models.find((model) => model.ref === attempt.model)?.spec ?? []);
  return specs.flatMap((spec) => optionsNotCarried(spec, options))[0]?.split(" ")[0];
}

/** How the notice names a model: as the stream's other lines do (streamNames), and whether it is local or hosted. */
function describeIn(catalogue: Catalogue): DescribeModel {
  const names = streamNames(catalogue);
  return (ref) => {
    const model = catalogue.models.find((candidate) => candidate.ref === ref);
    return { name: names.aliasOf(ref as ModelRef) ?? ref, local: model && localInWords(model.spec) };
  };
}

/** The route's final message as one answer: text, reasoning, tool calls, and the reasoning a provider signed. */
export function answerOf(message: AssistantMessage, attempts: readonly AttemptSummary[]): Answer {
  const text = message.content.map((part) => (part.type === "text" ? part.text : "")).join("");
  const reasoningParts = message.content.filter((part): part is ReasoningContent => part.type === "reasoning");
  const toolCalls = message.content.filter((part): part is ToolCall => part.type === "tool-call");
  const signs = (part: ReasoningContent): boolean => part.signature !== undefined || part.redacted !== undefined;
  return {
    text,
    reasoning: reasoningParts.map((part) => part.text).join(""),
    reasoningParts: reasoningParts
      .filter((part) => part.text !== "" || signs(part))
      .map((part) => ({ text: part.text, ...(part.summary ? { summary: true as const } : {}), ...(signs(part) ? { signed: { model: message.model, api: message.api, parts: [part] } } : {}) })),
    toolCalls,
    model: message.model,
    attempts,
    usage: message.usage,
    stopReason: message.stopReason,
  };
}
