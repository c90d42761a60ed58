// The gateway gives memory back when it goes quiet: one full collection after a busy spell, never while busy.
import assert from "node:assert/strict";
import { test } from "node:test";
import { IdleMemoryRelease } from "../../src/cli/gateway/idle-memory.js";

const MB = 1024 * 1024;

function fakeProcess() {
  const state = { busy: 0, heap: 40 * MB, collections: 0 };
  const releases: { heapBefore: number; heapAfter: number }[] = [];
  const release = new IdleMemoryRelease({
    idleChecks: 3,
    minGrowthBytes: 16 * MB,
    utilization: () => state.busy,
    heapBytes: () => state.heap,
    collect: () => {
      state.collections++;
      state.heap = 30 * MB;
    },
    onRelease: ({ heapBefore, heapAfter }) => releases.push({ heapBefore, heapAfter }),
  });
  return { state, release, releases };
}

test("after a busy spell, once idle for some checks and grown, one full collection; none while busy or again while quiet", () => {
  const { state, release, releases } = fakeProcess();
  state.busy = 0.6;
  state.heap = 150 * MB;
  for (let check = 0; check < 5; check++) assert.equal(release.check(), false, "busy: no collection");
  state.busy = 0.001;
  assert.equal(release.check(), false);
  assert.equal(release.check(), false);
  assert.equal(release.check(), true, "idle for three checks");
  assert.deepEqual(releases, [{ heapBefore: 150 * MB, heapAfter: 30 * MB }]);
  assert.equal(release.check(), true, "one more collection a check later, still idle (V8 shrinks its young generation only then)");
  assert.equal(state.collections, 2);
  for (let check = 0; check < 10; check++) release.check();
  assert.equal(state.collections, 2, "quiet afterwards: nothing more to give back");
  assert.equal(releases.length, 1, "the follow-up is not a release of its own");
});

test("the follow-up collection waits while the gateway is busy, and runs once at the next idle check", () => {
  const { state, release } = fakeProcess();
  state.busy = 0.001;
  state.heap = 150 * MB;
  for (let check = 0; check < 3; check++) release.check();
  assert.equal(state.collections, 1);
  state.busy = 0.5;
  assert.equal(release.check(), false, "busy: not now");
  assert.equal(release.check(), false, "busy: not now");
  state.busy = 0.001;
  assert.equal(release.check(), true, "idle again: the follow-up");
  for (let check = 0; check < 5; check++) release.check();
  assert.equal(state.collections, 2, "the heap has not grown since: nothing more");
});

test("a heap that has not grown past the threshold since the last release is left alone, idle or not", () => {
  const { state, release } = fakeProcess();
  state.busy = 0.5;
  release.check();
  state.busy = 0;
  state.heap = 40 * MB + 15 * MB;
  for (let check = 0; check < 6; check++) release.check();
  assert.equal(state.collections, 0);
  // A heap that shrank by itself counts growth from its smallest size.
  state.heap = 35 * MB;
  release.check();
  state.heap = 52 * MB;
  assert.equal(release.check(), true);
});

test("the default collector is V8's own, and it runs without --expose-gc", () => {
  const release = new IdleMemoryRelease({ idleChecks: 1, minGrowthBytes: 0, utilization: () => 0 });
  assert.equal(release.check(), true);
});
