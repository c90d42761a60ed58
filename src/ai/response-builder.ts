import type { ModelSpec } from "./model-spec.js";
import { redactFailure } from "./model-secrets.js";
import { TextToolCallExtractor, type TextPiece } from "./text-tool-calls.js";
import type { ReasoningSplitter } from "./think-habits.js";
import type { Segment } from "./think-tags.js";
import { parseToolArguments } from "./tool-arguments.js";
import type { AssistantMessage, Context, Failure, ReasoningContent, ReasoningSent, StopReason, StreamEvent, TextContent, ToolCall, Usage } from "./types.js";
import { costOf, emptyUsage, estimateContextTokens, estimateTokens } from "./usage.js";
import { applyServerTimings, type ServerTimings } from "./server-timings.js";
import type { EventStream } from "../shared/event-stream.js";
import { newCallId } from "./call-id.js";
import { ReplyBound } from "./reply-bound.js";

/**
 * Assembles one reply while its events go out: text and reasoning kept apart, tool calls, usage
 * (estimated when the server sends none), cost. Ends the stream exactly once, with response-end or
 * response-error.
 */
export class ResponseBuilder {
  private readonly content: (TextContent | ReasoningContent | ToolCall)[] = [];
  private serverUsage: Partial<Usage> | undefined;
  private serverTimings: ServerTimings | undefined;
  /** The model the server said answered (its reply's `model` field). */
  private servedId: string | undefined;
  private sentReasoning: ReasoningSent | undefined;
  private done = false;
  /** Tool calls written as text are recognised only when the model was offered tools. */
  private readonly textCalls: TextToolCallExtractor | undefined;
  private textCallCount = 0;
  /** The reasoning was found in text already given out (see takeShownReasoning): the tag that ended it. */
  private reasoningEndTag: string | undefined;
  /** What the reply brought so far, against the most it may (reply-bound.ts): past it the call fails. */
  private readonly bound: ReplyBound;
  /** Called on every token (text, reasoning, tool call or its arguments): what keeps a call alive. */
  onActivity: (() => void) | undefined;
  /** Called on the first token, given out or held (the call's CallOptions.onFirstToken). */
  onFirstToken: (() => void) | undefined;
  /** Called on every token, as onActivity is (the call's CallOptions.onToken). */
  onToken: (() => void) | undefined;

  constructor(
    private readonly model: ModelSpec,
    private context: Context,
    private readonly stream: EventStream<StreamEvent>,
    private readonly splitter?: ReasoningSplitter,
  ) {
    this.textCalls = context.tools && context.tools.length > 0 ? new TextToolCallExtractor() : undefined;
    this.bound = new ReplyBound(model.maxTokens);
  }

  get finished(): boolean {
    return this.done;
  }

  /** True once anything of the reply arrived (text, reasoning, a tool call). */
  get started(): boolean {
    return this.content.length > 0;
  }

  /** The request is sent again in another shape before anything arrived: usage is estimated against that one. */
  reshaped(context: Context): void {
    this.context = context;
  }

  /** True once any final text went out: a failure after that is visible to a live channel. */
  get textSent(): boolean {
    return this.content.some((part) => part.type === "text" && part.text !== "");
  }

  /** A token that produces no event yet (streamed tool-call arguments, `characters` of them) still shows the server is working. */
  progress(characters = 0): void {
    this.bound.add(characters);
    this.token();
  }

  /** A token arrived: the call is alive, and its reply in progress (whether or not anything goes out yet). */
  private token(): void {
    this.onActivity?.();
    this.onToken?.();
    const first = this.onFirstToken;
    if (first === undefined) return;
    this.onFirstToken = undefined;
    first();
  }

  /** Text of the reply; throws a FailureError (the call fails) once the reply passes its bound (reply-bound.ts). */
  text(delta: string): void {
    if (this.done || delta === "") return;
    this.bound.add(delta.length);
    this.token();
    const splitter = this.splitter;
    if (!splitter) {
      this.finalText(delta);
      return;
    }
    // Most deltas of a reply go through as they came: no segment list per delta.
    const through = splitter.passThrough?.(delta);
    if (through === undefined) this.apply(splitter.push(delta));
    else if (through !== "") this.finalText(through);
  }

