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
  save(entries: Record<string, CooldownEntry>): void;
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
    const previous = this.entries.get(ref);
    const failures = (previous?.failures ?? 0) + 1;
    const base = failure.kind === "timeout" ? this.settings.timeoutBaseMs : this.settings.baseMs;
    const backoff = Math.min(this.settings.maxMs, base * 2 ** (failures - 1));
    const wait = Math.max(backoff, failure.retryAfterMs ?? 0);
    this.entries.set(ref, { failures, until: this.clock.now() + wait, kind: failure.kind });
    this.save();
  }

  succeed(ref: string): void {
    if (this.entries.delete(ref)) this.save();
  }

  /** Ends the cooldown of every model whose ref starts with `provider/` (its server answered a probe). */
  clearProvider(provider: string): void {
    let changed = false;
    for (const ref of [...this.entries.keys()]) if (ref.startsWith(`${provider}/`)) changed = this.entries.delete(ref) || changed;
    if (changed) this.save();
  }

  private save(): void {
    if (!this.persistence) return;
    const kept = [...this.entries].filter(([, entry]) => PERSISTED_KINDS.has(entry.kind));
    this.persistence.save(Object.fromEntries(kept));
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
    return [...new Set([...this.entries.keys()].filter((ref) => this.until(ref) !== undefined).map((ref) => ref.slice(0, ref.indexOf("/"))))];
  }
}
