/** The waits between tries while the gateway is away (no DOM here: the Node tests import it). */
export interface BackoffOptions {
  /** The first wait, doubled at each failed try up to `maxMs`. */
  firstMs: number;
  maxMs: number;
  /** Each wait is this share more or less, at random, so that many pages do not come back in step. */
  jitter: number;
}

export const LINK_BACKOFF: BackoffOptions = { firstMs: 1_000, maxMs: 10_000, jitter: 0.2 };

/** The wait before try `attempt` (0 the first): doubled each time, capped, with jitter. */
export function backoffDelay(attempt: number, options: BackoffOptions, random: () => number = Math.random): number {
  const base = Math.min(options.firstMs * 2 ** Math.min(attempt, 30), options.maxMs);
  return Math.round(base * (1 - options.jitter + 2 * options.jitter * random()));
}
