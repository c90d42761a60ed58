import assert from "node:assert/strict";
import { test } from "node:test";
import { BatchedWrites } from "../../src/channels/http/openai/batched-writes.js";
import type { SseOut } from "../../src/channels/http/openai/sse-body.js";

/** Runs every pending callback of this turn and the next (setImmediate runs after them). */
const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** A client stream that records each write and takes it when told to (`take`), or at once (`instant`). */
function recordingOut(instant: boolean): SseOut & { writes: string[]; take(): void } {
  const writes: string[] = [];
  const waiting: (() => void)[] = [];
  return {
    writes,
    cancelled: false,
    write(text) {
      writes.push(text);
      return instant ? Promise.resolve() : new Promise<void>((resolve) => waiting.push(resolve));
    },
    take() {
      waiting.shift()?.();
    },
  };
}

test("BatchedWrites: text added in one turn of the event loop goes out as one write, in order; the next turn's as the next", async () => {
  const out = recordingOut(true);
  const batch = new BatchedWrites(out);
  assert.equal(batch.add("data: a\n\n"), undefined);
  assert.equal(batch.add("data: b\n\n"), undefined);
  batch.add("");
  assert.deepEqual(out.writes, []);
  await nextTurn();
  assert.deepEqual(out.writes, ["data: a\n\ndata: b\n\n"]);
  batch.add("data: c\n\n");
  await batch.drained();
  assert.deepEqual(out.writes, ["data: a\n\ndata: b\n\n", "data: c\n\n"]);
  assert.equal(batch.busy, false);
});

test("BatchedWrites: drained() resolves only once the client took everything; past the limit add() waits for it too", async () => {
  const out = recordingOut(false);
  const batch = new BatchedWrites(out, 10);
  batch.add("12345");
  let drained = false;
  const done = batch.drained().then(() => (drained = true));
  await nextTurn();
  assert.deepEqual(out.writes, ["12345"]);
  assert.equal(drained, false);
  assert.equal(batch.busy, true);
  // 5 queued + 6 pending is past 10: the writer is held back until the client catches up.
  let released = false;
  const held = batch.add("678901")?.then(() => (released = true));
  assert.ok(held);
  out.take();
  await done;
  await nextTurn();
  assert.deepEqual(out.writes, ["12345", "678901"]);
  assert.equal(released, false);
  out.take();
  await held;
  assert.equal(batch.busy, false);
});
