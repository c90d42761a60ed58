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
// Not confirmed: OpenAI's `obfuscation` field on chunks and `service_tier` are left out.
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
  finishReason?: "stop" | "length" | "tool_calls";
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
      system_fingerprint: fingerprint,
      choices,
      ...(withUsage ? { usage: usage ?? null } : {}),
    }),
  });
  const delta = (value: Record<string, unknown>, finishReason: string | null = null): SseFrame =>
    chunk([{ index: 0, delta: value, logprobs: null, finish_reason: finishReason }]);

  const frames: SseFrame[] = [delta({ role: "assistant", content: "", refusal: null })];
  const field = spec.reasoningField ?? "reasoning_content";
  const reasoning = spec.reasoning;
  let content = spec.text ?? "";
  if (reasoning !== undefined) {
    if (field === "think-tags") content = `<think>${reasoning}</think>${content}`;
    else if (field === "orphan-think") content = `${reasoning}</think>${content}`;
    else for (const piece of splitText(reasoning, size)) frames.push(delta({ [field]: piece }));
  }
  for (const piece of splitText(content, size)) frames.push(delta({ content: piece }));

  for (const [index, call] of (spec.toolCalls ?? []).entries()) {
    frames.push(delta({ tool_calls: [{ index, id: call.id, type: "function", function: { name: call.name, arguments: "" } }] }));
    for (const piece of splitText(call.arguments, size)) frames.push(delta({ tool_calls: [{ index, function: { arguments: piece } }] }));
  }

  const finish = spec.finishReason ?? ((spec.toolCalls ?? []).length > 0 ? "tool_calls" : "stop");
  frames.push(delta({}, finish));

  if (withUsage) {
    const usage = spec.usage ?? {
      input: 24,
      output: roughTokens(`${reasoning ?? ""}${spec.text ?? ""}${(spec.toolCalls ?? []).map((c) => c.arguments).join("")}`),
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
