import * as z from "zod";

/** Upper bounds of the durations a config may set, in seconds: far past any sane wait, far below what timers overflow at. */
export const DURATION_LIMITS = {
  /** A model server's first token or silence mid-answer; a local server may prefill for minutes. */
  providerTimeout: 3_600,
  coldLoad: 3_600,
  compaction: 3_600,
  exec: 3_600,
  webFetch: 300,
  keepWarmInterval: 86_400,
  /** LM Studio's idle time-to-live, sent to the server (not a timer of hearth's). */
  keepWarmTtl: 30 * 86_400,
} as const;

/**
 * Upper bounds of sizes a config may set: far past any real model or page, far below what breaks every
 * request (a `maxTokens` of 9e15 is sent as is and refused by every server).
 */
export const SIZE_LIMITS = {
  /** Tokens: a context window, a reply's limit, compaction's reserves. */
  tokens: 100_000_000,
  /** Bytes of one fetched page. */
  pageBytes: 1_073_741_824,
} as const;

/** A positive number of seconds, at most `max`; the error names the limit. */
export function durationSeconds(max: number) {
  return z.number().positive().max(max);
}

/** A positive whole number of seconds, at most `max`. */
export function wholeSeconds(max: number) {
  return z.int().positive().max(max);
}
