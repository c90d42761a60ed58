// The gateway as a process: start to a healthy /health and idle RSS (beside a bare Node HTTP server, and
// another checkout's gateway with HEARTH_BENCH_BASELINE=<its dir>),
// proxy and agent modes (bench/sections/gateway-modes.ts), and
// /health beside 1,000 live event streams (bench/sections/gateway-subscribers.ts), a soak of agent turns across 100 sessions (RSS, event-loop delay, early vs late turns of long sessions).
// The upstream is a fake Chat Completions server in its own process (bench/serve-chat.ts).
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import type { BenchResults } from "../results.js";
import { formatMs, median, p99, printTable } from "../stats.js";
import { freePort } from "../../test/helpers/free-port.js";
import { benchModes } from "./gateway-modes.js";
import { agent, chat, health, ok, request } from "./gateway-requests.js";
import { benchEventSubscribers, SUBSCRIBERS } from "./gateway-subscribers.js";

const root = new URL("../..", import.meta.url).pathname;
const SECTION = "gateway";
/** Soak turns (env HEARTH_BENCH_SOAK_TURNS, at least 100): the issue's 10,000 took about a minute on a loaded 2-core machine. */
const DEFAULT_SOAK_TURNS = 10_000;
const SOAK_SESSIONS = 100;
const SOAK_LONG_SESSIONS = 5;
const SOAK_CONCURRENCY = 8;
const SOAK_DEADLINE_MS = 10 * 60_000;
/**
 * RSS before and after the soak is measured the same way: after this long idle (longer than the
 * gateway takes to give memory back when it goes quiet, src/cli/gateway/idle-memory.ts), the median
 * of RSS_SAMPLES samples a second apart. One sample 2 s after the last turn (as before) caught a
 * sawtooth of garbage not yet collected; the peak while busy is reported beside it. The release comes
 * 10–16 s into the quiet (idle seen over 4 checks 2 s apart, then 3 more before its full collection;
 * traced once a second: 225 MB until 10 s, 78 MB from 15 s, flat to 90 s): 12 s caught it before the
 * release in some runs (+44.5 MB one run, −3.8 MB the next), so 25 s.
 */
const RSS_IDLE_MS = 25_000;
const RSS_SAMPLES = 5;

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
const mb = (bytes: number): number => bytes / 1024 / 1024;

export interface Child {
  url: string;
  child: ChildProcess;
  stdout(): string;
  /** SIGTERM (SIGKILL after 15 s); resolves with everything the process printed. */
  stop(): Promise<string>;
}

/**
 * Spawns `node args`, resolves once a line of its stdout matches `pattern` (first group: the URL), within
 * `timeoutMs` — or at once with `pattern.url`, for a process whose address is known before it prints anything.
 */
export async function spawnNode(args: readonly string[], pattern: RegExp | { url: string }, env: NodeJS.ProcessEnv, timeoutMs = 20_000): Promise<Child> {
  const child = spawn(process.execPath, args, { cwd: root, env: { PATH: process.env.PATH, NO_COLOR: "1", ...env }, stdio: ["pipe", "pipe", "pipe"] });
  let out = "";
  let err = "";
  child.stderr?.on("data", (chunk: Buffer) => (err += chunk.toString()));
  // "close": the process has exited and its output has all been read (its last lines included).
  const exited = new Promise<void>((resolve) => child.once("close", () => resolve()));
  const url = await new Promise<string>((resolve, reject) => {
    if (!(pattern instanceof RegExp)) {
      createInterface({ input: child.stdout as NodeJS.ReadableStream }).on("line", (line) => (out += `${line}\n`));
      return resolve(pattern.url);
    }
    const timer = setTimeout(() => reject(new Error(`no URL within ${timeoutMs} ms from node ${args.join(" ")}\n${out}\n${err}`)), timeoutMs);
    createInterface({ input: child.stdout as NodeJS.ReadableStream }).on("line", (line) => {
      out += `${line}\n`;
      const match = pattern.exec(line);
      if (match?.[1]) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    });
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`node ${args.join(" ")} exited ${code}\n${out}\n${err}`));
    });
  }).catch((error: unknown) => {
    child.kill("SIGKILL");
    throw error;
  });
  let stopping: Promise<string> | undefined;
  return {
    url,
    child,
    stdout: () => out,
    stop: () =>
      (stopping ??= (async () => {
        if (child.exitCode === null && child.signalCode === null) {
          child.stdin?.end();
          child.kill("SIGTERM");
          const killer = setTimeout(() => child.kill("SIGKILL"), 15_000);
          await exited;
          clearTimeout(killer);
        }
        return out;
      })()),
  };
}

