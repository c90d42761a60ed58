import type { Failure } from "../ai/types.js";
import type { Clock } from "../shared/clock.js";

const REPLICA_COOLDOWN_MS = 15_000;
/** Sessions remembered on their replica; the least recently used is forgotten past this (it only costs a prompt-cache miss). */
const DEFAULT_STICKY_LIMIT = 10_000;

/**
 * Several servers of one provider. Sessions spread over the healthy ones (least outstanding
 * requests) and stay on the one they got, so the server's prompt cache is reused; a replica that
 * fails is avoided for a while, and the call moves to another before the chain moves on. What it
 * keeps stays bounded in a process that runs for weeks: outstanding counts drop out at zero, and
 * only the most recently used sessions keep their replica.
 */
export class ReplicaBalancer {
  private readonly outstanding = new Map<string, number>();
  /** Insertion order is recency order: a session used again moves to the end. */
  private readonly sticky = new Map<string, string>();
  private readonly downUntil = new Map<string, number>();
  private readonly stickyLimit: number;

  constructor(
    private readonly clock: Clock,
    options: { stickyLimit?: number } = {},
  ) {
    this.stickyLimit = options.stickyLimit ?? DEFAULT_STICKY_LIMIT;
  }

  /** The replicas to try for one call, best first. */
  order(replicas: readonly string[], sessionKey: string | undefined, provider: string): string[] {
    if (replicas.length <= 1) return [...replicas];
    const now = this.clock.now();
    const healthy = (url: string): boolean => (this.downUntil.get(url) ?? 0) <= now;
    const key = sessionKey === undefined ? undefined : stickyKey(provider, sessionKey);
    const pinned = key ? this.sticky.get(key) : undefined;
    const ranked = [...replicas].sort((a, b) => {
      const health = Number(healthy(b)) - Number(healthy(a));
      if (health !== 0) return health;
      if (a === pinned) return -1;
      if (b === pinned) return 1;
      return (this.outstanding.get(a) ?? 0) - (this.outstanding.get(b) ?? 0);
    });
    return ranked;
  }

  /**
   * Runs one call on `url`, counted as outstanding while it runs, whatever way it ends (an answer,
   * a failure, or a throw); `outcome` reads the call's result to mark the replica down or pin the session.
   */
  async attempt<T>(url: string, call: () => Promise<T>, outcome: (result: T) => Outcome): Promise<T> {
    this.outstanding.set(url, (this.outstanding.get(url) ?? 0) + 1);
    try {
      const result = await call();
      this.settle(url, outcome(result));
      return result;
    } finally {
      const left = (this.outstanding.get(url) ?? 1) - 1;
      if (left > 0) this.outstanding.set(url, left);
      else this.outstanding.delete(url);
    }
  }

  /** Requests now running per replica (replicas with none are left out). */
  inFlight(): Record<string, number> {
    return Object.fromEntries(this.outstanding);
  }

  /** How many sessions are remembered on a replica. */
  get stickySessions(): number {
    return this.sticky.size;
  }

  markUp(url: string): void {
    this.downUntil.delete(url);
  }

  private settle(url: string, outcome: Outcome): void {
    if (outcome.ok) {
      this.downUntil.delete(url);
      if (outcome.sessionKey !== undefined) this.pin(stickyKey(outcome.provider, outcome.sessionKey), url);
    } else if (DOWN_KINDS.has(outcome.failure.kind)) {
      this.downUntil.set(url, this.clock.now() + REPLICA_COOLDOWN_MS);
    }
    for (const [replica, until] of this.downUntil) if (until <= this.clock.now()) this.downUntil.delete(replica);
  }

  private pin(key: string, url: string): void {
    this.sticky.delete(key);
    this.sticky.set(key, url);
    while (this.sticky.size > this.stickyLimit) {
      const oldest = this.sticky.keys().next();
      if (oldest.done) break;
      this.sticky.delete(oldest.value);
    }
  }
}

export type Outcome = { ok: true; sessionKey?: string | undefined; provider: string } | { ok: false; failure: Failure };

const DOWN_KINDS: ReadonlySet<string> = new Set(["unreachable", "timeout", "overloaded", "server-error", "stream-broken"]);

const stickyKey = (provider: string, sessionKey: string): string => `${provider}\u0000${sessionKey}`;
