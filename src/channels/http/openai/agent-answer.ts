import type { AgentEvent } from "../../../agent/agent-events.js";
import { emptyUsage } from "../../../ai/usage.js";
import type { ClientMessage, GatewayPort } from "../../../gateway/port.js";
import { isHearthError } from "../../../shared/errors.js";
import { EventStream } from "../../../shared/event-stream.js";
import { FAULT_WORDS, type AnswerEvent, type AnswerSource, type AttemptSummary } from "./answer-events.js";
import type { StopSwitch } from "../../../gateway/stop-switch.js";
import { lastCalled } from "../../../models/attempt-causes.js";
import { attemptSummary, cancelledFailure, failureFor, faultFailure, midAnswerFailure, stoppedFailure, unsavedFailure } from "./failure-status.js";
import { statusLine, streamNames, turnNote } from "./status-lines.js";
import { answerText } from "../../../agent/turn-notes.js";

export interface AgentCall {
  /** undefined: the gateway's default agent for the channel. */
  agent: string | undefined;
  /** What the reply names when no model answered (an in-chat command): "hearth", "hearth/<id>". */
  label: string;
  session: string;
  text: string;
  /** Images that came with the message (base64), as `InboundMessage.images`. */
  images?: readonly { mediaType: string; data: string }[] | undefined;
  canRestart: boolean;
  signal: AbortSignal;
  /** The request's `max_tokens` / `max_output_tokens`: each reply of the turn at most this long. */
  maxTokens?: number | undefined;
  /** The request's name for `maxTokens`, quoted when a reply was sent less. */
  maxTokensField?: string | undefined;
  /** The request's messages before the new one (see `InboundMessage.history`). */
  history?: readonly ClientMessage[] | undefined;
  /** The client's own resend of this request (see `InboundMessage.repeated`). */
  repeated?: boolean | undefined;
  /** What the reply says of the request itself (fields not sent on), before the turn's notes. */
  notes?: readonly string[] | undefined;
  /** The gateway's stop: a turn it cancelled (or did not start) is told as the gateway stopping, not as a client gone. */
  stop?: StopSwitch | undefined;
  /** A fault in hearth while answering: logged (the client is told FAULT_WORDS only). */
  onFault?: ((error: unknown) => void) | undefined;
}

