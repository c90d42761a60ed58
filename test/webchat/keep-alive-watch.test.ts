// The page's watch on the live event stream (keep-alive-watch.ts): a gateway that is stopped keeps the
// connection open and sends nothing, not even its keep-alive; after two intervals the stream counts as
// lost (t5 #7: the page said `live` for 40 s of a frozen gateway). The browser test drives it against
// the real gateway stopped with SIGSTOP.
import assert from "node:assert/strict";
import { test } from "node:test";
import { MISSED_KEEP_ALIVES, silenceLimitMs, watchSilence } from "../../src/channels/webchat/page/keep-alive-watch.js";

const bytes = (text: string): Uint8Array => new TextEncoder().encode(text);

/** A source the test writes to: chunks when told, and nothing at all after. */
function source() {
  let controller!: ReadableStreamDefaultController<Uint8Array>;
  let cancelled: unknown;
  const stream = new ReadableStream<Uint8Array>({
    start: (given) => {
      controller = given;
    },
    cancel: (reason) => {
      cancelled = reason;
    },
  });
  return { stream, write: (text: string) => controller.enqueue(bytes(text)), end: () => controller.close(), cancelled: () => cancelled };
}

test("the limit is twice the interval the gateway says it keeps; none said (or nonsense): nothing is watched", () => {
  assert.equal(MISSED_KEEP_ALIVES, 2);
  assert.equal(silenceLimitMs("15000"), 30_000);
  assert.equal(silenceLimitMs(null), undefined);
  assert.equal(silenceLimitMs("soon"), undefined);
  assert.equal(silenceLimitMs("0"), undefined);
});

test("bytes pass through as they come; a stream that ends ends, and no silence is reported after", async () => {
  const { stream, write, end } = source();
  const silent: string[] = [];
  const reader = watchSilence(stream, { limitMs: 50, onSilent: (reason) => silent.push(reason) }).getReader();
  write(": keep-alive\n\n");
  write("event: setup\ndata: {}\n\n");
  assert.deepEqual(new TextDecoder().decode((await reader.read()).value), ": keep-alive\n\n");
  assert.deepEqual(new TextDecoder().decode((await reader.read()).value), "event: setup\ndata: {}\n\n");
  end();
  assert.equal((await reader.read()).done, true);
  await new Promise((resolve) => setTimeout(resolve, 120));
  assert.deepEqual(silent, [], "an ended stream is not a silent one");
});

test("no byte for the limit: the reason is told first, the stream fails with it, and the source is cancelled", async () => {
  const { stream, write, cancelled } = source();
  const silent: string[] = [];
  const reader = watchSilence(stream, { limitMs: 2_000, onSilent: (reason) => silent.push(reason) }).getReader();
  write(": keep-alive\n\n");
  await reader.read();
  await assert.rejects(reader.read(), /^Error: no keep-alive from the gateway for 2 s \(stopped, asleep or cut off\?\)$/);
  assert.deepEqual(silent, ["no keep-alive from the gateway for 2 s (stopped, asleep or cut off?)"]);
  assert.match(String(cancelled()), /no keep-alive/);
});

test("a stream the page cancels (it closes the tab, switches conversation) reports no silence", async () => {
  const { stream } = source();
  const silent: string[] = [];
  const watched = watchSilence(stream, { limitMs: 50, onSilent: (reason) => silent.push(reason) });
  const reader = watched.getReader();
  const pending = reader.read();
  await reader.cancel("the page went away");
  assert.equal((await pending).done, true);
  await new Promise((resolve) => setTimeout(resolve, 120));
  assert.deepEqual(silent, []);
});
