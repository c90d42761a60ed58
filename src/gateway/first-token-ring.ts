import { splitRef } from "../ai/model-spec.js";
import { firstTokenTiming } from "../models/first-token-timing.js";
import type { RouterEvent } from "../models/router-events.js";
import type { Clock } from "../shared/clock.js";

/** How many first-token latencies are kept per provider. */
export const RING_SIZE = 60;

/**
 * Recent first-token latencies per provider, fed by router events: the time from an attempt's start
 * to its first text, reasoning or tool call. A small ring each: memory stays flat for the life of
 * the process. `observe` is given every event of every route (agent turns and proxy calls).
 */
export class FirstTokenRing {
  /** Per provider, each sample's time (ms since the epoch, by the clock) and latency, oldest first. */
  private readonly rings = new Map<string, { at: number; ms: number }[]>();

  constructor(
    private readonly clock: Clock,
    private readonly onSample?: (provider: string) => void,
  ) {}

  /** Returns a per-route observer: each route's attempts are timed apart from the others'. */
  route(): (event: RouterEvent) => void {
    return firstTokenTiming(this.clock, { firstToken: (model, sample) => this.add(splitRef(model)?.provider ?? model, sample.ms) });
  }

  add(provider: string, ms: number): void {
    const ring = this.rings.get(provider) ?? [];
    ring.push({ at: this.clock.now(), ms: Math.max(0, Math.round(ms)) });
    if (ring.length > RING_SIZE) ring.splice(0, ring.length - RING_SIZE);
    this.rings.set(provider, ring);
    this.onSample?.(provider);
  }

  /** The providers that answered since the start (a turn's, a proxied request's). */
  providers(): string[] {
    return [...this.rings.keys()];
  }

  /** Oldest first. */
  of(provider: string): readonly number[] {
    return (this.rings.get(provider) ?? []).map((sample) => sample.ms);
  }

  /** Oldest first, each with when it came: what merges them with another process's (provider-health). */
  timed(provider: string): readonly { at: number; ms: number }[] {
    return [...(this.rings.get(provider) ?? [])];
  }
}
