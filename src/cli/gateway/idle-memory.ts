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
  /** The V8 young generation's size now (committed bytes). */
  youngBytes?: (() => number) | undefined;
  /** A collection of the young generation only (a scavenge: a millisecond or two). */
  collectYoung?: (() => void) | undefined;
  /**
   * Idle checks between a collection and the next full one, so that V8 measures only quiet time
   * when it decides whether to shrink its young generation; default 3 (6 s: it measures the
   * allocation rate over the collections of the last 5 s).
   */
  settleChecks?: number | undefined;
  /**
   * Lets go of caches the next turns rebuild (the adapters' serialised histories, the sessions the
   * store holds in memory, read again from their files), just before a release's collection: what they held goes with it.
   */
  dropCaches?: (() => void) | undefined;
  /**
   * The process has just started: the garbage of its start-up (modules compiled, the config and its
   * schema read, the first probes) goes at its first quiet spell, as a busy spell's does, however little
   * the heap grew since this was made (the start-up's growth came before). Without it, a gateway quiet
   * from its start kept ~8 MB more until a later check happened to call for a release (seen: 70–71 MB
   * for the first 9–16 s, 62–64 MB after the release; V8's young generation is at its largest then).
   */
  releaseStartUp?: boolean | undefined;
  /** Told of each release (for the log). */
  onRelease?: ((release: { heapBefore: number; heapAfter: number; ms: number }) => void) | undefined;
}

const BUSY_SHARE = 0.02;
/** Growth of the young generation over its smallest size that calls for a release by itself. */
const YOUNG_GROWTH_BYTES = 8 * 1024 * 1024;

/**
 * Gives memory back when the gateway goes idle. Under load V8 grows its young generation to its
 * maximum (32 MiB) and lets the old one fill with garbage up to a limit it sets from the load; it
 * collects only when something allocates, so a gateway that goes quiet keeps that size for as long
 * as it stays quiet, and Node never starts V8's own memory reducer. After a busy spell, once the
 * event loop has been idle for a few seconds and the heap has grown since the last release, one full
 * collection runs, compacting every page: no turn is under way then. A soak of 10,000 turns over 100
 * sessions: RSS 86 MB before, 258 MB at the end, 91 MB 8 s later (32 MB live; a plain full collection
 * left 252 MB, the live entries scattered over 160 MB of old space).
 *
 * V8 shrinks its young generation only at a collection that finds the allocation rate of the last
 * 5 s of collections low, and counts what was allocated since the collection before: the garbage a
 * busy spell left in the young generation (up to 16 MiB) counts as allocated in the quiet time after
 * it, so a release 8 s into the quiet found the rate high and left the young generation at 32 MiB about
 * half the time (seen: RSS +39 MB after a soak of 2,000 turns, −4 MB in the run before). So the first
 * idle check collects the young generation alone (a scavenge), and the release comes `settleChecks`
 * later, measuring quiet time only; should the young generation still be large, one more full
 * collection follows as long after the release. A young generation grown by 8 MiB or more calls for a
 * release by itself (once per quiet spell): 30 turns grew it from 1 to 16 MiB, the heap by less than
 * the threshold, and an idle gateway kept 14 MB more RSS for as long as it stayed idle.
 */
export class IdleMemoryRelease {
  private readonly intervalMs: number;
  private readonly idleChecks: number;
  private readonly minGrowthBytes: number;
  private readonly settleChecks: number;
  private readonly utilization: () => number;
  private readonly heapBytes: () => number;
  private readonly youngBytes: () => number;
  private readonly collect: () => void;
  private readonly collectYoung: () => void;
  private timer: NodeJS.Timeout | undefined;
  private idleStreak = 0;
  /** Idle checks in a row since the last full collection (or the young one before a release). */
  private settled = 0;
  private baseline: number;
  /** The young generation's smallest size seen: what it shrinks back to. */
  private youngFloor: number;
  /** A release ran: one more full collection if the young generation stays large (see `check`). */
  private followUp = false;
  /** A release ran since the last busy check: a large young generation alone does not call for another. */
  private releasedWhileQuiet = false;
  /** The start-up's garbage is still to go (`releaseStartUp`). */
  private startUpPending: boolean;

