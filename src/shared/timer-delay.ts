/** The longest delay setTimeout honours (2^31 − 1 ms, about 24.8 days); longer ones fire at once with a warning. */
export const MAX_TIMER_MS = 2_147_483_647;

/** A delay setTimeout and AbortSignal.timeout accept as meant: clamped to 0…MAX_TIMER_MS, NaN as 0. */
export function timerDelay(ms: number): number {
  if (Number.isNaN(ms) || ms <= 0) return 0;
  return Math.min(Math.ceil(ms), MAX_TIMER_MS);
}
