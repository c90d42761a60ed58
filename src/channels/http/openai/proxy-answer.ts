import { optionsNotCarried } from "../../../ai/carried-options.js";
import type { AssistantMessage, CallOptions, Context, ReasoningContent, ToolCall } from "../../../ai/types.js";
import type { Catalogue, GatewayPort } from "../../../gateway/port.js";
import { fallbackNotice, localInWords, type DescribeModel } from "../../../models/fallback-notice.js";
import type { Attempt } from "../../../models/router-events.js";
import { EventStream } from "../../../shared/event-stream.js";
import type { Answer, AnswerEvent, AnswerSource, AttemptSummary } from "./answer-events.js";
import { attemptSummary, cancelledFailure, failureFor } from "./failure-status.js";
import { statusLine } from "./status-lines.js";

export interface ProxyCall {
  /** A ref (already checked against the catalogue). */
  model: string;
  context: Context;
  options: CallOptions;
  stickyKey: string | undefined;
  /** Non-streaming: a fresh answer may replace a broken one after text came (the client sees only the end). */
  canRestart: boolean;
  signal: AbortSignal;
}

const summary = (attempt: Attempt): AttemptSummary => attemptSummary(attempt);

/** Proxy mode: the client's context through the gateway's chain; nothing is stored. */
export function proxyAnswer(port: GatewayPort, call: ProxyCall): AnswerSource {
  const out = new EventStream<AnswerEvent>();
  const attempts: AttemptSummary[] = [];
  let model: string | undefined;
  const run = async (): Promise<void> => {
    const stream = port.proxy({ model: call.model, context: call.context, options: { ...call.options, signal: call.signal }, stickyKey: call.stickyKey, signal: call.signal, canRestart: call.canRestart });
    for await (const event of stream) {
      switch (event.type) {
        case "attempt-start":
          model = event.model;
          break;
        case "attempt-failed":
          attempts.push(summary(event.attempt));
          out.push(statusLine({ type: "attempt-failed", model: event.attempt.model, outcome: event.attempt.outcome, next: event.next }));
          break;
        case "attempt-skipped":
          attempts.push(summary(event.attempt));
          break;
        case "text-delta":
        case "reasoning-delta":
        case "tool-call":
          out.push(event);
          break;
        case "answer-restart":
          out.push({ type: "restart" });
          break;
        case "route-end": {
          const notice = fallbackNotice(event.attempts, describeIn(port.catalogue()), { named: true });
          // A stream says it as a `: hearth:` comment; a whole reply in x-hearth-notice (metadata.hearth_notice on Responses).
          if (notice) out.push({ type: "status", text: notice, startsStream: false });
          out.push({ type: "end", answer: { ...answerOf(event.message, event.attempts.map(summary)), ...(notice ? { notice } : {}) } });
          return;
        }
        case "route-error": {
          const all = event.attempts.map(summary);
          const failure = call.signal.aborted || event.failure?.kind === "aborted" ? cancelledFailure(all) : failureFor({ message: event.message, attempts: all, lastKind: event.failure?.kind, model, param: fieldNotCarried(port.catalogue(), all, call.options) });
          out.push({ type: "error", failure: { ...failure, usage: event.spent } });
          return;
        }
        case "attempt-waiting":
        case "attempt-queued":
        case "model-loading":
          out.push(statusLine(event));
          break;
        case "usage":
        case "first-token":
          break;
      }
    }
    out.push({ type: "error", failure: failureFor({ message: "the model stream ended without an answer", attempts, lastKind: "stream-broken", model }) });
  };
  void run()
    .catch((error: unknown) => out.push({ type: "error", failure: failureFor({ message: `proxy failed: ${error instanceof Error ? error.message : String(error)}`, attempts, lastKind: undefined, model }) }))
    .finally(() => out.end());
  return { events: out, known: () => ({ model, attempts }), speaking: () => model };
}

/** The first request field a candidate skipped for its fields could not take (the error's `param`). */
function fieldNotCarried(catalogue: Catalogue, attempts: readonly AttemptSummary[], options: CallOptions): string | undefined {
  const specs = attempts.filter((attempt) => attempt.outcome === "skipped-fields").flatMap((attempt) => catalogue.models.find((model) => model.ref === attempt.model)?.spec ?? []);
  return specs.flatMap((spec) => optionsNotCarried(spec, options))[0]?.split(" ")[0];
}

/** How the notice names a model: as the catalogue does (alias, local or hosted). */
function describeIn(catalogue: Catalogue): DescribeModel {
  return (ref) => {
    const model = catalogue.models.find((candidate) => candidate.ref === ref);
    return { name: model?.alias ?? ref, local: model && localInWords(model.spec) };
  };
}

/** The route's final message as one answer: text, reasoning, tool calls, and the reasoning a provider signed. */
export function answerOf(message: AssistantMessage, attempts: readonly AttemptSummary[]): Answer {
  const text = message.content.map((part) => (part.type === "text" ? part.text : "")).join("");
  const reasoningParts = message.content.filter((part): part is ReasoningContent => part.type === "reasoning");
  const toolCalls = message.content.filter((part): part is ToolCall => part.type === "tool-call");
  const signedParts = reasoningParts.filter((part) => part.signature !== undefined || part.redacted !== undefined);
  return {
    text,
    reasoning: reasoningParts.map((part) => part.text).join(""),
    toolCalls,
    model: message.model,
    attempts,
    usage: message.usage,
    stopReason: message.stopReason,
    signed: signedParts.length > 0 ? { model: message.model, api: message.api, parts: signedParts } : undefined,
  };
}
