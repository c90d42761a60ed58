/**
 * Runs tasks one after another, in the order they came. exec's checks look at the file system (a
 * symlink followed, a repository's config read) and the program then opens the same names: a second
 * call running in between (`mv` of a link into a path the first checked) could make a name mean
 * something else after it was judged. With one call at a time, nothing exec runs changes the file
 * system between a call's checks and its program's end.
 */
export class OneAtATime {
  private last: Promise<void> = Promise.resolve();

  /** The task's result, or undefined when `signal` aborted before its turn came (it never started). */
  async run<T>(signal: AbortSignal, task: () => Promise<T>): Promise<T | undefined> {
    const previous = this.last;
    let release = (): void => undefined;
    const mine = new Promise<void>((resolve) => {
      release = resolve;
    });
    // The next task waits for this one and for every one before it, even when this one gives up waiting.
    this.last = previous.then(() => mine);
    try {
      if (!(await turnCame(previous, signal))) return undefined;
      return await task();
    } finally {
      release();
    }
  }
}

/** Whether `previous` settled before `signal` aborted. */
function turnCame(previous: Promise<void>, signal: AbortSignal): Promise<boolean> {
  if (signal.aborted) return Promise.resolve(false);
  return new Promise((resolve) => {
    const onAbort = () => resolve(false);
    signal.addEventListener("abort", onAbort, { once: true });
    void previous.then(() => {
      signal.removeEventListener("abort", onAbort);
      resolve(!signal.aborted);
    });
  });
}
