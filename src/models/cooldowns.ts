import type { Failure, FailureKind } from "../ai/types.js";
import type { Clock } from "../shared/clock.js";

/** Failures that say the model cannot answer right now (not: your request is wrong, or too long). */
const COOLING_KINDS: ReadonlySet<FailureKind> = new Set(["unreachable", "timeout", "auth", "rate-limit", "overloaded", "server-error", "model-not-found", "stream-broken"]);

/**
 * Failures worth remembering from one process to the next: a hang costs the whole first-token wait,
 * and a rate limit is the server asking for time. Anything else (refused, DNS, an error answer) is
 * found again in milliseconds, so a later command simply asks again and gets the server when it is back.
 */
const PERSISTED_KINDS: ReadonlySet<FailureKind> = new Set(["timeout", "rate-limit"]);

export interface CooldownSettings {
  /** The first backoff; each further failure in a row doubles it. */
  baseMs: number;
  /** The first backoff after a timeout: a server that hangs rarely recovers within seconds, and each try costs the whole wait. */
  timeoutBaseMs: number;
  maxMs: number;
}

export const DEFAULT_COOLDOWN: CooldownSettings = { baseMs: 15_000, timeoutBaseMs: 120_000, maxMs: 10 * 60_000 };

export interface CooldownEntry {
  failures: number;
  until: number;
  kind: FailureKind;
}

/** Where cooldowns outlive a process (the CLI runs one turn per process). */
export interface CooldownPersistence {
  load(): Record<string, CooldownEntry>;
  /**
   * This process's entries, and the refs it just ended; entries other processes saved meanwhile are
   * kept (merged on write).
   */
  save(entries: Record<string, CooldownEntry>, removed?: readonly string[]): void;
}

/**
 * Per model (not per provider): after a failure, skip that model for a backoff that grows with
 * failures in a row and honours Retry-After; a success, or a probe that finds the server back, ends
 * it. Only failures that cost time are kept between processes.
 */
export class Cooldowns {
  private readonly entries = new Map<string, CooldownEntry>();

  constructor(
    private readonly clock: Clock,
    private readonly settings: CooldownSettings = DEFAULT_COOLDOWN,
    private readonly persistence?: CooldownPersistence,
  ) {
    const now = clock.now();
    for (const [ref, entry] of Object.entries(persistence?.load() ?? {})) {
      // A file from an older hearth may hold cheap failures: those are asked again, not skipped.
      if (!PERSISTED_KINDS.has(entry.kind)) continue;
      // Failures in a row keep counting across processes; an expired cooldown still remembers them for a while.
      if (entry.until > now - this.settings.maxMs) this.entries.set(ref, entry);
    }
  }

  fail(ref: string, failure: Failure): void {
    if (!COOLING_KINDS.has(failure.kind)) return;
    this.forgetOld();
    const previous = this.entries.get(ref);
    const failures = (previous?.failures ?? 0) + 1;
    const base = failure.kind === "timeout" ? this.settings.timeoutBaseMs : this.settings.baseMs;
    const backoff = Math.min(this.settings.maxMs, base * 2 ** (failures - 1));
    const wait = Math.max(backoff, failure.retryAfterMs ?? 0);
    this.entries.set(ref, { failures, until: this.clock.now() + wait, kind: failure.kind });
    this.save();
  }

  succeed(ref: string): void {
    const entry = this.entries.get(ref);
    if (entry && this.entries.delete(ref)) this.save(PERSISTED_KINDS.has(entry.kind) ? [ref] : []);
  }

  /** Ends the cooldown of every model whose ref starts with `provider/` (its server answered a probe). */
  clearProvider(provider: string): void {
    const removed: string[] = [];
    for (const [ref, entry] of [...this.entries]) {
      if (!ref.startsWith(`${provider}/`)) continue;
      this.entries.delete(ref);
      if (PERSISTED_KINDS.has(entry.kind)) removed.push(ref);
    }
    if (removed.length > 0) this.save(removed);
  }

  /** Models with a cooldown remembered (cooling, or over but still counting failures in a row). */
  get size(): number {
    this.forgetOld();
    return this.entries.size;
  }

  /**
   * Failures in a row stop counting once the cooldown has been over for the longest backoff: a
   * model that failed twice last week starts again from the first backoff, and the map stays small.
   */
  private forgetOld(): void {
    const oldest = this.clock.now() - this.settings.maxMs;
    for (const [ref, entry] of this.entries) if (entry.until <= oldest) this.entries.delete(ref);
  }

  private save(removed: readonly string[] = []): void {
    if (!this.persistence) return;
    const kept = [...this.entries].filter(([, entry]) => PERSISTED_KINDS.has(entry.kind));
    this.persistence.save(Object.fromEntries(kept), removed);
  }

  /** When the model may be tried again, or undefined when it is not cooling down. */
  until(ref: string): number | undefined {
    const entry = this.entries.get(ref);
    if (!entry) return undefined;
    return entry.until > this.clock.now() ? entry.until : undefined;
  }

  /** What the model is cooling down from, while it is. */
  reason(ref: string): FailureKind | undefined {
    return this.until(ref) === undefined ? undefined : this.entries.get(ref)?.kind;
  }

  /** Providers with a model cooling down (what a health monitor probes). */
  coolingProviders(): string[] {
    this.forgetOld();
    return [...new Set([...this.entries.keys()].filter((ref) => this.until(ref) !== undefined).map((ref) => ref.slice(0, ref.indexOf("/"))))];
  }
}