  private apply(segments: readonly Segment[]): void {
    for (const segment of segments) {
      if (segment.kind === "text") this.finalText(segment.text);
      else this.appendReasoning(segment.text);
    }
  }

  /** Reasoning on its own channel; `summary`: a summary of it (OpenAI's reasoning summaries), kept apart from reasoning itself. */
  reasoning(delta: string, summary = false): void {
    if (this.done || delta === "") return;
    this.bound.add(delta.length);
    this.token();
    this.splitter?.structuredReasoningSeen();
    this.appendReasoning(delta, summary);
  }

  /** The call's reasoning level went to the server as something else (see AssistantMessage.reasoningSent). */
  reasoningSent(sent: ReasoningSent | undefined): void {
    this.sentReasoning = sent;
  }

  /** A new reasoning block starts (Anthropic thinking / redacted_thinking): never merged into the one before. */
  startReasoningBlock(): void {
    this.content.push({ type: "reasoning", text: "" });
  }

  /** Attaches protocol data to the current reasoning block (signature, encrypted content), creating one if needed. */
  reasoningData(data: { signature?: string; redacted?: string }): void {
    const last = this.content[this.content.length - 1];
    if (!this.done) this.token();
    const block: ReasoningContent = last?.type === "reasoning" ? last : { type: "reasoning", text: "" };
    if (block !== last) this.content.push(block);
    if (data.signature !== undefined) block.signature = data.signature;
    if (data.redacted !== undefined) block.redacted = data.redacted;
    if (!this.done) this.stream.push({ type: "reasoning-signed", block: this.content.indexOf(block), part: { ...block } });
  }

  toolCall(call: ToolCall): void {
    if (this.done) return;
    this.token();
    this.flushSplitter();
    this.pushCall(call);
  }

  private pushCall(call: ToolCall): void {
    this.content.push(call);
    this.stream.push({ type: "tool-call", call });
  }

  usage(usage: Partial<Usage>): void {
    this.serverUsage = { ...this.serverUsage, ...usage };
  }

  /** The model the server says answers (a reply's `model`): kept on the message where it is not the configured id. */
  served(id: unknown): void {
    if (typeof id === "string" && id.trim() !== "") this.servedId = id.trim().slice(0, 200);
  }

  /** llama.cpp's own counts and speeds of this call: they fill what `usage` lacks. */
  timings(timings: ServerTimings): void {
    this.serverTimings = timings;
  }

  end(stopReason: StopReason): void {
    if (this.done) return;
    this.flushSplitter();
    const calledInText = this.flushTextCalls();
    const reason = calledInText && stopReason === "stop" ? "tool-use" : stopReason;
    this.splitter?.ended?.(reason === "stop" ? "complete" : reason === "length" ? "cut" : "other");
    this.takeShownReasoning();
    const message = this.message(reason);
    this.done = true;
    this.stream.push({ type: "usage", usage: message.usage });
    this.stream.push({ type: "response-end", message });
    this.stream.end();
  }

  fail(failure: Failure): void {
    if (this.done) return;
    this.flushSplitter();
    this.flushTextCalls();
    this.splitter?.ended?.("other");
    this.takeShownReasoning();
    const partial = this.message(failure.kind === "aborted" ? "aborted" : "error");
    this.done = true;
    // The one exit of every failure of a call: a server's words never carry the request's own key past it.
    this.stream.push({ type: "response-error", failure: redactFailure(failure, this.model), partial });
    this.stream.end();
  }

  private message(stopReason: StopReason): AssistantMessage {
    const usage = this.finalUsage();
    const content = this.content.filter((part) => (part.type === "text" ? part.text !== "" : part.type !== "reasoning" || part.text !== "" || part.signature !== undefined || part.redacted !== undefined));
    const served = this.servedId !== undefined && !sameModel(this.servedId, this.model.id) ? { served: this.servedId } : {};
    const sent = this.sentReasoning ? { reasoningSent: this.sentReasoning } : {};
    const split = this.reasoningEndTag !== undefined ? { reasoningFromText: true as const, reasoningEndTag: this.reasoningEndTag } : {};
    return { role: "assistant", content, model: this.model.ref, api: this.model.api, stopReason, usage, cost: costOf(usage, this.model.cost), ...served, ...sent, ...split };
  }

