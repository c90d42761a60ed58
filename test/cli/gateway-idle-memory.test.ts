// The gateway gives memory back when it goes quiet: one full collection after a busy spell, never while busy;
// the young generation's garbage goes first, so that V8 shrinks the young generation at the release.
import assert from "node:assert/strict";
import { test } from "node:test";
import { IdleMemoryRelease } from "../../src/cli/gateway/idle-memory.js";

const MB = 1024 * 1024;

function fakeProcess(options: { releaseStartUp?: boolean } = {}) {
  /** `shrinks`: whether a full collection shrinks the young generation (V8 does when it found the allocation rate low). */
  const state = { busy: 0, heap: 40 * MB, collections: 0, young: 1 * MB, youngCollections: 0, shrinks: true };
  const releases: { heapBefore: number; heapAfter: number }[] = [];
  /** What ran, in order: "drop" (the caches let go of), "young", "full". */
  const events: string[] = [];
  const release = new IdleMemoryRelease({
    ...options,
    idleChecks: 3,
    settleChecks: 2,
    minGrowthBytes: 16 * MB,
    utilization: () => state.busy,
    heapBytes: () => state.heap,
    youngBytes: () => state.young,
    collect: () => {
      events.push("full");
      state.collections++;
      state.heap = 30 * MB;
      if (state.shrinks) state.young = 1 * MB;
    },
    collectYoung: () => {
      events.push("young");
      state.youngCollections++;
    },
    dropCaches: () => events.push("drop"),
    onRelease: ({ heapBefore, heapAfter }) => releases.push({ heapBefore, heapAfter }),
  });
  return { state, release, releases, events };
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
  for (let check = 0; check < 10; check++) assert.equal(release.check(), false, "quiet afterwards: nothing more to give back");
  assert.equal(state.collections, 1);
  assert.equal(state.youngCollections, 0, "the young generation was at its smallest: nothing to settle");
});

test("a busy spell that grew the young generation: a young collection at the first idle check, the release settleChecks later", () => {
  const { state, release, releases } = fakeProcess();
  state.busy = 0.6;
  state.heap = 150 * MB;
  state.young = 32 * MB;
  release.check();
  state.busy = 0.001;
  assert.equal(release.check(), false);
  assert.equal(state.youngCollections, 1, "the busy spell's garbage goes at the first idle check");
  assert.equal(release.check(), false, "idle for two checks, but only one since the young collection");
  assert.equal(state.collections, 0);
  assert.equal(release.check(), true, "two checks after the young collection");
  assert.equal(state.young, 1 * MB);
  for (let check = 0; check < 10; check++) assert.equal(release.check(), false, "the young generation shrank: no follow-up");
  assert.equal(state.collections, 1);
  assert.equal(state.youngCollections, 1);
  assert.equal(releases.length, 1);
});

test("a release that left the young generation large is followed by one more full collection, settleChecks later and only while idle", () => {
  const { state, release, releases } = fakeProcess();
  state.busy = 0.6;
  state.heap = 150 * MB;
  state.young = 32 * MB;
  state.shrinks = false;
  release.check();
  state.busy = 0.001;
  for (let check = 0; check < 3; check++) release.check();
  assert.equal(state.collections, 1, "the release");
  state.shrinks = true;
  assert.equal(release.check(), false, "one check after the release: not yet");
  state.busy = 0.5;
  assert.equal(release.check(), false, "busy: not now");
  state.busy = 0.001;
  assert.equal(release.check(), false, "idle again, one check");
  assert.equal(release.check(), true, "two idle checks in a row: the follow-up");
  assert.equal(state.young, 1 * MB);
  for (let check = 0; check < 5; check++) release.check();
  assert.equal(state.collections, 2, "the heap has not grown since: nothing more");
  assert.equal(releases.length, 1, "the follow-up is not a release of its own");
});

test("a young generation grown by 8 MiB calls for a release by itself, once per quiet spell", () => {
  const { state, release, releases } = fakeProcess();
  state.busy = 0.6;
  state.heap = 40 * MB + 15 * MB;
  state.young = 16 * MB;
  state.shrinks = false;
  release.check();
  state.busy = 0.001;
  for (let check = 0; check < 3; check++) release.check();
  assert.equal(state.youngCollections, 1);
  assert.equal(releases.length, 1, "the heap grew by less than the threshold, the young generation by 15 MiB");
  for (let check = 0; check < 20; check++) release.check();
  assert.equal(state.collections, 2, "the release and its one follow-up; the young generation stayed large, yet no more while quiet");
  state.busy = 0.5;
  release.check();
  state.busy = 0.001;
  for (let check = 0; check < 3; check++) release.check();
  assert.equal(releases.length, 2, "after another busy spell, again");
  state.young = 8 * MB;
  state.shrinks = true;
  const fresh = fakeProcess();
  fresh.state.young = 8 * MB;
  fresh.state.busy = 0.001;
  for (let check = 0; check < 10; check++) fresh.release.check();
  assert.equal(fresh.state.collections, 0, "grown by 7 MiB: left alone");
});

test("a release lets go of the caches rebuilt from memory just before its collection; never while busy, nor at the follow-up or while nothing calls for a release", () => {
  const { state, release, events } = fakeProcess();
  state.busy = 0.6;
  state.heap = 150 * MB;
  state.young = 32 * MB;
  state.shrinks = false;
  for (let check = 0; check < 5; check++) release.check();
  assert.deepEqual(events, [], "busy: the caches stay (the next turns use them)");
  state.busy = 0.001;
  for (let check = 0; check < 3; check++) release.check();
  assert.deepEqual(events, ["young", "drop", "full"], "the young collection, then the caches let go of right before the release's full collection");
  state.shrinks = true;
  for (let check = 0; check < 10; check++) release.check();
  assert.deepEqual(events, ["young", "drop", "full", "full"], "the follow-up collection alone; nothing more while quiet");
  state.busy = 0.5;
  release.check();
  state.busy = 0.001;
  for (let check = 0; check < 10; check++) release.check();
  assert.deepEqual(events, ["young", "drop", "full", "full"], "a short busy spell that grew nothing: the caches stay");
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

test("releaseStartUp: the start-up's garbage goes at the first quiet spell though the heap has not grown since; once, and never while busy", () => {
  const { state, release, releases } = fakeProcess({ releaseStartUp: true });
  state.busy = 0.5;
  for (let check = 0; check < 4; check++) assert.equal(release.check(), false, "busy: no collection");
  state.busy = 0.001;
  assert.equal(release.check(), false);
  assert.equal(release.check(), false);
  assert.equal(release.check(), true, "idle for three checks (idleChecks), the heap as it was made");
  assert.deepEqual(releases, [{ heapBefore: 40 * MB, heapAfter: 30 * MB }]);
  state.heap = 40 * MB;
  for (let check = 0; check < 10; check++) assert.equal(release.check(), false, "after it, growth alone calls for a release");
  assert.equal(state.collections, 1);
  // Without it (the default), the same quiet start gives nothing back.
  const plain = fakeProcess();
  plain.state.busy = 0.001;
  for (let check = 0; check < 10; check++) assert.equal(plain.release.check(), false);
  assert.equal(plain.state.collections, 0);
});

test("the default collectors are V8's own (young and full), and they run without --expose-gc", () => {
  const young = [1 * MB, 32 * MB];
  const release = new IdleMemoryRelease({ idleChecks: 1, settleChecks: 1, minGrowthBytes: 0, utilization: () => 0, youngBytes: () => young.shift() ?? 1 * MB });
  assert.equal(release.check(), false, "the young collection first");
  assert.equal(release.check(), true, "then the full one");
});
