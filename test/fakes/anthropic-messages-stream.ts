// SSE frames of an Anthropic Messages stream (POST /v1/messages, stream: true).
//
// Sources the shapes are based on:
// - Anthropic "Streaming messages" docs (docs.anthropic.com/en/api/messages-streaming,
//   platform.claude.com/docs/build-with-claude/streaming): every event has an SSE name equal to its
//   data `type`; flow message_start → per block content_block_start / content_block_delta* /
//   content_block_stop → message_delta (stop_reason, cumulative usage) → message_stop; any number of
//   `ping` events; `event: error` with overloaded_error (HTTP 529 outside a stream); tool_use blocks
//   stream `input_json_delta.partial_json`, starting with an empty string.
// - A real api.anthropic.com capture (pydantic/pydantic-ai tests/models/cassettes/test_anthropic/
//   test_anthropic_model_thinking_part_stream.yaml, claude-sonnet-4, 2025): key order of message_start
//   (`model` first, usage with cache_creation_input_tokens, cache_read_input_tokens, cache_creation
//   {ephemeral_5m_input_tokens, ephemeral_1h_input_tokens}, output_tokens 1, service_tier), the thinking
//   block `{"type":"thinking","thinking":"","signature":""}`, a `ping` (`{"type": "ping"}`, with a space)
//   right after the first content_block_start, an empty thinking_delta before the signature_delta,
//   message_delta usage {input_tokens, cache_creation_input_tokens, cache_read_input_tokens,
//   output_tokens}, and the whitespace padding Anthropic puts inside JSON objects before the last `}`
//   — message_stop included (`{"type":"message_stop"         }`). Its re-recording of 2026-02
//   (claude-sonnet-4, replayed in test/ai/captures-replay.test.ts) adds `inference_geo:
//   "not_available"` after `service_tier` in message_start's usage.
// - Real api.anthropic.com captures in vercel/ai (packages/anthropic/src/__fixtures__/
//   anthropic-tool-no-args.chunks.txt, anthropic-json-tool.1.chunks.txt, replayed there too): a
//   tool_use without arguments streams a single `input_json_delta` with `partial_json: ""` and nothing
//   more; with arguments, the empty one comes first, then the JSON in pieces.
// - @anthropic-ai/sdk 1.12 types (RawMessageStreamEvent, SignatureDelta, InputJSONDelta).
import type { SseFrame } from "./fake-server.js";
import { idMaker, roughTokens, splitText } from "./wire-util.js";

export interface AnthropicSpec {
  model?: string;
  thinking?: string;
  /** the thinking block's signature (a generated one when thinking is given and this is not) */
  signature?: string;
  text?: string;
  toolUses?: { id: string; name: string; input: object }[];
  usage?: { input: number; output: number; cacheRead?: number; cacheWrite?: number };
  stopReason?: "end_turn" | "max_tokens" | "tool_use";
  /** split deltas into pieces of this many chars, default 8 */
  chunkSize?: number;
  /** pad JSON objects with spaces before the last `}` like the real API (default true) */
  padding?: boolean;
}

export function anthropicStream(spec: AnthropicSpec): SseFrame[] {
  const size = spec.chunkSize ?? 8;
  const id = idMaker(JSON.stringify(spec));
  const model = spec.model ?? "claude-sonnet-4-5-20250929";
  const padding = spec.padding ?? true;
  let padCount = 0;
  const frame = (event: string, value: object): SseFrame => {
    const json = JSON.stringify(value);
    const spaces = padding ? " ".repeat((padCount++ * 7 + 3) % 16) : "";
    return { event, data: spaces === "" ? json : `${json.slice(0, -1)}${spaces}}` };
  };
  const ping: SseFrame = { event: "ping", data: '{"type": "ping"}' };

  const toolUses = spec.toolUses ?? [];
  const usage = spec.usage ?? {
    input: 24,
    output: roughTokens(`${spec.thinking ?? ""}${spec.text ?? ""}${toolUses.map((t) => JSON.stringify(t.input)).join("")}`),
  };
  const cacheWrite = usage.cacheWrite ?? 0;
  const cacheRead = usage.cacheRead ?? 0;

  const frames: SseFrame[] = [
    frame("message_start", {
      type: "message_start",
      message: {
        model,
        id: id("msg_01", 22, "base62"),
        type: "message",
        role: "assistant",
        content: [],
        stop_reason: null,
        stop_sequence: null,
        usage: {
          input_tokens: usage.input,
          cache_creation_input_tokens: cacheWrite,
          cache_read_input_tokens: cacheRead,
          cache_creation: { ephemeral_5m_input_tokens: cacheWrite, ephemeral_1h_input_tokens: 0 },
          output_tokens: 1,
          service_tier: "standard",
          inference_geo: "not_available",
        },
      },
    }),
  ];

  let index = 0;
  const start = (block: object): void => {
    frames.push(frame("content_block_start", { type: "content_block_start", index, content_block: block }));
    if (index === 0) frames.push(ping);
  };
  const deltaFrame = (delta: object): void => {
    frames.push(frame("content_block_delta", { type: "content_block_delta", index, delta }));
  };
  const stop = (): void => {
    frames.push(frame("content_block_stop", { type: "content_block_stop", index }));
    index++;
  };

  if (spec.thinking !== undefined) {
    start({ type: "thinking", thinking: "", signature: "" });
    for (const piece of splitText(spec.thinking, size)) deltaFrame({ type: "thinking_delta", thinking: piece });
    deltaFrame({ type: "thinking_delta", thinking: "" });
    deltaFrame({ type: "signature_delta", signature: spec.signature ?? id("Eu4CCkYICxgCKkC", 344, "base62") + "=" });
    stop();
  }
  if (spec.text !== undefined) {
    start({ type: "text", text: "" });
    for (const piece of splitText(spec.text, size)) deltaFrame({ type: "text_delta", text: piece });
    stop();
  }
  for (const tool of toolUses) {
    start({ type: "tool_use", id: tool.id, name: tool.name, input: {} });
    deltaFrame({ type: "input_json_delta", partial_json: "" });
    const json = Object.keys(tool.input).length === 0 ? "" : JSON.stringify(tool.input);
    for (const piece of splitText(json, size)) deltaFrame({ type: "input_json_delta", partial_json: piece });
    stop();
  }
  if (index === 0) frames.push(ping);

  frames.push(
    frame("message_delta", {
      type: "message_delta",
      delta: { stop_reason: spec.stopReason ?? (toolUses.length > 0 ? "tool_use" : "end_turn"), stop_sequence: null },
      usage: { input_tokens: usage.input, cache_creation_input_tokens: cacheWrite, cache_read_input_tokens: cacheRead, output_tokens: usage.output },
    }),
  );
  frames.push(frame("message_stop", { type: "message_stop" }));
  return frames;
}

/**
 * An `event: error` frame as the Messages API sends it inside a stream, e.g.
 * anthropicStreamError("overloaded_error", "Overloaded"). Append it to a stream cut short to model a
 * failure after the 200 headers.
 */
export function anthropicStreamError(type: string, message: string): SseFrame[] {
  return [{ event: "error", data: JSON.stringify({ type: "error", error: { type, message } }) }];
}
