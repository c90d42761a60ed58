// SSE frames of an OpenAI Chat Completions stream (POST /v1/chat/completions, stream: true), the wire
// shape OpenAI, LM Studio, vLLM and llama.cpp share: `data: {chat.completion.chunk}` lines (no
// `event:` lines), then `data: [DONE]`.
//
// Sources the shapes are based on:
// - OpenAI's Chat Completions streaming reference and openai-node's ChatCompletionChunk type: first
//   chunk `delta.role: "assistant"`, `delta.content` pieces, `delta.tool_calls[{index, id, type,
//   function: {name, arguments}}]` with id/type/name only in a call's first chunk and `arguments`
//   split across later chunks, a last choice chunk with `delta: {}` and `finish_reason`, and — when
//   `stream_options.include_usage` is true — `"usage": null` on every chunk plus one final chunk with
//   `"choices": []` and the usage, before `data: [DONE]`.
// - LM Studio API changelog (lmstudio-ai/docs 1_developer/api-changelog.md): 0.3.9 `reasoning_content`
//   for DeepSeek R1 (opt-in setting), 0.3.18 `stream_options.include_usage`, 0.3.23 gpt-oss reasoning in
//   `choices.delta.reasoning` (streaming).
// - Real llama.cpp / vLLM / DeepSeek chunks with `delta.reasoning_content` (g0t4/ask-openai.nvim notes,
//   solon DeepSeek.md).
// - lmstudio-ai/lmstudio-bug-tracker#1368 (LM Studio 0.3.37–0.3.39, MiniMax M2.1): the API delivers
//   the reasoning, then a closing `</think>` with no opening tag, then the answer, all in `content`
//   (also cubist38/mlx-openai-server#179: "…not a task request.\n</think>\nHi! How can I help…").
// - A real api.openai.com capture (pydantic/pydantic-ai tests/models/cassettes/test_openai/
//   test_run_stream_sync_streams_real_model.yaml, gpt-4o-mini, replayed in test/ai/captures-replay.test.ts):
//   `service_tier` between `model` and `system_fingerprint`, an `obfuscation` string last on every
//   chunk (the usage chunk too; random characters whose length varies with the delta's, so a payload's
//   size does not give its token away), and an answer that starts with a tool call sends the role,
//   `content: null`, the call's first piece and `refusal: null` in ONE first chunk (a text answer's first
//   chunk is `{"role":"assistant","content":"","refusal":null}`).
import type { SseFrame } from "./fake-server.js";
import { FIXED_CREATED_AT, idMaker, roughTokens, splitText } from "./wire-util.js";

export interface CompletionsSpec {
  model?: string;
  text?: string;
  reasoning?: string;
  /**
   * where the reasoning goes: `delta.reasoning_content` (DeepSeek, llama.cpp, vLLM, LM Studio's
   * setting), `delta.reasoning` (LM Studio gpt-oss, OpenRouter), `<think>…</think>` inline in content,
   * or "orphan-think": reasoning then "</think>" with no opening tag, in content (MiniMax M2.1 in LM
   * Studio). Default "reasoning_content".
   */
  reasoningField?: "reasoning_content" | "reasoning" | "think-tags" | "orphan-think";
  toolCalls?: { id: string; name: string; arguments: string }[];
  /** null: no usage chunk at all (the client did not ask for include_usage) */
  usage?: { input: number; output: number; cached?: number; reasoning?: number } | null;
  finishReason?: "stop" | "length" | "tool_calls" | "content_filter";
  /** split deltas into pieces of this many chars, default 8 */
  chunkSize?: number;
}

export function completionsStream(spec: CompletionsSpec): SseFrame[] {
  const size = spec.chunkSize ?? 8;
  const model = spec.model ?? "gpt-4o-2024-08-06";
  const id = idMaker(JSON.stringify(spec));
  const chunkId = id("chatcmpl-", 29, "base62");
  const fingerprint = id("fp_", 10, "hex");
  const withUsage = spec.usage !== null;
  const chunk = (choices: unknown[], usage?: unknown): SseFrame => ({
    data: JSON.stringify({
      id: chunkId,
      object: "chat.completion.chunk",
      created: FIXED_CREATED_AT,
      model,
      service_tier: "default",
      system_fingerprint: fingerprint,
      choices,
      ...(withUsage ? { usage: usage ?? null } : {}),
      obfuscation: id("", 3 + (JSON.stringify(choices).length % 13), "base62"),
    }),
  });
  const delta = (value: Record<string, unknown>, finishReason: string | null = null): SseFrame =>
    chunk([{ index: 0, delta: value, logprobs: null, finish_reason: finishReason }]);

  const calls = spec.toolCalls ?? [];
  const startsWithCall = calls.length > 0 && !spec.text && spec.reasoning === undefined;
  const frames: SseFrame[] = startsWithCall ? [] : [delta({ role: "assistant", content: "", refusal: null })];
  const field = spec.reasoningField ?? "reasoning_content";
  const reasoning = spec.reasoning;
  let content = spec.text ?? "";
  if (reasoning !== undefined) {
    if (field === "think-tags") content = `<think>${reasoning}</think>${content}`;
    else if (field === "orphan-think") content = `${reasoning}</think>${content}`;
    else for (const piece of splitText(reasoning, size)) frames.push(delta({ [field]: piece }));
  }
  for (const piece of splitText(content, size)) frames.push(delta({ content: piece }));

  for (const [index, call] of calls.entries()) {
    const first = { tool_calls: [{ index, id: call.id, type: "function", function: { name: call.name, arguments: "" } }] };
    frames.push(delta(startsWithCall && index === 0 ? { role: "assistant", content: null, ...first, refusal: null } : first));
    for (const piece of splitText(call.arguments, size)) frames.push(delta({ tool_calls: [{ index, function: { arguments: piece } }] }));
  }

  const finish = spec.finishReason ?? (calls.length > 0 ? "tool_calls" : "stop");
  frames.push(delta({}, finish));

  if (withUsage) {
    const usage = spec.usage ?? {
      input: 24,
      output: roughTokens(`${reasoning ?? ""}${spec.text ?? ""}${calls.map((c) => c.arguments).join("")}`),
      reasoning: roughTokens(reasoning ?? ""),
    };
    frames.push(
      chunk([], {
        prompt_tokens: usage.input,
        completion_tokens: usage.output,
        total_tokens: usage.input + usage.output,
        prompt_tokens_details: { cached_tokens: usage.cached ?? 0, audio_tokens: 0 },
        completion_tokens_details: { reasoning_tokens: usage.reasoning ?? 0, audio_tokens: 0, accepted_prediction_tokens: 0, rejected_prediction_tokens: 0 },
      }),
    );
  }
  frames.push({ data: "[DONE]" });
  return frames;
}

/**
 * An error sent inside a chat-completions stream after the 200 headers, the OpenAI shape
 * (`data: {"error":{...}}`) that LM Studio adopted in 0.3.18 ("Errors returned from streaming
 * endpoints now follow the correct format expected by OpenAI clients").
 */
export function completionsStreamError(message: string, type = "server_error", code: string | null = null): SseFrame {
  return { data: JSON.stringify({ error: { message, type, param: null, code } }) };
}
