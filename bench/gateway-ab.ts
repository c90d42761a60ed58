// A/B of hearth's own cost per proxied request: gateways of two (or more) checkouts' builds in front of
// one fake upstream (bench/serve-chat.ts), requests interleaved one at a time (each gateway, then
// straight to the upstream), CPU time per request of each gateway process from /proc/<pid>/stat
// (utime + stime) and latency p50/p99 with the straight request's as the reference. CPU per request is
// the robust figure on a shared machine: other processes slow a request's wall time, not its CPU.
//
//   node --import tsx bench/gateway-ab.ts <base checkout> [checkout...]   (one given: it against this one)
//
// Each checkout must be built (`npm run build`). HEARTH_AB_REQUESTS (per side and round, default 400)
// and HEARTH_AB_ROUNDS (default 3) size the run, after HEARTH_AB_WARMUP unmeasured requests a side (default 4,000, as the gateway benchmark's
// WARM_GATEWAY_REQUESTS: a gateway's cost per request keeps falling for thousands of requests while V8
// optimises the code a request runs once — 2.4 ms of CPU a request over the first 1,000 on a loaded
// 2-core machine, 1.0 from the 7,000th; 100 compares cold gateways); HEARTH_AB_NODE_ARGS (e.g. "--cpu-prof
// --cpu-prof-dir=/tmp/prof") is passed to node for the last checkout's gateway only; HEARTH_AB_KEYED=1 gives the
// provider an API key (a made-up one the fake upstream ignores), so that every answer is masked for a secret the
// config knows, as a user's with a hosted key is (without one only key shapes are looked for);
// HEARTH_AB_ANSWER (default 3) is how many times the fake upstream repeats its 27-character answer, in 4-character
// deltas: 3 is ~20 text frames, 30 is ~200 (a long answer, for the cost per streamed chunk to show);
// HEARTH_AB_MODES (default "plain,stream") picks the kinds of request and their order: "plain" non-streaming,
// "stream" streaming, one request at a time; "burst" streaming, HEARTH_AB_BURST (default 100) arrivals at once at
// one side, then at the next (latency is each request's, from its arrival; HEARTH_AB_REQUESTS then counts bursts'
// requests, rounded up to whole bursts, and the warm-up stays one at a time); HEARTH_AB_FLOOR=1 adds the reading
// floor (bench/serve-reading-proxy.ts, a proxy that reads the upstream's stream as hearth must and does nothing
// else) as one more side, measured the same way: what hearth costs beyond reading the stream. Linux only (/proc).
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { agent, chat, ok, request } from "./sections/gateway-requests.js";
import { median, p99 } from "./stats.js";

const root = new URL("..", import.meta.url).pathname;
if (process.argv.length < 3) {
  console.error("usage: node --import tsx bench/gateway-ab.ts <base checkout> [checkout...] (one given: it against this checkout; each built with npm run build)");
  process.exit(2);
}
const checkouts = process.argv.length === 3 ? [process.argv[2] as string, root] : process.argv.slice(2);
const perRound = Number(process.env.HEARTH_AB_REQUESTS ?? 400);
const rounds = Number(process.env.HEARTH_AB_ROUNDS ?? 3);
const warmup = Number(process.env.HEARTH_AB_WARMUP ?? 4_000);
const keyed = process.env.HEARTH_AB_KEYED === "1";
const answerRepeats = Number(process.env.HEARTH_AB_ANSWER ?? 3);
const modes = (process.env.HEARTH_AB_MODES ?? "plain,stream").split(",").filter(Boolean);
const burst = Number(process.env.HEARTH_AB_BURST ?? 100);
const floor = process.env.HEARTH_AB_FLOOR === "1";
for (const mode of modes) {
  if (!["plain", "stream", "burst"].includes(mode)) {
    console.error(`HEARTH_AB_MODES: "${mode}" is not a mode; give a comma-separated list of plain, stream and burst`);
    process.exit(2);
  }
}
/**
 * The made-up key of HEARTH_AB_KEYED (no service's), random-looking as a real one is: a run of digits in it
 * ("0123456789") makes every long number in a line (pino's time) a possible piece of it, at several times the cost.
 */
const BENCH_KEY = "bench-QvXmLpRtKwZcNbYhJfDsAeGqTrUo";
/** Clock ticks a second for /proc/<pid>/stat (getconf CLK_TCK: 100 on Linux). */
const TICKS_PER_SECOND = 100;

interface Started {
  url: string;
  child: ChildProcess;
}

