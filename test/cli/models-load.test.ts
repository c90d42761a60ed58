import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { FakeServer } from "../fakes/fake-server.js";
import { startLmStudio, type LmStudioOptions } from "../fakes/lmstudio-server.js";
import { runCli, tempDir } from "../helpers/run-cli.js";

describe("hearth models load / unload against a fake LM Studio", () => {
  let lmstudio: FakeServer;
  const options: LmStudioOptions = {
    models: [
      { id: "minimax-m2.1-gs32", loaded: false, maxContextLength: 196608 },
      { id: "qwen/qwen3-4b-2507", loaded: true, loadedContextLength: 4096, maxContextLength: 32768 },
    ],
    loadMs: 50,
  };
  const temp = tempDir();
  let file: string;
  before(async () => {
    lmstudio = await startLmStudio(options);
    file = temp.write(
      "hearth.json5",
      `{ agents: { defaults: { model: "lmstudio/minimax-m2.1-gs32", models: { "lmstudio/minimax-m2.1-gs32": { alias: "Minimax" } } } },
         models: { mode: "replace", providers: { lmstudio: { baseUrl: "${lmstudio.baseUrl}", apiKey: "lmstudio", api: "openai-responses",
           models: [{ id: "minimax-m2.1-gs32", contextWindow: 131072, maxTokens: 8192 }, { id: "qwen/qwen3-4b-2507", contextWindow: 32768 }] } } } }`,
    );
  });
  after(async () => {
    await lmstudio.close();
    temp.cleanup();
  });

  test("load by alias: POST /api/v1/models/load with the contextWindow as context_length; says the load time", async () => {
    const result = await runCli(["models", "load", "Minimax", "--config", file]);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stderr, /Loading minimax-m2\.1-gs32 with 131072 tokens of context…/);
    assert.match(result.stdout, /^Loaded minimax-m2\.1-gs32 in 0\.1 s with 131072 tokens of context\.\n$/);
    const request = lmstudio.requests.find((entry) => entry.path === "/api/v1/models/load");
    assert.deepEqual(request?.body, { model: "minimax-m2.1-gs32", context_length: 131072, echo_load_config: true });
    assert.equal(request?.headers.authorization, "Bearer lmstudio");
    assert.equal(options.models[0]?.loaded, true);
  });

  test("--context and --ttl are sent; --json answers one document", async () => {
    const result = await runCli(["models", "load", "lmstudio/qwen/qwen3-4b-2507", "--context", "16384", "--ttl", "600", "--json", "--config", file]);
    assert.equal(result.code, 0, result.stderr);
    assert.deepEqual(JSON.parse(result.stdout), { loaded: true, model: "qwen/qwen3-4b-2507", instanceId: "qwen/qwen3-4b-2507", loadSeconds: 0.05, contextLength: 16384 });
    assert.deepEqual(lmstudio.requests.at(-1)?.body, { model: "qwen/qwen3-4b-2507", context_length: 16384, ttl: 600, echo_load_config: true });
  });

  test("a context beyond the model's maximum: LM Studio's error and the fix", async () => {
    const result = await runCli(["models", "load", "lmstudio/qwen/qwen3-4b-2507", "--context", "999999", "--config", file]);
    assert.equal(result.code, 1);
    assert.match(result.stderr, /loading qwen\/qwen3-4b-2507 failed: .*exceeds the model's maximum of 32768/);
    assert.match(result.stderr, /fix: .*smaller --context/);
  });

  test("bad input names the flag; an unknown model names the listing command", async () => {
    const bad = await runCli(["models", "load", "Minimax", "--context", "lots", "--config", file]);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--context "lots" is not a positive whole number/);
    const unknown = await runCli(["models", "load", "lmstudio/nope", "--config", file]);
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /models list --local/);
  });

  test("unload: every loaded instance through POST /api/v1/models/unload; again: not loaded, exit 1", async () => {
    const result = await runCli(["models", "unload", "Minimax", "--config", file]);
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdout, "Unloaded minimax-m2.1-gs32.\n");
    assert.deepEqual(lmstudio.requests.at(-1)?.body, { instance_id: "minimax-m2.1-gs32" });
    assert.equal(options.models[0]?.loaded, false);
    const again = await runCli(["models", "unload", "Minimax", "--config", file]);
    assert.equal(again.code, 1);
    assert.match(again.stderr, /minimax-m2\.1-gs32 is not loaded/);
  });

  test("--url names the server directly, without a config", async () => {
    const result = await runCli(["models", "load", "minimax-m2.1-gs32", "--url", lmstudio.url, "--context", "8192"]);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /with 8192 tokens of context/);
  });
});
