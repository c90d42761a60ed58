// The first-token watch and the stall watch say a silent server's wait on one schedule (src/models/notice-schedule.ts):
// first at 5 s, then at 15, 30 and 60 s, then every minute. Both watches driven by a manual clock, and the
// schedule pinned, so that sharing it changed neither.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { ModelRef } from "../../src/ai/model-spec.js";
import { FirstTokenWatch } from "../../src/models/first-token-watch.js";
import { FIRST_NOTICE_MS, nextNoticeGap } from "../../src/models/notice-schedule.js";
import { StallWatch } from "../../src/models/stall-watch.js";
import { ManualClock } from "../helpers/manual-clock.js";

const SCHEDULE = [5_000, 15_000, 30_000, 60_000, 120_000, 180_000, 240_000];
const model = "local/m" as ModelRef;

describe("the notice schedule of a silent server", () => {
  test("5 s, then as long again from 10 s to a minute", () => {
    assert.equal(FIRST_NOTICE_MS, 5_000);
    assert.deepEqual([5_000, 15_000, 30_000, 60_000, 120_000].map(nextNoticeGap), [10_000, 15_000, 30_000, 60_000, 60_000]);
  });

  test("the first-token watch says the wait at 5, 15, 30 and 60 s, then every minute", () => {
    const clock = new ManualClock();
    const said: number[] = [];
    const watch = new FirstTokenWatch({ clock, model, promptTokens: 10, next: undefined, limit: { ms: 600_000 }, emit: (event) => said.push(event.waitedMs), onExpired: () => undefined });
    clock.advance(250_000);
    watch.stop();
    assert.deepEqual(said, SCHEDULE);
  });

  test("the stall watch says a silence mid-answer at the same times, counted again from each token", () => {
    const clock = new ManualClock();
    const said: number[] = [];
    const watch = new StallWatch({ clock, model, promptTokens: 10, next: undefined, idleMs: 600_000, emit: (event) => said.push(event.waitedMs) });
    clock.advance(2_000);
    watch.token();
    clock.advance(250_000);
    watch.stop();
    assert.deepEqual(said, SCHEDULE);
  });
});
