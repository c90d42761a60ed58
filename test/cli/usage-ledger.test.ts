// `hearth usage` reads who answered from the session ledger, not from today's config: a local reply
// keeps its local time after its provider left the config.
import assert from "node:assert/strict";
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import type { FakeServer } from "../fakes/fake-server.js";
import { startLlamaCpp } from "../fakes/llamacpp-server.js";
import { runCli, tempDir } from "../helpers/run-cli.js";
import { scriptedModel } from "../helpers/scripted-model.js";

describe("hearth usage after the config changed", () => {
  const temp = tempDir();
  let llama: FakeServer;
  before(async () => {
    llama = await startLlamaCpp({ alias: "local-32b", nCtx: 65536, supportsTools: true, completions: scriptedModel("openai-completions", () => ({ text: "Saturday at 10." })) });
  });
  after(async () => {
    await llama.close();
    temp.cleanup();
  });

  test("the reply's entry names the server that answered; usage counts it as local with the provider gone from the config", async () => {
    const state = join(temp.dir, "state");
    const first = temp.write("then.json5", `{ agents: { defaults: { model: "box/local-32b" } }, models: { mode: "replace", providers: { box: { baseUrl: "${llama.baseUrl}", api: "openai-completions", models: [{ id: "local-32b", contextWindow: 65536 }] } } } }`);
    const turn = await runCli(["agent", "--message", "when?", "--config", first], { env: { HEARTH_STATE_DIR: state } });
    assert.equal(turn.code, 0, turn.stderr);
    const [file] = readdirSync(join(state, "sessions")).filter((name) => name.endsWith(".jsonl"));
    const entries = readFileSync(join(state, "sessions", file ?? ""), "utf8").trim().split("\n").map((line) => JSON.parse(line) as { type: string; attempts?: { outcome: string; baseUrl?: string }[] });
    const answered = entries.find((entry) => entry.type === "assistant")?.attempts?.find((attempt) => attempt.outcome === "ok");
    assert.equal(answered?.baseUrl, llama.baseUrl);
    const now = temp.write("now.json5", `{ agents: { defaults: { model: "anthropic/claude-sonnet-4-5" } } }`);
    const usage = await runCli(["usage", "--json", "--config", now], { env: { HEARTH_STATE_DIR: state } });
    assert.equal(usage.code, 0, usage.stderr);
    const report = JSON.parse(usage.stdout) as { rows: { key: string; local: { calls: number } }[]; hostedFallbacks: { calls: number } };
    assert.deepEqual(report.rows.map((row) => [row.key, row.local.calls]), [["box/local-32b", 1]]);
  });
});
