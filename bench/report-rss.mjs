// Preloaded into a measured process (node --import): on exit, writes its peak RSS in bytes to the
// file named by HEARTH_BENCH_RSS_FILE.
import { writeFileSync } from "node:fs";

const file = process.env.HEARTH_BENCH_RSS_FILE;
if (file) {
  process.on("exit", () => {
    writeFileSync(file, String(process.resourceUsage().maxRSS * 1024));
  });
}
