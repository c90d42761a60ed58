// `hearth usage` read only the config file: with none, the built-in default the gateway and `agent` answered
// on was unknown to it — its LM Studio model's replies counted no local time. It now runs on the config in
// use, as the other one-shot commands do (configInUse), and says once that it does.
import assert from "node:assert/strict";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { runCli, tempDir } from "../helpers/run-cli.js";

test("hearth usage with no config file counts the built-in default's local model as local, saying once it runs on that default", async () => {
  const temp = tempDir();
  try {
    const state = join(temp.dir, "state");
    mkdirSync(join(state, "sessions"), { recursive: true });
    const model = "lmstudio/minimax-m2.1-gs32";
    const usage = { input: 100, output: 20, cacheRead: 0, cacheWrite: 0, reasoning: 0, estimated: false };
    const entries = [
      { type: "session", version: 1, at: "2026-11-01T09:00:00.000Z", agent: "main" },
      { type: "user", id: "u1", at: "2026-11-01T09:00:01.000Z", text: "hello" },
      { type: "assistant", id: "a1", at: "2026-11-01T09:00:02.000Z", message: { role: "assistant", content: [{ type: "text", text: "ok" }], model, api: "openai-responses", stopReason: "stop", usage, cost: 0 }, attempts: [{ model, outcome: "ok", ms: 900 }] },
    ];
    writeFileSync(join(state, "sessions", "s.jsonl"), `${entries.map((entry) => JSON.stringify(entry)).join("\n")}\n`);
    const result = await runCli(["usage"], { env: { HOME: temp.dir, HEARTH_STATE_DIR: state } });
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stderr.match(/^hearth: no config file at .*: running on the built-in default/gm)?.length, 1, result.stderr);
    assert.match(result.stdout, /^lmstudio\/minimax-m2\.1-gs32 .* 0\.9 s$/m, "its reply's time counted as local model time");
    const json = await runCli(["usage", "--json"], { env: { HOME: temp.dir, HEARTH_STATE_DIR: state } });
    assert.equal((JSON.parse(json.stdout) as { total: { local: { calls: number } } }).total.local.calls, 1);
  } finally {
    temp.cleanup();
  }
});
