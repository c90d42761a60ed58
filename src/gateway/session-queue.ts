/**
 * One line per session: work for a session runs after the work queued before it, in arrival order;
 * sessions never wait on each other. A failed job does not stop the line. Nothing is kept for an idle
 * session.
 */
export class SessionQueue {
  private readonly tails = new Map<string, Promise<void>>();

  run<T>(session: string, job: () => Promise<T>): Promise<T> {
    const before = this.tails.get(session) ?? Promise.resolve();
    const result = before.then(job);
    const tail = result.then(
      () => undefined,
      () => undefined,
    );
    this.tails.set(session, tail);
    void tail.then(() => {
      if (this.tails.get(session) === tail) this.tails.delete(session);
    });
    return result;
  }

  /** Whether work for `session` runs or waits now (work added now would wait for it). */
  has(session: string): boolean {
    return this.tails.has(session);
  }

  /** Sessions with work running or waiting. */
  busy(): string[] {
    return [...this.tails.keys()];
  }

  /** Resolves when everything queued so far has finished. */
  async idle(): Promise<void> {
    await Promise.all(this.tails.values());
  }
}
