import type { Failure } from "../ai/types.js";
import type { Clock } from "../shared/clock.js";

const REPLICA_COOLDOWN_MS = 15_000;

/**
 * Several servers of one provider. Sessions spread over the healthy ones (least outstanding
 * requests) and stay on the one they got, so the server's prompt cache is reused; a replica that
 * fails is avoided for a while, and the call moves to another before the chain moves on.
 */
export class ReplicaBalancer {
  private readonly outstanding = new Map<string, number>();
  private readonly sticky = new Map<string, string>();
  private readonly downUntil = new Map<string, number>();

  constructor(private readonly clock: Clock) {}

  /** The replicas to try for one call, best first. */
  order(replicas: readonly string[], sessionKey: string | undefined, provider: string): string[] {
    if (replicas.length <= 1) return [...replicas];
    const now = this.clock.now();
    const healthy = (url: string): boolean => (this.downUntil.get(url) ?? 0) <= now;
    const key = sessionKey === undefined ? undefined : `${provider}\u0000${sessionKey}`;
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

  start(url: string): void {
    this.outstanding.set(url, (this.outstanding.get(url) ?? 0) + 1);
  }

  finish(url: string, outcome: { ok: true; sessionKey?: string | undefined; provider: string } | { ok: false; failure: Failure }): void {
    this.outstanding.set(url, Math.max(0, (this.outstanding.get(url) ?? 1) - 1));
    if (outcome.ok) {
      this.downUntil.delete(url);
      if (outcome.sessionKey !== undefined) this.sticky.set(`${outcome.provider}\u0000${outcome.sessionKey}`, url);
    } else if (["unreachable", "timeout", "overloaded", "server-error", "stream-broken"].includes(outcome.failure.kind)) {
      this.downUntil.set(url, this.clock.now() + REPLICA_COOLDOWN_MS);
    }
  }

  markUp(url: string): void {
    this.downUntil.delete(url);
  }
}
