// Reads a text/event-stream over a real HTTP connection (fetch + eventsource-parser, as the web page does).
import { createParser, type EventSourceMessage } from "eventsource-parser";

export interface SseConnection {
  status: number;
  headers: Headers;
  /** Resolves with the first event (after any already seen) that matches; rejects when the stream ends first. */
  next(match?: (message: EventSourceMessage) => boolean): Promise<EventSourceMessage>;
  /** Every event seen so far, in order. */
  seen: EventSourceMessage[];
  /** Comments (": keep-alive") seen so far. */
  comments: string[];
  /** Resolves when the server ends the stream. */
  ended: Promise<void>;
  close(): void;
}

export async function openSse(url: string, headers: Record<string, string> = {}): Promise<SseConnection> {
  const controller = new AbortController();
  const response = await fetch(url, { headers, signal: controller.signal });
  const seen: EventSourceMessage[] = [];
  const comments: string[] = [];
  const waiters: { match: (message: EventSourceMessage) => boolean; resolve: (message: EventSourceMessage) => void; reject: (error: Error) => void; from: number }[] = [];
  let done = false;
  const check = (): void => {
    for (const waiter of [...waiters]) {
      const found = seen.slice(waiter.from).find(waiter.match);
      if (found) {
        waiters.splice(waiters.indexOf(waiter), 1);
        waiter.resolve(found);
      } else if (done) {
        waiters.splice(waiters.indexOf(waiter), 1);
        waiter.reject(new Error(`the event stream ended; seen: ${seen.map((message) => message.event).join(", ")}`));
      }
    }
  };
  const parser = createParser({
    onEvent: (message) => {
      seen.push(message);
      check();
    },
    onComment: (comment) => comments.push(comment),
  });
  const ended = (async () => {
    try {
      const decoder = new TextDecoder();
      for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) parser.feed(decoder.decode(chunk, { stream: true }));
    } catch {
      // closed by us
    } finally {
      done = true;
      check();
    }
  })();
  let cursor = 0;
  return {
    status: response.status,
    headers: response.headers,
    seen,
    comments,
    ended,
    next(match = () => true) {
      return new Promise((resolve, reject) => {
        waiters.push({
          match,
          resolve: (message) => {
            cursor = seen.indexOf(message) + 1;
            resolve(message);
          },
          reject,
          from: cursor,
        });
        check();
      });
    },
    close: () => controller.abort(),
  };
}
