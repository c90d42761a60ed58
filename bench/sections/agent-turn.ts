import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { conversationView } from "../../src/agent/build-context.js";
import { contextTokens } from "../../src/agent/context-budget.js";
import { DEFAULT_SYSTEM_PROMPT } from "../../src/agent/system-prompt.js";
import type { SessionEntry } from "../../src/sessions/entries.js";
import { JsonlSessionStore } from "../../src/sessions/jsonl-session-store.js";
import { measureNodeProcess } from "../measure-process.js";
import { spawnStreamServer } from "../spawn-server.js";
import type { BenchResults } from "../results.js";
import { formatMb, formatMs, median, p99, printTable } from "../stats.js";

const root = new URL("../..", import.meta.url).pathname;

function history(turns: number): SessionEntry[] {
  const entries: SessionEntry[] = [{ type: "session", version: 1, at: "2026-01-01T00:00:00.000Z", agent: "main" }];
  for (let turn = 0; turn < turns; turn++) {
    entries.push({ type: "user", id: `u${turn}`, at: "2026-01-01T00:00:00.000Z", text: `Question number ${turn}: ${"tell me more about it. ".repeat(4)}` });
    entries.push({
      type: "assistant",
      id: `a${turn}`,
      at: "2026-01-01T00:00:01.000Z",
      message: {
        role: "assistant",
        content: [{ type: "text", text: `Answer ${turn}: ${"here is what I know. ".repeat(10)}` }],
        model: "local/m",
        api: "openai-completions",
        stopReason: "stop",
        usage: { input: 100 + turn * 50, output: 50, cacheRead: 0, cacheWrite: 0, reasoning: 0, estimated: false },
        cost: 0,
      },
      attempts: [{ model: "local/m", outcome: "ok", ms: 40 }],
    });
  }
  return entries;
}

/** Per-turn cost of assembling the context from 1,000 turns of history, and reading them from disk. */
async function benchContextAssembly(results: BenchResults, runs = 50): Promise<void> {
  const entries = history(1_000);
  const dir = mkdtempSync(join(tmpdir(), "hearth-bench-session-"));
  const store = new JsonlSessionStore(dir);
  await store.append("long", entries);
  const assemble: number[] = [];
  const readAndAssemble: number[] = [];
  try {
    for (let run = 0; run < runs + 5; run++) {
      let started = performance.now();
      const view = conversationView(entries);
      contextTokens({ systemPrompt: DEFAULT_SYSTEM_PROMPT, messages: view.messages });
      const assembled = performance.now() - started;
      started = performance.now();
      const read = (await store.read("long")).entries;
      const fromDisk = conversationView(read);
      contextTokens({ systemPrompt: DEFAULT_SYSTEM_PROMPT, messages: fromDisk.messages });
      const total = performance.now() - started;
      if (run >= 5) {
        assemble.push(assembled);
        readAndAssemble.push(total);
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  results.add({ section: "agent", name: "context assembly, 1,000 turns, in memory", unit: "ms", samples: assemble, target: "< 5 ms" });
  results.add({ section: "agent", name: "context assembly, 1,000 turns, from the session file", unit: "ms", samples: readAndAssemble, reference: { name: "in memory", samples: assemble } });
  printTable(
    `context assembly at 1,000 turns of history, ${runs} runs (target: under 5 ms)`,
    ["step", "median", "p99"],
    [
      ["view + calibrated token count (in memory)", formatMs(median(assemble)), formatMs(p99(assemble))],
      ["read the session (cached after the first read) + the same", formatMs(median(readAndAssemble)), formatMs(p99(readAndAssemble))],
    ],
  );
}

/** A cold `hearth agent` turn against a local fake server in its own process, beside bare Node. */
async function benchColdTurn(results: BenchResults, runs = 20): Promise<void> {
  const server = await spawnStreamServer("openai-completions", 3);
  const dir = mkdtempSync(join(tmpdir(), "hearth-bench-agent-"));
  const config = join(dir, "hearth.json5");
  writeFileSync(config, `{ agents: { defaults: { model: "local/m" } }, models: { mode: "replace", providers: { local: { baseUrl: "${server.url}/v1", api: "openai-completions", models: [{ id: "m" }] } } } }`);
  try {
    const env = { HEARTH_STATE_DIR: join(dir, "state") };
    const bare = measureNodeProcess(["-e", "0"], runs);
    const turn = measureNodeProcess([join(root, "bin/hearth"), "agent", "--config", config, "--message", "hello"], runs, env);
    const row = (name: string, samples: { ms: number; rssBytes: number }[]): string[] => [
      name,
      formatMs(median(samples.map((sample) => sample.ms))),
      formatMs(p99(samples.map((sample) => sample.ms))),
      formatMb(median(samples.map((sample) => sample.rssBytes))),
      formatMb(Math.max(...samples.map((sample) => sample.rssBytes))),
    ];
    const bareNode = { name: "node -e 0", samples: bare.map((sample) => sample.ms) };
    results.add({ section: "agent", name: "cold `hearth agent` turn (local fake server)", unit: "ms", samples: turn.map((sample) => sample.ms), reference: bareNode, target: "< 300 ms" });
    results.add({ section: "agent", name: "cold `hearth agent` turn: peak RSS", unit: "MB", samples: turn.map((sample) => sample.rssBytes / 1024 / 1024), reference: { name: "node -e 0", samples: bare.map((sample) => sample.rssBytes / 1024 / 1024) }, target: "< 120 MB" });
    printTable(
      `cold \`hearth agent\` turn against a local fake server, ${runs} runs (target: under 300 ms and 120 MB; the best-known peer: ~10 s, 1.1 GB)`,
      ["command", "median", "p99", "peak RSS median", "peak RSS max"],
      [row("node -e 0 (bare Node start)", bare), row("hearth agent --message hello", turn)],
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
    await server.stop();
  }
}

export async function benchAgent(results: BenchResults): Promise<void> {
  await benchContextAssembly(results);
  await benchColdTurn(results);
}
