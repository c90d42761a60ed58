// `models status --first-token` judges the first token it times (t12-diag finding 10): a loaded model that
// takes 3.5 s to start a one-line prompt is slow (3 s plus reading about 8 tokens), said with what usually
// causes it; a server whose /slots showed another request at work says this one waited its turn; a model
// that was not loaded took the load too, to time again. An answer that comes at once draws no note. The
// servers' delays are a lower bound on the time measured: the judgement does not depend on this machine.
import assert from "node:assert/strict";
import { after, describe, test } from "node:test";
import type { FakeServer, Reply } from "../fakes/fake-server.js";
import { startFakeServer } from "../fakes/fake-server.js";
import { startLlamaCpp } from "../fakes/llamacpp-server.js";
import { startLmStudio, type LmStudioOptions } from "../fakes/lmstudio-server.js";
import { completionsStream } from "../fakes/openai-completions-stream.js";
import { ollamaStream } from "../fakes/ollama-chat-stream.js";
import { ollamaHandler } from "../fakes/ollama-server.js";
import { responsesStream } from "../fakes/openai-responses-stream.js";
import { runCli, tempDir } from "../helpers/run-cli.js";

const SLOW_MS = 3_500;

interface Entry {
  firstTokenMs: number | null;
  problems: { id: string; severity: string; title: string; fix: string }[];
}

function config(provider: string, body: string): string {
  return `{ agents: { defaults: { model: { primary: "${provider}" } } }, models: { mode: "replace", providers: { ${body} } } }`;
}

