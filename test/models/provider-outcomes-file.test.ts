// provider-outcomes.json (t20 #3): what the commands beside the gateway found of the providers, merged on write and
// bounded, read by the gateway only when it changed and only since the gateway started. Real files.
import assert from "node:assert/strict";
import { readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, test } from "node:test";
import { OutcomesElsewhere } from "../../src/gateway/outcomes-elsewhere.js";
import { mergeOutcomes, OUTCOME_SAMPLES, providerOutcomesFile, type ProviderOutcomesFile } from "../../src/models/provider-outcomes-file.js";
import { tempDir } from "../helpers/run-cli.js";

const temp = tempDir();
after(() => temp.cleanup());
const NOW = Date.parse("2026-12-06T12:00:00Z");

test("merged: every writer's samples once, in time order, the newest kept; the later failure; a provider quiet for a day dropped", () => {
  const many: [number, number][] = Array.from({ length: OUTCOME_SAMPLES }, (_, index) => [NOW - 1_000 + index, index]);
  const merged = mergeOutcomes(
    { spare: { answers: many, failed: { at: NOW - 5_000, outcome: "unreachable" } }, old: { answers: [[NOW - 2 * 86_400_000, 10]] } },
    { spare: { answers: [[NOW, 99], [NOW - 1_000, 0]], failed: { at: NOW - 9_000, outcome: "timeout" } }, home: { answers: [], failed: { at: NOW, outcome: "rate-limit" } } },
    NOW,
  );
  assert.deepEqual(Object.keys(merged).sort(), ["home", "spare"]);
  assert.equal(merged.spare?.answers.length, OUTCOME_SAMPLES);
  assert.deepEqual(merged.spare?.answers.at(-1), [NOW, 99], "the newest kept");
  assert.deepEqual(merged.spare?.answers[0], [NOW - 999, 1], "the oldest dropped, none twice");
  assert.deepEqual(merged.spare?.failed, { at: NOW - 5_000, outcome: "unreachable" }, "the later failure");
});

test("the gateway reads what came since it started; a damaged file is set aside", () => {
  const dir = join(temp.dir, "state");
  const warnings: string[] = [];
  const file = providerOutcomesFile(dir, { now: () => NOW, onWarning: (line) => warnings.push(line) });
  file.save({ spare: { answers: [[NOW - 60_000, 40]] } });
  const elsewhere = new OutcomesElsewhere(file, NOW - 30_000, () => NOW);
  assert.deepEqual([...elsewhere.current()], [], "before the start: not its news");
  file.save({ spare: { answers: [[NOW - 10_000, 42]], failed: { at: NOW - 5_000, outcome: "server-error" } } });
  assert.deepEqual(elsewhere.current().get("spare"), { answers: [[NOW - 10_000, 42]], failed: { at: NOW - 5_000, outcome: "server-error" } });
  writeFileSync(join(dir, "provider-outcomes.json"), "{ not json");
  assert.deepEqual([...elsewhere.current()], []);
  assert.ok(readdirSync(dir).some((name) => name.startsWith("provider-outcomes.json.bad-")), readdirSync(dir).join(", "));
  assert.match(warnings.join("\n"), /is not a valid provider outcomes file \(not JSON\)/);
});

test("the gateway reads the file again only when it changed (a stat per look, not a read)", () => {
  const dir = join(temp.dir, "counted");
  const real = providerOutcomesFile(dir, { now: () => NOW });
  let loads = 0;
  const counted: ProviderOutcomesFile = { ...real, load: () => (loads++, real.load()) };
  real.save({ spare: { answers: [[NOW, 40]] } });
  // An hour past the file's stamp: well past a file system's stamp step, so an unchanged file is settled.
  const elsewhere = new OutcomesElsewhere(counted, NOW - 30_000, () => Date.now() + 3_600_000);
  for (let look = 0; look < 3; look++) assert.deepEqual(elsewhere.current().get("spare")?.answers, [[NOW, 40]]);
  assert.equal(loads, 1, "three looks at an unchanged file: one read");
  real.save({ spare: { answers: [[NOW + 1_000, 41]] } });
  assert.equal(elsewhere.current().get("spare")?.answers.length, 2);
  assert.equal(loads, 2, "changed: read again");
});

test("a failure a command found counts for as long as the gateway's own cooldown of its kind would (15 s; a hang 2 min), then is forgotten", () => {
  let now = NOW;
  const outcomes = { spare: { answers: [], failed: { at: NOW, outcome: "server-error" } }, slow: { answers: [[NOW - 1_000, 30]] as [number, number][], failed: { at: NOW, outcome: "timeout" } } };
  const file: ProviderOutcomesFile = { load: () => outcomes, save: () => undefined, look: () => ({ size: 1, mtimeMs: NOW - 60_000 }) };
  const elsewhere = new OutcomesElsewhere(file, NOW - 30_000, () => now);
  now = NOW + 10_000;
  assert.equal(elsewhere.current().get("spare")?.failed?.outcome, "server-error");
  now = NOW + 16_000;
  assert.equal(elsewhere.current().has("spare"), false, "nothing else heard of it: it leaves the panel as an expired cooldown does");
  assert.equal(elsewhere.current().get("slow")?.failed?.outcome, "timeout");
  now = NOW + 121_000;
  assert.deepEqual(elsewhere.current().get("slow"), { answers: [[NOW - 1_000, 30]] }, "its answers stay");
});

test("a newer hearth's outcomes (fields this one does not know, more samples) are read as far as they can be, never set aside; a bad entry is skipped, said once", () => {
  const dir = join(temp.dir, "newer");
  const warnings: string[] = [];
  const file = providerOutcomesFile(dir, { now: () => NOW, onWarning: (line) => warnings.push(line) });
  file.save({ home: { answers: [[NOW, 1]] } });
  const many = Array.from({ length: OUTCOME_SAMPLES + 5 }, (_, index) => [NOW + index, index, "cold"]);
  for (let write = 0; write < 3; write++) {
    writeFileSync(join(dir, "provider-outcomes.json"), JSON.stringify({ spare: { answers: many.map(([at, ms]) => [at, ms]), failed: { at: NOW + write, outcome: "timeout", model: "m" }, tokensPerSecond: 30 }, odd: { answers: "none" } }));
    const read = file.load();
    assert.equal(read.spare?.answers.length, OUTCOME_SAMPLES, "the newest kept");
    assert.deepEqual(read.spare?.failed, { at: NOW + write, outcome: "timeout" });
    assert.equal(read.odd, undefined);
  }
  assert.deepEqual(readdirSync(dir).filter((name) => name.includes(".bad-")), []);
  assert.equal(warnings.length, 1, warnings.join("\n"));
  assert.match(warnings[0] ?? "", /odd\.answers: .*that entry is skipped/);
});

test("a provider id longer than the file holds is not written: the command's file is never set aside for it, the other providers' outcomes stay", () => {
  const dir = join(temp.dir, "long-id");
  const warnings: string[] = [];
  const file = providerOutcomesFile(dir, { now: () => NOW, onWarning: (line) => warnings.push(line) });
  const long = "p".repeat(201);
  file.save({ home: { answers: [[NOW, 5]] }, [long]: { answers: [[NOW, 7]] } });
  file.save({ [long]: { answers: [], failed: { at: NOW, outcome: "timeout" } } });
  assert.deepEqual(file.load(), { home: { answers: [[NOW, 5]] } });
  assert.deepEqual(readdirSync(dir).filter((name) => name.includes(".bad-")), []);
  assert.deepEqual(warnings, []);
});
