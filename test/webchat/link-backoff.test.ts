// The page's backoff while the gateway is away, and the banner's words: pure functions of the page's
// backoff.ts and link-state.ts (the browser test drives them against the real gateway).
import assert from "node:assert/strict";
import { test } from "node:test";
import { backoffDelay, LINK_BACKOFF } from "../../src/channels/webchat/page/backoff.js";
import { linkBannerText } from "../../src/channels/webchat/page/link-state.js";

test("the waits between tries double from 1 s up to 10 s, each within ±20 % at random", () => {
  const at = (random: number) => Array.from({ length: 7 }, (_, attempt) => backoffDelay(attempt, LINK_BACKOFF, () => random));
  assert.deepEqual(at(0.5), [1_000, 2_000, 4_000, 8_000, 10_000, 10_000, 10_000]);
  assert.deepEqual(at(0), [800, 1_600, 3_200, 6_400, 8_000, 8_000, 8_000]);
  assert.deepEqual(at(1), [1_200, 2_400, 4_800, 9_600, 12_000, 12_000, 12_000]);
  // However the jitter falls, each wait up to the cap is longer than the one before.
  assert.ok([0, 1, 2].every((attempt) => backoffDelay(attempt, LINK_BACKOFF, () => 1) < backoffDelay(attempt + 1, LINK_BACKOFF, () => 0)));
  assert.equal(backoffDelay(5_000, LINK_BACKOFF, () => 0.5), 10_000, "a long outage stays at the cap");
});

test("the banner: stopping (with the turns finishing), restarting, not reachable, each with the time to the next try", () => {
  const now = 1_000_000;
  assert.equal(linkBannerText({ kind: "stopping", turns: 1, nextTryAt: now + 900 }, now), "hearth is stopping (1 turn finishing) — the page reconnects once it is back; retrying in 1 s");
  assert.equal(linkBannerText({ kind: "stopping", turns: 0, nextTryAt: now + 2_100 }, now), "hearth is stopping — the page reconnects once it is back; retrying in 3 s");
  assert.equal(linkBannerText({ kind: "down", reason: "Failed to fetch", afterStop: true, since: now, nextTryAt: now + 4_000 }, now), "hearth is restarting — not reachable yet, retrying in 4 s");
  assert.equal(linkBannerText({ kind: "down", reason: "Failed to fetch", afterStop: false, since: now, nextTryAt: now - 5 }, now), "hearth is not reachable — retrying now…");
});