export const spawnUpstream = (): Promise<Child> => spawnNode(["--import", "tsx", join(root, "bench/serve-chat.ts")], /^(http:\/\/\S+)$/, {});

const URL_LINE = /web chat at (http:\/\/[^/\s]+)\//;
/** The reference: a bare Node HTTP server started the same way and asked the same /health. */
export const BARE_SERVER = `require("http").createServer((q,s)=>s.end('{"status":"ok"}')).listen(Number(process.env.BENCH_PORT??0),"127.0.0.1",function(){console.log("web chat at http://127.0.0.1:"+this.address().port+"/")})`;

/** Does nothing but measure its event loop's delay (as HEARTH_LOOP_LAG does in the gateway) until its stdin ends or SIGTERM, and prints it as it exits (and at SIGUSR2, starting afresh). */
const IDLE_LOOP_LAG = `const h=require("perf_hooks").monitorEventLoopDelay({resolution:10});h.enable();const ms=(ns)=>Math.max(0,ns/1e6-10).toFixed(2);const line=()=>console.log("event-loop delay: p50 "+ms(h.percentile(50))+" ms, p99 "+ms(h.percentile(99))+" ms, max "+ms(h.max)+" ms");console.log("idle reference ready");process.stdin.resume();process.on("SIGUSR2",()=>{line();h.reset()});process.on("SIGTERM",()=>process.exit(0));process.on("exit",()=>{h.disable();line()})`;

export function vmRssBytes(pid: number | undefined): number {
  const line = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  return Number(line?.[1] ?? Number.NaN) * 1024;
}


/** Clock ticks a second in /proc/<pid>/stat (getconf CLK_TCK: 100 on Linux). */
const TICKS_PER_SECOND = 100;

/**
 * The CPU time a process has used so far, in ms: what other work on the machine does not lengthen as it
 * lengthens wall time. The sum over its threads of the time on a CPU (/proc/<pid>/task/<tid>/schedstat, in
 * ns: the ticks of utime + stime are 10 ms); utime + stime of /proc/<pid>/stat where schedstat is not kept.
 */
export function cpuMs(pid: number | undefined): number {
  try {
    let ns = 0;
    for (const task of readdirSync(`/proc/${pid}/task`)) ns += Number(readFileSync(`/proc/${pid}/task/${task}/schedstat`, "utf8").split(" ")[0]);
    if (Number.isFinite(ns) && ns > 0) return ns / 1e6;
  } catch {
    // a thread gone between the listing and its read, or no schedstat: the process's ticks below
  }
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  // Fields after the command name (which may hold spaces), from the state (field 3): utime is field 14, stime 15.
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / TICKS_PER_SECOND;
}

