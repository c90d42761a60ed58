// LM Studio's native listings answered by the gateway, for a chain whose local model is on Ollama
// (t7-agent #4): whether the model is loaded comes from Ollama's own `GET /api/ps`, asked when a client
// lists — not guessed "loaded". Ollama loads a model on request and unloads it after its keep_alive by
// itself. Through the gateway, a fake Ollama on 127.0.0.1, a manual clock for the look's short memory.
import assert from "node:assert/strict";
import { afterEach, describe, test } from "node:test";
import { parseLmStudioListing } from "../../src/ai/lmstudio/listing.js";
import { startFakeServer, type FakeServer } from "../fakes/fake-server.js";
import { ollamaHandler, type OllamaModel } from "../fakes/ollama-server.js";
import { ManualClock } from "../helpers/manual-clock.js";
import { openAiOverGateway } from "../helpers/openai-over-gateway.js";
import { scriptedModel } from "../helpers/scripted-model.js";
import { testGateway } from "../helpers/test-gateway.js";

interface Listed {
  url: string;
  ollama: FakeServer;
  models: OllamaModel[];
  clock: ManualClock;
  close(): Promise<void>;
}

/** The gateway over a fake Ollama serving `qwen3:8b` (not in memory), as `ref`'s provider (`api`, at `path` of the server). */
async function listedOverOllama(provider: { api: "ollama" | "openai-completions"; path: string }): Promise<Listed> {
  const models: OllamaModel[] = [{ name: "qwen3:8b", parameterSize: "8.2B", quantization: "Q4_K_M", contextLength: 40960 }];
  const native = ollamaHandler(models);
  const chat = scriptedModel(provider.api, () => ({ text: "hi" }));
  const ollama = await startFakeServer((request) => (request.method === "POST" && (request.path === "/api/chat" || request.path === "/v1/chat/completions") ? chat(request) : native(request)));
  const clock = new ManualClock(Date.now());
  const gateway = await testGateway(
    `{
      agents: { defaults: { model: { primary: "home/qwen3:8b" } } },
      models: { mode: "replace", providers: { home: { baseUrl: "${ollama.url}${provider.path}", api: "${provider.api}", models: [{ id: "qwen3:8b", contextWindow: 16384, maxTokens: 1000 }] } } },
    }`,
    { clock },
  );
  const { client, close } = await openAiOverGateway(gateway, [ollama]);
  return { url: client.baseURL.replace(/\/v1$/, ""), ollama, models, clock, close };
}

async function loadedStates(url: string): Promise<{ v1: [string, boolean][]; v0: [string, unknown][] }> {
  const v1 = parseLmStudioListing(await (await fetch(`${url}/api/v1/models`)).json()) ?? [];
  const v0 = ((await (await fetch(`${url}/api/v0/models`)).json()) as { data: { id: string; state: unknown }[] }).data;
  return { v1: v1.map((model) => [model.id, model.loaded]), v0: v0.map((model) => [model.id, model.state]) };
}

describe("GET /api/v1/models: a local model on Ollama is loaded as Ollama's /api/ps says", () => {
  let listed: Listed | undefined;
  afterEach(async () => {
    await listed?.close();
    listed = undefined;
  });

  for (const provider of [
    { name: "Ollama's native API", api: "ollama" as const, path: "" },
    { name: "Ollama's OpenAI-compatible API (/v1)", api: "openai-completions" as const, path: "/v1" },
  ]) {
    test(`${provider.name}: not in memory, then loaded, then unloaded by Ollama — each listing says so, for the model and the agent whose primary it is`, async () => {
      listed = await listedOverOllama(provider);
      const { url, models, clock, ollama } = listed;
      const model = models[0] as OllamaModel;
      assert.deepEqual(await loadedStates(url), { v1: [["hearth", false], ["home/qwen3:8b", false]], v0: [["hearth", "not-loaded"], ["home/qwen3:8b", "not-loaded"]] });
      // Ollama loads it (a request, another client): the next listing says so.
      model.loadedContext = 16384;
      clock.advance(3_000);
      assert.deepEqual((await loadedStates(url)).v1, [["hearth", true], ["home/qwen3:8b", true]]);
      const one = (await (await fetch(`${url}/api/v0/models/hearth`)).json()) as { state: string };
      assert.equal(one.state, "loaded");
      // Its keep_alive ran out: Ollama unloaded it by itself, and nothing told hearth but /api/ps.
      delete model.loadedContext;
      clock.advance(3_000);
      assert.deepEqual((await loadedStates(url)).v1, [["hearth", false], ["home/qwen3:8b", false]]);
      assert.ok(ollama.requests.some((request) => request.method === "GET" && request.path === "/api/ps"), "asked Ollama's /api/ps");
    });
  }

  test("listings asked at once, or a moment apart, make one look at /api/ps", async () => {
    listed = await listedOverOllama({ api: "ollama", path: "" });
    const { url, ollama } = listed;
    await Promise.all(Array.from({ length: 10 }, () => fetch(`${url}/api/v1/models`).then((response) => response.json())));
    await loadedStates(url);
    assert.equal(ollama.requests.filter((request) => request.path === "/api/ps").length, 1);
  });
});
