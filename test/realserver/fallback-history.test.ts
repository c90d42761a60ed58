// A real llama-server at -c 1024 whose every request overflows (each message alone is past its
// context, as its tokenizer counts), and a fallback with a 32k window: `hearth agent` turn after turn
// on one session. The fallback is sent every earlier turn — not a history trimmed for the small
// server — the session keeps no trim made for it, and `--json` reports no compaction for those turns.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { startFakeServer, type FakeServer } from "../fakes/fake-server.js";
import { completionsStream } from "../fakes/openai-completions-stream.js";
import { runCli, tempDir } from "../helpers/run-cli.js";
import type { AgentJson } from "./config.js";
import { startRealServer, type RealServer } from "./real-server.js";

describe("llama-server at -c 1024 that every message overflows, and a fallback with a 32k window", () => {
  let server: RealServer;
  let fallback: FakeServer;
  const temp = tempDir();
  before(async () => {
    server = await startRealServer({ ctx: 1024 });
    fallback = await startFakeServer((request) => ({ kind: "sse", frames: completionsStream({ model: "big", text: "Big here.", usage: { input: Math.ceil(JSON.stringify(request.body).length / 4), output: 3 } }) }));
  });
  after(async () => {
    temp.cleanup();
    await fallback.close();
    await server.kill();
  });

  test("hearth agent, six turns: the fallback gets every earlier turn; no trim is saved and --json reports none", async () => {
    const file = temp.write(
      "grow.json5",
      `{ agents: { defaults: { model: { primary: "llama/${server.alias}", fallbacks: ["big/b"] } } },
        models: { mode: "replace", providers: {
          llama: { baseUrl: "${server.baseUrl}", api: "openai-completions", models: [{ id: "${server.alias}", contextWindow: 2048, maxTokens: 256 }] },
          big: { baseUrl: "${fallback.baseUrl}", api: "openai-completions", apiKey: "sk-test-big-0123456789abcdef", models: [{ id: "b", contextWindow: 32000, maxTokens: 512 }] } } } }`,
    );
    const stateDir = join(temp.dir, "state");
    for (let turn = 1; turn <= 6; turn++) {
      const result = await runCli(["agent", "--config", file, "--session", "grow", "--json", "-m", `turn ${turn}: ${"once upon a time there was a little cat who liked to play. ".repeat(40)}`], { env: { HEARTH_STATE_DIR: stateDir } });
      assert.equal(result.code, 0, result.stderr);
      const answer = JSON.parse(result.stdout) as AgentJson & { compaction?: unknown };
      assert.equal(answer.model, "big/b", `turn ${turn}: ${result.stdout}`);
      assert.equal(answer.compaction, undefined, `turn ${turn}: ${JSON.stringify(answer.compaction)}`);
    }
    const last = JSON.stringify(fallback.requests.filter((request) => request.method === "POST").at(-1)?.body);
    for (let turn = 1; turn <= 6; turn++) assert.match(last, new RegExp(`turn ${turn}: `), `turn ${turn} reached the fallback`);
    const types = readFileSync(join(stateDir, "sessions", "grow.jsonl"), "utf8")
      .split("\n")
      .filter((line) => line.trim() !== "")
      .map((line) => (JSON.parse(line) as { type: string }).type);
    assert.deepEqual(
      types.filter((type) => type === "trim" || type === "compaction"),
      [],
      "the session keeps no trim or summary made for the small server",
    );
  });
});
