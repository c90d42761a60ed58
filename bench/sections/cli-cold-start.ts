import { join } from "node:path";
import { measureNodeProcess } from "../measure-process.js";
import type { BenchResults } from "../results.js";
import { formatMb, formatMs, median, p99, printTable } from "../stats.js";

const root = new URL("../..", import.meta.url).pathname;
const config = join(root, "test/fixtures/configs/brief-hybrid.json5");

/** Cold-process cost of `hearth models list` beside a bare `node -e 0` start, in one run. */
export function benchCliColdStart(results: BenchResults, runs = 30): void {
  const subjects: { name: string; args: string[] }[] = [
    { name: "node -e 0 (bare Node start)", args: ["-e", "0"] },
    { name: "hearth --version", args: [join(root, "bin/hearth"), "--version"] },
    { name: "hearth models list", args: [join(root, "bin/hearth"), "models", "list", "--config", config] },
    { name: "hearth models list --all --json", args: [join(root, "bin/hearth"), "models", "list", "--all", "--json", "--config", config] },
  ];
  const measured = subjects.map((subject) => ({ ...subject, samples: measureNodeProcess(subject.args, runs) }));
  const bare = measured[0]?.samples ?? [];
  const baseline = median(bare.map((sample) => sample.ms));
  for (const result of measured.slice(1)) {
    results.add({ section: "cold process", name: result.name, unit: "ms", samples: result.samples.map((sample) => sample.ms), reference: { name: "node -e 0", samples: bare.map((sample) => sample.ms) }, target: result.name.includes("models list") ? "< 300 ms" : undefined });
    results.add({ section: "cold process", name: `${result.name}: peak RSS`, unit: "MB", samples: result.samples.map((sample) => sample.rssBytes / 1024 / 1024), reference: { name: "node -e 0", samples: bare.map((sample) => sample.rssBytes / 1024 / 1024) }, target: result.name.includes("models list") ? "< 100 MB" : undefined });
  }
  printTable(
    `cold process, ${runs} runs each (target: models list well under 300 ms and 100 MB)`,
    ["command", "median", "p99", "vs bare node", "peak RSS median", "peak RSS max"],
    measured.map((result) => {
      const times = result.samples.map((sample) => sample.ms);
      const rss = result.samples.map((sample) => sample.rssBytes);
      return [result.name, formatMs(median(times)), formatMs(p99(times)), `${(median(times) / baseline).toFixed(2)}x`, formatMb(median(rss)), formatMb(Math.max(...rss))];
    }),
  );
}
