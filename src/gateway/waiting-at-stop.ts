/** A message waiting for its turn, as the gateway's stop sees it (see WaitingAtStop). */
export interface WaitingMessage<T> {
  /** Settles with the answer the stop gives the message, if the gateway stops while it waits; never otherwise. */
  readonly told: Promise<T>;
  /** Aborted when the stop told it: what it still waits on (another process's lock on the session) is given up. */
  readonly signal: AbortSignal;
  /** Its turn begins (or its wait is over however it ends): true when it may still run — the stop has not answered it. */
  begin(): boolean;
}

/**
 * The messages waiting for their turn (behind another turn of their session, or another process's lock
 * on it) that the gateway's stop answers at once: an API request's client is told it was not run at
 * the signal, not once the turn before it has ended (which may take the whole drain). When the line
 * comes to such a message, it starts nothing (`begin` is false).
 */
export class WaitingAtStop {
  private readonly waiting = new Set<() => void>();
  private stopped = false;

  /** A message begins to wait; `notRun` is what it is told if the gateway stops first. */
  enter<T>(notRun: T): WaitingMessage<T> {
    let tell: (answer: T) => void = () => undefined;
    const told = new Promise<T>((resolve) => (tell = resolve));
    let answered = false;
    const given = new AbortController();
    const answer = (): void => {
      answered = true;
      tell(notRun);
      given.abort();
    };
    if (this.stopped) answer();
    else this.waiting.add(answer);
    return {
      told,
      signal: given.signal,
      begin: () => {
        this.waiting.delete(answer);
        return !answered;
      },
    };
  }

  /** The gateway stops: every message still waiting is told now. */
  stop(): void {
    this.stopped = true;
    for (const answer of this.waiting) answer();
    this.waiting.clear();
  }
}
