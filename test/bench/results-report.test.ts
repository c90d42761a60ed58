// The benchmark report `npm run bench` writes: each figure with its median, p99 and ratio to the
// reference measured beside it, the machine and the Node version — in bench/results.md (the table the
// README links) and bench/results.json.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, test } from "node:test";
import { BenchResults, toJson, toMarkdown, type Figure, type Machine } from "../../bench/results.js";
import { repoRoot } from "../helpers/run-cli.js";

describe("the benchmark report", () => {
  const results = new BenchResults();
  results.add({ section: "relay", name: "first event", unit: "ms", samples: [1, 2, 3, 4, 100], reference: { name: "raw read", samples: [1, 1, 1, 1, 50] }, target: "< 1 ms added" });
  results.add({ section: "relay", name: "burst", unit: "ms", samples: [10, 20, 30] });
  results.skip("realserver", "no llama-server here");
  const at = new Date("2026-12-02T03:00:00Z");

  test("JSON: every figure with median, p99, its reference and the ratio; the machine and Node version", () => {
    const report = JSON.parse(toJson(results, at)) as { at: string; machine: Machine; figures: Figure[]; skipped: unknown[] };
    assert.equal(report.at, at.toISOString());
    assert.equal(report.machine.node, process.version);
    assert.ok(report.machine.cpus > 0 && report.machine.cpuModel !== "" && report.machine.memoryGb > 0);
    const [first, second] = report.figures;
    assert.deepEqual({ median: first?.median, reference: first?.reference?.name, ratio: first?.ratio, runs: first?.runs }, { median: 3, reference: "raw read", ratio: 3, runs: 5 });
    assert.ok((first?.p99 ?? 0) > 90, "p99 reaches the slow run");
    assert.equal(second?.ratio, null, "no reference: no ratio, said as null");
    assert.deepEqual(report.skipped, [{ section: "realserver", reason: "no llama-server here" }]);
  });

  test("Markdown: the machine and Node in the heading line, one table row per figure with median, p99, reference and ratio", () => {
    const markdown = toMarkdown(results, at);
    assert.match(markdown, new RegExp(`CPUs .* GB memory · Node ${process.version.replace(/\./g, "\\.")}`));
    assert.match(markdown, /\| figure \| runs \| median \| p99 \| reference \| reference median \| ratio \| target \|/);
    assert.match(markdown, /\| first event \| 5 \| 3\.00 ms \| \d+\.\d ms \| raw read \| 1\.00 ms \| 3\.00× \| < 1 ms added \|/);
    assert.match(markdown, /\| burst \| 3 \| 20\.0 ms \| [\d.]+ ms \| – \| – \| – \|/);
    assert.match(markdown, /## Not run here\n\n- realserver: no llama-server here/);
  });

  test("the README links the table a full run writes, and bench/run.ts writes both files after a run of every section", () => {
    assert.match(readFileSync(join(repoRoot, "README.md"), "utf8"), /\[bench\/results\.md\]\(bench\/results\.md\)/);
    const run = readFileSync(join(repoRoot, "bench/run.ts"), "utf8");
    assert.match(run, /if \(wanted\.length === 0\) \{[\s\S]*writeFileSync\(`\$\{here\}results\.json`, toJson\(results, at\)\);[\s\S]*writeFileSync\(`\$\{here\}results\.md`, toMarkdown\(results, at\)\);/);
  });
});
