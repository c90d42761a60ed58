// With llama.cpp's real llama-server (../shared/realserver, built once by its setup.sh): how much of each
// turn's prompt the server serves from its prompt cache over a 10-turn session, and a whole
// `hearth agent` process beside `curl` sending the same request body to the same server.
import { execFile, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { startLlamaCpp } from "../../test/fakes/llamacpp-server.js";
import { scriptedModel } from "../../test/helpers/scripted-model.js";
import { startRealServer } from "../../test/realserver/real-server.js";
import type { BenchResults } from "../results.js";
import { formatMs, median, p99, printTable } from "../stats.js";

const root = new URL("../..", import.meta.url).pathname;

/** The llama-server binary and the model's folder, building it on first use; undefined when the scripts are not beside the checkout. */
function locateRealServer(): boolean {
  const scripts = resolve(process.env.REALSERVER_SCRIPTS ?? join(root, "..", "shared", "realserver"));
  if (!existsSync(join(scripts, "setup.sh"))) return false;
  if (!process.env.REALSERVER_BIN) {
    const setup = spawnSync("bash", [join(scripts, "setup.sh")], { stdio: ["ignore", "pipe", "inherit"], encoding: "utf8" });
    if (setup.status !== 0) return false;
    process.env.REALSERVER_BIN = setup.stdout.trim().split("\n").pop() ?? "";
  }
  process.env.REALSERVER_SCRIPTS = scripts;
  return true;
}

const config = (baseUrl: string, alias: string): string => `{
  agents: { defaults: { model: { primary: "llama/${alias}" } } },
  models: { mode: "replace", providers: { llama: { baseUrl: "${baseUrl}", api: "openai-completions", models: [{ id: "${alias}", contextWindow: 2048, maxTokens: 24 }] } } },
}`;

/** Runs bin/hearth without blocking this process's event loop (the capturing fake server lives here). */
function hearth(args: readonly string[], env: NodeJS.ProcessEnv): Promise<{ ms: number; stdout: string }> {
  const started = performance.now();
  return new Promise((resolveRun, reject) => {
    execFile(process.execPath, [join(root, "bin/hearth"), ...args], { env: { PATH: process.env.PATH, HOME: "/nonexistent-home", NO_COLOR: "1", ...env }, encoding: "utf8" }, (error, stdout, stderr) => {
      if (error) reject(new Error(`hearth ${args.join(" ")} failed: ${stderr}`));
      else resolveRun({ ms: performance.now() - started, stdout });
    });
  });
}

async function benchPromptCache(results: BenchResults, dir: string): Promise<void> {
  const server = await startRealServer({ ctx: 2048 });
  try {
    const file = join(dir, "cache.json5");
    writeFileSync(file, config(server.baseUrl, server.alias));
    const env = { HEARTH_STATE_DIR: join(dir, "cache-state") };
    const rows: string[][] = [];
    const shares: number[] = [];
    for (let turn = 1; turn <= 10; turn++) {
      const { stdout } = await hearth(["agent", "--config", file, "--session", "bench", "--json", "--message", `Turn ${turn}: what happened next in the park?`], env);
      const usage = (JSON.parse(stdout) as { usage: { input: number; cacheRead: number } }).usage;
      const prompt = usage.input + usage.cacheRead;
      const share = prompt > 0 ? usage.cacheRead / prompt : 0;
      if (turn >= 2) shares.push(share);
      rows.push([String(turn), String(prompt), String(usage.cacheRead), String(usage.input), `${(share * 100).toFixed(1)}%`]);
    }
    rows.push(["2–10", "", "", "", `min ${(Math.min(...shares) * 100).toFixed(1)}% · median ${(median(shares) * 100).toFixed(1)}%`]);
    results.add({ section: "real llama-server", name: "prompt-cache share, turns 2–10", unit: "%", samples: shares.map((share) => share * 100), target: "≥ 90%" });
    printTable("prompt-cache reuse over a 10-turn session, real llama-server (target: ≥ 90% on turns 2–10; a byte-stable history leaves only the new message to evaluate)", ["turn", "prompt tokens", "from cache", "evaluated (new)", "share"], rows);
  } finally {
    await server.kill();
  }
}

async function benchProcessVsCurl(results: BenchResults, dir: string, runs = 10): Promise<void> {
  const server = await startRealServer({ ctx: 2048 });
  // The exact body hearth sends, captured from a fake llama-server that reports the same template caps.
  const capture = await startLlamaCpp({ alias: server.alias, supportsTools: false, completions: scriptedModel("openai-completions", () => ({ text: "ok" })) });
  try {
    const captureFile = join(dir, "capture.json5");
    writeFileSync(captureFile, config(capture.baseUrl, server.alias));
    const message = "Tell me a story about a cat.";
    await hearth(["agent", "--config", captureFile, "--message", message], { HEARTH_STATE_DIR: join(dir, "capture-state") });
    const body = capture.requests.find((request) => request.method === "POST")?.body;
    const bodyFile = join(dir, "body.json");
    writeFileSync(bodyFile, JSON.stringify(body));
    const file = join(dir, "turn.json5");
    writeFileSync(file, config(server.baseUrl, server.alias));
    const hearthMs: number[] = [];
    const curlMs: number[] = [];
    for (let run = 0; run < runs + 1; run++) {
      // A fresh session each time: the same body as the capture.
      const turn = await hearth(["agent", "--config", file, "--session", `s${run}`, "--message", message], { HEARTH_STATE_DIR: join(dir, "turn-state") });
      const started = performance.now();
      const curl = spawnSync("curl", ["-s", "-N", "-H", "content-type: application/json", "--data-binary", `@${bodyFile}`, `${server.baseUrl}/chat/completions`], { encoding: "utf8" });
      const curled = performance.now() - started;
      if (curl.status !== 0 || !curl.stdout.includes("[DONE]")) throw new Error(`curl failed: ${curl.stderr}`);
      if (run === 0) continue; // warm-up
      hearthMs.push(turn.ms);
      curlMs.push(curled);
    }
    results.add({ section: "real llama-server", name: "whole `hearth agent` process, same body", unit: "ms", samples: hearthMs, reference: { name: "curl", samples: curlMs } });
    printTable(
      `whole \`hearth agent\` process vs curl, same request body, same real server, ${runs} runs`,
      ["client", "median", "p99"],
      [
        ["curl", formatMs(median(curlMs)), formatMs(p99(curlMs))],
        ["hearth agent --message", formatMs(median(hearthMs)), formatMs(p99(hearthMs))],
        ["ratio (hearth / curl)", `${(median(hearthMs) / median(curlMs)).toFixed(1)}×`, ""],
      ],
    );
  } finally {
    await capture.close();
    await server.kill();
  }
}

export async function benchRealServer(results: BenchResults): Promise<void> {
  if (!locateRealServer()) {
    results.skip("real llama-server", "no ../shared/realserver/setup.sh beside the checkout (set REALSERVER_SCRIPTS)");
    console.log("\n## real llama-server: not run (no ../shared/realserver/setup.sh beside the checkout; set REALSERVER_SCRIPTS)");
    return;
  }
  const dir = mkdtempSync(join(tmpdir(), "hearth-bench-real-"));
  try {
    await benchPromptCache(results, dir);
    await benchProcessVsCurl(results, dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