function spawnNode(args: readonly string[], pattern: RegExp, env: NodeJS.ProcessEnv): Promise<Started> {
  const child = spawn(process.execPath, args, { cwd: root, env: { PATH: process.env.PATH, NO_COLOR: "1", ...env }, stdio: ["pipe", "pipe", "inherit"] });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no URL within 20 s from node ${args.join(" ")}`)), 20_000);
    createInterface({ input: child.stdout as NodeJS.ReadableStream }).on("line", (line) => {
      const match = pattern.exec(line);
      if (match?.[1]) {
        clearTimeout(timer);
        resolve({ url: match[1], child });
      }
    });
    child.once("exit", (code) => reject(new Error(`node ${args.join(" ")} exited ${code}`)));
  });
}

/** utime + stime of a process, in ms. */
function cpuMs(pid: number | undefined): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / TICKS_PER_SECOND;
}

function config(dir: string, upstream: string): string {
  const file = join(dir, "hearth.json5");
  writeFileSync(
    file,
    `{
  agents: { defaults: { model: { primary: "local/m" }, models: { "local/m": { alias: "Local" } } } },
  models: { mode: "replace", providers: { local: { baseUrl: "${upstream}/v1", api: "openai-completions",${keyed ? ` apiKey: "${BENCH_KEY}",` : ""} models: [{ id: "m", contextWindow: 1000000, maxTokens: 1024 }] } } },
}`,
  );
  return file;
}

const dir = mkdtempSync(join(tmpdir(), "hearth-ab-"));
const children: ChildProcess[] = [];
try {
  const upstream = await spawnNode(["--import", "tsx", join(root, "bench/serve-chat.ts"), String(answerRepeats)], /^(http:\/\/\S+)$/, {});
  children.push(upstream.child);
  const file = config(dir, upstream.url);
  const gateway = async (name: string, checkout: string, nodeArgs: string[]): Promise<Started> => {
    const state = join(dir, name);
    const started = await spawnNode([...nodeArgs, join(checkout, "bin/hearth"), "gateway", "--port", "0", "--config", file], /web chat at (http:\/\/[^/\s]+)\//, { HOME: state, HEARTH_STATE_DIR: state });
    children.push(started.child);
    return started;
  };
  const extra = process.env.HEARTH_AB_NODE_ARGS?.split(" ").filter(Boolean) ?? [];
  const sides: { name: string; started: Started; url: string }[] = [];
  for (const [index, checkout] of checkouts.entries()) {
    const started = await gateway(`side-${index}`, checkout, index === checkouts.length - 1 ? extra : []);
    sides.push({ name: checkout, started, url: `${started.url}/v1/chat/completions` });
  }
  if (floor) {
    const started = await spawnNode(["--import", "tsx", join(root, "bench/serve-reading-proxy.ts"), upstream.url], /^(http:\/\/\S+)$/, {});
    children.push(started.child);
    sides.push({ name: "reading floor", started, url: `${started.url}/v1/chat/completions` });
  }
  const straight = `${upstream.url}/v1/chat/completions`;
  for (const mode of modes) {
    const stream = mode !== "plain";
    const send = async (url: string): Promise<number> => ok(await request(url, { body: chat("local/m", stream) })).ms;
    /** A burst's requests to one URL, all at once: each one's ms. */
    const sendBurst = (url: string): Promise<number[]> => Promise.all(Array.from({ length: burst }, () => send(url)));
    const ms = sides.map((): number[] => []);
    const straightMs: number[] = [];
    const cpu = sides.map((): number[] => []);
    // Warm-up: JIT and connection pools, not counted.
    for (let i = 0; i < warmup; i++) for (const url of [...sides.map((side) => side.url), straight]) await send(url);
    const steps = mode === "burst" ? Math.ceil(perRound / burst) : perRound;
    const measured = mode === "burst" ? steps * burst : perRound;
    for (let round = 0; round < rounds; round++) {
      const before = sides.map((side) => cpuMs(side.started.child.pid));
      for (let i = 0; i < steps; i++) {
        // A different gateway first each time, so that none always follows another.
        for (let turn = 0; turn < sides.length; turn++) {
          const index = (i + turn) % sides.length;
          const url = sides[index]?.url ?? "";
          if (mode === "burst") ms[index]?.push(...(await sendBurst(url)));
          else ms[index]?.push(await send(url));
        }
        if (mode === "burst") straightMs.push(...(await sendBurst(straight)));
        else straightMs.push(await send(straight));
      }
      sides.forEach((side, index) => cpu[index]?.push((cpuMs(side.started.child.pid) - (before[index] ?? 0)) / measured));
    }
    const label = mode === "plain" ? "non-streaming" : mode === "stream" ? "streaming" : `streaming, bursts of ${burst}`;
    console.log(`${label} (answer x${answerRepeats}): ${rounds} rounds x ${measured} requests a side; straight p50 ${median(straightMs).toFixed(2)} p99 ${p99(straightMs).toFixed(2)} ms`);
    sides.forEach((side, index) => {
      const times = ms[index] ?? [];
      const used = cpu[index] ?? [];
      console.log(
        `  ${side.name}: cpu/request ${used.map((value) => value.toFixed(3)).join(" ")} ms (median ${median(used).toFixed(3)}); ` +
          `latency p50 ${median(times).toFixed(2)} p99 ${p99(times).toFixed(2)} ms; added p50 +${(median(times) - median(straightMs)).toFixed(2)} p99 +${(p99(times) - p99(straightMs)).toFixed(2)}`,
      );
    });
  }
} finally {
  agent.destroy();
  for (const child of children.reverse()) {
    child.stdin?.end();
    child.kill("SIGTERM");
  }
  await new Promise((resolve) => setTimeout(resolve, 500));
  rmSync(dir, { recursive: true, force: true });
}