  constructor(private readonly options: IdleMemoryOptions = {}) {
    this.intervalMs = options.intervalMs ?? 2_000;
    this.idleChecks = options.idleChecks ?? 4;
    this.minGrowthBytes = options.minGrowthBytes ?? 16 * 1024 * 1024;
    this.settleChecks = options.settleChecks ?? 3;
    this.utilization = options.utilization ?? loopUtilization();
    this.heapBytes = options.heapBytes ?? (() => v8.getHeapStatistics().total_heap_size);
    this.youngBytes = options.youngBytes ?? youngGeneration;
    const collectors = options.collect && options.collectYoung ? undefined : exposedCollectors();
    this.collect = options.collect ?? (collectors as Collectors).full;
    this.collectYoung = options.collectYoung ?? (collectors as Collectors).young;
    this.baseline = this.heapBytes();
    this.youngFloor = this.youngBytes();
    this.startUpPending = options.releaseStartUp ?? false;
  }

  start(): void {
    this.timer ??= setInterval(() => this.check(), this.intervalMs).unref();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  /** One look: true when it ran a full collection (a release, or the one that may follow it). */
  check(): boolean {
    const idle = this.utilization() < BUSY_SHARE;
    this.idleStreak = idle ? this.idleStreak + 1 : 0;
    this.settled = idle ? this.settled + 1 : 0;
    if (!idle) this.releasedWhileQuiet = false;
    const young = this.youngBytes();
    this.youngFloor = Math.min(this.youngFloor, young);
    if (this.followUp && this.settled >= this.settleChecks) {
      this.followUp = false;
      // Only when the release left the young generation large: this collection measures quiet time alone.
      if (young > 2 * this.youngFloor) return this.collectFully();
    }
    const heapBefore = this.heapBytes();
    // The heap may also have shrunk by itself: growth counts from the smallest size seen since.
    this.baseline = Math.min(this.baseline, heapBefore);
    // A short busy spell grows the young generation (1 → 16 MiB) without the heap growing by the threshold.
    const youngGrown = young - this.youngFloor >= YOUNG_GROWTH_BYTES && !this.releasedWhileQuiet && !this.followUp;
    if (heapBefore - this.baseline < this.minGrowthBytes && !youngGrown && !this.startUpPending) return false;
    if (this.idleStreak === 1 && young > 2 * this.youngFloor) {
      // A release is coming: the busy spell's garbage goes now, so the release measures quiet time only.
      this.collectYoung();
      this.settled = 0;
      return false;
    }
    if (this.idleStreak < this.idleChecks || this.settled < this.settleChecks) return false;
    this.startUpPending = false;
    return this.release(heapBefore);
  }

  /** The caches let go of, one full collection, the young generation checked again after it (`followUp`). */
  private release(heapBefore: number): true {
    const started = performance.now();
    this.options.dropCaches?.();
    this.collectFully();
    const heapAfter = this.heapBytes();
    this.baseline = heapAfter;
    this.followUp = true;
    this.releasedWhileQuiet = true;
    this.options.onRelease?.({ heapBefore, heapAfter, ms: performance.now() - started });
    return true;
  }

  private collectFully(): true {
    this.collect();
    this.baseline = Math.min(this.baseline, this.heapBytes());
    this.settled = 0;
    // The collection's own time is not the gateway being busy: the next check measures from here.
    this.utilization();
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

interface Collectors {
  full: () => void;
  young: () => void;
}

/** The young generation's committed size (both semi-spaces). */
function youngGeneration(): number {
  return v8.getHeapSpaceStatistics().find((space) => space.space_name === "new_space")?.space_size ?? 0;
}

/**
 * V8's collections (`gc()`, `gc({ type: "minor" })`), which Node exposes only under --expose-gc: the
 * flag is set for one fresh context that hands it over — on the first collection, not at start (a
 * context costs a few ms).
 */
function exposedCollectors(): Collectors {
  let gc = (globalThis as { gc?: (options?: { type: "minor" | "major" }) => void }).gc;
  const exposed = (): NonNullable<typeof gc> => {
    if (!gc) {
      v8.setFlagsFromString("--expose-gc");
      gc = runInNewContext("gc") as NonNullable<typeof gc>;
    }
    return gc;
  };
  return {
    // Compacting every page for this one collection: the live entries of long sessions lie scattered
    // over pages the busy spell filled (the soak: 32 MB live on 160 MB of old space after a plain one).
    full: () => {
      const full = exposed();
      v8.setFlagsFromString("--compact-on-every-full-gc");
      try {
        full();
      } finally {
        v8.setFlagsFromString("--no-compact-on-every-full-gc");
      }
    },
    young: () => exposed()({ type: "minor" }),
  };
}
