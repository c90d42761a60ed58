// The trial's case (t12-diag finding 9): LM Studio has the model loaded at 4,096 tokens, its maximum is
// 131,072, and contextWindow says 196,608. A message too large for 4,096 is refused with the brief's fix
// first — raise the server's limit: reload the model — at the model's maximum, never the 196,608 LM Studio
// would refuse; run as printed, the commands load it so, and the same message is answered. Ollama through
// its native API (hearth sends contextWindow as num_ctx): the fix is contextWindow, within the model's
// maximum. Where even the maximum cannot hold the message, the fix says so and names no context.
import assert from "node:assert/strict";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { startFakeServer, type FakeServer } from "../fakes/fake-server.js";
import { startLmStudio, type LmStudioOptions } from "../fakes/lmstudio-server.js";
import { ollamaStream } from "../fakes/ollama-chat-stream.js";
import { ollamaHandler, type OllamaModel } from "../fakes/ollama-server.js";
import { responsesStream } from "../fakes/openai-responses-stream.js";
import { runCli, tempDir } from "../helpers/run-cli.js";

/** About 10,000 tokens (four characters a token). */
const LONG = "The quick brown fox jumps over the lazy dog. ".repeat(900);

function lmConfig(baseUrl: string, model: { id: string; contextWindow: number }): string {
  return `{
    agents: { defaults: { model: { primary: "lmstudio/${model.id}" } } },
    models: { mode: "replace", providers: {
      lmstudio: { baseUrl: "${baseUrl}", apiKey: "lmstudio", api: "openai-responses",
        models: [{ id: "${model.id}", contextWindow: ${model.contextWindow}, maxTokens: 8192 }] } } },
  }`;
}

describe("a message too large for the context LM Studio runs the model with", () => {
  const temp = tempDir();
  const servers: FakeServer[] = [];
  after(async () => {
    temp.cleanup();
    for (const server of servers) await server.close();
  });
  const lmStudio = async (models: LmStudioOptions["models"]): Promise<FakeServer> => {
    const server = await startLmStudio({ models, responses: () => ({ kind: "sse", frames: responsesStream({ flavor: "lmstudio", text: "read it all", usage: { input: 10_300, output: 3 } }) }) });
    servers.push(server);
    return server;
  };
  const posts = (server: FakeServer): number => server.requests.filter((request) => request.path === "/v1/responses").length;

  test("the fix reloads it at its maximum (131,072, not contextWindow's 196,608); run as printed, the message is answered", async () => {
    const models: LmStudioOptions["models"] = [{ id: "minimax-m2.1-gs32", loaded: true, loadedContextLength: 4096, maxContextLength: 131072 }];
    const server = await lmStudio(models);
    const file = temp.write("minimax.json5", lmConfig(server.baseUrl, { id: "minimax-m2.1-gs32", contextWindow: 196608 }));
    const env = { HEARTH_STATE_DIR: join(temp.dir, "minimax") };
    const refused = await runCli(["agent", "--config", file, "-m", LONG], { env });
    assert.equal(refused.code, 1, refused.stdout);
    assert.match(refused.stderr, /the message is too large: about 10,125 tokens, and the largest window in the chain \(lmstudio\/minimax-m2\.1-gs32, 4,096 tokens: what its server runs, contextWindow says 196,608\)/);
    const fix = /Fix: reload the model with 131072 tokens of context, the most it can have \((hearth models unload \S+) && (hearth models load \S+ --context 131072)\) — or split it, or attach it as a file\. Nothing was sent\./.exec(refused.stderr);
    assert.ok(fix, refused.stderr);
    assert.doesNotMatch(refused.stderr, /196608\b/, "never the context LM Studio would refuse");
    assert.equal(posts(server), 0, "nothing was sent");
    for (const command of [fix[1], fix[2]]) {
      const [, ...args] = (command ?? "").split(" ");
      const ran = await runCli([...args, "--config", file], { env });
      assert.equal(ran.code, 0, `${command}: ${ran.stderr}`);
    }
    assert.equal(models[0]?.loadedContextLength, 131072);
    const answered = await runCli(["agent", "--config", file, "-m", LONG], { env });
    assert.equal(answered.code, 0, answered.stderr);
    assert.equal(answered.stdout, "read it all\n");
    assert.equal(posts(server), 1);
  });

  test("loaded at contextWindow, with more to have: the fix loads it larger and raises contextWindow with it", async () => {
    const server = await lmStudio([{ id: "qwen/qwen3-8b", loaded: true, loadedContextLength: 8192, maxContextLength: 40960 }]);
    const file = temp.write("qwen.json5", lmConfig(server.baseUrl, { id: "qwen/qwen3-8b", contextWindow: 8192 }));
    const refused = await runCli(["agent", "--config", file, "-m", LONG], { env: { HEARTH_STATE_DIR: join(temp.dir, "qwen") } });
    assert.match(refused.stderr, /\(lmstudio\/qwen\/qwen3-8b, 8,192 tokens\) leaves about/);
    assert.match(refused.stderr, /Fix: load the model with (\d+) tokens of context \(hearth models load lmstudio\/qwen\/qwen3-8b --context \1, after hearth models unload lmstudio\/qwen\/qwen3-8b where it is loaded\), and raise contextWindow to \1 — or split it, or attach it as a file\./);
    const size = Number(/--context (\d+)/.exec(refused.stderr)?.[1]);
    assert.ok(size > 10_125 && size <= 40960, String(size));
  });

  test("a maximum too small for the message: said so, with no context to load", async () => {
    const server = await lmStudio([{ id: "qwen/qwen3-4b", loaded: true, loadedContextLength: 4096, maxContextLength: 8192 }]);
    const file = temp.write("small.json5", lmConfig(server.baseUrl, { id: "qwen/qwen3-4b", contextWindow: 32768 }));
    const refused = await runCli(["agent", "--config", file, "-m", LONG], { env: { HEARTH_STATE_DIR: join(temp.dir, "small") } });
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /Even the most context lmstudio\/qwen\/qwen3-4b can have \(8,192 tokens, as its server says\) cannot hold it: split it, attach it as a file, or use a model with a larger window\. Nothing was sent\./);
    assert.doesNotMatch(refused.stderr, /--context|models load/);
    assert.equal(posts(server), 0);
  });
});

