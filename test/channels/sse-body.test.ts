import assert from "node:assert/strict";
import { test } from "node:test";
import { sseBody, type SseOut } from "../../src/channels/http/openai/sse-body.js";

const decoder = new TextDecoder();
/** Lets every pending promise settle (they all run before the next setImmediate). */
const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
const noHandlers = { onCancel: () => assert.fail("not cancelled"), onError: (error: unknown) => assert.fail(String(error)) };

test("sseBody: what the writer writes comes out in order, and the body ends when the writer does", async () => {
  const body = sseBody(async (out) => {
    await out.write("data: one\n\n");
    await out.write("data: two\n\n");
  }, noHandlers);
  assert.equal(await new Response(body).text(), "data: one\n\ndata: two\n\n");
});

test("sseBody: a write waits until the reader has taken what was written before", async () => {
  const settled: string[] = [];
  const body = sseBody(async (out) => {
    for (const text of ["a", "b", "c"]) {
      await out.write(text);
      settled.push(text);
    }
  }, noHandlers);
  await settle();
  // Nothing read yet: the first write is queued and the writer waits on it.
  assert.deepEqual(settled, []);
  const reader = body.getReader();
  assert.equal(decoder.decode((await reader.read()).value), "a");
  await settle();
  assert.deepEqual(settled, ["a"]);
  assert.equal(decoder.decode((await reader.read()).value), "b");
  assert.equal(decoder.decode((await reader.read()).value), "c");
  assert.equal((await reader.read()).done, true);
  assert.deepEqual(settled, ["a", "b", "c"]);
});

test("sseBody: a reader that goes away cancels once; the writer runs on to its end, its writes dropped", async () => {
  let cancels = 0;
  let finished = false;
  let writer: SseOut | undefined;
  let goOn: () => void = () => undefined;
  const later = new Promise<void>((resolve) => (goOn = resolve));
  const body = sseBody(
    async (out) => {
      writer = out;
      await out.write("first");
      await later;
      await out.write("dropped");
      await out.write("dropped too");
      finished = true;
    },
    { onCancel: () => cancels++, onError: (error) => assert.fail(String(error)) },
  );
  const reader = body.getReader();
  assert.equal(decoder.decode((await reader.read()).value), "first");
  await reader.cancel();
  assert.equal(cancels, 1);
  assert.equal(writer?.cancelled, true);
  goOn();
  await settle();
  assert.equal(finished, true);
  assert.equal(cancels, 1);
});

test("sseBody: an error in the writer goes to onError and ends the body", async () => {
  const errors: unknown[] = [];
  const body = sseBody(
    async (out) => {
      await out.write("before");
      throw new Error("the writer broke");
    },
    { onCancel: () => assert.fail("not cancelled"), onError: (error) => errors.push(error) },
  );
  assert.equal(await new Response(body).text(), "before");
  assert.equal(errors.length, 1);
  assert.match(String(errors[0]), /the writer broke/);
});