describe("models status --first-token: a slow first token is judged", () => {
  const temp = tempDir();
  const servers: FakeServer[] = [];
  after(async () => {
    temp.cleanup();
    for (const server of servers) await server.close();
  });
  const keep = (server: FakeServer): FakeServer => {
    servers.push(server);
    return server;
  };
  const status = async (file: string, json = true): Promise<{ entry: Entry; stdout: string }> => {
    const result = await runCli(["models", "status", "--first-token", ...(json ? ["--json"] : []), "--config", file]);
    if (!json) return { entry: { firstTokenMs: null, problems: [] }, stdout: result.stdout };
    const [entry] = (JSON.parse(result.stdout) as { chain: Entry[] }).chain;
    assert.ok(entry, result.stdout + result.stderr);
    return { entry, stdout: result.stdout };
  };
  const lmStudio = (models: LmStudioOptions["models"], delayMs: number, jit?: LmStudioOptions["jit"]): Promise<FakeServer> =>
    startLmStudio({ models, jit, responses: (): Reply => ({ kind: "sse", headersDelayMs: delayMs, frames: responsesStream({ flavor: "lmstudio", text: "ok", usage: { input: 12, output: 1 } }) }) }).then(keep);
  const lmConfig = (server: FakeServer, id: string): string =>
    config(`lmstudio/${id}`, `lmstudio: { baseUrl: "${server.baseUrl}", apiKey: "lmstudio", api: "openai-responses", models: [{ id: "${id}", contextWindow: 32768, maxTokens: 2048 }] }`);

  test("LM Studio, loaded: 3.5 s is slow for a one-line prompt; the warning names the usual causes", async () => {
    const server = await lmStudio([{ id: "minimax-m2.1-gs32", loaded: true, loadedContextLength: 32768, maxContextLength: 131072 }], SLOW_MS);
    const file = temp.write("lm-slow.json5", lmConfig(server, "minimax-m2.1-gs32"));
    // The JSON and the text of the same judgement, asked at once: each waits the server's delay.
    const [{ entry }, text] = await Promise.all([status(file), status(file, false)]);
    assert.ok((entry.firstTokenMs ?? 0) >= SLOW_MS);
    const slow = entry.problems.find((problem) => problem.id === "first-token-slow");
    assert.equal(slow?.severity, "warn");
    assert.match(slow?.title ?? "", /^slow first token: 3\.\d s for a one-line prompt \(about 8 tokens\) with the model loaded; a loaded model starts such a prompt within 3\.1 s even reading 250 tokens\/s$/);
    assert.match(slow?.fix ?? "", /processed on the CPU .*GPU offload.*-ngl.*ollama ps.*too large for the GPU's memory.*another request holding the server's slot/);
    assert.match(text.stdout, /first token in \d+ ms\n {2}! warn: slow first token: 3\.\d s/);
  });

  test("LM Studio, not loaded: the time includes its load; the info says to time it again", async () => {
    const models: LmStudioOptions["models"] = [{ id: "qwen/qwen3-30b-a3b", loaded: false, maxContextLength: 40960 }];
    const server = await lmStudio(models, 0, { loadMs: SLOW_MS });
    const { entry } = await status(temp.write("lm-cold.json5", lmConfig(server, "qwen/qwen3-30b-a3b")));
    const slow = entry.problems.find((problem) => problem.id === "first-token-slow");
    assert.equal(slow?.severity, "info");
    assert.match(slow?.title ?? "", /^first token after 3\.\d s for a one-line prompt \(about 8 tokens\): the model was not loaded, so this includes loading it$/);
    assert.match(slow?.fix ?? "", /time it again now that it is loaded \(`\S*hearth\S* models status --first-token`\)/);
    // Timed again, loaded now and answering at once: no note.
    const again = await status(temp.write("lm-warm.json5", lmConfig(server, "qwen/qwen3-30b-a3b")));
    assert.equal(models[0]?.loaded, true);
    assert.deepEqual(again.entry.problems.filter((problem) => problem.id === "first-token-slow"), [], JSON.stringify(again.entry));
  });

  test("llama.cpp with its one slot at work on another request: this one waited its turn", async () => {
    const server = keep(
      await startLlamaCpp({
        alias: "qwen3-8b",
        nCtx: 8192,
        supportsTools: true,
        parameters: 8_200_000_000,
        slotStates: () => [{ processing: true, task: 41, promptRead: 5000, decoded: 12 }],
        completions: () => ({ kind: "sse", headersDelayMs: SLOW_MS, frames: completionsStream({ text: "ok" }) }),
      }),
    );
    const file = temp.write("llama.json5", config("llama/qwen3-8b", `llama: { baseUrl: "${server.baseUrl}", api: "openai-completions", models: [{ id: "qwen3-8b", contextWindow: 8192, maxTokens: 1024 }] }`));
    const { entry } = await status(file);
    const slow = entry.problems.find((problem) => problem.id === "first-token-slow");
    assert.match(slow?.title ?? "", /^slow first token: 3\.\d s for a one-line prompt \(about 8 tokens\) with the model loaded;/);
    assert.match(slow?.fix ?? "", /^the server was busy: 1 of its 1 slot was working on another request when asked, so this one waited its turn/);
  });

  test("Ollama, in memory by its /api/ps: judged as loaded; an answer at once draws no note", async () => {
    const native = ollamaHandler([{ name: "qwen3:8b", parameterSize: "8.2B", quantization: "Q4_K_M", contextLength: 40960, loadedContext: 32768 }]);
    let delayMs = SLOW_MS;
    const server = keep(
      await startFakeServer(async (request) => {
        if (request.path !== "/api/chat") return native(request);
        await new Promise((resolve) => setTimeout(resolve, delayMs));
        return ollamaStream({ model: "qwen3:8b", text: "ok" });
      }),
    );
    const file = temp.write("ollama.json5", config("ollama/qwen3:8b", `ollama: { baseUrl: "${server.url}", api: "ollama", models: [{ id: "qwen3:8b", contextWindow: 32768, maxTokens: 2048 }] }`));
    const slow = (await status(file)).entry.problems.find((problem) => problem.id === "first-token-slow");
    assert.match(slow?.title ?? "", /with the model loaded;/);
    delayMs = 0;
    const fast = await status(file);
    assert.deepEqual(fast.entry.problems.filter((problem) => problem.id === "first-token-slow"), []);
  });
});
