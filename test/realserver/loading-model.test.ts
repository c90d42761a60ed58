// llama.cpp's llama-server while it loads its model (t13 #5). The real server is held in its load by
// strace (it delays the server's opening of the model file; Debian's `strace` package — the tests are
// skipped, saying so, where it is missing), so the test decides when the load goes on. While it loads,
// the server answers every path with a 503 "Loading model": hearth must take that as the cold load it is
// — wait for it (the model the user named always), say "loading", cool nothing down — not as an overload.
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { startFakeServer, type FakeServer } from "../fakes/fake-server.js";
import { completionsStream } from "../fakes/openai-completions-stream.js";
import { runCli, tempDir } from "../helpers/run-cli.js";
import type { AgentJson } from "./config.js";
import { canHoldLoad, startLoadingRealServer, type LoadingRealServer } from "./real-server.js";

const LOADING_BODY = '{"error":{"message":"Loading model","type":"unavailable_error","code":503}}';

describe("a real llama-server loading its model", { skip: canHoldLoad() ? false : "strace is not installed (apt-get install strace): it holds the server in its load" }, () => {
  let loading: LoadingRealServer;
  let paid: FakeServer;
  const temp = tempDir();
  before(async () => {
    loading = await startLoadingRealServer();
    paid = await startFakeServer(() => ({ kind: "sse", frames: completionsStream({ text: "from the paid model", usage: { input: 10, output: 3 } }) }));
  });
  after(async () => {
    temp.cleanup();
    await Promise.all([loading.kill(), paid.close()]);
  });

  const config = (): string => `{
    agents: { defaults: { model: { primary: "llama/${loading.alias}", fallbacks: ["paid/m"] } } },
    models: { mode: "replace", providers: {
      llama: { baseUrl: "${loading.baseUrl}", api: "openai-completions", onColdLoad: "fallback", models: [{ id: "${loading.alias}", contextWindow: 2048, maxTokens: 48 }] },
      paid: { baseUrl: "${paid.baseUrl}", api: "openai-completions", models: [{ id: "m", contextWindow: 32000, maxTokens: 48 }] },
    } },
  }`;
  const paidPosts = (): number => paid.requests.filter((request) => request.method === "POST").length;
  const cooling = (state: string): string => {
    const file = join(state, "cooldowns.json");
    return existsSync(file) ? readFileSync(file, "utf8") : "";
  };

  test("what it answers while it loads: 503 \"Loading model\" on every path (/health and /v1/models too), JSON, no Retry-After", async () => {
    const asked = [
      await fetch(`${loading.url}/v1/chat/completions`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ messages: [{ role: "user", content: "hi" }], max_tokens: 4 }) }),
      await fetch(`${loading.url}/health`),
      await fetch(`${loading.url}/v1/models`),
      await fetch(`${loading.url}/props`),
    ];
    for (const response of asked) {
      assert.equal(response.status, 503, response.url);
      assert.equal(response.headers.get("content-type"), "application/json; charset=utf-8");
      assert.equal(response.headers.get("retry-after"), null);
      assert.equal(await response.text(), LOADING_BODY);
    }
  });

  test("with onColdLoad \"fallback\", the next model answers meanwhile: the attempt says it was loading, and nothing cools down", { timeout: 60_000 }, async () => {
    const file = temp.write("hearth.json5", config());
    const state = join(temp.dir, "around");
    const result = await runCli(["agent", "--config", file, "--session", "s", "--json", "--message", "Tell me a story."], { env: { HEARTH_STATE_DIR: state } });
    assert.equal(result.code, 0, result.stderr);
    const answer = JSON.parse(result.stdout) as AgentJson & { notice?: string };
    assert.equal(answer.model, "paid/m");
    assert.deepEqual(answer.attempts.map((attempt) => [attempt.model, attempt.outcome]), [[`llama/${loading.alias}`, "cold-loading"], ["paid/m", "ok"]]);
    assert.equal(answer.notice, `answered by paid/m — llama/${loading.alias} (local server) still loading the model`);
    assert.doesNotMatch(result.stdout, /overloaded/);
    assert.doesNotMatch(cooling(state), new RegExp(`llama/${loading.alias}`), "no cooldown for a model that loads");
  });

  test("the model the user named is waited for (its onColdLoad \"fallback\" aside): said as loading, answered by it once loaded, the paid model never asked", { timeout: 120_000 }, async () => {
    const file = temp.write("hearth.json5", config());
    const state = join(temp.dir, "named");
    const before = paidPosts();
    let said = "";
    // Not --json: the notices go to stderr as they happen.
    const result = await runCli(["agent", "--config", file, "--model", `llama/${loading.alias}`, "--session", "s", "--message", "Tell me a story."], {
      env: { HEARTH_STATE_DIR: state },
      // Once hearth says it waits for the load, the load goes on.
      onStderr: (text) => {
        said += text;
        if (said.includes("— waiting for it")) loading.release();
      },
    });
    assert.equal(result.code, 0, result.stderr);
    assert.ok(result.stdout.trim().length > 0, "the loaded model's story");
    assert.doesNotMatch(result.stdout, /from the paid model/);
    assert.match(result.stderr, new RegExp(`^loading llama/${loading.alias} on the local server — waiting for it$`, "m"));
    assert.doesNotMatch(result.stderr, /answered by|overloaded|trying paid/, "no fallback, no overload");
    assert.equal(paidPosts(), before, "the paid model was never asked");
    assert.doesNotMatch(cooling(state), new RegExp(`llama/${loading.alias}`));
  });
});