/** Spawn to the first 200 on /health (polled every 2 ms, bounded by 20 s); the CPU time the process had used when it answered. */
export async function startToHealthy(args: readonly string[], env: NodeJS.ProcessEnv): Promise<{ process: Child; ms: number; cpuMs: number }> {
  // A port chosen before the spawn (in place of `--port 0`; the bare server's BENCH_PORT): /health is asked from the
  // spawn on, not from a line the process prints (the gateway's banner waits for its first look at the model servers).
  const port = await freePort();
  const chosen = args.map((arg, index) => (arg === "0" && args[index - 1] === "--port" ? String(port) : arg));
  const url = `http://127.0.0.1:${port}`;
  const started = performance.now();
  const child = await spawnNode(chosen, { url }, { ...env, BENCH_PORT: String(port) });
  while (performance.now() - started < 20_000 && child.child.exitCode === null) {
    const status = await request(`${url}/health`, { timeoutMs: 2_000 }).then((reply) => reply.status, () => 0);
    if (status === 200) return { process: child, ms: performance.now() - started, cpuMs: cpuMs(child.child.pid) };
    await sleep(2);
  }
  const said = await child.stop();
  throw new Error(`no healthy /health within 20 s at ${url} (node ${chosen.join(" ")})\n${said}`);
}


/** `gateway`: a gateway section for the file (the event streams' figure allows more streams than the default). */
export function gatewayConfig(dir: string, upstream: string, gateway?: { name: string; section: string }): string {
  const file = join(dir, gateway ? `hearth-${gateway.name}.json5` : "hearth.json5");
  writeFileSync(
    file,
    `{${gateway ? `\n  gateway: ${gateway.section},` : ""}
  agents: { defaults: { model: { primary: "local/m" }, models: { "local/m": { alias: "Local" } } } },
  models: { mode: "replace", providers: { local: { baseUrl: "${upstream}/v1", api: "openai-completions", models: [{ id: "m", contextWindow: 1000000, maxTokens: 1024 }, { id: "paced", contextWindow: 1000000, maxTokens: 1024 }] } } },
}`,
  );
  return file;
}

/** `checkout`: another hearth checkout to run instead of this one (HEARTH_BENCH_BASELINE). */
export function gatewayArgs(config: string, checkout = root): string[] {
  return [join(checkout, "bin/hearth"), "gateway", "--port", "0", "--config", config];
}


/** One process a start benchmark starts again and again: its start times, CPU times, and the last rounds' processes, kept running. */
export interface StartSide {
  name: string;
  args: string[];
  ms: number[];
  cpu: number[];
  alive: { process: Child; at: number }[];
}

export const startSide = (side: { name: string; args: string[] }): StartSide => ({ ...side, ms: [], cpu: [], alive: [] });

/**
 * Starts each side `runs` times to its first 200 on /health (a state dir of its own each time, under `dir`), the
 * order rotating by run (no side always starts first, or right after another's exit); the last `kept` rounds'
 * processes are kept running (`alive`), the others stopped. `onRound` is told after each round.
 */
export async function startRounds(sides: readonly StartSide[], options: { dir: string; runs: number; kept: number; onRound?: (run: number) => void }): Promise<void> {
  const { dir, runs, kept } = options;
  for (let run = 0; run < runs; run++) {
    for (let turn = 0; turn < sides.length; turn++) {
      const index = (run + turn) % sides.length;
      const side = sides[index] as StartSide;
      const state = join(dir, `start-${run}-${index}`);
      const started = await startToHealthy(side.args, { HOME: state, HEARTH_STATE_DIR: state });
      side.ms.push(started.ms);
      side.cpu.push(started.cpuMs);
      if (run >= runs - kept) side.alive.push({ process: started.process, at: performance.now() });
      else await started.process.stop();
    }
    options.onRound?.(run);
  }
}

/**
 * Start to a healthy /health and idle RSS, beside a bare Node HTTP server; with HEARTH_BENCH_BASELINE
 * (another checkout, built) its gateway too, in the same rounds: before/after side by side in one run.
 */
