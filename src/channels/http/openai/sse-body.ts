/** What a streamed answer writes to: text out, and whether the client has gone. */
export interface SseOut {
  /** Resolves when the text is taken (or at once once the client has gone: it is dropped then). */
  write(text: string): Promise<void>;
  /** The same write, undefined when the text was taken at once (no promise made for the common case); absent where every write is a promise. */
  writeNow?(text: string): Promise<void> | undefined;
  readonly cancelled: boolean;
}

/**
 * A response body of server-sent events, written by `run` as it goes: one stream between the writer
 * and the server, where Hono's `streamSSE` puts a TransformStream and a second ReadableStream (three
 * streams and their promises for every write). A write waits while the server has not taken the one
 * before (a slow client holds the writer back). `onCancel` runs when the client goes away; `run` goes
 * on to its end (writes are dropped), so it still says how the answer ended. An error thrown by `run`
 * goes to `onError` and ends the stream.
 */
export function sseBody(run: (out: SseOut) => Promise<void>, handlers: { onCancel: () => void; onError: (error: unknown) => void }): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  let cancelled = false;
  /** Writes waiting for the reader to take what is queued (a keep-alive comment may wait beside an event). */
  let waiting: (() => void)[] = [];
  let stream!: ReadableStreamDefaultController<Uint8Array>;
  const resume = (): void => {
    const woken = waiting;
    waiting = [];
    for (const wake of woken) wake();
  };
  const out: SseOut = {
    get cancelled() {
      return cancelled;
    },
    async write(text) {
      if (cancelled) return;
      stream.enqueue(encoder.encode(text));
      if ((stream.desiredSize ?? 1) <= 0) await new Promise<void>((resolve) => waiting.push(resolve));
    },
  };
  const body = new ReadableStream<Uint8Array>(
    {
      start(controller) {
        stream = controller;
      },
      pull: resume,
      cancel() {
        cancelled = true;
        resume();
        handlers.onCancel();
      },
    },
    { highWaterMark: 1 },
  );
  void run(out)
    .catch(handlers.onError)
    .finally(() => {
      if (!cancelled) stream.close();
    });
  return body;
}
