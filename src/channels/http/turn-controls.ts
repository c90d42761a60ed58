/** The running turns of each session, so `/api/sessions/:session/cancel` can abort them. */
export class TurnControls {
  private readonly running = new Map<string, Set<AbortController>>();

  /** A controller for one message of `session`; call `done` when its handling ends. */
  start(session: string): { signal: AbortSignal; done: () => void } {
    const controller = new AbortController();
    const set = this.running.get(session) ?? new Set<AbortController>();
    set.add(controller);
    this.running.set(session, set);
    return {
      signal: controller.signal,
      done: () => {
        set.delete(controller);
        if (set.size === 0 && this.running.get(session) === set) this.running.delete(session);
      },
    };
  }

  /**
   * Stops the session's running turn — its oldest message: a session's messages run one at a time, in
   * the order they came — and leaves the messages waiting behind it to run after it (Stop stops what is
   * being answered, not what the user sent next); true when there was one.
   */
  cancel(session: string): boolean {
    const set = this.running.get(session);
    const oldest = set?.values().next().value;
    if (!oldest) return false;
    oldest.abort(new Error("cancelled by the user"));
    set?.delete(oldest);
    return true;
  }
}
