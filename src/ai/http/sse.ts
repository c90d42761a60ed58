import { createParser, type EventSourceMessage } from "eventsource-parser";
import type { ChunkSource } from "./body-reader.js";
import { Utf8Chunks } from "./utf8-chunks.js";
import { FailureError } from "./http-client.js";
import { MOST_REPLY_CHARACTERS } from "../reply-bound.js";

/**
 * The most characters one event (or an NDJSON line) may hold before it ends: twice the largest reply
 * (reply-bound.ts), for a server that sends a whole answer in one event. A server that never ends its
 * line had the parser hold it all: 400 MiB sent so took the gateway to 1 GB, one request (t17 #2).
 */
export const MOST_EVENT_CHARACTERS = 2 * MOST_REPLY_CHARACTERS;

/** The failure of a stream whose event (or line) has passed `most` characters without ending. */
export function eventTooLong(most: number): FailureError {
  return new FailureError({ kind: "stream-broken", message: `the answer stream sent an event of more than ${most.toLocaleString("en-US")} characters without ending it: the server is broken or not a model server; hearth stopped reading it` });
}

/**
 * Server-sent events from a body's chunks, in order, each handed to `handle` as its chunk is read.
 * Parsing is eventsource-parser's (spec-exact: multi-line data, comments, CRLF, events split across
 * chunks); bytes become text through Utf8Chunks (several times cheaper per chunk than TextDecoder).
 * The events of one chunk are parsed first, then handed on (a chunk often holds many). No async
 * generator sits between the body and the adapter (a generator's yield is one more promise chain per
 * chunk), and a body that hands its chunks on as they come (ChunkSource: the HTTP client's) is read
 * without a promise per chunk. `handle` returns true to stop reading there (the rest of the body is
 * left unread; the body's `return()` runs, or its read stops); what it throws ends the read and is
 * thrown on. Resolves true when `handle` stopped it, false at the body's end. An event still open past
 * `mostEventCharacters` (default MOST_EVENT_CHARACTERS) ends the read with a "stream-broken" failure.
 */
export async function eachSse(body: AsyncIterable<Buffer>, handle: (message: EventSourceMessage) => boolean | undefined, options: { mostEventCharacters?: number } = {}): Promise<boolean> {
  const pending: EventSourceMessage[] = [];
  const parser = createParser({ onEvent: (event) => pending.push(event) });
  const decoder = new Utf8Chunks();
  const most = options.mostEventCharacters ?? MOST_EVENT_CHARACTERS;
  /** Characters fed since the last event ended (from the last line end of the chunk that ended one). */
  let open = 0;
  const feed = (text: string): void => {
    open += text.length;
    if (open > most) throw eventTooLong(most);
    const before = pending.length;
    parser.feed(text);
    if (pending.length > before) open = text.length - text.lastIndexOf("\n") - 1;
  };
  // One list for the whole read, emptied once its events are handed on (not a new one per chunk).
  const handOn = (): boolean => {
    for (let index = 0; index < pending.length; index++) {
      if (handle(pending[index] as EventSourceMessage) === true) {
        pending.length = 0;
        return true;
      }
    }
    pending.length = 0;
    return false;
  };
  // A body that hands its chunks on as they come (the HTTP client's) is read so: no promise and turn of the microtask queue per chunk.
  if (isChunkSource(body)) {
    const stopped = await body.eachChunk((chunk) => {
      feed(decoder.write(chunk));
      return pending.length > 0 && handOn();
    });
    if (stopped) return true;
  } else {
    for await (const chunk of body) {
      feed(decoder.write(chunk));
      if (pending.length > 0 && handOn()) return true;
    }
  }
  feed(decoder.end());
  parser.reset({ consume: true });
  return pending.length > 0 && handOn();
}

function isChunkSource(body: AsyncIterable<Buffer>): body is AsyncIterable<Buffer> & ChunkSource {
  return typeof (body as Partial<ChunkSource>).eachChunk === "function";
}
