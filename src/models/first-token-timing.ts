import type { ModelRef } from "../ai/model-spec.js";
import type { Clock } from "../shared/clock.js";
import type { RouterEvent } from "./router-events.js";

/** What a route's timing tells: each attempt's first token, each failed attempt, the route's end. */
export interface FirstTokenTimingHandlers {
  /** An attempt's first text, reasoning or tool call came `ms` (rounded, never negative) after the attempt began, at `at`. */
  firstToken(model: ModelRef, sample: { at: number; ms: number }): void;
  failed?(attempt: Extract<RouterEvent, { type: "attempt-failed" }>["attempt"]): void;
  ended?(): void;
}

/**
 * A per-route observer of router events that times each attempt from its start to its first text, reasoning or
 * tool call — the gateway's FirstTokenRing and a command's ProviderOutcomeRecorder time them alike. Each route gets
 * its own observer: routes under way together are timed apart.
 */
export function firstTokenTiming(clock: Clock, handlers: FirstTokenTimingHandlers): (event: RouterEvent) => void {
  let current: { model: ModelRef; at: number } | undefined;
  return (event) => {
    switch (event.type) {
      case "attempt-start":
        current = { model: event.model, at: clock.now() };
        break;
      case "text-delta":
      case "reasoning-delta":
      case "tool-call":
      case "first-token":
        if (current) {
          const at = clock.now();
          handlers.firstToken(current.model, { at, ms: Math.max(0, Math.round(at - current.at)) });
          current = undefined;
        }
        break;
      case "attempt-failed":
        current = undefined;
        handlers.failed?.(event.attempt);
        break;
      case "route-end":
      case "route-error":
        current = undefined;
        handlers.ended?.();
        break;
      default:
        break;
    }
  };
}
