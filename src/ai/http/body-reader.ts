import type { IncomingMessage } from "node:http";

/** Bytes read ahead of the consumer past which the response is paused (its socket is not read until the consumer catches up). */
const READ_AHEAD_BYTES = 64 * 1024;

export interface BodyReaderOptions {
  /** The error to throw for what the stream failed with. */
  failure: (error: unknown) => unknown;
  /** At the body's end: the error to throw when it came short (its connection closed early), else undefined. */
  incomplete: () => unknown;
  onDone: () => void;
}

/**
 * A body that can hand its chunks to a function as they come (see BodyReader.eachChunk): what a
 * reader that handles each chunk at once (an SSE reader) takes instead of iterating.
 */
export interface ChunkSource {
  /**
   * Hands each chunk to `onChunk` as it is read; resolves once the body has ended (false) or `onChunk`
   * returned true (true: the rest is left unread); rejects with what `onChunk` threw, or as iterating
   * would have thrown (a failure, a body come short).
   */
  eachChunk(onChunk: (chunk: Buffer) => boolean | undefined): Promise<boolean>;
}

/**
 * A response body as an async iterator of its chunks, fed by the stream's `data` events. Replaces
 * `incoming.iterator()` wrapped in a generator: that is an async generator over `readable` events and
 * `read()`, and a second generator on top — two promise chains per chunk. Here a chunk that arrives
 * while the consumer waits resolves its promise at once; chunks that arrived while it was busy go to
 * it as one (an SSE or NDJSON reader reads bytes, not chunk boundaries), so a consumer that falls
 * behind under load catches up in one step instead of one per chunk.
 *
 * Ends when the body has come whole (`end`); throws what the stream failed with (or a premature-close
 * error when it closed before its end) as `options.failure` words it, and `options.incomplete` when the
 * body ended short of what its framing promised. `options.onDone` runs once, when the body ended,
 * failed, or the consumer stopped reading (its listeners are removed then; the stream is left as it is).
 *
 * `eachChunk` reads the same body without a promise per chunk: each chunk goes to the consumer from
 * the stream's `data` event itself (nothing is read ahead, so nothing is paused), with the same ends.
 */
export class BodyReader implements AsyncIterator<Buffer>, ChunkSource {
  private readonly queue: Buffer[] = [];
  private queuedBytes = 0;
  private waiting: { resolve: (result: IteratorResult<Buffer>) => void; reject: (error: unknown) => void } | undefined;
  private ended = false;
  private failure: { error: unknown } | undefined;
  private done = false;
  private listening = false;
  /** The consumer of eachChunk, while it reads: each chunk goes to it as it comes. */
  private sink: { onChunk: (chunk: Buffer) => boolean | undefined; resolve: (stopped: boolean) => void; reject: (error: unknown) => void } | undefined;

  private readonly onData = (chunk: Buffer): void => {
    if (this.sink) {
      this.deliver(chunk);
      return;
    }
    const waiting = this.waiting;
    if (waiting) {
      this.waiting = undefined;
      waiting.resolve({ value: chunk, done: false });
      return;
    }
    this.queue.push(chunk);
    this.queuedBytes += chunk.length;
    if (this.queuedBytes >= READ_AHEAD_BYTES) this.incoming.pause();
  };

  private readonly onEnd = (): void => {
    this.ended = true;
    this.settleWaiting();
  };

  private readonly onError = (error: unknown): void => {
    this.failure ??= { error };
    this.settleWaiting();
  };

  private readonly onClose = (): void => {
    if (this.ended || this.failure) return;
    // Closed before its end without an error of its own: as Node's stream iterator reports it.
    this.failure = { error: Object.assign(new Error("Premature close"), { code: "ERR_STREAM_PREMATURE_CLOSE" }) };
    this.settleWaiting();
  };

  constructor(
    private readonly incoming: IncomingMessage,
    private readonly options: BodyReaderOptions,
  ) {}

