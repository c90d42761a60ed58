import { join } from "node:path";
import { measureNodeProcess } from "../measure-process.js";
import { formatMb, formatMs, median, p99, printTable } from "../stats.js";

const root = new URL("../..", import.meta.url).pathname;
const config = join(root, "test/fixtures/configs/brief-hybrid.json5");

/** Cold-process cost of `hearth models list` beside a bare `node -e 0` start, in one run. */
export function benchCliColdStart(runs = 30): void {
  const subjects: { name: string; args: string[] }[] = [
    { name: "node -e 0 (bare Node start)", args: ["-e", "0"] },
    { name: "hearth --version", args: [join(root, "bin/hearth"), "--version"] },
    { name: "hearth models list", args: [join(root, "bin/hearth"), "models", "list", "--config", config] },
    { name: "hearth models list --all --json", args: [join(root, "bin/hearth"), "models", "list", "--all", "--json", "--config", config] },
  ];
  const results = subjects.map((subject) => ({ ...subject, samples: measureNodeProcess(subject.args, runs) }));
  const baseline = median(results[0]?.samples.map((sample) => sample.ms) ?? []);
  printTable(
    `cold process, ${runs} runs each (target: models list well under 300 ms and 100 MB)`,
    ["command", "median", "p99", "vs bare node", "peak RSS median", "peak RSS max"],
    results.map((result) => {
      const times = result.samples.map((sample) => sample.ms);
      const rss = result.samples.map((sample) => sample.rssBytes);
      return [result.name, formatMs(median(times)), formatMs(p99(times)), `${(median(times) / baseline).toFixed(2)}x`, formatMb(median(rss)), formatMb(Math.max(...rss))];
    }),
  );
}
