import { createParser, type EventSourceMessage } from "eventsource-parser";
import { Utf8Chunks } from "./utf8-chunks.js";

/**
 * Server-sent events from a body's chunks, in order, as one batch per chunk received (a chunk often
 * holds many events; batching keeps the per-event cost to the parse itself). Parsing is
 * eventsource-parser's (spec-exact: multi-line data, comments, CRLF, events split across chunks).
 * Bytes become text through Utf8Chunks (several times cheaper per chunk than TextDecoder).
 */
export async function* readSse(body: AsyncIterable<Buffer>): AsyncGenerator<EventSourceMessage[]> {
  let pending: EventSourceMessage[] = [];
  const parser = createParser({ onEvent: (event) => pending.push(event) });
  const decoder = new Utf8Chunks();
  for await (const chunk of body) {
    parser.feed(decoder.write(chunk));
    if (pending.length > 0) {
      const batch = pending;
      pending = [];
      yield batch;
    }
  }
  parser.feed(decoder.end());
  parser.reset({ consume: true });
  if (pending.length > 0) yield pending;
}
