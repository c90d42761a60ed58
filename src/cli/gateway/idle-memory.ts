import { performance, type EventLoopUtilization } from "node:perf_hooks";
import v8 from "node:v8";
import { runInNewContext } from "node:vm";

/** What the release looks at and does; the defaults are the process's own (tests pass their own). */
export interface IdleMemoryOptions {
  /** How often the process looks at itself (an unref'd timer); default 2 s. */
  intervalMs?: number | undefined;
  /**
   * Checks in a row with the event loop busy under 2% of the time before the process counts as idle;
   * default 4 (6–8 s): V8 shrinks the young generation only at a collection that finds the allocation
   * rate low over the last 5 s, measured since the collection before.
   */
  idleChecks?: number | undefined;
  /** Growth of the V8 heap since the last release that makes another worth a full collection; default 16 MiB. */
  minGrowthBytes?: number | undefined;
  /** The share of the last interval the event loop was busy (0–1). */
  utilization?: (() => number) | undefined;
  /** The V8 heap's size now (committed bytes). */
  heapBytes?: (() => number) | undefined;
  /** A full collection. */
  collect?: (() => void) | undefined;
  /** Told of each release (for the log). */
  onRelease?: ((release: { heapBefore: number; heapAfter: number; ms: number }) => void) | undefined;
}

const BUSY_SHARE = 0.02;

/**
 * Gives memory back when the gateway goes idle. Under load V8 grows its young generation to its
 * maximum (32 MiB) and lets the old one fill with garbage up to a limit it sets from the load; it
 * collects only when something allocates, so a gateway that goes quiet keeps that size for as long
 * as it stays quiet, and Node never starts V8's own memory reducer. After a busy spell, once the
 * event loop has been idle for a few seconds and the heap has grown since the last release, one full
 * collection runs, compacting every page, and one more a check later if still idle (only that one lets
 * V8 shrink its young generation): no turn is under way then. A soak of 10,000 turns over 100
 * sessions: RSS 86 MB before, 258 MB at the end, 91 MB 8 s later (32 MB live; a plain full collection
 * left 252 MB, the live entries scattered over 160 MB of old space).
 */
export class IdleMemoryRelease {
  private readonly intervalMs: number;
  private readonly idleChecks: number;
  private readonly minGrowthBytes: number;
  private readonly utilization: () => number;
  private readonly heapBytes: () => number;
  private readonly collect: () => void;
  private timer: NodeJS.Timeout | undefined;
  private idleStreak = 0;
  private baseline: number;
  /** A release ran at the last check: the next idle one collects once more (see `check`). */
  private followUp = false;

  constructor(private readonly options: IdleMemoryOptions = {}) {
    this.intervalMs = options.intervalMs ?? 2_000;
    this.idleChecks = options.idleChecks ?? 4;
    this.minGrowthBytes = options.minGrowthBytes ?? 16 * 1024 * 1024;
    this.utilization = options.utilization ?? loopUtilization();
    this.heapBytes = options.heapBytes ?? (() => v8.getHeapStatistics().total_heap_size);
    this.collect = options.collect ?? exposedCollector();
    this.baseline = this.heapBytes();
  }

  start(): void {
    this.timer ??= setInterval(() => this.check(), this.intervalMs).unref();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  /** One look: true when it collected (a release, or the one collection that follows it). */
  check(): boolean {
    this.idleStreak = this.utilization() < BUSY_SHARE ? this.idleStreak + 1 : 0;
    if (this.followUp && this.idleStreak > 0) {
      // V8 shrinks its young generation only at a collection that finds the allocation rate low since
      // the collection before; the release's own collection may have measured the busy spell. So one
      // more at the next idle check (seen: young generation 32 → 1 MiB, RSS −30 MB, where the release
      // alone left it); a busy check in between only delays it.
      this.followUp = false;
      this.collect();
      this.baseline = Math.min(this.baseline, this.heapBytes());
      return true;
    }
    const heapBefore = this.heapBytes();
    // The heap may also have shrunk by itself: growth counts from the smallest size seen since.
    this.baseline = Math.min(this.baseline, heapBefore);
    if (this.idleStreak < this.idleChecks || heapBefore - this.baseline < this.minGrowthBytes) return false;
    const started = performance.now();
    this.collect();
    const heapAfter = this.heapBytes();
    this.baseline = heapAfter;
    this.followUp = true;
    // The collection's own time is not the gateway being busy: the next check measures from here.
    this.utilization();
    this.options.onRelease?.({ heapBefore, heapAfter, ms: performance.now() - started });
    return true;
  }
}

/** The share of the time since the last call that the event loop was busy. */
function loopUtilization(): () => number {
  let last: EventLoopUtilization = performance.eventLoopUtilization();
  return () => {
    const now = performance.eventLoopUtilization();
    const share = performance.eventLoopUtilization(now, last).utilization;
    last = now;
    return share;
  };
}

/**
 * V8's full collection (`gc()`), which Node exposes only under --expose-gc: the flag is set for one
 * fresh context that hands it over — on the first release, not at start (a context costs a few ms).
 */
function exposedCollector(): () => void {
  let full = (globalThis as { gc?: () => void }).gc;
  // Compacting every page for this one collection: the live entries of long sessions lie scattered
  // over pages the busy spell filled (the soak: 32 MB live on 160 MB of old space after a plain one).
  return () => {
    if (!full) {
      v8.setFlagsFromString("--expose-gc");
      full = runInNewContext("gc") as () => void;
    }
    v8.setFlagsFromString("--compact-on-every-full-gc");
    try {
      full();
    } finally {
      v8.setFlagsFromString("--no-compact-on-every-full-gc");
    }
  };
}