/** Agent mode: one turn of hearth's own assistant (history, tools, compaction, failover), through `GatewayPort.handle`. */
export function agentAnswer(port: GatewayPort, call: AgentCall): AnswerSource {
  const out = new EventStream<AnswerEvent>();
  const attempts: AttemptSummary[] = [];
  let reasoning = "";
  let speaking: string | undefined;
  /** Text of the answer went out to the client (since the last restart): a stream cannot take it back. */
  let shown = false;
  /**
   * The model called last went out with text of its own: a failure then broke its answer mid-way. Text an
   * earlier step showed (before the agent ran its tools) does not make a later step's failure one.
   */
  let spoke = false;
  /** What the turn said of the conversation and the answer (see turnNote), for `notice`. */
  const notes: string[] = [...(call.notes ?? [])];
  const names = streamNames(port.catalogue());
  const onEvent = (event: AgentEvent): void => {
    switch (event.type) {
      case "attempt-start":
        speaking = event.model;
        spoke = false;
        break;
      case "text-delta":
        shown = true;
        spoke = true;
        out.push(event);
        break;
      case "reasoning-delta":
        reasoning += event.delta;
        out.push(event);
        break;
      case "tool-start":
        out.push({ type: "step-break" });
        break;
      case "attempt-failed":
        attempts.push(attemptSummary(event));
        out.push(statusLine(event, names));
        break;
      // A stream's headers list it with the attempts so far, as a whole reply's do.
      case "attempt-skipped":
        attempts.push(attemptSummary(event));
        break;
      case "attempt-waiting":
      case "attempt-queued":
      case "model-loading":
      case "turn-queued":
        out.push(statusLine(event, names));
        break;
      case "compaction":
      case "notice": {
        const note = turnNote(event);
        if (!note) break;
        if (note.kept) notes.push(note.line.text);
        out.push(note.line);
        break;
      }
      case "answer-restart":
        reasoning = "";
        shown = false;
        spoke = false;
        out.push({ type: "restart" });
        break;
      default:
        break;
    }
  };
  const run = async (): Promise<void> => {
    // A stream says the request's own notes at once (a whole reply has them in x-hearth-notice).
    for (const text of call.notes ?? []) out.push({ type: "status", text, startsStream: false });
    const handled = await port.handle({ channel: "http", session: call.session, agent: call.agent, text: call.text, ...(call.images && call.images.length > 0 ? { images: call.images } : {}), canRestart: call.canRestart, showsLiveText: !call.canRestart, maxTokens: call.maxTokens, maxTokensField: call.maxTokensField, repeated: call.repeated, history: call.history, signal: call.signal, onEvent });
    if (handled.kind === "command") {
      const notice = joinNotes(notes);
      out.push({ type: "end", answer: { text: handled.text, reasoning: "", toolCalls: [], model: call.label, attempts: [], usage: emptyUsage(), stopReason: "stop", ...(notice === undefined ? {} : { notice }) } });
      return;
    }
    const result = handled.result;
    const all: AttemptSummary[] = result.attempts.map(attemptSummary);
    if (!result.ok) {
      const last = [...all].reverse().find((attempt) => attempt.outcome !== "ok");
      const stopped = result.cause === "cancelled" && call.stop?.stopping === true && !call.signal.aborted;
      const failure = result.unsavedAnswer !== undefined
        ? unsavedFailure({ message: result.error, attempts: all, answer: result.unsavedAnswer, sent: shown && !call.canRestart })
        : stopped
        ? stoppedFailure(all, result.error)
        : result.cause === "cancelled" || call.signal.aborted
          ? cancelledFailure(all)
          : spoke && !call.canRestart && result.cause !== "fault"
            ? midAnswerFailure({ message: result.error, attempts: all, lastKind: last?.outcome, model: lastCalled(all) })
            : failureFor({ message: result.error, attempts: all, lastKind: last?.outcome, cause: result.cause });
      const notice = joinNotes(notes);
      out.push({ type: "error", failure: { ...failure, usage: result.usage, ...(notice === undefined ? {} : { notice }) } });
      return;
    }
    // The client went away mid-answer: what it was sent is kept in the session (stopped); nobody reads this reply.
    if (call.signal.aborted) {
      out.push({ type: "error", failure: { ...cancelledFailure(all), usage: result.usage } });
      return;
    }
    // A stream says the fallback as it says the turn's other notes (a whole reply has it in x-hearth-notice).
    if (result.notice) out.push({ type: "status", text: result.notice, startsStream: false });
    // Stopped with no word of an answer (a tool loop, maxSteps): the reply says why, not an empty message that reads as an answer.
    const text = answerText(result);
    if (text !== result.text) out.push({ type: "text-delta", delta: text });
    out.push({
      type: "end",
      answer: { text, reasoning, toolCalls: [], model: result.model, attempts: all, usage: result.usage, stopReason: result.truncated ? "length" : "stop", notice: joinNotes([...notes, ...(result.notice ? [result.notice] : [])]) },
    });
  };
  void run()
    .catch((error: unknown) => {
      // hearth's own errors carry their fix in `details` (move the file aside…): the client gets it too; any other is a fault, said as one and logged.
      if (!isHearthError(error)) call.onFault?.(error);
      const message = isHearthError(error) ? [error.message, ...error.details].join(" — ") : FAULT_WORDS;
      const failure = isHearthError(error) && error.kind !== "runtime"
        ? { status: 400, message, type: "invalid_request_error", code: "bad_request", attempts }
        : faultFailure(`the turn failed: ${message}`, attempts);
      out.push({ type: "error", failure });
    })
    .finally(() => out.end());
  return { events: out, known: () => ({ model: undefined, attempts }), speaking: () => speaking };
}

/** The turn's notes, one a line (URL-encoded in `x-hearth-notice`, `%0A` between them); undefined: none. */
function joinNotes(notes: readonly string[]): string | undefined {
  return notes.length === 0 ? undefined : notes.join("\n");
}
