import assert from "node:assert/strict";
import { after, describe, test } from "node:test";
import { HttpClient } from "../../src/ai/http/http-client.js";
import { windowFromOverflow } from "../../src/ai/server-window.js";
import { LoadState } from "../../src/models/load-state.js";
import { ServedWindows } from "../../src/models/served-windows.js";
import { startFakeServer, type FakeServer } from "../fakes/fake-server.js";
import { startLlamaCpp } from "../fakes/llamacpp-server.js";
import { startLmStudio } from "../fakes/lmstudio-server.js";
import { modelSpec } from "../ai/adapter-contract.js";
import { ManualClock } from "../helpers/manual-clock.js";
import { createRouting } from "../../src/cli/wire-router.js";
import { servedProblems } from "../../src/ops/status-problems.js";
import { ollamaStream } from "../fakes/ollama-chat-stream.js";
import { resolveText } from "../helpers/config.js";
import { ask, route } from "../helpers/routing.js";

describe("the served window: learned from the servers, the smallest known one used", () => {
  const http = new HttpClient();
  const servers: FakeServer[] = [];
  after(async () => {
    http.destroy();
    await Promise.all(servers.map((server) => server.close()));
  });
  const started = async (server: Promise<FakeServer>): Promise<FakeServer> => {
    const running = await server;
    servers.push(running);
    return running;
  };

  test("llama.cpp: /props gives the slot's n_ctx (1,024 of a configured 4,096) and whether the template renders tools", async () => {
    const server = await started(startLlamaCpp({ alias: "model-x", nCtx: 1024, supportsTools: false }));
    const windows = new ServedWindows(http, undefined);
    const model = modelSpec("openai-completions", server.baseUrl, { contextWindow: 4096 });
    assert.equal(windows.effectiveWindow(model), 4096, "nothing known before asking");
    await windows.refresh(model);
    assert.deepEqual(windows.explain(model), { window: 1024, source: "server" });
    assert.equal(windows.toolsUsable(model), false);
    const asked = server.requests.length;
    await windows.refresh(model);
    assert.equal(server.requests.length, asked, "asked once per process");
  });

  test("a configured window smaller than the served one stays the window", async () => {
    const server = await started(startLlamaCpp({ alias: "model-x", nCtx: 2048, supportsTools: true }));
    const windows = new ServedWindows(http, undefined);
    const model = modelSpec("openai-completions", server.baseUrl, { contextWindow: 1024 });
    await windows.refresh(model);
    assert.deepEqual(windows.explain(model), { window: 1024, source: "configured" });
    assert.equal(windows.reportedWindow(model), 2048);
    assert.equal(windows.toolsUsable(model), true);
  });

  test("vLLM: max_model_len in /v1/models", async () => {
    const server = await started(
      startFakeServer((request) =>
        request.path === "/v1/models"
          ? { kind: "json", body: { object: "list", data: [{ id: "model-x", object: "model", owned_by: "vllm", root: "Qwen/Qwen3-8B", max_model_len: 8192 }] } }
          : { kind: "json", status: 404, body: { detail: "Not Found" } },
      ),
    );
    const windows = new ServedWindows(http, undefined);
    const model = modelSpec("openai-completions", server.baseUrl, { contextWindow: 32768 });
    await windows.refresh(model);
    assert.equal(windows.effectiveWindow(model), 8192);
    assert.equal(server.requests.some((request) => request.path === "/api/show"), false, "Ollama's endpoints are for Ollama");
  });

  test("Ollama: the loaded context from /api/ps, tool support from /api/show", async () => {
    const server = await started(
      startFakeServer((request) => {
        if (request.path === "/api/ps") return { kind: "json", body: { models: [{ name: "model-x:latest", model: "model-x:latest", size: 1, context_length: 4096, expires_at: "2026-01-01T00:05:00Z" }] } };
        if (request.path === "/api/show" && request.method === "POST") return { kind: "json", body: { parameters: "stop \"<|im_end|>\"", capabilities: ["completion"], model_info: { "qwen3.context_length": 40960 } } };
        if (request.path === "/v1/models") return { kind: "json", body: { object: "list", data: [{ id: "model-x", object: "model", owned_by: "library" }] } };
        return { kind: "json", status: 404, body: "404 page not found" };
      }),
    );
    const windows = new ServedWindows(http, undefined);
    const model = modelSpec("openai-completions", server.baseUrl, { id: "model-x", contextWindow: 32768 });
    await windows.refresh(model);
    assert.equal(windows.effectiveWindow(model), 4096);
    assert.equal(windows.toolsUsable(model), false);
  });

  test("Ollama's native API: the window hearth asks for is the one served, up to the model's maximum; what /api/ps loaded before does not count", async () => {
    const server = await started(
      startFakeServer((request) => {
        if (request.path === "/api/ps") return { kind: "json", body: { models: [{ name: "model-x:latest", model: "model-x:latest", size: 1, context_length: 2048, expires_at: "2026-01-01T00:05:00Z" }] } };
        if (request.path === "/api/show" && request.method === "POST") return { kind: "json", body: { parameters: "num_ctx 2048", capabilities: ["completion", "tools"], model_info: { "qwen3.context_length": 40960 } } };
        if (request.path === "/api/chat") return ollamaStream({ text: "hi" });
        return { kind: "json", status: 404, body: "404 page not found" };
      }),
    );
    const windows = new ServedWindows(http, undefined);
    const fits = modelSpec("ollama", server.baseUrl, { id: "model-x", contextWindow: 8192 });
    await windows.refresh(fits);
    assert.deepEqual(windows.explain(fits), { window: 8192, source: "configured" });
    assert.equal(windows.toolsUsable(fits), true);
    assert.deepEqual(servedProblems(fits, { servedContext: windows.reportedWindow(fits), toolUse: true }), [], "no advice to restart the server with a larger num_ctx");
    const tooLarge = modelSpec("ollama", server.baseUrl, { id: "model-x", contextWindow: 65536 });
    const capped = new ServedWindows(http, undefined);
    await capped.refresh(tooLarge);
    assert.deepEqual(capped.explain(tooLarge), { window: 40960, source: "server" }, "the model's maximum is the ceiling");
    assert.match(servedProblems(tooLarge, { servedContext: capped.reportedWindow(tooLarge), toolUse: true })[0]?.fix ?? "", /^lower models\.providers\.test → model-x contextWindow to 40960$/);

    // What is sent: num_ctx = min(contextWindow, the model's maximum).
    const routing = createRouting({ http, clock: new ManualClock() });
    const chain = resolveText(`{ agents: { defaults: { model: { primary: "ollama/model-x" } } },
      models: { mode: "replace", providers: { ollama: { baseUrl: "${server.baseUrl}", api: "ollama", models: [{ id: "model-x", contextWindow: 65536 }] } } } }`).chain.map((entry) => entry.model);
    const model = chain[0];
    assert.ok(model);
    await routing.windows.refresh(model);
    const result = await route(routing.router, { chain, context: ask });
    assert.deepEqual(result.outcomes, ["ollama/model-x ok"]);
    const sent = server.requests.filter((request) => request.path === "/api/chat").at(-1)?.body as { options?: { num_ctx?: number } } | undefined;
    assert.equal(sent?.options?.num_ctx, 40960);
  });

  test("LM Studio: the loaded context and trained_for_tool_use, through its native listing", async () => {
    const server = await started(startLmStudio({ models: [{ id: "model-x", loaded: true, loadedContextLength: 4096, maxContextLength: 196608 }] }));
    const windows = new ServedWindows(http, new LoadState(http, new ManualClock()));
    const model = modelSpec("openai-responses", server.baseUrl, { contextWindow: 196608 });
    await windows.refresh(model);
    assert.equal(windows.effectiveWindow(model), 4096);
    assert.equal(windows.toolsUsable(model), true);
    assert.equal(server.requests.some((request) => request.path === "/props"), false, "LM Studio's own listing said it all");
  });

  test("per replica: the replica in use counts, and without one the smallest over the replicas", async () => {
    const small = await started(startLlamaCpp({ alias: "model-x", nCtx: 1024 }));
    const large = await started(startLlamaCpp({ alias: "model-x", nCtx: 2048 }));
    const windows = new ServedWindows(http, undefined);
    const model = modelSpec("openai-completions", large.baseUrl, { contextWindow: 4096, replicas: [large.baseUrl, small.baseUrl] });
    await windows.refresh(model);
    assert.equal(windows.effectiveWindow(model, large.baseUrl), 2048);
    assert.equal(windows.effectiveWindow(model, small.baseUrl), 1024);
    assert.equal(windows.effectiveWindow(model), 1024);
  });

  test("an overflow message teaches the window it names, for that replica", () => {
    const windows = new ServedWindows(http, undefined);
    const model = modelSpec("openai-completions", "http://127.0.0.1:9/v1", { contextWindow: 4096 });
    const learned = windows.learnFromOverflow(model, model.baseUrl, {
      kind: "context-overflow",
      message: "test/model-x (POST /chat/completions) answered 400: request (1060 tokens) exceeds the available context size (1024 tokens), try increasing it",
    });
    assert.equal(learned, 1024);
    assert.deepEqual(windows.explain(model), { window: 1024, source: "overflow" });
  });

  test("each server's overflow wording gives its number", () => {
    const cases: [string, number | undefined][] = [
      ["request (1060 tokens) exceeds the available context size (1024 tokens), try increasing it", 1024], // llama.cpp
      ["input (3000 tokens) is larger than the max context size (2048 tokens). skipping", 2048], // llama.cpp, no context shift
      ["Trying to keep the first 5228 tokens when context the overflows. However, the model is loaded with context length of only 4096 tokens, which is not enough.", 4096], // LM Studio
      ["n_keep: 5228 >= n_ctx: 4096", 4096], // LM Studio's llama.cpp engine
      ["This model's maximum context length is 8192 tokens. However, you requested 9000 tokens.", 8192], // vLLM
      ["the input (5000 tokens) is longer than the model's context length (4096)", 4096], // Ollama
      ["prompt is too long: 210000 tokens > 200000 maximum", 200000], // Anthropic
    ];
    for (const [text, window] of cases) assert.equal(windowFromOverflow(text), window, text);
  });
});

