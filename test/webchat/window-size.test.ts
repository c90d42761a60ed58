// How the page's context meter says a window (src/channels/webchat/page/token-counts.ts): binary sizes in binary k,
// as LM Studio's and llama.cpp's settings do; the browser tests show it on the meter.
import assert from "node:assert/strict";
import { test } from "node:test";
import { compactNumber, windowSize } from "../../src/channels/webchat/page/token-counts.js";

test("a window of round thousands is said in decimal k, one of round 1024s in binary k (32,768 is 32k, not 33k)", () => {
  assert.deepEqual(
    [4096, 8192, 32_768, 131_072, 196_608, 262_144, 1_048_576].map(windowSize),
    ["4k", "8k", "32k", "128k", "192k", "256k", "1M"],
  );
  assert.deepEqual([200_000, 128_000, 32_000, 1_000_000, 2_000_000].map(windowSize), ["200k", "128k", "32k", "1M", "2M"]);
  assert.deepEqual([900, 12_345, 40_960 + 1].map(windowSize), ["900", "12k", "41k"]);
  assert.equal(compactNumber(32_768), "33k", "a count of tokens stays decimal");
});