async function benchStart(results: BenchResults, dir: string, config: string, runs = 12, kept = 3): Promise<void> {
  const baseline = process.env.HEARTH_BENCH_BASELINE;
  const sides = [
    { name: "node -e (bare http server)", args: ["-e", BARE_SERVER] },
    { name: "hearth gateway", args: gatewayArgs(config) },
    ...(baseline ? [{ name: `hearth gateway of ${baseline} (HEARTH_BENCH_BASELINE)`, args: gatewayArgs(config, baseline) }] : []),
  ].map(startSide);
  try {
    await startRounds(sides, { dir, runs, kept });
    // Idle RSS: the last few of each, 10 s after each became healthy.
    const alive = sides.flatMap((side) => side.alive);
    const wait = Math.max(0, ...alive.map((entry) => entry.at + 10_000 - performance.now()));
    await sleep(Math.min(wait, 15_000));
    const measured = sides.map((side) => ({ ...side, rss: side.alive.map((entry) => mb(vmRssBytes(entry.process.child.pid))) }));
    const [bare, gateway, before] = measured as [(typeof measured)[number], (typeof measured)[number], (typeof measured)[number] | undefined];
    results.add({ section: SECTION, name: "start to healthy /health", unit: "ms", samples: gateway.ms, reference: { name: "bare node http server", samples: bare.ms }, target: "< 300 ms" });
    results.add({ section: SECTION, name: "start to healthy /health: CPU time (its threads' time on a CPU)", unit: "ms", samples: gateway.cpu, reference: { name: "bare node http server", samples: bare.cpu } });
    results.add({ section: SECTION, name: "idle RSS after 10 s", unit: "MB", samples: gateway.rss, reference: { name: "bare node http server", samples: bare.rss }, target: "< 70 MB" });
    if (before) {
      results.add({ section: SECTION, name: "start to healthy /health vs HEARTH_BENCH_BASELINE", unit: "ms", samples: gateway.ms, reference: { name: "the baseline checkout", samples: before.ms } });
      results.add({ section: SECTION, name: "start to healthy /health: CPU time vs HEARTH_BENCH_BASELINE", unit: "ms", samples: gateway.cpu, reference: { name: "the baseline checkout", samples: before.cpu } });
      results.add({ section: SECTION, name: "idle RSS after 10 s vs HEARTH_BENCH_BASELINE", unit: "MB", samples: gateway.rss, reference: { name: "the baseline checkout", samples: before.rss } });
    }
    printTable(
      `gateway start, ${runs} runs each (spawn to the first 200 on /health, and the CPU time used by then; idle RSS 10 s later, ${kept} processes each) (target: under 300 ms and 70 MB)`,
      ["process", "start median", "start p99", "vs bare", "CPU median", "idle RSS median", "idle RSS max"],
      measured.map((side) => [side.name, formatMs(median(side.ms)), formatMs(p99(side.ms)), `${(median(side.ms) / median(bare.ms)).toFixed(2)}x`, formatMs(median(side.cpu)), `${median(side.rss).toFixed(1)} MB`, `${Math.max(...side.rss).toFixed(1)} MB`]),
    );
  } finally {
    await Promise.all(sides.flatMap((side) => side.alive).map((entry) => entry.process.stop()));
  }
}

/** Turns per session: a few long ones (a tenth of the turns each… up to half of them), the rest spread evenly. */
function soakPlan(turns: number): number[] {
  const long = Math.max(1, Math.floor(turns / 10));
  const plan = Array.from({ length: SOAK_SESSIONS }, (_, index) => (index < SOAK_LONG_SESSIONS ? long : 0));
  let rest = Math.max(0, turns - long * SOAK_LONG_SESSIONS);
  for (let index = SOAK_LONG_SESSIONS; rest > 0; index = index + 1 >= SOAK_SESSIONS ? SOAK_LONG_SESSIONS : index + 1, rest--) plan[index] = (plan[index] ?? 0) + 1;
  return plan;
}

