import assert from "node:assert/strict";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import type { FakeServer } from "../fakes/fake-server.js";
import { startLlamaCpp } from "../fakes/llamacpp-server.js";
import { runCli, tempDir } from "../helpers/run-cli.js";
import { scriptedModel } from "../helpers/scripted-model.js";

const config = (baseUrl: string, api: string) => `{
  agents: { defaults: { model: { primary: "llama/stories260k" } } },
  models: { mode: "replace", providers: { llama: { baseUrl: "${baseUrl}", api: "${api}", models: [{ id: "stories260k", contextWindow: 4096, maxTokens: 256 }] } } },
}`;

describe("what llama-server reports reaches the user: the real n_ctx, and a template without tools", () => {
  let llama: FakeServer;
  const temp = tempDir();
  before(async () => {
    const answer = scriptedModel("openai-completions", () => ({ text: "Once upon a time" }));
    llama = await startLlamaCpp({ alias: "stories260k", nCtx: 1024, supportsTools: false, completions: answer });
  });
  after(async () => {
    temp.cleanup();
    await llama.close();
  });

  test("models status --probe reports the server's 1,024 against a configured 4,096, and that the model cannot use tools", async () => {
    const file = temp.write("status.json5", config(llama.baseUrl, "openai-completions"));
    const json = await runCli(["models", "status", "--probe", "--json", "--config", file]);
    const [entry] = (JSON.parse(json.stdout) as { chain: { servedContext: number | null; toolUse: boolean | null; problems: { severity: string; title: string; fix: string }[] }[] }).chain;
    assert.equal(entry?.servedContext, 1024);
    assert.equal(entry?.toolUse, false);
    const titles = entry?.problems.map((problem) => `${problem.severity}: ${problem.title} — ${problem.fix}`).join("\n") ?? "";
    // The model was trained for 2048 (n_ctx_train, as the real stories260K lists it): llama.cpp gives no slot more, so -c 4096 would fix nothing.
    assert.match(titles, /warn: the server runs the model with 1024 tokens of context, less than contextWindow \(4096\).* — lower models\.providers\.llama → stories260k contextWindow to 1024, or to 2048 \(the most it was trained for\) after restarting llama-server with -c 2048: llama\.cpp gives no request more than the 2048 tokens the model was trained for/);
    assert.match(titles, /warn: this model cannot use tools/);
    const human = await runCli(["models", "status", "--probe", "--config", file]);
    assert.match(human.stdout, /served with 1024 context · no tools/);
  });

  test("the chat says once that tools are off for the model, and sends none; /status shows the real window", async () => {
    const file = temp.write("agent.json5", config(llama.baseUrl, "openai-completions"));
    const env = { HEARTH_STATE_DIR: join(temp.dir, "state") };
    llama.requests.length = 0;
    const result = await runCli(["agent", "--config", file, "--message", "tell me a story"], { env });
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdout, "Once upon a time\n");
    assert.equal(result.stderr.match(/cannot use tools/g)?.length, 1, result.stderr);
    assert.match(result.stderr, /llama\/stories260k cannot use tools \(its chat template cannot render them\); they are off for it/);
    const posts = llama.requests.filter((request) => request.method === "POST" && request.path.endsWith("/chat/completions"));
    assert.equal(posts.length, 1);
    assert.equal((posts[0]?.body as { tools?: unknown }).tools, undefined, "no tools sent to a template that would drop them");
    const status = await runCli(["agent", "--config", file, "--message", "/status"], { env });
    assert.match(status.stdout, /window 1,024 tokens/);
  });
});