describe("served-context-small: the fix in the words of the server found there", () => {
  const model = modelSpec("openai-completions", "http://127.0.0.1:8000/v1", { id: "model-x", contextWindow: 32768 });
  const fix = (facts: { kind?: "llamacpp" | "vllm" | "ollama"; trained?: number }): string =>
    servedProblems(model, { servedContext: 8192, toolUse: true, ...facts }).find((problem) => problem.id === "served-context-small")?.fix ?? "";

  test("a known server gets only its own flag; an unknown one each server's", () => {
    assert.equal(fix({ kind: "vllm" }), "restart the server with a larger context (vLLM: --max-model-len 32768); 32768 must be within what the model supports (its model card's context length), or the server refuses it, or lower contextWindow to 8192");
    assert.match(fix({}), /^restart the server with a larger context \(llama\.cpp: -c 32768; vLLM: --max-model-len 32768; Ollama: num_ctx 32768\); 32768 must be within/);
  });

  test("where llama.cpp says the trained context and the window fits it, no word of a maximum the server does not know", () => {
    assert.equal(fix({ kind: "llamacpp", trained: 40960 }), "restart the server with a larger context (llama.cpp: -c 32768), or lower contextWindow to 8192");
    assert.match(fix({ kind: "llamacpp", trained: 16384 }), /^lower models\.providers\.test → model-x contextWindow to 8192, or to 16384 \(the most it was trained for\)/);
  });
});
