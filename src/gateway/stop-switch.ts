/** The reason every answer cut off by the gateway's stop is aborted with: told apart from a client that went away. */
export class GatewayStopping extends Error {
  constructor() {
    super("the gateway is stopping");
    this.name = "GatewayStopping";
  }
}

/** Whether an abort was the gateway's stop (GatewayStopping), not the client leaving. */
export function stoppedByGateway(signal: AbortSignal | undefined): boolean {
  return signal?.aborted === true && signal.reason instanceof GatewayStopping;
}

/**
 * The gateway's stop, as everything that runs sees it: `stopping` from the first signal on (no new
 * requests, no new turns), and each piece of work still running (a turn, a proxied answer) tracked
 * so that, when the drain is over, `cut()` aborts them all with GatewayStopping and says how many.
 */
/** Work that runs from the moment it is tracked (one function for all, not one per call). */
const ALWAYS_UNDER_WAY = (): boolean => true;

export class StopSwitch {
  private readonly running = new Map<AbortController, () => boolean>();
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
    let count = 0;
    for (const underWay of this.running.values()) if (underWay()) count++;
    return count;
  }

  /**
   * Tracks a piece of work; the returned function is called when it is over. `underWay` says whether
   * it runs yet (a message waiting behind another turn does not). Work begun after the cut is cut at once.
   */
  track(controller: AbortController, underWay: () => boolean = ALWAYS_UNDER_WAY): () => void {
    if (this.cutDone) controller.abort(new GatewayStopping());
    this.running.set(controller, underWay);
    return () => this.running.delete(controller);
  }

  /** Aborts every piece of work still running (GatewayStopping); returns how many there were. */
  cutAll(): number {
    this.cutDone = true;
    const count = this.size;
    for (const controller of this.running.keys()) controller.abort(new GatewayStopping());
    this.running.clear();
    return count;
  }
}
