// Trial (t3 #9): `usage` said `llamacpp/stories260k  32 calls … 40.2 s (10.5 s + 7.4 s, split known for 10 of
// 30)`: 30 of 32 calls (the 2 that broke before an answer had no time), and a split covering 18 of 40 s
// without saying what the rest was.
import assert from "node:assert/strict";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { runCli, tempDir } from "../helpers/run-cli.js";

const MODEL = "llamacpp/stories260k";
const usage = (input: number, speed?: number) => ({ input, output: 50, cacheRead: 0, cacheWrite: 0, reasoning: 0, estimated: false, ...(speed ? { promptPerSecond: speed } : {}) });
const reply = (id: string, ms: number, speed?: number) => ({
  type: "assistant",
  id,
  at: "2026-11-01T09:00:07.000Z",
  message: { role: "assistant", content: [{ type: "text", text: "ok" }], model: MODEL, api: "openai-completions", stopReason: "stop", usage: usage(1000, speed), cost: 0 },
  attempts: [{ model: MODEL, outcome: "ok", ms, baseUrl: "http://127.0.0.1:8080/v1" }],
});

describe("hearth usage: a local model's calls and time add up", () => {
  const temp = tempDir();
  after(() => temp.cleanup());
  const state = join(temp.dir, "state");
  mkdirSync(join(state, "sessions"), { recursive: true });
  const entries = [
    { type: "session", version: 1, at: "2026-11-01T09:00:00.000Z", agent: "main" },
    { type: "user", id: "u1", at: "2026-11-01T09:00:01.000Z", text: "hello" },
    // Measured: 1000 prompt tokens at 500/s → 2 s prefill, 4 s generation.
    reply("a1", 6000, 500),
    { type: "user", id: "u2", at: "2026-11-01T09:01:00.000Z", text: "again" },
    reply("a2", 5000),
    { type: "user", id: "u3", at: "2026-11-01T09:02:00.000Z", text: "and again" },
    // The server went silent mid-answer for 15 s: a call that broke, with the tokens it had counted.
    { type: "turn-failed", id: "f1", at: "2026-11-01T09:02:20.000Z", error: "silent", cause: "transient", attempts: [{ model: MODEL, outcome: "timeout", ms: 15000, baseUrl: "http://127.0.0.1:8080/v1", usage: usage(800) }] },
  ];
  writeFileSync(join(state, "sessions", "main.jsonl"), entries.map((entry) => JSON.stringify(entry)).join("\n") + "\n");
  const config = temp.write("hearth.json5", `{ models: { providers: { llamacpp: { baseUrl: "http://127.0.0.1:8080/v1", api: "openai-completions", models: [{ id: "stories260k" }] } } } }`);

  test("every call is in the local time, and the time not split is said with its calls", async () => {
    const result = await runCli(["--config", config, "usage"], { env: { HEARTH_STATE_DIR: state } });
    assert.equal(result.code, 0, result.stderr);
    const row = result.stdout.split("\n").find((line) => line.startsWith(MODEL)) ?? result.stdout;
    assert.match(row, /^llamacpp\/stories260k\s+3\s+-\s+1 timeout\s+2800\s+0\s+150\s+\$0\s+26\.0 s \(1 measured: 2\.0 s prefill \+ 4\.0 s generation; 2 not measured: 20\.0 s\)$/, result.stdout);
    const json = JSON.parse((await runCli(["--config", config, "usage", "--json"], { env: { HEARTH_STATE_DIR: state } })).stdout) as { rows: { key: string; calls: number; local: { calls: number; totalMs: number; timedCalls: number } }[] };
    const local = json.rows.find((entry) => entry.key === MODEL);
    assert.equal(local?.calls, 3);
    assert.deepEqual(local?.local, { calls: 3, totalMs: 26000, prefillMs: 2000, generationMs: 4000, timedCalls: 1 });
  });
});
