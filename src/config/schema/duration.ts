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

/** A positive number of seconds, at most `max`; the error names the limit. */
export function durationSeconds(max: number) {
  return z.number().positive().max(max);
}

/** A positive whole number of seconds, at most `max`. */
export function wholeSeconds(max: number) {
  return z.int().positive().max(max);
}
