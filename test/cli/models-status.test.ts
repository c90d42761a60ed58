import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { startLmStudio } from "../fakes/lmstudio-server.js";
import { refusedUrl, startFakeServer, type FakeServer } from "../fakes/fake-server.js";
import { responsesStream } from "../fakes/openai-responses-stream.js";
import { runCli, tempDir } from "../helpers/run-cli.js";

interface Status {
  ref: string;
  role: string;
  reachable?: boolean;
  listed?: boolean | null;
  loaded?: boolean | null;
  loadedContext?: number | null;
  contextWindow: number;
  keyPresent: boolean;
  firstTokenMs?: number | null;
  problems: { severity: string; title: string; fix: string }[];
}

function config(baseUrl: string, models: { id: string; contextWindow: number }[], extra = ""): string {
  return `{
    agents: { defaults: { model: { primary: "lmstudio/${models[0]?.id}" }, models: { "lmstudio/${models[0]?.id}": { alias: "Local" } } } },
    models: { mode: "replace", providers: {
      lmstudio: { baseUrl: "${baseUrl}", apiKey: "lmstudio", api: "openai-responses",
        models: ${JSON.stringify(models.map((model) => ({ ...model, maxTokens: 2048 })))} },
      ${extra}
    } },
  }`;
}

describe("hearth models status --probe against a fake LM Studio", () => {
  let lmstudio: FakeServer;
  const temp = tempDir();
  before(async () => {
    lmstudio = await startLmStudio({
      models: [
        { id: "minimax-m2.1-gs32", loaded: true, loadedContextLength: 4096, maxContextLength: 196608 },
        { id: "qwen/qwen3-4b-2507", loaded: false, maxContextLength: 32768, quantization: "Q3_K_S" },
      ],
      responses: () => ({ kind: "sse", frames: responsesStream({ flavor: "lmstudio", text: "ok", usage: { input: 5, output: 1 } }) }),
    });
  });
  after(async () => {
    temp.cleanup();
    await lmstudio.close();
  });

  test("warns that LM Studio loaded a smaller context than configured, with the fix", async () => {
    const file = temp.write("a.json5", config(lmstudio.baseUrl, [{ id: "minimax-m2.1-gs32", contextWindow: 196608 }]));
    const result = await runCli(["models", "status", "--probe", "--json", "--config", file]);
    assert.equal(result.code, 0, result.stderr);
    const [entry] = (JSON.parse(result.stdout) as { chain: Status[] }).chain;
    assert.equal(entry?.ref, "lmstudio/minimax-m2.1-gs32");
    assert.equal(entry?.role, "primary");
    assert.equal(entry?.reachable, true);
    assert.equal(entry?.listed, true);
    assert.equal(entry?.loaded, true);
    assert.equal(entry?.loadedContext, 4096);
    assert.equal(entry?.contextWindow, 196608);
    const clamp = entry?.problems.find((problem) => problem.title === "LM Studio loaded the model with 4096 tokens of context");
    assert.equal(clamp?.severity, "warn");
    assert.match(clamp?.fix ?? "", /--context 196608\), or lower contextWindow to 4096/);
    assert.ok(entry?.problems.some((problem) => /also lists 1 model it has not loaded \(JIT/.test(problem.title)));
    assert.ok(!result.stdout.includes("lmstudio\""), "the API key is never printed");
  });

  test("a model not loaded, heavily quantized; the human output shows each problem with its fix", async () => {
    const file = temp.write("b.json5", config(lmstudio.baseUrl, [{ id: "qwen/qwen3-4b-2507", contextWindow: 32768 }]));
    const result = await runCli(["models", "status", "--probe", "--config", file]);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /primary: lmstudio\/qwen\/qwen3-4b-2507 \(Local\)/);
    assert.match(result.stdout, /! warn: the model is not loaded: the first request waits while the server loads it \(JIT\)\n {4}fix: load it now and keep it resident: \S*hearth --config \S+ models load lmstudio\/qwen\/qwen3-4b-2507 --context 32768/);
    assert.match(result.stdout, /! warn: heavily quantized build \(Q3_K_S\)/);
    assert.match(result.stdout, /! warn: small model \(4B\)/);
  });

  test("a model the server does not have is an error with the closest one it has; exit 1", async () => {
    const file = temp.write("c.json5", config(lmstudio.baseUrl, [{ id: "minimax-m2.1", contextWindow: 8192 }]));
    const result = await runCli(["models", "status", "--probe", "--json", "--config", file]);
    assert.equal(result.code, 1);
    const [entry] = (JSON.parse(result.stdout) as { chain: Status[] }).chain;
    assert.equal(entry?.listed, false);
    assert.match(entry?.problems[0]?.title ?? "", /the server does not list "minimax-m2\.1"; the server has "minimax-m2\.1-gs32"/);
  });

  test("an unreachable server is an error with the brief's first troubleshooting step", async () => {
    const file = temp.write("d.json5", config(`${await refusedUrl()}/v1`, [{ id: "minimax-m2.1-gs32", contextWindow: 8192 }]));
    const result = await runCli(["models", "status", "--probe", "--json", "--config", file]);
    assert.equal(result.code, 1);
    const [entry] = (JSON.parse(result.stdout) as { chain: Status[] }).chain;
    assert.equal(entry?.reachable, false);
    assert.match(entry?.problems[0]?.title ?? "", /is unreachable: .*connection refused/);
    assert.match(entry?.problems[0]?.fix ?? "", /try: curl http:\/\/127\.0\.0\.1:\d+\/v1\/models/);
  });

  test("a server that takes the connection and says nothing: 'no answer within', the hung problem, and LM Studio's menus only for LM Studio", async () => {
    const silent = await startFakeServer(() => ({ kind: "hang-before-headers" }));
    try {
      const text = `{
        agents: { defaults: { model: "llama/m" } },
        models: { mode: "replace", providers: { llama: { baseUrl: "${silent.baseUrl}", api: "openai-completions", timeoutSeconds: 1, models: [{ id: "m", contextWindow: 4096, maxTokens: 256 }] } } },
      }`;
      const file = temp.write("hung.json5", text);
      const json = await runCli(["models", "status", "--probe", "--json", "--config", file]);
      const [entry] = (JSON.parse(json.stdout) as { chain: (Status & { answered?: boolean })[] }).chain;
      assert.equal(entry?.reachable, true, "it took the connection");
      assert.equal(entry?.answered, false);
      const problem = entry?.problems.find((candidate) => /took the connection but sent no answer/.test(candidate.title));
      assert.ok(problem, JSON.stringify(entry?.problems));
      assert.doesNotMatch(problem.fix, /LM Studio/, "llama.cpp is not sent to LM Studio's menus");
      const human = await runCli(["models", "status", "--probe", "--config", file]);
      assert.match(human.stdout, /takes connections, no answer within 1 s/);
      assert.doesNotMatch(human.stdout, /reachable in \d+/);
    } finally {
      await silent.close();
    }
  });

  test("no Responses endpoint: suggests openai-completions", async () => {
    const old = await startLmStudio({ models: [{ id: "m", loaded: true, loadedContextLength: 8192, maxContextLength: 8192 }], nativeApi: "v0" });
    try {
      const file = temp.write("e.json5", config(old.baseUrl, [{ id: "m", contextWindow: 8192 }]));
      const result = await runCli(["models", "status", "--probe", "--json", "--config", file]);
      assert.equal(result.code, 1);
      const [entry] = (JSON.parse(result.stdout) as { chain: Status[] }).chain;
      assert.equal(entry?.loadedContext, 8192, "read from the v0 listing");
      const missing = entry?.problems.find((problem) => /no Responses API endpoint/.test(problem.title));
      assert.match(missing?.fix ?? "", /set api: "openai-completions"/);
    } finally {
      await old.close();
    }
  });

  test("--first-token times one tiny real request", async () => {
    const file = temp.write("f.json5", config(lmstudio.baseUrl, [{ id: "minimax-m2.1-gs32", contextWindow: 4096 }]));
    const result = await runCli(["models", "status", "--first-token", "--json", "--config", file]);
    assert.equal(result.code, 0, result.stderr);
    const [entry] = (JSON.parse(result.stdout) as { chain: Status[] }).chain;
    assert.equal(typeof entry?.firstTokenMs, "number");
    assert.ok(lmstudio.requests.some((request) => request.path === "/v1/responses"));
  });

  test("without --probe: the chain and whether keys are present, and no request is sent", async () => {
    const before = lmstudio.requests.length;
    const file = temp.write("g.json5", config(lmstudio.baseUrl, [{ id: "minimax-m2.1-gs32", contextWindow: 4096 }]));
    const result = await runCli(["models", "status", "--json", "--config", file]);
    assert.equal(result.code, 0);
    const [entry] = (JSON.parse(result.stdout) as { chain: Status[] }).chain;
    assert.equal(entry?.keyPresent, true);
    assert.equal(entry?.reachable, undefined);
    assert.equal(lmstudio.requests.length, before);
  });
});