async function benchSoak(results: BenchResults, dir: string, config: string): Promise<void> {
  const requested = Number(process.env.HEARTH_BENCH_SOAK_TURNS ?? DEFAULT_SOAK_TURNS);
  const turns = Number.isInteger(requested) && requested >= SOAK_SESSIONS ? requested : DEFAULT_SOAK_TURNS;
  const plan = soakPlan(turns);
  const state = join(dir, "soak");
  // An idle Node process measuring its own event-loop delay over the same time: what the loaded machine alone causes.
  const idle = await spawnNode(["-e", IDLE_LOOP_LAG], /^(idle reference ready)$/, {});
  const gateway = await spawnNode(gatewayArgs(config), URL_LINE, { HOME: state, HEARTH_STATE_DIR: state, HEARTH_LOOP_LAG: "1" }).catch(async (error: unknown) => {
    await idle.stop();
    throw error;
  });
  const through = `${gateway.url}/v1/chat/completions`;
  const latencies: number[][] = plan.map(() => []);
  let errors = 0;
  let done = 0;
  const healthIdle: number[] = [];
  const healthLoaded: number[] = [];
  let rssBefore: number[] = [];
  let rssAfter: number[] = [];
  /** RSS right after the last turn (before the idle pause). */
  let rssAtEnd = Number.NaN;
  /** RSS after each tenth of the turns: a plateau or a steady climb. */
  const rssAlong: number[] = [];
  let soakMs = Number.NaN;
  let soakLag = "";
  let idleSoakLag = "";
  try {
    for (let warm = 0; warm < 30; warm++) ok(await request(through, { body: chat("hearth", false, `warm-up ${warm}`), headers: { "x-hearth-session": "soak-warm-up" } }));
    await sleep(2_000);
    for (let probe = 0; probe < 50; probe++) {
      healthIdle.push(await health(gateway.url));
      await sleep(20);
    }
    rssBefore = await idleRss(gateway.child.pid);
    // The event-loop delay of the soak alone (not the warm-up, nor the idle pauses that would dilute it): counted afresh from here.
    await lagMark([gateway, idle]);

    // Each session's turns in order; SOAK_CONCURRENCY turns in flight, always of the sessions least far along.
    const started = performance.now();
    const deadline = started + SOAK_DEADLINE_MS;
    const busy = new Set<number>();
    const next = (): number | undefined => {
      let best: number | undefined;
      let bestShare = 1;
      for (const [session, total] of plan.entries()) {
        const share = (latencies[session]?.length ?? 0) / Math.max(1, total);
        if (!busy.has(session) && (latencies[session]?.length ?? 0) < total && share < bestShare) [best, bestShare] = [session, share];
      }
      return best;
    };
    let soaking = true;
    const prober = (async () => {
      while (soaking && performance.now() < deadline) {
        healthLoaded.push(await health(gateway.url).catch(() => Number.NaN));
        await sleep(100);
      }
    })();
    const worker = async (): Promise<void> => {
      for (let session = next(); session !== undefined && performance.now() < deadline; session = next()) {
        busy.add(session);
        const index = latencies[session]?.length ?? 0;
        const reply = await request(through, { body: chat("hearth", false, `soak turn ${index} of session ${session}: tell me more`), headers: { "x-hearth-session": `soak-${session}` } }).catch(() => undefined);
        if (reply?.status !== 200) errors++;
        latencies[session]?.push(reply?.ms ?? Number.NaN);
        busy.delete(session);
        done++;
        if (done % Math.ceil(turns / 10) === 0) rssAlong.push(mb(vmRssBytes(gateway.child.pid)));
      }
    };
    await Promise.all(Array.from({ length: SOAK_CONCURRENCY }, worker));
    soakMs = performance.now() - started;
    soaking = false;
    await prober;
    rssAtEnd = mb(vmRssBytes(gateway.child.pid));
    [soakLag = "", idleSoakLag = ""] = await lagMark([gateway, idle]);
    rssAfter = await idleRss(gateway.child.pid);
  } finally {
    await Promise.all([gateway.stop(), idle.stop()]);
  }
  const lagLine = /event-loop delay: p50 ([\d.]+) ms, p99 ([\d.]+) ms, max ([\d.]+) ms/;
  const lag = lagLine.exec(soakLag);
  const idleLag = lagLine.exec(idleSoakLag);
  const early: number[] = [];
  const late: number[] = [];
  for (const [session, total] of plan.entries()) {
    if (session >= SOAK_LONG_SESSIONS) continue;
    const tenth = Math.max(1, Math.floor(total / 10));
    const times = latencies[session] ?? [];
    early.push(...times.slice(0, tenth));
    if (times.length === total) late.push(...times.slice(total - tenth));
  }
  const loaded = healthLoaded.filter((value) => !Number.isNaN(value));
  const all = latencies.flat().filter((value) => !Number.isNaN(value));
  const long = plan[0] ?? 0;
  const name = `soak (${done} of ${turns} turns, ${SOAK_SESSIONS} sessions, ${SOAK_LONG_SESSIONS} of ${long} turns, ${SOAK_CONCURRENCY} in flight)`;
  results.add({ section: SECTION, name: `${name}: RSS after (idle ${RSS_IDLE_MS / 1000} s, median of ${RSS_SAMPLES})`, unit: "MB", samples: rssAfter, reference: { name: "RSS before, measured the same way", samples: rssBefore }, target: "within 20 MB of before" });
  results.add({ section: SECTION, name: `${name}: RSS at the busiest (each tenth of the turns, and right after the last)`, unit: "MB", samples: [Math.max(...rssAlong, rssAtEnd)] });
  results.add({ section: SECTION, name: `${name}: agent turn`, unit: "ms", samples: all });
  results.add({ section: SECTION, name: `${name}: long sessions, last 10% of turns`, unit: "ms", samples: late, reference: { name: "first 10%", samples: early }, target: "no slower" });
  results.add({ section: SECTION, name: `${name}: /health under load`, unit: "ms", samples: loaded, reference: { name: "/health idle", samples: healthIdle } });
  if (lag) results.add({ section: SECTION, name: `${name}: event-loop delay p99 (HEARTH_LOOP_LAG)`, unit: "ms", samples: [Number(lag[2])], reference: idleLag ? { name: "an idle node process beside it", samples: [Number(idleLag[2])] } : undefined, target: "< 20 ms" });
  printTable(
    `gateway soak: ${done} agent turns (of ${turns}; HEARTH_BENCH_SOAK_TURNS) across ${SOAK_SESSIONS} sessions, ${SOAK_LONG_SESSIONS} of them ${long} turns long, in ${(soakMs / 1000).toFixed(1)} s, ${errors} errors (targets: RSS flat within 20 MB, event-loop delay p99 < 20 ms, no slowing)`,
    ["figure", "value"],
    [
      [
        `RSS before / after / change (each: idle ${RSS_IDLE_MS / 1000} s, then the median of ${RSS_SAMPLES} samples 1 s apart)`,
        `${median(rssBefore).toFixed(1)} MB / ${median(rssAfter).toFixed(1)} MB / ${(median(rssAfter) - median(rssBefore) >= 0 ? "+" : "") + (median(rssAfter) - median(rssBefore)).toFixed(1)} MB`,
      ],
      ["RSS after each tenth of the turns, and right after the last (busy)", `${rssAlong.map((value) => value.toFixed(0)).join(", ")} MB; ${rssAtEnd.toFixed(0)} MB`],
      ["agent turn p50 / p99", `${formatMs(median(all))} / ${formatMs(p99(all))}`],
      ["long sessions: first 10% p50 / last 10% p50 (ratio)", `${formatMs(median(early))} / ${formatMs(median(late))} (${(median(late) / median(early)).toFixed(2)}x)`],
      ["/health idle p50 / p99", `${formatMs(median(healthIdle))} / ${formatMs(p99(healthIdle))}`],
      ["/health under load p50 / p99", `${formatMs(median(loaded))} / ${formatMs(p99(loaded))} (${loaded.length} probes)`],
      ["gateway event-loop delay p50 / p99 / max", lag ? `${lag[1]} ms / ${lag[2]} ms / ${lag[3]} ms (the soak's turns; the warm-up and idle pauses apart)` : "not printed"],
      ["idle node process, same time: event-loop delay p50 / p99 / max", idleLag ? `${idleLag[1]} ms / ${idleLag[2]} ms / ${idleLag[3]} ms (the machine's own scheduling delay)` : "not printed"],
    ],
  );
}

