import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const preload = new URL("./report-rss.mjs", import.meta.url).href;

export interface ProcessSample {
  ms: number;
  rssBytes: number;
}

/** Runs `node <args>` to completion `runs` times; wall time and peak RSS of each run. */
export function measureNodeProcess(args: readonly string[], runs: number, env: NodeJS.ProcessEnv = {}): ProcessSample[] {
  const dir = mkdtempSync(join(tmpdir(), "hearth-bench-"));
  const rssFile = join(dir, "rss");
  const samples: ProcessSample[] = [];
  try {
    for (let run = 0; run < runs; run++) {
      const started = performance.now();
      const result = spawnSync(process.execPath, ["--import", preload, ...args], {
        env: { PATH: process.env.PATH, HOME: dir, ...env, HEARTH_BENCH_RSS_FILE: rssFile },
        encoding: "utf8",
      });
      const ms = performance.now() - started;
      if (result.status !== 0) throw new Error(`node ${args.join(" ")} exited ${result.status}: ${result.stderr}`);
      samples.push({ ms, rssBytes: Number(readFileSync(rssFile, "utf8")) });
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return samples;
}
