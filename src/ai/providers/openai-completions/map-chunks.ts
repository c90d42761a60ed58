import { classifyStreamError, errorPayloadOf } from "../../classify-failure.js";
import { FailureError } from "../../http/http-client.js";
import type { ResponseBuilder } from "../../response-builder.js";
import { readServerTimings } from "../../server-timings.js";
import { argumentsText, parseToolArguments } from "../../tool-arguments.js";
import type { StopReason, Usage } from "../../types.js";
import { array, numberOf, record, stringOf } from "../../json-fields.js";
import { newCallId } from "../../call-id.js";

interface PendingCall {
  id: string;
  name: string;
  arguments: string;
}

/**
 * Chat completion chunks → builder calls. Reasoning arrives as `reasoning_content` (LM Studio,
 * llama.cpp, vLLM, DeepSeek) or `reasoning` (OpenRouter, Ollama) delta fields, or inline in the
 * text as <think> tags, which the builder's splitter takes apart.
 */
export class CompletionsChunkMapper {
  private readonly calls = new Map<number, PendingCall>();
  private finishReason: string | undefined;

  constructor(
    private readonly builder: ResponseBuilder,
    private readonly what: string,
  ) {}

  get finished(): boolean {
    return this.finishReason !== undefined;
  }

  handle(chunk: Record<string, unknown>): void {
    if (chunk.error) {
      const payload = errorPayloadOf(chunk) ?? { message: "unknown error" };
      throw new FailureError(classifyStreamError(payload, this.what));
    }
    this.builder.served(chunk.model);
    const usage = record(chunk.usage);
    if (chunk.usage && typeof usage.prompt_tokens === "number") this.usage(usage);
    const timings = readServerTimings(chunk.timings); // llama.cpp, on the last chunk
    if (timings) this.builder.timings(timings);
    for (const choice of array(chunk.choices)) {
      const entry = record(choice);
      const delta = record(entry.delta ?? entry.message);
      const reasoning = stringOf(delta.reasoning_content) || stringOf(delta.reasoning);
      if (reasoning) this.builder.reasoning(reasoning);
      const content = stringOf(delta.content);
      if (content) this.builder.text(content);
      for (const call of array(delta.tool_calls)) this.toolCallDelta(record(call));
      if (typeof entry.finish_reason === "string" && entry.finish_reason !== "") this.finishReason = entry.finish_reason;
    }
  }

  /** The stream is over: tool calls go out whole, then the end. */
  end(): void {
    for (const call of [...this.calls.values()]) {
      const parsed = parseToolArguments(call.arguments, call.name);
      this.builder.toolCall({ type: "tool-call", id: call.id, name: call.name, arguments: parsed.arguments, rawArguments: call.arguments, argumentsError: parsed.error });
    }
    const stop: StopReason =
      this.finishReason === "length"
        ? "length"
        : this.finishReason === "content_filter"
          ? "content-filter"
          : this.calls.size > 0 || this.finishReason === "tool_calls" || this.finishReason === "function_call"
            ? "tool-use"
            : "stop";
    this.builder.end(stop);
  }

  private toolCallDelta(delta: Record<string, unknown>): void {
    const fn = record(delta.function);
    const args = fn.arguments;
    const added = typeof args === "string" ? args : args && typeof args === "object" ? argumentsText(args) : "";
    this.builder.progress(added.length);
    const index = typeof delta.index === "number" ? delta.index : this.calls.size;
    let call = this.calls.get(index);
    if (!call) {
      call = { id: stringOf(delta.id) || newCallId(), name: "", arguments: "" };
      this.calls.set(index, call);
    } else if (stringOf(delta.id)) {
      call.id = stringOf(delta.id);
    }
    call.name += stringOf(fn.name);
    call.arguments += added;
  }

  private usage(usage: Record<string, unknown>): void {
    const cached = numberOf(record(usage.prompt_tokens_details).cached_tokens);
    const parsed: Partial<Usage> = {
      input: Math.max(0, (numberOf(usage.prompt_tokens) ?? 0) - (cached ?? 0)),
      reasoning: numberOf(record(usage.completion_tokens_details).reasoning_tokens) ?? 0,
    };
    // Left out when the server did not say, so that llama.cpp's timings can tell.
    if (cached !== undefined) parsed.cacheRead = cached;
    const output = numberOf(usage.completion_tokens);
    if (output !== undefined) parsed.output = output;
    this.builder.usage(parsed);
  }
}
