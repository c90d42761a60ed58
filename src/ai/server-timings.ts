import { numberOf, record } from "./json-fields.js";
import type { Usage } from "./types.js";

/** llama.cpp's `timings` object (chat completions' last chunk, Responses' response.completed event). */
export interface ServerTimings {
  /** Prompt tokens evaluated for this call (not read from the cache). */
  promptTokens: number | undefined;
  /** Prompt tokens reused from the server's prompt cache. */
  cachedTokens: number | undefined;
  /** Tokens generated. */
  predictedTokens: number | undefined;
  /** Prompt tokens evaluated a second. */
  promptPerSecond: number | undefined;
}

/** Reads `{prompt_n, cache_n, predicted_n, prompt_per_second, …}`; undefined when the value is no such object. */
export function readServerTimings(value: unknown): ServerTimings | undefined {
  if (value === null || typeof value !== "object") return undefined;
  const timings = record(value);
  const read: ServerTimings = {
    promptTokens: numberOf(timings.prompt_n),
    cachedTokens: numberOf(timings.cache_n),
    predictedTokens: numberOf(timings.predicted_n),
    promptPerSecond: numberOf(timings.prompt_per_second),
  };
  return Object.values(read).some((field) => field !== undefined) ? read : undefined;
}

/** A speed measured over fewer prompt tokens says more about fixed overheads than about prefill. */
const MIN_TOKENS_FOR_SPEED = 64;

/**
 * Usage completed from the timings: all of it when the server sent no usage, the cached share when
 * its usage had no cached-token detail, and the prefill speed whenever it was measured on enough tokens.
 */
export function applyServerTimings(usage: Usage, server: Partial<Usage> | undefined, timings: ServerTimings): Usage {
  const result = { ...usage };
  const { promptTokens, cachedTokens, predictedTokens, promptPerSecond } = timings;
  const serverSent = server !== undefined && (server.input !== undefined || server.output !== undefined);
  if (!serverSent && promptTokens !== undefined && predictedTokens !== undefined) {
    result.input = promptTokens;
    result.cacheRead = cachedTokens ?? 0;
    result.output = predictedTokens;
    result.reasoning = 0;
    result.estimated = false;
  } else if (serverSent && server.cacheRead === undefined && cachedTokens !== undefined) {
    result.cacheRead = cachedTokens;
    result.input = Math.max(0, result.input - cachedTokens);
  }
  if (promptPerSecond !== undefined && promptPerSecond > 0 && (promptTokens ?? 0) >= MIN_TOKENS_FOR_SPEED) result.promptPerSecond = promptPerSecond;
  return result;
}
