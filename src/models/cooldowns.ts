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
  /** Which timeout fired, for kind "timeout" (absent in files of older hearths). */
  phase?: Failure["phase"];
}

/**
 * Whether a server answering a quick look (its model listing) ends this cooldown: only where the
 * server was absent (refused, DNS, no connection in time, dropped before answering). A server that
 * took the request and stalled (first-byte, idle or total timeout; or a timeout of unknown phase
 * from an older file) answers its listing while still hung: only a real answer or the expiry ends it.
 */
export function endedByLook(entry: Pick<CooldownEntry, "kind" | "phase">): boolean {
  if (entry.kind === "unreachable" || entry.kind === "stream-broken") return true;
  return entry.kind === "timeout" && entry.phase === "connect";
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
    const phase = failure.kind === "timeout" && failure.phase !== undefined ? { phase: failure.phase } : {};
    this.entries.set(ref, { failures, until: this.clock.now() + wait, kind: failure.kind, ...phase });
    this.save();
  }

  succeed(ref: string): void {
    const entry = this.entries.get(ref);
    if (entry && this.entries.delete(ref)) this.save(PERSISTED_KINDS.has(entry.kind) ? [ref] : []);
  }

  /**
   * Its server answered a probe: ends the cooldown of every model whose ref starts with `provider/`
   * and that cooled down because the server was absent (`endedByLook`); one that hung keeps cooling.
   */
  clearProvider(provider: string): void {
    const removed: string[] = [];
    for (const [ref, entry] of [...this.entries]) {
      if (!ref.startsWith(`${provider}/`) || !endedByLook(entry)) continue;
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

  /** Whether a quick look at the model's server may end its cooldown, while it cools down (`endedByLook`). */
  endsWithLook(ref: string): boolean {
    const entry = this.until(ref) === undefined ? undefined : this.entries.get(ref);
    return entry !== undefined && endedByLook(entry);
  }

  /** Providers with a model cooling down (what a health monitor probes). */
  coolingProviders(): string[] {
    this.forgetOld();
    return [...new Set([...this.entries.keys()].filter((ref) => this.until(ref) !== undefined).map((ref) => ref.slice(0, ref.indexOf("/"))))];
  }
}
