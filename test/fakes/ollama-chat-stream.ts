// Ollama's native chat stream (POST /api/chat, stream: true): newline-delimited JSON, one object a
// line, `Content-Type: application/x-ndjson`. Shapes from Ollama's API reference (docs/api.md,
// "Generate a chat completion") and its blog post "Streaming responses with tool calling" (2025-05-28):
// - every line: `{"model", "created_at", "message": {"role": "assistant", "content": "…"}, "done": false}`;
// - thinking models asked with `think: true` send `message.thinking` pieces before the content;
// - a tool call arrives whole in one line: `message.tool_calls: [{"function": {"name", "arguments": {…}}}]`
//   (arguments an object, not a string); newer servers number calls with an `id`, older ones send none;
// - the last line: `"done": true, "done_reason": "stop" | "length"`, `total_duration`, `load_duration`,
//   `prompt_eval_count`, `prompt_eval_duration`, `eval_count`, `eval_duration` (nanoseconds);
// - errors: a non-2xx answer `{"error": "model \"x\" not found, try pulling it first"}`, or an
//   `{"error": "…"}` line inside a 200 stream.
import type { Reply } from "./fake-server.js";
import { splitText } from "./wire-util.js";

export interface OllamaSpec {
  model?: string;
  text?: string;
  thinking?: string;
  toolCalls?: { id?: string; name: string; arguments: Record<string, unknown> }[];
  usage?: { input: number; output: number } | null;
  doneReason?: "stop" | "length";
  chunkSize?: number;
}

const CREATED_AT = "2026-01-01T00:00:00.000000Z";

/** The lines of one streamed chat answer, each with its newline. */
export function ollamaLines(spec: OllamaSpec): string[] {
  const model = spec.model ?? "model-x";
  const line = (message: Record<string, unknown>): string => `${JSON.stringify({ model, created_at: CREATED_AT, message: { role: "assistant", content: "", ...message }, done: false })}\n`;
  const lines: string[] = [];
  for (const piece of splitText(spec.thinking ?? "", spec.chunkSize)) lines.push(line({ thinking: piece }));
  for (const piece of splitText(spec.text ?? "", spec.chunkSize)) lines.push(line({ content: piece }));
  if (spec.toolCalls && spec.toolCalls.length > 0) lines.push(line({ tool_calls: spec.toolCalls.map((call) => ({ ...(call.id ? { id: call.id } : {}), function: { name: call.name, arguments: call.arguments } })) }));
  const usage =
    spec.usage === null
      ? {}
      : { prompt_eval_count: spec.usage?.input ?? 12, prompt_eval_duration: 41_000_000, eval_count: spec.usage?.output ?? 7, eval_duration: 180_000_000 };
  lines.push(
    `${JSON.stringify({ model, created_at: CREATED_AT, message: { role: "assistant", content: "" }, done: true, done_reason: spec.doneReason ?? "stop", total_duration: 250_000_000, load_duration: 9_000_000, ...usage })}\n`,
  );
  return lines;
}

export function ollamaStream(spec: OllamaSpec): Reply {
  return { kind: "raw", headers: { "content-type": "application/x-ndjson" }, chunks: ollamaLines(spec) };
}

/** An error line inside a 200 stream, after some text. */
export function ollamaErrorMidStream(text: string, error: string): Reply {
  return { kind: "raw", headers: { "content-type": "application/x-ndjson" }, chunks: [...ollamaLines({ text }).slice(0, -1), `${JSON.stringify({ error })}\n`] };
}

/** Ollama's error answers, as its server writes them (`{"error": "…"}` with the status). */
export const ollamaModelNotFound: Reply = { kind: "json", status: 404, body: { error: 'model "model-x" not found, try pulling it first' } };
export const ollamaUnauthorized: Reply = { kind: "json", status: 401, body: { error: "unauthorized" } };
export const ollamaOverflow: Reply = { kind: "json", status: 400, body: { error: "the input (40000 tokens) is longer than the model's context length (32768 tokens)" } };
export const ollamaRateLimited = (seconds: number): Reply => ({ kind: "json", status: 429, headers: { "retry-after": String(seconds) }, body: { error: "too many requests" } });
