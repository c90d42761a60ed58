import { GatewayStopping } from "../shared/gateway-stopping.js";
import type { StopCounts, WorkKind } from "./stop-counts.js";

// Defined below the gateway: the agent tells the gateway's stop from a person's (what it keeps of the answer).
export { GatewayStopping, stoppedByGateway } from "../shared/gateway-stopping.js";

/**
 * The gateway's stop, as everything that runs sees it: `stopping` from the first signal on (no new
 * requests, no new turns), and each piece of work still running (a turn, a proxied answer) tracked
 * so that, when the drain is over, `cut()` aborts them all with GatewayStopping and says how many.
 */
/** Work that runs from the moment it is tracked (one function for all, not one per call). */
const ALWAYS_UNDER_WAY = (): boolean => true;

export class StopSwitch {
  private readonly running = new Map<AbortController, { kind: WorkKind; underWay: () => boolean }>();
  private stoppingSince: number | undefined;
  private cutDone = false;

  /** The first signal came: no new requests or turns from now on. */
  stop(): void {
    this.stoppingSince ??= Date.now();
  }

  get stopping(): boolean {
    return this.stoppingSince !== undefined;
  }

  /** When the stop began (ms since the epoch); undefined while serving. */
  get since(): number | undefined {
    return this.stoppingSince;
  }

  /** Whether the drain is over and the work still running was cut off. */
  get cut(): boolean {
    return this.cutDone;
  }

  /** How many turns and proxied answers are under way now (a message still waiting for its turn is not). */
  get size(): number {
    const { turns, proxied } = this.counts;
    return turns + proxied;
  }

  /** The same, turns and proxied answers apart. */
  get counts(): StopCounts {
    const counts: StopCounts = { turns: 0, proxied: 0 };
    for (const work of this.running.values()) if (work.underWay()) counts[work.kind === "turn" ? "turns" : "proxied"]++;
    return counts;
  }

  /**
   * Tracks a piece of work of a kind (a turn, a proxied answer); the returned function is called when it
   * is over. `underWay` says whether it runs yet (a message waiting behind another turn does not). Work
   * begun after the cut is cut at once.
   */
  track(controller: AbortController, work: { kind: WorkKind; underWay?: (() => boolean) | undefined }): () => void {
    if (this.cutDone) controller.abort(new GatewayStopping());
    this.running.set(controller, { kind: work.kind, underWay: work.underWay ?? ALWAYS_UNDER_WAY });
    return () => this.running.delete(controller);
  }

  /** Aborts every piece of work still running (GatewayStopping); returns how many there were, by kind. */
  cutAll(): StopCounts {
    this.cutDone = true;
    const count = this.counts;
    for (const controller of this.running.keys()) controller.abort(new GatewayStopping());
    this.running.clear();
    return count;
  }
}
