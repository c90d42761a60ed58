import assert from "node:assert/strict";
import { test } from "node:test";
import { HttpClient } from "../../src/ai/http/http-client.js";
import { systemClock } from "../../src/shared/clock.js";
import { MAX_TIMER_MS, timerDelay } from "../../src/shared/timer-delay.js";
import { startFakeServer } from "../fakes/fake-server.js";

/** Runs `work` and returns the process warnings emitted meanwhile (warnings are emitted on the next tick). */
async function warningsDuring(work: () => Promise<void>): Promise<string[]> {
  const seen: string[] = [];
  const listener = (warning: Error): void => {
    seen.push(warning.name);
  };
  process.on("warning", listener);
  try {
    await work();
    await new Promise((resolve) => setImmediate(resolve));
  } finally {
    process.off("warning", listener);
  }
  return seen;
}

test("timerDelay clamps to what setTimeout honours", () => {
  assert.equal(timerDelay(5_000_000_000), MAX_TIMER_MS);
  assert.equal(timerDelay(Number.POSITIVE_INFINITY), MAX_TIMER_MS);
  assert.equal(timerDelay(Number.NaN), 0);
  assert.equal(timerDelay(-5), 0);
  assert.equal(timerDelay(1500.2), 1501);
});

test("the HTTP client and the clock take a huge timeout without TimeoutOverflowWarning, and still wait", async () => {
  const server = await startFakeServer(() => ({ kind: "json", body: { ok: true } }));
  try {
    const huge = 5_000_000 * 1000;
    const warnings = await warningsDuring(async () => {
      const http = new HttpClient();
      const result = await http.request({ url: `${server.baseUrl}/models`, method: "GET", headers: {}, timeouts: { connectMs: huge, firstByteMs: huge, idleMs: huge, totalMs: huge } });
      assert.ok(result.ok, "the request must not time out at once");
      assert.equal(await result.response.text(), '{"ok":true}');
      let fired = false;
      const timer = systemClock.setTimeout(() => {
        fired = true;
      }, huge);
      await new Promise((resolve) => setImmediate(resolve));
      timer.cancel();
      assert.equal(fired, false, "a clamped timer must not fire at once");
      http.destroy();
    });
    assert.deepEqual(warnings.filter((name) => name === "TimeoutOverflowWarning"), []);
  } finally {
    await server.close();
  }
});
