/**
 * When a silent server's wait is said (the first token awaited, or an answer stalled mid-way): first
 * after 5 s, then again at 15, 30 and 60 s, then every minute — a long prefill or a long stall is not a
 * wall of lines. FirstTokenWatch and StallWatch both keep to it.
 */
export const FIRST_NOTICE_MS = 5_000;
const NOTICE_MIN_GAP_MS = 10_000;
const NOTICE_MAX_GAP_MS = 60_000;

/** How long after a notice said at `waitedMs` of silence the next one comes: as long again, from 10 s to a minute. */
export function nextNoticeGap(waitedMs: number): number {
  return Math.min(NOTICE_MAX_GAP_MS, Math.max(NOTICE_MIN_GAP_MS, waitedMs));
}