describe("a message too large for the context hearth asks Ollama for (num_ctx = contextWindow)", () => {
  const temp = tempDir();
  let server: FakeServer | undefined;
  after(async () => {
    temp.cleanup();
    await server?.close();
  });

  test("the fix raises contextWindow within the model's maximum; raised so, the request carries it as num_ctx and is answered", async () => {
    const models: OllamaModel[] = [{ name: "qwen3:8b", parameterSize: "8.2B", quantization: "Q4_K_M", contextLength: 32768 }];
    const native = ollamaHandler(models);
    server = await startFakeServer((request) => (request.path === "/api/chat" ? ollamaStream({ model: "qwen3:8b", text: "read it all" }) : native(request)));
    const config = (contextWindow: number): string => `{
      agents: { defaults: { model: { primary: "ollama/qwen3:8b" } } },
      models: { mode: "replace", providers: { ollama: { baseUrl: "${server?.url}", api: "ollama", models: [{ id: "qwen3:8b", contextWindow: ${contextWindow}, maxTokens: 2048 }] } } },
    }`;
    const env = { HEARTH_STATE_DIR: join(temp.dir, "ollama") };
    const refused = await runCli(["agent", "--config", temp.write("ollama.json5", config(8192)), "-m", LONG], { env });
    assert.equal(refused.code, 1, refused.stdout);
    const fix = /Fix: raise contextWindow to (\d+) \(hearth asks Ollama for it as num_ctx\) — or split it, or attach it as a file\./.exec(refused.stderr);
    assert.ok(fix, refused.stderr);
    const size = Number(fix[1]);
    assert.ok(size > 10_125 && size <= 32768, String(size));
    const answered = await runCli(["agent", "--config", temp.write("raised.json5", config(size)), "-m", LONG], { env });
    assert.equal(answered.code, 0, answered.stderr);
    assert.equal(answered.stdout, "read it all\n");
    const chat = server.requests.find((request) => request.path === "/api/chat");
    assert.equal((chat?.body as { options?: { num_ctx?: number } }).options?.num_ctx, size);
    // Past the maximum: no contextWindow helps, and none is named. (A state dir of its own: the fake's reply above counted its
    // prompt at a few tokens, a ratio of 0.5 kept for the next process — token-ratios.json. A kept ratio below 1 is meant to let a
    // message through to the server, whose reply counts it anew — where a real Ollama would then count this one; the fake would answer it.)
    const beyond = await runCli(["agent", "--config", temp.write("beyond.json5", config(8192)), "-m", LONG.repeat(3)], { env: { HEARTH_STATE_DIR: join(temp.dir, "ollama-beyond") } });
    assert.match(beyond.stderr, /Even the most context ollama\/qwen3:8b can have \(32,768 tokens, as its server says\) cannot hold it/);
    assert.doesNotMatch(beyond.stderr, /raise contextWindow/);
  });
});
