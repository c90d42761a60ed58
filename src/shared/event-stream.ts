/**
 * A push-based async iterable: a producer pushes events and ends the stream once; one consumer
 * iterates. Events pushed before the consumer reads are buffered; nothing pushed after end is kept.
 * A consumer that stops early (`break` out of `for await`, or `return()`) cancels the stream: the
 * producer's `onCancel` runs once (to abort its upstream request) and later pushes are dropped.
 */
export class EventStream<T> implements AsyncIterable<T> {
  private readonly queue: T[] = [];
  private waiting: ((result: IteratorResult<T>) => void) | undefined;
  private ended = false;
  private onCancel: (() => void) | undefined;

  constructor(options: { onCancel?: () => void } = {}) {
    this.onCancel = options.onCancel;
  }

  push(event: T): void {
    if (this.ended) return;
    const waiting = this.waiting;
    if (waiting) {
      this.waiting = undefined;
      waiting({ value: event, done: false });
    } else {
      this.queue.push(event);
    }
  }

  end(): void {
    if (this.ended) return;
    this.ended = true;
    this.onCancel = undefined;
    const waiting = this.waiting;
    this.waiting = undefined;
    waiting?.({ value: undefined, done: true });
  }

  get isEnded(): boolean {
    return this.ended;
  }

  [Symbol.asyncIterator](): AsyncIterator<T> {
    return {
      next: () => {
        const queued = this.queue.shift();
        if (queued !== undefined) return Promise.resolve({ value: queued, done: false });
        if (this.ended) return Promise.resolve({ value: undefined, done: true });
        return new Promise((resolve) => {
          this.waiting = resolve;
        });
      },
      return: () => {
        const cancel = this.ended ? undefined : this.onCancel;
        this.ended = true;
        this.onCancel = undefined;
        this.queue.length = 0;
        cancel?.();
        return Promise.resolve({ value: undefined, done: true });
      },
    };
  }
}

/** Collects every event of a stream (tests, and callers that want the whole answer). */
export async function collect<T>(stream: AsyncIterable<T>): Promise<T[]> {
  const events: T[] = [];
  for await (const event of stream) events.push(event);
  return events;
}
