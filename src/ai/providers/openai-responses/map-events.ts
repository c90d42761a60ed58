import { classifyStreamError, errorPayloadOf } from "../../classify-failure.js";
import { FailureError } from "../../http/http-client.js";
import type { ResponseBuilder } from "../../response-builder.js";
import { readServerTimings } from "../../server-timings.js";
import { parseToolArguments } from "../../tool-arguments.js";
import type { StopReason, Usage } from "../../types.js";
import { array, numberOf, record, stringOf } from "../../json-fields.js";

interface PendingCall {
  callId: string;
  name: string;
  arguments: string;
}

/**
 * Responses API stream events → builder calls. Text comes from output_text deltas of message items,
 * reasoning from reasoning_text (LM Studio, gpt-oss) deltas and summaries of it from reasoning_summary_text
 * (OpenAI) deltas, kept a summary — or, where a server sends no deltas, from the finished item. Text
 * deltas of an item the server opened as reasoning are reasoning: nothing of a reasoning item is ever
 * the answer's text.
 */
export class ResponsesEventMapper {
  private readonly calls = new Map<string, PendingCall>();
  private readonly textItems = new Set<string>();
  /** Reasoning items whose reasoning (or summary) came in deltas: their finished item adds none of it again. */
  private readonly reasoningItems = new Set<string>();
  /** Items the server opened as reasoning (`output_item.added`). */
  private readonly openedAsReasoning = new Set<string>();
  private sawToolCall = false;

  constructor(
    private readonly builder: ResponseBuilder,
    private readonly what: string,
    /** The request's `max_output_tokens`: llama.cpp says "completed" for an answer it cut there. */
    private readonly replyLimit?: number,
  ) {}

  /** Returns true when the response is complete. */
  handle(type: string, event: Record<string, unknown>): boolean {
    switch (type) {
      case "response.output_item.added":
        this.itemAdded(record(event.item));
        return false;
      case "response.output_text.delta": {
        const id = String(event.item_id ?? "");
        if (this.openedAsReasoning.has(id)) {
          this.reasoningItems.add(id);
          this.builder.reasoning(stringOf(event.delta));
          return false;
        }
        this.textItems.add(id);
        this.builder.text(stringOf(event.delta));
        return false;
      }
      case "response.function_call_arguments.delta": {
        const call = this.calls.get(String(event.item_id ?? ""));
        const delta = stringOf(event.delta);
        this.builder.progress(delta.length);
        if (call) call.arguments += delta;
        return false;
      }
      case "response.function_call_arguments.done": {
        const call = this.calls.get(String(event.item_id ?? ""));
        if (call && typeof event.arguments === "string") call.arguments = event.arguments;
        return false;
      }
      case "response.reasoning_summary_part.added":
        // Each part of a summary is a paragraph of its own (OpenAI's begin with a bold heading).
        if (this.reasoningItems.has(String(event.item_id ?? "")) && (numberOf(event.summary_index) ?? 0) > 0) this.builder.reasoning("\n\n", true);
        return false;
      case "response.output_item.done":
        this.itemDone(record(event.item));
        return false;
      case "response.completed":
      case "response.incomplete": {
        const timings = readServerTimings(event.timings); // llama.cpp, beside the response
        if (timings) this.builder.timings(timings);
        this.builder.served(record(event.response).model);
        this.complete(record(event.response), type === "response.incomplete");
        return true;
      }
      case "response.failed": {
        const response = record(event.response);
        const payload = errorPayloadOf({ error: response.error }) ?? { message: "the response failed" };
        throw new FailureError(classifyStreamError(payload, this.what));
      }
      case "error": {
        const payload = errorPayloadOf(event.error ? event : { error: event }) ?? { message: "unknown error" };
        throw new FailureError(classifyStreamError(payload, this.what));
      }
      default:
        if (/^response\.reasoning(_text|_summary_text|_summary)?\.delta$/.test(type)) {
          this.reasoningItems.add(String(event.item_id ?? ""));
          this.builder.reasoning(deltaText(event.delta), type.startsWith("response.reasoning_summary"));
        }
        return false;
    }
  }

  private itemAdded(item: Record<string, unknown>): void {
    if (item.type === "reasoning") this.openedAsReasoning.add(String(item.id ?? ""));
    if (item.type === "function_call") {
      const id = String(item.id ?? item.call_id ?? "");
      this.calls.set(id, { callId: String(item.call_id ?? id), name: String(item.name ?? ""), arguments: stringOf(item.arguments) });
    }
  }

  private itemDone(item: Record<string, unknown>): void {
    const id = String(item.id ?? "");
    if (item.type === "function_call") {
      const pending = this.calls.get(id) ?? { callId: String(item.call_id ?? id), name: String(item.name ?? ""), arguments: "" };
      const raw = typeof item.arguments === "string" ? item.arguments : pending.arguments;
      const name = String(item.name ?? pending.name);
      const parsed = parseToolArguments(raw, name);
      this.calls.delete(id);
      this.sawToolCall = true;
      this.builder.toolCall({ type: "tool-call", id: String(item.call_id ?? pending.callId), name, arguments: parsed.arguments, rawArguments: raw, argumentsError: parsed.error });
      return;
    }
    if (item.type === "reasoning") {
      if (!this.reasoningItems.has(id)) {
        const texts = (parts: unknown): string[] => array(parts).map((part) => stringOf(record(part).text));
        this.builder.reasoning(texts(item.content).join(""));
        this.builder.reasoning(texts(item.summary).join("\n\n"), true);
      }
      if (typeof item.encrypted_content === "string") this.builder.reasoningData({ signature: id, redacted: item.encrypted_content });
      return;
    }
    if (item.type === "message" && !this.textItems.has(id)) {
      for (const part of array(item.content)) {
        const content = record(part);
        if (content.type === "output_text") this.builder.text(stringOf(content.text));
        if (content.type === "refusal") this.builder.text(stringOf(content.refusal));
      }
    }
  }

  private complete(response: Record<string, unknown>, incomplete: boolean): void {
    const usage = record(response.usage);
    if (response.usage) {
      const input = numberOf(usage.input_tokens);
      const cached = numberOf(record(usage.input_tokens_details).cached_tokens);
      const parsed: Partial<Usage> = { reasoning: numberOf(record(usage.output_tokens_details).reasoning_tokens) ?? 0 };
      // Left out when the server did not say, so that llama.cpp's timings can tell.
      if (cached !== undefined) parsed.cacheRead = cached;
      if (input !== undefined) parsed.input = Math.max(0, input - (cached ?? 0));
      const output = numberOf(usage.output_tokens);
      if (output !== undefined) parsed.output = output;
      this.builder.usage(parsed);
    }
    const reason = stringOf(record(response.incomplete_details).reason);
    let stop: StopReason = "stop";
    if (incomplete || response.status === "incomplete") stop = reason === "content_filter" ? "content-filter" : "length";
    else if (this.sawToolCall) stop = "tool-use";
    else if (this.replyLimit !== undefined && numberOf(usage.output_tokens) === this.replyLimit) stop = "length";
    this.builder.end(stop);
  }
}

/** A delta's text: a string, or (OpenAI's early `response.reasoning_summary.delta`) an object holding it. */
function deltaText(delta: unknown): string {
  return typeof delta === "string" ? delta : stringOf(record(delta).text);
}
