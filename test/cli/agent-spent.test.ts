import assert from "node:assert/strict";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { completionsStream } from "../fakes/openai-completions-stream.js";
import { startFakeServer, type FakeServer } from "../fakes/fake-server.js";
import { runCli, tempDir } from "../helpers/run-cli.js";

// `hearth agent --json`: `usage` is what the answering call used; a call that broke before the fallback
// answered keeps what it spent on its attempt, and `spent` is the turn's total.

/** 400 characters: about 100 tokens by hearth's estimate (four characters a token). */
const LONG = "The first part of a long answer, which the server will not finish. ".repeat(6).slice(0, 400);

describe("hearth agent --json: what a broken attempt spent", () => {
  const temp = tempDir();
  const servers: FakeServer[] = [];
  after(async () => {
    temp.cleanup();
    await Promise.all(servers.map((server) => server.close()));
  });

  test("the broken attempt carries its usage, `usage` is the answer's own, `spent` sums both", async () => {
    const notHere = { kind: "json", status: 404, body: { error: { message: "not here" } } } as const;
    const local = await startFakeServer((request) => (request.method === "POST" ? { kind: "sse", frames: completionsStream({ reasoning: LONG, text: "never sent", chunkSize: 400 }).slice(0, 2), after: "reset" } : notHere));
    const backup = await startFakeServer((request) => (request.method === "POST" ? { kind: "sse", frames: completionsStream({ text: "The answer.", usage: { input: 50, output: 7 } }) } : notHere));
    servers.push(local, backup);
    const file = temp.write("spent.json5", `{ agents: { defaults: { model: { primary: "local/m", fallbacks: ["backup/b"] } } },
      models: { mode: "replace", providers: {
        local: { baseUrl: "${local.baseUrl}", api: "openai-completions", models: [{ id: "m", contextWindow: 32768, maxTokens: 1024 }] },
        backup: { baseUrl: "${backup.baseUrl}", api: "openai-completions", models: [{ id: "b", contextWindow: 32768, maxTokens: 1024 }] } } } }`);
    const result = await runCli(["agent", "--config", file, "--json", "-m", "Tell me"], { env: { HEARTH_STATE_DIR: join(temp.dir, "state") } });
    assert.equal(result.code, 0, result.stderr);
    const out = JSON.parse(result.stdout) as { text: string; usage: { input: number; output: number }; spent?: { input: number; output: number }; attempts: { model: string; outcome: string; usage?: { input: number; output: number } }[] };
    assert.equal(out.text, "The answer.");
    assert.deepEqual([out.usage.input, out.usage.output], [50, 7]);
    const broken = out.attempts[0];
    assert.equal(broken?.outcome, "stream-broken");
    assert.ok(broken.usage && broken.usage.input > 0 && broken.usage.output >= 100, JSON.stringify(out.attempts));
    assert.equal(out.attempts[1]?.usage, undefined);
    assert.deepEqual([out.spent?.input, out.spent?.output], [50 + broken.usage.input, 7 + broken.usage.output]);
  });
});