  next(): Promise<IteratorResult<Buffer>> {
    if (this.done) return Promise.resolve({ value: undefined, done: true });
    if (!this.listening) this.listen();
    // A failure ends the body at once: what was read ahead is not handed on after it (an abort stops there).
    if (this.failure) {
      const { error } = this.failure;
      this.stop();
      return Promise.reject(this.options.failure(error));
    }
    if (this.queue.length > 0) {
      const value = this.queue.length === 1 ? (this.queue[0] as Buffer) : Buffer.concat(this.queue, this.queuedBytes);
      this.queue.length = 0;
      this.queuedBytes = 0;
      if (this.incoming.isPaused() && !this.ended) this.incoming.resume();
      return Promise.resolve({ value, done: false });
    }
    if (this.ended) {
      this.stop();
      const short = this.options.incomplete();
      return short === undefined ? Promise.resolve({ value: undefined, done: true }) : Promise.reject(short);
    }
    return new Promise((resolve, reject) => {
      this.waiting = { resolve, reject };
    });
  }

  eachChunk(onChunk: (chunk: Buffer) => boolean | undefined): Promise<boolean> {
    if (this.sink || this.waiting) return Promise.reject(new Error("the response body is already being read"));
    return new Promise<boolean>((resolve, reject) => {
      if (this.done) {
        resolve(false);
        return;
      }
      this.sink = { onChunk, resolve, reject };
      // What came before (read ahead, or in the events `listen` replays) goes first, as one chunk, as next() hands it.
      if (!this.listening) this.listen();
      if (this.queue.length > 0 && !this.failure) {
        const value = this.queue.length === 1 ? (this.queue[0] as Buffer) : Buffer.concat(this.queue, this.queuedBytes);
        this.queue.length = 0;
        this.queuedBytes = 0;
        if (!this.deliver(value)) return;
      }
      if (this.failure || this.ended) this.settleWaiting();
      else if (this.incoming.isPaused()) this.incoming.resume();
    });
  }

  /** A chunk to eachChunk's consumer; false once the read is over (it stopped there, or threw). */
  private deliver(chunk: Buffer): boolean {
    const sink = this.sink as NonNullable<BodyReader["sink"]>;
    let stopped: boolean | undefined;
    try {
      stopped = sink.onChunk(chunk);
    } catch (error) {
      this.sink = undefined;
      this.stop();
      sink.reject(error);
      return false;
    }
    if (stopped !== true) return true;
    this.sink = undefined;
    this.stop();
    sink.resolve(true);
    return false;
  }

  /** The consumer stopped reading: the listeners go, the stream is left as it is (its connection is the caller's to release). */
  return(): Promise<IteratorResult<Buffer>> {
    this.stop();
    return Promise.resolve({ value: undefined, done: true });
  }

  private listen(): void {
    this.listening = true;
    const incoming = this.incoming;
    incoming.on("data", this.onData);
    incoming.on("end", this.onEnd);
    incoming.on("error", this.onError);
    incoming.on("close", this.onClose);
    // Already over before anyone read: what is left is told as the events would have told it.
    if (incoming.errored) this.onError(incoming.errored);
    else if (incoming.readableEnded) this.onEnd();
    else if (incoming.destroyed) this.onClose();
  }

  private settleWaiting(): void {
    const sink = this.sink;
    if (sink) {
      // eachChunk's read ends as next() would have ended it: the failure, the body come short, or its end.
      this.sink = undefined;
      const failure = this.failure;
      this.stop();
      if (failure) sink.reject(this.options.failure(failure.error));
      else {
        const short = this.options.incomplete();
        if (short === undefined) sink.resolve(false);
        else sink.reject(short);
      }
      return;
    }
    const waiting = this.waiting;
    if (!waiting) return;
    this.waiting = undefined;
    if (this.failure) {
      const { error } = this.failure;
      this.stop();
      waiting.reject(this.options.failure(error));
      return;
    }
    this.stop();
    const short = this.options.incomplete();
    if (short === undefined) waiting.resolve({ value: undefined, done: true });
    else waiting.reject(short);
  }

  private stop(): void {
    if (this.done) return;
    this.done = true;
    this.queue.length = 0;
    this.queuedBytes = 0;
    if (this.listening) {
      const incoming = this.incoming;
      incoming.off("data", this.onData);
      incoming.off("end", this.onEnd);
      incoming.off("error", this.onError);
      incoming.off("close", this.onClose);
    }
    this.options.onDone();
  }
}
