import assert from "node:assert/strict";
import { mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { completionsStream } from "../fakes/openai-completions-stream.js";
import { startFakeServer, type FakeServer } from "../fakes/fake-server.js";
import { runCli, tempDir } from "../helpers/run-cli.js";

// A call that broke before its answer spent tokens its model charges for: `/status` and `hearth usage`
// price them with the model's cost like any other call (the attack found them counted, unpriced). The
// router keeps the cost on the attempt; a record from before that was kept is priced from the config.

const LONG = "The first part of a long answer, which the server will not finish. ".repeat(6).slice(0, 400);
const PRICES = { input: 300, output: 1500 };

describe("broken calls are priced with their model's cost", () => {
  const temp = tempDir();
  const servers: FakeServer[] = [];
  after(async () => {
    temp.cleanup();
    await Promise.all(servers.map((server) => server.close()));
  });

  test("a priced model breaks mid-answer and a free one answers: the attempt keeps its cost; /status, sessions list and usage count it", async () => {
    const notHere = { kind: "json", status: 404, body: { error: { message: "not here" } } } as const;
    const paid = await startFakeServer((request) => (request.method === "POST" ? { kind: "sse", frames: completionsStream({ reasoning: LONG, text: "never sent", chunkSize: 400 }).slice(0, 2), after: "reset" } : notHere));
    const free = await startFakeServer((request) => (request.method === "POST" ? { kind: "sse", frames: completionsStream({ text: "The answer.", usage: { input: 50, output: 7 } }) } : notHere));
    servers.push(paid, free);
    const state = join(temp.dir, "state");
    const file = temp.write("priced.json5", `{ agents: { defaults: { model: { primary: "paid/m", fallbacks: ["free/b"] } } },
      models: { mode: "replace", providers: {
        paid: { baseUrl: "${paid.baseUrl}", api: "openai-completions", models: [{ id: "m", contextWindow: 32768, maxTokens: 1024, cost: { input: ${PRICES.input}, output: ${PRICES.output}, cacheRead: 0, cacheWrite: 0 } }] },
        free: { baseUrl: "${free.baseUrl}", api: "openai-completions", models: [{ id: "b", contextWindow: 32768, maxTokens: 1024 }] } } } }`);
    const env = { HEARTH_STATE_DIR: state };
    const turn = await runCli(["agent", "--config", file, "-m", "Tell me"], { env });
    assert.equal(turn.code, 0, turn.stderr);

    const entries = readFileSync(join(state, "sessions", "main.jsonl"), "utf8").trim().split("\n").map((line) => JSON.parse(line) as { type: string; attempts?: { outcome: string; usage?: { input: number; output: number }; cost?: number }[] });
    const broken = entries.find((entry) => entry.type === "assistant")?.attempts?.[0];
    assert.equal(broken?.outcome, "stream-broken");
    const usage = broken?.usage ?? { input: 0, output: 0 };
    const cost = (usage.input * PRICES.input + usage.output * PRICES.output) / 1_000_000;
    assert.ok(cost > 0.01, JSON.stringify(broken));
    assert.equal(broken?.cost, cost, "the attempt keeps what it cost at the model's prices");

    const report = await runCli(["usage", "--json", "--config", file], { env });
    const parsed = JSON.parse(report.stdout) as { rows: { key: string; calls: number; cost: number }[]; total: { cost: number } };
    assert.equal(parsed.rows.find((row) => row.key === "paid/m")?.cost, cost, report.stdout);
    assert.equal(parsed.total.cost, cost, "the free answer costs nothing; the broken call its model's price");

    const status = await runCli(["agent", "--config", file, "-m", "/status"], { env });
    assert.equal(status.code, 0, status.stderr);
    assert.match(status.stdout, new RegExp(`· \\$${cost.toFixed(4).replace(".", "\\.")}$`, "m"), status.stdout);
    const list = await runCli(["sessions", "list", "--json"], { env });
    assert.equal((JSON.parse(list.stdout) as { sessions: { key: string; cost: number }[] }).sessions.find((session) => session.key === "main")?.cost, cost);
  });

  test("a record from before the cost was kept, and a turn no model answered: priced at the config's prices", async () => {
    const state = join(temp.dir, "legacy");
    const file = temp.write("legacy.json5", `{ agents: { defaults: { model: { primary: "paid/m" } } },
      models: { mode: "replace", providers: { paid: { baseUrl: "http://127.0.0.1:9/v1", api: "openai-completions", models: [{ id: "m", contextWindow: 32768, maxTokens: 1024, cost: { input: ${PRICES.input}, output: ${PRICES.output}, cacheRead: 0, cacheWrite: 0 } }] } } } }`);
    const usage = (input: number, output: number) => ({ input, output, cacheRead: 0, cacheWrite: 0, reasoning: 0, estimated: false });
    const lines = [
      { type: "session", version: 1, at: "2026-11-01T09:00:00.000Z", agent: "main" },
      { type: "user", id: "u1", at: "2026-11-01T09:00:01.000Z", text: "hello" },
      { type: "turn-failed", id: "f1", at: "2026-11-01T09:00:02.000Z", error: "no model answered", attempts: [{ model: "paid/m", outcome: "stream-broken", ms: 40, usage: usage(100, 200) }], cause: "transient" },
    ];
    mkdirSync(join(state, "sessions"), { recursive: true, mode: 0o700 });
    temp.write("legacy/sessions/main.jsonl", `${lines.map((line) => JSON.stringify(line)).join("\n")}\n`);
    const cost = (100 * PRICES.input + 200 * PRICES.output) / 1_000_000;
    const report = await runCli(["usage", "--json", "--config", file], { env: { HEARTH_STATE_DIR: state } });
    const parsed = JSON.parse(report.stdout) as { rows: { key: string; calls: number; input: number; cost: number }[]; total: { cost: number } };
    assert.deepEqual(parsed.rows.map((row) => [row.key, row.calls, row.input, row.cost]), [["paid/m", 1, 100, cost]], report.stdout);
    const status = await runCli(["agent", "--config", file, "-m", "/status"], { env: { HEARTH_STATE_DIR: state } });
    assert.match(status.stdout, new RegExp(`100 in / 200 out tokens · \\$${cost.toFixed(4).replace(".", "\\.")}$`, "m"), status.stdout);
  });
});