  /**
   * The text that streamed turned out to begin with reasoning, ended by an orphan closing tag (the
   * splitter's `shownReasoning`): the message holds it apart — the reasoning, then the answer after the
   * tag. Its deltas went out as text; the message says so (`reasoningFromText`). Only where some answer
   * follows the tag (text, or a tool call): a reply that would be left with none keeps its text whole.
   */
  private takeShownReasoning(): void {
    const found = this.splitter?.shownReasoning?.();
    const first = this.content[0];
    if (!found || first?.type !== "text" || !first.text.startsWith(found.reasoning + found.tag)) return;
    const answer = first.text.slice(found.reasoning.length + found.tag.length).replace(/^\s+/, "");
    const answered = answer !== "" || this.content.slice(1).some((part) => part.type === "tool-call" || (part.type === "text" && part.text.trim() !== ""));
    if (!answered) return;
    this.content.splice(0, 1, { type: "reasoning", text: found.reasoning }, ...(answer === "" ? [] : [{ type: "text" as const, text: answer }]));
    this.reasoningEndTag = found.tag;
  }

  private finalUsage(): Usage {
    const usage = this.usageFromServer();
    return this.serverTimings ? applyServerTimings(usage, this.serverUsage, this.serverTimings) : usage;
  }

  private usageFromServer(): Usage {
    const usage = emptyUsage();
    const server = this.serverUsage;
    if (server && (server.input !== undefined || server.output !== undefined)) {
      Object.assign(usage, server);
      if (server.input === undefined) {
        usage.input = estimateContextTokens(this.context);
        usage.estimated = true;
      }
      if (server.output === undefined) {
        usage.output = this.estimatedOutput();
        usage.estimated = true;
      }
      return usage;
    }
    usage.input = estimateContextTokens(this.context);
    usage.output = this.estimatedOutput();
    usage.reasoning = estimateTokens(this.content.map((part) => (part.type === "reasoning" ? part.text : "")).join(""));
    usage.estimated = true;
    return usage;
  }

  private estimatedOutput(): number {
    return estimateTokens(this.content.map((part) => (part.type === "tool-call" ? part.name + part.rawArguments : part.text)).join(""));
  }

  /** Final text: tool calls the model wrote as text become tool calls; the rest is text. */
  private finalText(text: string): void {
    if (!this.textCalls) this.appendText(text);
    else this.applyPieces(this.textCalls.push(text));
  }

  private applyPieces(pieces: readonly TextPiece[]): void {
    for (const piece of pieces) {
      if (piece.kind === "text") {
        this.appendText(piece.text);
        continue;
      }
      const parsed = parseToolArguments(piece.rawArguments, piece.name);
      this.textCallCount += 1;
      this.pushCall({ type: "tool-call", id: newCallId(), name: piece.name, arguments: parsed.arguments, rawArguments: piece.rawArguments, argumentsError: parsed.error });
    }
  }

  /** The output ended: a call still open is read as it stands. True when any call was written as text. */
  private flushTextCalls(): boolean {
    if (this.textCalls) this.applyPieces(this.textCalls.finish());
    return this.textCallCount > 0;
  }

  private appendText(text: string): void {
    const last = this.content[this.content.length - 1];
    if (last?.type === "text") last.text += text;
    else this.content.push({ type: "text", text });
    this.stream.push({ type: "text-delta", delta: text });
  }

  private appendReasoning(text: string, summary = false): void {
    const last = this.content[this.content.length - 1];
    if (last?.type === "reasoning" && last.signature === undefined && last.redacted === undefined && (last.summary === true) === summary) last.text += text;
    else this.content.push(summary ? { type: "reasoning", text, summary: true } : { type: "reasoning", text });
    this.stream.push(summary ? { type: "reasoning-delta", delta: text, summary: true } : { type: "reasoning-delta", delta: text });
  }

  private flushSplitter(): void {
    if (!this.splitter) return;
    this.apply(this.splitter.finish());
  }
}

/**
 * Whether a reply's `model` names the configured model: the same id (any case), or a dated snapshot or
 * tag of it (`gpt-4o-2024-08-06` for `gpt-4o`, `llama3:latest` for `llama3`) — not another model.
 */
function sameModel(served: string, id: string): boolean {
  const a = served.toLowerCase();
  const b = id.toLowerCase();
  return a === b || (a.startsWith(b) && /^[-@:]/.test(a.slice(b.length)));
}
