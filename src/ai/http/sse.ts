import { createParser, type EventSourceMessage } from "eventsource-parser";
import type { ChunkSource } from "./body-reader.js";
import { Utf8Chunks } from "./utf8-chunks.js";

/**
 * Server-sent events from a body's chunks, in order, each handed to `handle` as its chunk is read.
 * Parsing is eventsource-parser's (spec-exact: multi-line data, comments, CRLF, events split across
 * chunks); bytes become text through Utf8Chunks (several times cheaper per chunk than TextDecoder).
 * The events of one chunk are parsed first, then handed on (a chunk often holds many). No async
 * generator sits between the body and the adapter (a generator's yield is one more promise chain per
 * chunk), and a body that hands its chunks on as they come (ChunkSource: the HTTP client's) is read
 * without a promise per chunk. `handle` returns true to stop reading there (the rest of the body is
 * left unread; the body's `return()` runs, or its read stops); what it throws ends the read and is
 * thrown on. Resolves true when `handle` stopped it, false at the body's end.
 */
export async function eachSse(body: AsyncIterable<Buffer>, handle: (message: EventSourceMessage) => boolean | undefined): Promise<boolean> {
  let pending: EventSourceMessage[] = [];
  const parser = createParser({ onEvent: (event) => pending.push(event) });
  const decoder = new Utf8Chunks();
  const handOn = (): boolean => {
    const batch = pending;
    pending = [];
    for (const message of batch) if (handle(message) === true) return true;
    return false;
  };
  // A body that hands its chunks on as they come (the HTTP client's) is read so: no promise and turn of the microtask queue per chunk.
  if (isChunkSource(body)) {
    const stopped = await body.eachChunk((chunk) => {
      parser.feed(decoder.write(chunk));
      return pending.length > 0 && handOn();
    });
    if (stopped) return true;
  } else {
    for await (const chunk of body) {
      parser.feed(decoder.write(chunk));
      if (pending.length > 0 && handOn()) return true;
    }
  }
  parser.feed(decoder.end());
  parser.reset({ consume: true });
  return pending.length > 0 && handOn();
}

function isChunkSource(body: AsyncIterable<Buffer>): body is AsyncIterable<Buffer> & ChunkSource {
  return typeof (body as Partial<ChunkSource>).eachChunk === "function";
}