/** SIGUSR2 to each (HEARTH_LOOP_LAG): each prints its event-loop delay so far and counts afresh; resolves with the line each printed. */
async function lagMark(children: readonly Child[]): Promise<string[]> {
  const before = children.map((child) => child.stdout().length);
  for (const child of children) child.child.kill("SIGUSR2");
  const lines = children.map(() => "");
  for (const until = performance.now() + 5_000; performance.now() < until && lines.some((line) => line === ""); await sleep(20)) {
    children.forEach((child, index) => (lines[index] = /event-loop delay: .*/.exec(child.stdout().slice(before[index]))?.[0] ?? ""));
  }
  return lines;
}

/** After `RSS_IDLE_MS` with nothing sent, RSS_SAMPLES samples of the process's RSS, a second apart (MB). */
async function idleRss(pid: number | undefined): Promise<number[]> {
  await sleep(RSS_IDLE_MS);
  const samples: number[] = [];
  for (let sample = 0; sample < RSS_SAMPLES; sample++) {
    if (sample > 0) await sleep(1_000);
    samples.push(mb(vmRssBytes(pid)));
  }
  return samples;
}

export async function benchGateway(results: BenchResults): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "hearth-bench-gateway-"));
  const upstream = await spawnUpstream();
  let gateway: Child | undefined;
  let bareProxy: Child | undefined;
  let relay: Child | undefined;
  let readingProxy: Child | undefined;
  try {
    const config = gatewayConfig(dir, upstream.url);
    await benchStart(results, dir, config);
    const state = join(dir, "modes");
    gateway = await spawnNode(gatewayArgs(config), URL_LINE, { HOME: state, HEARTH_STATE_DIR: state });
    bareProxy = await spawnNode(["--import", "tsx", join(root, "bench/serve-proxy.ts"), upstream.url], /^(http:\/\/\S+)$/, {});
    relay = await spawnNode(["--import", "tsx", join(root, "bench/serve-relay.ts"), upstream.url], /^(http:\/\/\S+)$/, {});
    readingProxy = await spawnNode(["--import", "tsx", join(root, "bench/serve-reading-proxy.ts"), upstream.url], /^(http:\/\/\S+)$/, {});
    await benchModes(results, { gateway: gateway.url, upstream: upstream.url, bareProxy: bareProxy.url, relay: relay.url, readingProxy: readingProxy.url });
    await gateway.stop();
    await bareProxy.stop();
    await relay.stop();
    await readingProxy.stop();
    const streamsState = join(dir, "streams");
    const streamsConfig = gatewayConfig(dir, upstream.url, { name: "streams", section: `{ limits: { maxEventSubscribers: ${SUBSCRIBERS} } }` });
    gateway = await spawnNode(gatewayArgs(streamsConfig), URL_LINE, { HOME: streamsState, HEARTH_STATE_DIR: streamsState });
    await benchEventSubscribers(results, gateway.url);
    await gateway.stop();
    await benchSoak(results, dir, config);
  } finally {
    await gateway?.stop();
    await bareProxy?.stop();
    await relay?.stop();
    await readingProxy?.stop();
    await upstream.stop();
    agent.destroy();
    rmSync(dir, { recursive: true, force: true });
  }
}
