// The gateway's "ready: a model answers" only when the local server really lists the model: LM Studio's
// 200 "Unexpected endpoint" for a wrong baseUrl path, and a JIT-off listing without the model, are setup
// problems with their fix (through a real gateway runtime and a fake LM Studio on 127.0.0.1).
import assert from "node:assert/strict";
import { join } from "node:path";
import { after, test } from "node:test";
import { createGatewayRuntime } from "../../src/cli/gateway-runtime.js";
import { startLmStudio } from "../fakes/lmstudio-server.js";
import { startOllama } from "../fakes/ollama-server.js";
import { startFakeServer } from "../fakes/fake-server.js";
import { tempDir } from "../helpers/run-cli.js";

const temp = tempDir();
const closers: (() => unknown)[] = [];
after(async () => {
  for (const close of closers.reverse()) await close();
  temp.cleanup();
});

async function setupProblems(name: string, provider: string, model: string): Promise<readonly string[]> {
  const home = join(temp.dir, name);
  const file = temp.write(
    `${name}.json5`,
    `{ agents: { defaults: { model: "lmstudio/${model}" } }, models: { mode: "replace", providers: { lmstudio: { ${provider}, models: [{ id: "${model}", contextWindow: 8192, maxTokens: 1024 }] } } } }`,
  );
  const runtime = await createGatewayRuntime({ env: { HOME: home, HEARTH_STATE_DIR: join(home, ".hearth") }, cwd: home, configFlag: file, onWarning: () => undefined });
  closers.push(() => runtime.close());
  await runtime.firstSetupCheck();
  return runtime.port.setupProblems();
}

test("a baseUrl ending in /chat/completions: LM Studio's 200 error is no answer; the setup names the baseUrl to write", async () => {
  const studio = await startLmStudio({ models: [{ id: "m", loaded: true, maxContextLength: 32768 }] });
  closers.push(() => studio.close());
  const problems = await setupProblems("trailing", `baseUrl: "${studio.baseUrl}/chat/completions", api: "openai-completions"`, "m");
  assert.equal(problems.length, 1, problems.join("\n"));
  assert.match(problems[0] ?? "", /answered with an error \(GET \/v1\/chat\/completions\/models answered 200: Unexpected endpoint or method\..*\) — the baseUrl's path is probably wrong \(its path ends in "\/chat\/completions", an endpoint appended to it on every call\): set it to "http:\/\/127\.0\.0\.1:\d+\/v1"/);
  const right = await setupProblems("right", `baseUrl: "${studio.baseUrl}", api: "openai-completions"`, "m");
  assert.deepEqual(right, [], "the same server at its /v1 answers: ready");
});

test("JIT loading off and the model not loaded: the listing lacks it, and the setup says to load it", async () => {
  const studio = await startLmStudio({ models: [{ id: "big", loaded: false, maxContextLength: 32768 }, { id: "other", loaded: true, maxContextLength: 32768 }], jit: false });
  closers.push(() => studio.close());
  const problems = await setupProblems("jitoff", `baseUrl: "${studio.baseUrl}", api: "openai-completions"`, "big");
  assert.equal(problems.length, 1, problems.join("\n"));
  assert.match(problems[0] ?? "", /answered with an error \(it does not list "big" \(it has "other"\)\) — load the model in LM Studio \(with JIT loading off it lists only loaded models: `hearth models load` loads one\)/);
});

test("Ollama's /v1/models: `llama3.2:latest` answers for `llama3.2`; no model pulled (data: null) is a missing model, not the wrong server", async () => {
  const pulled = await startOllama([{ name: "llama3.2:latest", parameterSize: "3.2B", quantization: "Q4_K_M", contextLength: 131072 }]);
  closers.push(() => pulled.close());
  assert.deepEqual(await setupProblems("ollama-tagged", `baseUrl: "${pulled.baseUrl}", api: "openai-completions"`, "llama3.2"), []);
  const empty = await startOllama([]);
  closers.push(() => empty.close());
  const problems = await setupProblems("ollama-empty", `baseUrl: "${empty.baseUrl}", api: "openai-completions"`, "llama3.2");
  assert.equal(problems.length, 1, problems.join("\n"));
  assert.match(problems[0] ?? "", /answered with an error \(it does not list "llama3\.2" \(it lists no model\)\) — pull it \(`ollama pull llama3\.2`\), or correct the id/, "Ollama's words, though the provider is called lmstudio: the server found there says which");
});

test("a llama-server with several models (router mode) that lacks the id: the fix is llama.cpp's, found by its /props", async () => {
  const entry = (id: string) => ({ id, object: "model", created: 1_700_000_000, owned_by: "llamacpp", status: { value: "loaded" } });
  const server = await startFakeServer((request) =>
    request.path === "/v1/models"
      ? { kind: "json", body: { object: "list", data: [entry("qwen3-8b"), entry("gemma-3-4b")] } }
      : request.path === "/props"
        ? { kind: "json", body: { default_generation_settings: { n_ctx: 8192 }, total_slots: 1, chat_template: "" } }
        : { kind: "json", status: 404, body: { error: { code: 404, message: "File Not Found", type: "not_found_error" } } },
  );
  closers.push(() => server.close());
  const problems = await setupProblems("llama-router", `baseUrl: "${server.baseUrl}", api: "openai-completions"`, "qwen3-14b");
  assert.equal(problems.length, 1, problems.join("\n"));
  assert.match(problems[0] ?? "", /it does not list "qwen3-14b" \(it has "qwen3-8b", "gemma-3-4b"\)\) — start llama-server with that model \(its -m\), or use the id its \/v1\/models shows, or correct the id/);
  assert.doesNotMatch(problems[0] ?? "", /LM Studio/);
});

test("a llama-server started with --api-key that refuses hearth's key: the setup line gives the probe's fix, where the key goes", async () => {
  // llama.cpp's server.cpp with --api-key, to a wrong bearer: 401 {"error":{"code":401,"message":"Invalid API Key","type":"authentication_error"}}.
  const server = await startFakeServer(() => ({ kind: "json", status: 401, body: { error: { code: 401, message: "Invalid API Key", type: "authentication_error" } } }));
  closers.push(() => server.close());
  const problems = await setupProblems("key", `baseUrl: "${server.baseUrl}", api: "openai-completions", apiKey: "sk-local"`, "m");
  assert.equal(problems.length, 1, problems.join("\n"));
  assert.match(problems[0] ?? "", /the model server at 127\.0\.0\.1:\d+ answered with an error \(the server refused the API key \(401\)\) — the key is the config's models\.providers\.lmstudio\.apiKey: write a valid one there/, problems[0]);
  assert.doesNotMatch(problems[0] ?? "", /see its log/);
});
