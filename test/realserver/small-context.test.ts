// A real server whose context (1,024 tokens) is smaller than the configured window (4,096): its real
// overflow message, the window hearth learns, and a session that keeps going past the window.
import assert from "node:assert/strict";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { HttpClient } from "../../src/ai/http/http-client.js";
import { createOpenAICompletionsAdapter } from "../../src/ai/providers/openai-completions/index.js";
import { windowFromOverflow } from "../../src/ai/server-window.js";
import { modelSpec, run } from "../ai/adapter-contract.js";
import { runCli, tempDir } from "../helpers/run-cli.js";
import { realConfig, type AgentJson } from "./config.js";
import { startRealServer, type RealServer } from "./real-server.js";

describe("llama-server at -c 1024 under a configured contextWindow of 4,096", () => {
  let server: RealServer;
  const temp = tempDir();
  before(async () => {
    server = await startRealServer({ ctx: 1024 });
  });
  after(async () => {
    temp.cleanup();
    await server.kill();
  });

  test("a prompt over the real window fails with the server's own message, classified as overflow, naming the window", async () => {
    const http = new HttpClient();
    try {
      const model = modelSpec("openai-completions", server.baseUrl, { id: server.alias, contextWindow: 4096, maxTokens: 16, apiKey: undefined });
      const outcome = await run(createOpenAICompletionsAdapter({ http }), model, { messages: [{ role: "user", content: "the cat sat on the mat. ".repeat(300) }] });
      assert.equal(outcome.failure?.kind, "context-overflow", outcome.failure?.message);
      assert.match(outcome.failure?.detail ?? "", /^request \(\d+ tokens\) exceeds the available context size \(1024 tokens\)/);
      assert.equal(windowFromOverflow(outcome.failure?.detail ?? ""), 1024);
    } finally {
      http.destroy();
    }
  });

  test("models status --probe reports the real n_ctx (1,024) against the configured 4,096", async () => {
    const file = temp.write("probe.json5", realConfig(server, { contextWindow: 4096 }));
    const result = await runCli(["models", "status", "--probe", "--json", "--config", file]);
    const [entry] = (JSON.parse(result.stdout) as { chain: { servedContext: number | null; toolUse: boolean | null; problems: { title: string }[] }[] }).chain;
    assert.equal(entry?.servedContext, 1024);
    assert.equal(entry?.toolUse, false, "no chat template: ChatML, which cannot render tools");
    assert.match(entry?.problems.map((problem) => problem.title).join("\n") ?? "", /runs the model with 1024 tokens of context, less than contextWindow \(4096\)/);
  });

  test("/status shows the real window", async () => {
    const file = temp.write("status.json5", realConfig(server, { contextWindow: 4096 }));
    const result = await runCli(["agent", "--config", file, "--message", "/status"], { env: { HEARTH_STATE_DIR: join(temp.dir, "status") } });
    assert.match(result.stdout, /window 1,024 tokens/);
  });

  // Depends on the agent-side trim fallback (branch wip/agentturn): when the tiny model cannot write a
  // summary (it writes a story until its limit), the oldest turns are left out of what is sent.
  test("the session keeps going past the real window: every turn answers", async () => {
    const file = temp.write("long.json5", realConfig(server, { contextWindow: 4096, maxTokens: 48 }));
    const env = { HEARTH_STATE_DIR: join(temp.dir, "long") };
    const paragraph = "Lily and Tom went to the park to play with a big red ball and a little dog. ";
    for (let turn = 1; turn <= 10; turn++) {
      const result = await runCli(["agent", "--config", file, "--session", "long", "--json", "--message", `${turn}: ${paragraph.repeat(3)}`], { env });
      assert.equal(result.code, 0, `turn ${turn}: ${result.stderr}${result.stdout}`);
      const answer = JSON.parse(result.stdout) as AgentJson;
      assert.ok(answer.text.length > 0, `turn ${turn} answered`);
    }
  });
});
