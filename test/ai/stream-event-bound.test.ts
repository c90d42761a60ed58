import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { FailureError } from "../../src/ai/http/http-client.js";
import { readNdjsonLines } from "../../src/ai/http/ndjson.js";
import { eachSse, MOST_EVENT_CHARACTERS } from "../../src/ai/http/sse.js";
import { MOST_REPLY_CHARACTERS } from "../../src/ai/reply-bound.js";

// A server that never ends its line had the SSE parser hold all of it: 400 MiB sent so took the gateway
// to 1 GB for one request (t17 #2). An event (an NDJSON line) still open past its bound ends the read.

async function* body(chunks: Iterable<string>): AsyncGenerator<Buffer> {
  for (const chunk of chunks) yield Buffer.from(chunk);
}

function* repeated(chunk: string, times: number): Generator<string> {
  for (let index = 0; index < times; index += 1) yield chunk;
}

async function sseOutcome(chunks: Iterable<string>, most: number): Promise<{ events: string[]; error: unknown }> {
  const events: string[] = [];
  try {
    await eachSse(body(chunks), (message) => void events.push(message.data), { mostEventCharacters: most });
    return { events, error: undefined };
  } catch (error) {
    return { events, error };
  }
}

function assertTooLong(error: unknown, most: number): void {
  assert.ok(error instanceof FailureError, `a FailureError, not ${String(error)}`);
  assert.equal(error.failure.kind, "stream-broken");
  assert.equal(error.failure.message, `the answer stream sent an event of more than ${most.toLocaleString("en-US")} characters without ending it: the server is broken or not a model server; hearth stopped reading it`);
}

describe("a stream event that never ends is not held without bound", () => {
  test("SSE: one line that never ends", async () => {
    const outcome = await sseOutcome(["data: {\"ok\":1}\n\n", 'data: {"content":"', ...repeated("A".repeat(100), 50)], 1000);
    assert.deepEqual(outcome.events, ['{"ok":1}'], "the events before it are handed on");
    assertTooLong(outcome.error, 1000);
  });

  test("SSE: lines of one event with no blank line to end it", async () => {
    const outcome = await sseOutcome(repeated("data: " + "B".repeat(50) + "\n", 100), 1000);
    assert.deepEqual(outcome.events, []);
    assertTooLong(outcome.error, 1000);
  });

  test("SSE: many events, each within the bound, however many in all (events split across chunks too)", async () => {
    const event = `data: ${"C".repeat(600)}\n\n`;
    const outcome = await sseOutcome([...repeated(event, 30), ...repeated(event.slice(0, 300), 1), event.slice(300), event], 1000);
    assert.equal(outcome.error, undefined);
    assert.equal(outcome.events.length, 32);
  });

  test("NDJSON: a line that never ends; many lines within the bound pass", async () => {
    const lines: string[][] = [];
    const read = async (chunks: Iterable<string>): Promise<unknown> => {
      try {
        for await (const batch of readNdjsonLines(body(chunks), { mostLineCharacters: 1000 })) lines.push(batch);
        return undefined;
      } catch (error) {
        return error;
      }
    };
    assert.equal(await read(repeated(`{"a":"${"D".repeat(600)}"}\n`, 30)), undefined);
    assert.equal(lines.flat().length, 30);
    assertTooLong(await read(['{"a":"', ...repeated("E".repeat(100), 50)]), 1000);
  });

  test("the bound: twice the largest reply (a server may send a whole answer in one event)", () => {
    assert.equal(MOST_EVENT_CHARACTERS, 2 * MOST_REPLY_CHARACTERS);
  });
});
