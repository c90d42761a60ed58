import type { StopReason, Usage } from "../../../ai/types.js";
import type { AttemptSummary } from "./answer-events.js";

/**
 * `x-hearth-attempts`: compact JSON, every character outside ASCII escaped so it is a valid header value.
 * A failed call that spent tokens before it broke carries them (`"tokens":{"input":…,"output":…}`, input
 * counting cached tokens as `usage` does): the reply's usage is the answering call's own.
 */
export function attemptsHeader(attempts: readonly AttemptSummary[]): string {
  const compact = ({ model, outcome, ms, usage }: AttemptSummary) => ({ model, outcome, ...(ms === undefined ? {} : { ms }), ...(usage ? { tokens: attemptTokens(usage) } : {}) });
  return JSON.stringify(attempts.map(compact)).replace(/[^\x20-\x7e]/g, (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, "0")}`);
}

/** The headers every reply carries: who answered (when known) and every attempt so far. */
export function replyHeaders(known: { model: string | undefined; attempts: readonly AttemptSummary[] }): Record<string, string> {
  return { ...(known.model ? { "x-hearth-model": known.model } : {}), "x-hearth-attempts": attemptsHeader(known.attempts) };
}

/** `x-hearth-notice`: agent mode's notes of the turn (see Answer.notice), URL-encoded; none, no header. */
export function noticeHeader(notice: string | undefined): Record<string, string> {
  return notice ? { "x-hearth-notice": encodeURIComponent(notice) } : {};
}

/** What a failed attempt spent, as the attempts list it: prompt tokens as `usage` counts them (cached included), and output. */
export function attemptTokens(usage: Usage): { input: number; output: number } {
  return { input: promptTokens(usage), output: usage.output };
}

/** Prompt tokens as OpenAI counts them: cached ones included. */
export function promptTokens(usage: Usage): number {
  return usage.input + usage.cacheRead + usage.cacheWrite;
}

export function chatUsage(usage: Usage) {
  const prompt = promptTokens(usage);
  return {
    prompt_tokens: prompt,
    completion_tokens: usage.output,
    total_tokens: prompt + usage.output,
    prompt_tokens_details: { cached_tokens: usage.cacheRead },
    completion_tokens_details: { reasoning_tokens: usage.reasoning },
  };
}

export function responsesUsage(usage: Usage) {
  const input = promptTokens(usage);
  return {
    input_tokens: input,
    input_tokens_details: { cached_tokens: usage.cacheRead, cache_write_tokens: usage.cacheWrite },
    output_tokens: usage.output,
    output_tokens_details: { reasoning_tokens: usage.reasoning },
    total_tokens: input + usage.output,
  };
}

export function finishReason(stopReason: StopReason, toolCalls: number): "stop" | "length" | "tool_calls" | "content_filter" {
  if (toolCalls > 0) return "tool_calls";
  if (stopReason === "length") return "length";
  if (stopReason === "content-filter") return "content_filter";
  return "stop";
}

/** Ids in OpenAI's style: a prefix and random letters and digits. */
export function newId(prefix: string): string {
  return `${prefix}${crypto.randomUUID().replace(/-/g, "")}`;
}

export const nowSeconds = (): number => Math.floor(Date.now() / 1000);
