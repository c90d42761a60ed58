import { timerDelay } from "./timer-delay.js";

/** Time, injected where behaviour depends on it (cooldowns, health probes) so tests need no sleeps. */
export interface Clock {
  now(): number;
  setTimeout(callback: () => void, ms: number): { cancel(): void };
}

export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout(callback, ms) {
    const timer = setTimeout(callback, timerDelay(ms));
    timer.unref();
    return { cancel: () => clearTimeout(timer) };
  },
};
