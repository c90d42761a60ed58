import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { FakeServer } from "../fakes/fake-server.js";
import { startLlamaCpp } from "../fakes/llamacpp-server.js";
import { startLmStudio, type LmStudioOptions } from "../fakes/lmstudio-server.js";
import { startOllama } from "../fakes/ollama-server.js";
import { startVllm } from "../fakes/vllm-server.js";
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
    assert.match(result.stderr, /fix: the model supports at most 32768 tokens of context \(999999 asked\): load it with --context 32768 or less/, "the maximum LM Studio names, not memory");
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

describe("hearth models load / unload against a server that is not LM Studio", () => {
  test("llama.cpp, Ollama and vLLM: no load request, an error naming the server and its own way (no LM Studio advice)", async () => {
    const servers = [
      // The model was trained for 2,048 tokens (n_ctx_train): llama.cpp gives no request more, so the restart names what it can have.
      { server: await startLlamaCpp({ alias: "local" }), words: /is llama\.cpp's llama-server, not LM Studio[\s\S]*fix: llama-server runs the one model it was started with, and gives no request more than the 2048 tokens it was trained for, whatever -c says \(8192 asked\): restart it with -m \/models\/local\.gguf -c 2048\n/ },
      { server: await startOllama([{ name: "qwen3:32b", parameterSize: "32.8B", quantization: "Q4_K_M", contextLength: 40960 }]), words: /is Ollama, not LM Studio[\s\S]*fix: Ollama loads a model on its first request/ },
      { server: await startVllm({ id: "Qwen/Qwen3-32B", maxModelLen: 32768 }), words: /is vLLM, not LM Studio[\s\S]*--max-model-len 8192/ },
    ];
    try {
      for (const { server, words } of servers) {
        const load = await runCli(["models", "load", "some-model", "--url", server.url, "--context", "8192"]);
        assert.equal(load.code, 1, load.stderr);
        assert.match(load.stderr, words);
        assert.doesNotMatch(load.stderr, /download it in LM Studio|LM Studio older than/);
        const unload = await runCli(["models", "unload", "some-model", "--url", server.url]);
        assert.equal(unload.code, 1, unload.stderr);
        assert.match(unload.stderr, /not LM Studio/);
        assert.deepEqual(server.requests.filter((request) => /load/.test(request.path)).map((request) => request.path), [], "nothing was asked to load or unload");
      }
    } finally {
      await Promise.all(servers.map(({ server }) => server.close()));
    }
  });
});

describe("hearth models load for a configured model its llama-server serves with less context than the config says (t9 #12)", () => {
  test("the fix names a context the model can have, and the config's contextWindow to lower, in the words hearth doctor uses", async () => {
    const server = await startLlamaCpp({ alias: "minimax-m2.1-gs32" });
    const temp = tempDir();
    try {
      const file = temp.write(
        "hearth.json5",
        `{ agents: { defaults: { model: "lmstudio/minimax-m2.1-gs32", models: { "lmstudio/minimax-m2.1-gs32": { alias: "Minimax" } } } },
           models: { mode: "replace", providers: { lmstudio: { baseUrl: "${server.baseUrl}", apiKey: "lmstudio", api: "openai-completions",
             models: [{ id: "minimax-m2.1-gs32", contextWindow: 196608, maxTokens: 8192 }] } } } }`,
      );
      const load = await runCli(["models", "load", "Minimax", "--config", file]);
      assert.equal(load.code, 1, load.stderr);
      assert.match(load.stderr, /fix: llama-server runs the one model it was started with, and gives no request more than the 2048 tokens it was trained for, whatever -c says \(196608 asked\): restart it with -m \/models\/minimax-m2\.1-gs32\.gguf -c 2048, and lower models\.providers\.lmstudio → minimax-m2\.1-gs32 contextWindow to 2048\n/, load.stderr);
      assert.doesNotMatch(load.stderr, /-c 196608/);
      // hearth doctor tells the same story: the config's contextWindow lowered to what the server can give.
      const doctor = await runCli(["doctor", "--config", file]);
      assert.match(doctor.stdout + doctor.stderr, /lower models\.providers\.lmstudio → minimax-m2\.1-gs32 contextWindow to 2048/);
    } finally {
      temp.cleanup();
      await server.close();
    }
  });
});
