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

  /** Aborts every message of the session (the running turn and any waiting behind it); true when there was one. */
  cancel(session: string): boolean {
    const set = this.running.get(session);
    if (!set || set.size === 0) return false;
    for (const controller of set) controller.abort(new Error("cancelled by the user"));
    return true;
  }
}
