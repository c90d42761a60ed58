import { classifyStreamError, errorPayloadOf } from "../../classify-failure.js";
import { FailureError } from "../../http/http-client.js";
import type { ResponseBuilder } from "../../response-builder.js";
import { parseToolArguments } from "../../tool-arguments.js";
import type { StopReason, Usage } from "../../types.js";
import { numberOf, record, stringOf } from "../../json-fields.js";
import { ownValue } from "../../../shared/own-key.js";

interface OpenBlock {
  type: string;
  id: string;
  name: string;
  json: string;
}

const STOP_REASONS: Record<string, StopReason> = {
  end_turn: "stop",
  stop_sequence: "stop",
  pause_turn: "stop",
  max_tokens: "length",
  model_context_window_exceeded: "length",
  tool_use: "tool-use",
  refusal: "content-filter",
};

/** Messages API stream events → builder calls: text, thinking (with its signature), tool_use, usage. */
export class AnthropicEventMapper {
  private readonly blocks = new Map<number, OpenBlock>();
  private readonly usage: Partial<Usage> = {};
  private stopReason: StopReason = "stop";

  constructor(
    private readonly builder: ResponseBuilder,
    private readonly what: string,
  ) {}

  /** Returns true on message_stop. */
  handle(type: string, event: Record<string, unknown>): boolean {
    switch (type) {
      case "message_start":
        this.builder.served(record(event.message).model);
        this.readUsage(record(record(event.message).usage));
        // The prompt's counts are final here (its output_tokens is not yet): an answer that breaks later keeps them.
        this.builder.usage({ input: this.usage.input, ...(this.usage.cacheRead === undefined ? {} : { cacheRead: this.usage.cacheRead }), ...(this.usage.cacheWrite === undefined ? {} : { cacheWrite: this.usage.cacheWrite }) });
        return false;
      case "content_block_start": {
        const block = record(event.content_block);
        const index = Number(event.index ?? 0);
        this.blocks.set(index, { type: String(block.type ?? ""), id: String(block.id ?? ""), name: String(block.name ?? ""), json: "" });
        if (block.type === "thinking" || block.type === "redacted_thinking") this.builder.startReasoningBlock();
        if (block.type === "redacted_thinking" && typeof block.data === "string") this.builder.reasoningData({ redacted: block.data });
        if (block.type === "text" && typeof block.text === "string") this.builder.text(block.text);
        return false;
      }
      case "content_block_delta": {
        const delta = record(event.delta);
        const block = this.blocks.get(Number(event.index ?? 0));
        if (delta.type === "text_delta") this.builder.text(stringOf(delta.text));
        else if (delta.type === "thinking_delta") this.builder.reasoning(stringOf(delta.thinking));
        else if (delta.type === "signature_delta") this.builder.reasoningData({ signature: stringOf(delta.signature) });
        else if (delta.type === "input_json_delta" && block) {
          const json = stringOf(delta.partial_json);
          this.builder.progress(json.length);
          block.json += json;
        }
        return false;
      }
      case "content_block_stop": {
        const index = Number(event.index ?? 0);
        const block = this.blocks.get(index);
        this.blocks.delete(index);
        if (block?.type === "tool_use") {
          const parsed = parseToolArguments(block.json, block.name);
          this.builder.toolCall({ type: "tool-call", id: block.id, name: block.name, arguments: parsed.arguments, rawArguments: block.json || "{}", argumentsError: parsed.error });
        }
        return false;
      }
      case "message_delta": {
        const reason = stringOf(record(event.delta).stop_reason);
        if (reason) this.stopReason = ownValue(STOP_REASONS, reason) ?? "stop";
        this.readUsage(record(event.usage));
        return false;
      }
      case "message_stop":
        this.builder.usage(this.usage);
        this.builder.end(this.stopReason);
        return true;
      case "error": {
        const payload = errorPayloadOf(event) ?? { message: "unknown error" };
        throw new FailureError(classifyStreamError(payload, this.what));
      }
      default:
        return false; // ping, and events added to the protocol later
    }
  }

  private readUsage(usage: Record<string, unknown>): void {
    const input = numberOf(usage.input_tokens);
    const output = numberOf(usage.output_tokens);
    const cacheRead = numberOf(usage.cache_read_input_tokens);
    const cacheWrite = numberOf(usage.cache_creation_input_tokens);
    if (input !== undefined) this.usage.input = input;
    if (output !== undefined) this.usage.output = output;
    if (cacheRead !== undefined) this.usage.cacheRead = cacheRead;
    if (cacheWrite !== undefined) this.usage.cacheWrite = cacheWrite;
  }
}
