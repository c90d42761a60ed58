import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { FirstTokenRing, RING_SIZE } from "../../src/gateway/first-token-ring.js";
import { ManualClock } from "../helpers/manual-clock.js";

describe("FirstTokenRing", () => {
  test("times each route's attempt from its start to its first token, per provider; a failed attempt adds nothing", () => {
    const clock = new ManualClock();
    const announced: string[] = [];
    const ring = new FirstTokenRing(clock, (provider) => announced.push(provider));
    const one = ring.route();
    const two = ring.route();
    one({ type: "attempt-start", model: "local/m", baseUrl: "http://127.0.0.1:1/v1" });
    clock.advance(50);
    two({ type: "attempt-start", model: "cloud/x", baseUrl: "https://x/v1" });
    clock.advance(30);
    one({ type: "attempt-failed", attempt: { model: "local/m", outcome: "timeout", ms: 80 }, failure: { kind: "timeout", message: "slow" }, next: "cloud/x" });
    one({ type: "attempt-start", model: "cloud/x", baseUrl: "https://x/v1" });
    clock.advance(20);
    two({ type: "text-delta", delta: "a" });
    two({ type: "text-delta", delta: "b" });
    one({ type: "reasoning-delta", delta: "hm" });
    assert.deepEqual(ring.of("cloud"), [50, 20], "two routes timed apart; only the first token counts");
    assert.deepEqual(ring.of("local"), []);
    assert.deepEqual(announced, ["cloud", "cloud"]);
  });

  test("a whole-answer route's first-token event times it as its first delta would", () => {
    const clock = new ManualClock();
    const ring = new FirstTokenRing(clock);
    const route = ring.route();
    route({ type: "attempt-start", model: "local/m", baseUrl: "http://127.0.0.1:1/v1" });
    clock.advance(40);
    route({ type: "first-token", model: "local/m" });
    assert.deepEqual(ring.of("local"), [40]);
  });

  test("keeps only the last RING_SIZE samples, oldest first", () => {
    const ring = new FirstTokenRing(new ManualClock());
    for (let sample = 0; sample < RING_SIZE + 10; sample++) ring.add("local", sample);
    const kept = ring.of("local");
    assert.equal(kept.length, RING_SIZE);
    assert.equal(kept[0], 10);
    assert.equal(kept.at(-1), RING_SIZE + 9);
  });
});
