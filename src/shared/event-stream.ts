/** A consumer handed each event as it is pushed (see `EventStream.listen`). */
export interface StreamListener<T> {
  event(event: T): void;
  /** The stream ended (after its last event). */
  end(): void;
}

/**
 * A push-based async iterable: a producer pushes events and ends the stream once; one consumer
 * iterates. Events pushed before the consumer reads are buffered; nothing pushed after end is kept.
 * A consumer that stops early (`break` out of `for await`, or `return()`) cancels the stream: the
 * producer's `onCancel` runs once (to abort its upstream request) and later pushes are dropped.
 *
 * A consumer that only passes events on (maps, filters, masks them) may `listen` instead of
 * iterating: each event is handed to it within the producer's `push`, without the promise, the
 * result object and the turn of the microtask queue that an iteration step costs per event.
 */
export class EventStream<T> implements AsyncIterable<T> {
  private readonly queue: T[] = [];
  private waiting: ((result: IteratorResult<T>) => void) | undefined;
  private listener: StreamListener<T> | undefined;
  private ended = false;
  private onCancel: (() => void) | undefined;

  constructor(options: { onCancel?: () => void } = {}) {
    this.onCancel = options.onCancel;
  }

  push(event: T): void {
    if (this.ended) return;
    if (this.listener) {
      this.listener.event(event);
      return;
    }
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
    const listener = this.listener;
    if (listener) {
      this.listener = undefined;
      listener.end();
      return;
    }
    const waiting = this.waiting;
    this.waiting = undefined;
    waiting?.({ value: undefined, done: true });
  }

  get isEnded(): boolean {
    return this.ended;
  }

  /**
   * The one consumer, as a listener instead of an iterator: the events pushed so far at once, then
   * each as it is pushed; `end` once the stream ends (at once if it has).
   */
  listen(listener: StreamListener<T>): void {
    if (this.listener || this.waiting) throw new Error("the stream already has its consumer");
    // One by one from the front: an event pushed meanwhile joins the queue's end, in order.
    while (this.queue.length > 0) listener.event(this.queue.shift() as T);
    if (this.ended) {
      listener.end();
      return;
    }
    this.listener = listener;
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
