// A cooldown written by a process whose clock ran ahead (2 h here) ends further off than hearth
// would ever set: it is cut to the longest wait for such an entry, when read and when merged.
import assert from "node:assert/strict";
import { mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { after, test } from "node:test";
import { cooldownFile } from "../../src/models/cooldown-file.js";
import { Cooldowns, DEFAULT_COOLDOWN } from "../../src/models/cooldowns.js";
import { ManualClock } from "../helpers/manual-clock.js";
import { tempDir } from "../helpers/run-cli.js";

const temp = tempDir();
after(() => temp.cleanup());
const NOW = Date.UTC(2026, 11, 3, 14, 9);
const AHEAD = 2 * 3_600_000;

function shared(name: string) {
  const dir = join(temp.dir, name);
  mkdirSync(dir, { recursive: true });
  const path = join(dir, "cooldowns.json");
  const clock = new ManualClock(NOW);
  const ahead = new ManualClock(NOW + AHEAD);
  return { path, clock, ahead, read: () => JSON.parse(readFileSync(path, "utf8")) as Record<string, { until: number; retryAfterMs?: number }> };
}

test("a 429 with retry-after 30 s written 2 h ahead: skipped 30 s from now, not 2 h", () => {
  const { path, clock, ahead, read } = shared("read");
  new Cooldowns(ahead, DEFAULT_COOLDOWN, cooldownFile(path, { now: () => ahead.now() })).fail("anthropic/opus", { kind: "rate-limit", message: "429", retryAfterMs: 30_000 });
  assert.equal(read()["anthropic/opus"]?.until, NOW + AHEAD + 30_000, "the skewed process wrote its own end");
  assert.equal(read()["anthropic/opus"]?.retryAfterMs, 30_000, "and the wait the server asked for");
  const file = cooldownFile(path, { now: () => clock.now() });
  assert.equal(file.load()["anthropic/opus"]?.until, NOW + 30_000, "read: cut to the retry-after");
  const cooldowns = new Cooldowns(clock, DEFAULT_COOLDOWN, file);
  assert.equal(cooldowns.until("anthropic/opus"), NOW + 30_000);
  clock.advance(30_001);
  assert.equal(cooldowns.until("anthropic/opus"), undefined, "asked again once the server's wait is over");
});

test("a hang written ahead is cut to its backoff (failures in a row counted), and a merge does not let it win", () => {
  const { path, clock, ahead, read } = shared("merge");
  const skewed = new Cooldowns(ahead, DEFAULT_COOLDOWN, cooldownFile(path, { now: () => ahead.now() }));
  skewed.fail("lmstudio/m", { kind: "timeout", message: "hang" });
  skewed.fail("lmstudio/m", { kind: "timeout", message: "hang again" });
  // This process fails the same model: its own end (2 min, first in its memory) against the file's, cut to 4 min.
  const here = new Cooldowns(clock, DEFAULT_COOLDOWN, cooldownFile(path, { now: () => clock.now() }));
  assert.equal(here.until("lmstudio/m"), NOW + 2 * DEFAULT_COOLDOWN.timeoutBaseMs, "two hangs in a row: 4 minutes at most");
  here.fail("other/m", { kind: "rate-limit", message: "429" });
  assert.equal(read()["lmstudio/m"]?.until, NOW + 2 * DEFAULT_COOLDOWN.timeoutBaseMs, "written back cut, not 2 h ahead");
  assert.equal(read()["other/m"]?.until, NOW + DEFAULT_COOLDOWN.baseMs);
});

test("the longest backoff bounds an entry with many failures; a long retry-after is kept as asked", () => {
  const { path, clock } = shared("bounds");
  const far = new ManualClock(NOW + 7 * 3_600_000);
  const skewed = new Cooldowns(far, DEFAULT_COOLDOWN, cooldownFile(path, { now: () => far.now() }));
  for (let i = 0; i < 8; i++) skewed.fail("lmstudio/m", { kind: "timeout", message: "hang" });
  skewed.fail("hosted/m", { kind: "rate-limit", message: "429", retryAfterMs: 3 * 3_600_000 });
  const loaded = cooldownFile(path, { now: () => clock.now() }).load();
  assert.equal(loaded["lmstudio/m"]?.until, NOW + DEFAULT_COOLDOWN.maxMs);
  assert.equal(loaded["hosted/m"]?.until, NOW + 3 * 3_600_000, "the server asked for 3 hours: that is the longest wait for it");
});
