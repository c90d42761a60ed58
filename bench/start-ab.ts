// A/B of the gateway's start: gateways of two (or more) checkouts' builds started in turn, beside a
// bare Node HTTP server, each run to its first 200 on /health (the gateway benchmark's start, same config
// and same fake upstream: bench/sections/gateway.ts), then stopped; the order rotates every round. Per side:
// start time (median, p99), the CPU time the process had used when /health answered (every thread's
// time on a CPU, from /proc: the figure to trust on a shared machine, where other work lengthens wall
// time far more than CPU time), and for the last rounds' processes, kept running, RSS and CPU time 10 s after they answered.
//
//   node --import tsx bench/start-ab.ts <base checkout> [checkout...]   (one given: it against this one)
//
// Each checkout must be built (`npm run build`). HEARTH_START_AB_RUNS (per side, default 20) and
// HEARTH_START_AB_KEPT (processes per side kept for the 10 s figures, default 3) size the run;
// HEARTH_START_AB_NODE_ARGS (e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof") is passed to node for the last
// checkout's gateway only. Linux only (/proc).
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { agent } from "./sections/gateway-requests.js";
import { BARE_SERVER, cpuMs, gatewayArgs, gatewayConfig, spawnUpstream, startRounds, startSide, vmRssBytes } from "./sections/gateway.js";
import { formatMs, median, p99, printTable } from "./stats.js";

const root = new URL("..", import.meta.url).pathname;
if (process.argv.length < 3) {
  console.error("usage: node --import tsx bench/start-ab.ts <base checkout> [checkout...] (one given: it against this checkout; each built with npm run build)");
  process.exit(2);
}
const checkouts = process.argv.length === 3 ? [process.argv[2] as string, root] : process.argv.slice(2);
const runs = Number(process.env.HEARTH_START_AB_RUNS ?? 20);
const kept = Math.min(runs, Number(process.env.HEARTH_START_AB_KEPT ?? 3));
const nodeArgs = (process.env.HEARTH_START_AB_NODE_ARGS ?? "").split(" ").filter((arg) => arg !== "");
/** How long after answering a kept process's RSS and CPU time are read. */
const IDLE_MS = 10_000;

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
const mb = (bytes: number): number => bytes / 1024 / 1024;

const dir = mkdtempSync(join(tmpdir(), "hearth-start-ab-"));
const upstream = await spawnUpstream();
const config = gatewayConfig(dir, upstream.url);
const sides = [
  { name: "node -e (bare http server)", args: ["-e", BARE_SERVER] },
  ...checkouts.map((checkout, index) => ({ name: checkout, args: [...(index === checkouts.length - 1 ? nodeArgs : []), ...gatewayArgs(config, checkout)] })),
].map(startSide);
try {
  await startRounds(sides, { dir, runs, kept, onRound: (run) => process.stdout.write(`\rround ${run + 1} of ${runs}`) });
  const alive = sides.flatMap((side) => side.alive);
  await sleep(Math.min(15_000, Math.max(0, ...alive.map((entry) => entry.at + IDLE_MS - performance.now()))));
  const idle = sides.map((side) => ({ rss: side.alive.map((entry) => mb(vmRssBytes(entry.process.child.pid))), cpu: side.alive.map((entry) => cpuMs(entry.process.child.pid)) }));
  printTable(
    `gateway start A/B, ${runs} runs each, order rotating (spawn to the first 200 on /health; CPU = its threads' time on a CPU by then; idle: ${kept} processes each, ${IDLE_MS / 1000} s after answering)`,
    ["process", "start median", "start p99", "CPU median", "CPU p99", "idle RSS median", "idle RSS max", "idle CPU median"],
    sides.map((side, index) => [side.name, formatMs(median(side.ms)), formatMs(p99(side.ms)), formatMs(median(side.cpu)), formatMs(p99(side.cpu)), `${median(idle[index]?.rss ?? []).toFixed(1)} MB`, `${Math.max(...(idle[index]?.rss ?? [])).toFixed(1)} MB`, formatMs(median(idle[index]?.cpu ?? []))]),
  );
  // Each round's sides ran within a second of each other: the difference in a round is less moved by the machine's load than either figure.
  const base = sides[1];
  if (base) {
    const compared = (figures: readonly number[], baseFigures: readonly number[]): string => {
      const differences = figures.map((ms, run) => ms - (baseFigures[run] ?? Number.NaN));
      const lower = differences.filter((difference) => difference < 0).length;
      return `median ${median(differences) >= 0 ? "+" : ""}${median(differences).toFixed(1)} ms, lower in ${lower} of ${differences.length} rounds`;
    };
    for (const side of sides.slice(2)) console.log(`\n${side.name} against ${base.name}, round by round: CPU ${compared(side.cpu, base.cpu)}; start ${compared(side.ms, base.ms)}`);
  }
  console.log(`\nCPU samples (ms), in run order:\n${sides.map((side) => `${side.name}: ${side.cpu.map((ms) => ms.toFixed(0)).join(" ")}`).join("\n")}`);
} finally {
  await Promise.all(sides.flatMap((side) => side.alive).map((entry) => entry.process.stop()));
  await upstream.stop();
  agent.destroy();
  rmSync(dir, { recursive: true, force: true });
}
