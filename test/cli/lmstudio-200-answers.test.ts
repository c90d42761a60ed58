// LM Studio answers a path it lacks with 200 and `{"error":"Unexpected endpoint or method. (…)"}`
// (lmstudio-bug-tracker#618, #1323, #2085), and with JIT loading off lists only loaded models in /v1/models
// (lmstudio-ai/docs, headless). Every command judges its answers by what they say: a wrong baseUrl, a
// missing Responses endpoint, a model it will not load, a context past the model's maximum — each is a
// finding with its fix, through the real CLI against the fake (whose unknown paths answer 200, as LM Studio's).
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { startFakeServer, type FakeServer } from "../fakes/fake-server.js";
import { startLmStudio, type LmStudioOptions } from "../fakes/lmstudio-server.js";
import { responsesStream } from "../fakes/openai-responses-stream.js";
import { runCli, tempDir } from "../helpers/run-cli.js";

interface Problem {
  id: string;
  severity: string;
  title: string;
  fix: string;
}
interface Finding extends Problem {
  seen: string;
  group: string;
}
interface StatusJson {
  chain: { ref: string; reachable?: boolean; listed?: boolean | null; loaded?: boolean | null; problems: Problem[] }[];
}

describe("LM Studio's 200 answers and JIT-off listing, judged by what they say", () => {
  const temp = tempDir();
  let studio: FakeServer;
  const options: LmStudioOptions = {
    models: [
      { id: "minimax-m2.1-gs32", loaded: true, loadedContextLength: 32768, maxContextLength: 131072, params: "230B-A10B", quantization: "Q8_0" },
      { id: "idle-70b", loaded: false, maxContextLength: 65536, params: "70B", quantization: "Q8_0" },
    ],
    responses: () => ({ kind: "sse", frames: responsesStream({ flavor: "lmstudio", text: "hello", usage: { input: 3, output: 1 } }) }),
    completions: () => ({ kind: "json", body: {} }),
  };
  let origin: string;

  const configFor = (name: string, provider: string, model = "minimax-m2.1-gs32", contextWindow = 32768): string =>
    temp.write(
      `${name}.json5`,
      `{ agents: { defaults: { model: "lmstudio/${model}", compaction: { enabled: false } } },
         models: { mode: "replace", providers: { lmstudio: { ${provider}, models: [{ id: "${model}", contextWindow: ${contextWindow}, maxTokens: 1024 }] } } } }`,
    );
  const probe = async (file: string): Promise<StatusJson["chain"][number]> => {
    const result = await runCli(["models", "status", "--probe", "--json", "--config", file]);
    const [entry] = (JSON.parse(result.stdout) as StatusJson).chain;
    assert.ok(entry, result.stdout + result.stderr);
    return entry;
  };
  const doctor = async (file: string): Promise<{ code: number; findings: Finding[] }> => {
    const result = await runCli(["doctor", "--json", "--config", file]);
    return { code: result.code, findings: (JSON.parse(result.stdout) as { findings: Finding[] }).findings.filter((finding) => finding.severity !== "ok") };
  };

  before(async () => {
    studio = await startLmStudio(options);
    origin = studio.baseUrl.replace(/\/v1$/, "");
  });
  after(async () => {
    await studio.close();
    temp.cleanup();
  });

  for (const [name, api] of [
    ["responses", "openai-responses"],
    ["completions", "openai-completions"],
  ] as const) {
    test(`a baseUrl ending in /chat/completions (api ${api}): validate warns, status and doctor say the listing answered an error and the baseUrl to write, the turn says what the server said and means`, async () => {
      const file = configFor(`trail-${name}`, `baseUrl: "${studio.baseUrl}/chat/completions", api: "${api}"`);
      const validate = await runCli(["config", "validate", "--config", file]);
      assert.equal(validate.code, 0, validate.stderr);
      assert.match(validate.stdout + validate.stderr, new RegExp(`models\\.providers\\.lmstudio\\.baseUrl: "${escape(studio.baseUrl)}/chat/completions": its path ends in "/chat/completions", an endpoint appended to it on every call; every call would go to the wrong path: write "${escape(studio.baseUrl)}"`));

      const entry = await probe(file);
      assert.equal(entry.reachable, true);
      assert.equal(entry.listed, null, "no listing was read: not 'listed', not silent");
      const listing = entry.problems.find((problem) => problem.id === "no-model-listing");
      assert.ok(listing, JSON.stringify(entry.problems));
      assert.equal(listing.severity, "error");
      assert.equal(
        listing.title,
        `the server at ${origin} answered GET /v1/chat/completions/models with an error (200): Unexpected endpoint or method. (GET /v1/chat/completions/models); the baseUrl's path is probably wrong: its path ends in "/chat/completions", an endpoint appended to it on every call`,
      );
      assert.equal(listing.fix, `set models.providers.lmstudio.baseUrl to "${studio.baseUrl}"`);

      const checked = await doctor(file);
      assert.equal(checked.code, 1, "an error");
      assert.deepEqual(
        checked.findings.filter((finding) => finding.group === "models").map((finding) => finding.id),
        ["no-model-listing"],
        "the listing's error, and nothing that reads as fine",
      );

      const turn = await runCli(["agent", "--json", "--config", file, "--message", "hi"]);
      const said = attemptWords(turn.stdout);
      assert.deepEqual(said.outcomes, ["no-endpoint"]);
      const endpoint = api === "openai-responses" ? "responses" : "chat/completions";
      assert.match(said.message, new RegExp(`POST /v1/chat/completions/${endpoint} answered 200: Unexpected endpoint or method\\.`), "the status the server sent");
      assert.match(said.message, new RegExp(`the baseUrl's path is probably wrong .*set the provider's baseUrl to "${escape(studio.baseUrl)}"`));
      assert.doesNotMatch(said.message, /set api: "openai-completions"|model-not-found/);
    });
  }

  test("a bare host: status says the listing answered an error and to add /v1; doctor says it once", async () => {
    const file = configFor("bare", `baseUrl: "${origin}", api: "openai-responses"`);
    const entry = await probe(file);
    const listing = entry.problems.find((problem) => problem.id === "no-model-listing");
    assert.match(listing?.title ?? "", /answered GET \/models with an error \(200\): Unexpected endpoint.*the baseUrl's path is probably wrong: it has no path, and LM Studio, vLLM and Ollama serve their OpenAI-compatible API only under \/v1/);
    assert.equal(listing?.fix, `set models.providers.lmstudio.baseUrl to "${origin}/v1"`);
  });

  test("a 200 listing that holds no model list is a finding, never success", async () => {
    const odd = await startFakeServer(() => ({ kind: "json", body: { status: "ok" } }));
    try {
      const file = configFor("nolist", `baseUrl: "${odd.baseUrl}", api: "openai-completions"`);
      const entry = await probe(file);
      const listing = entry.problems.find((problem) => problem.id === "no-model-listing");
      assert.match(listing?.title ?? "", /answered GET \/v1\/models without a model list \(200\): \{"status":"ok"\}; the baseUrl or api does not match this server/);
      assert.match(listing?.fix ?? "", /check models\.providers\.lmstudio\.baseUrl .* and models\.providers\.lmstudio\.api; try: curl http:\/\/127\.0\.0\.1:\d+\/v1\/models/);
    } finally {
      await odd.close();
    }
  });

  test("LM Studio without /v1/responses (its 200 'Unexpected endpoint'): no-responses-endpoint is an error, and the turn says the server has no Responses API", async () => {
    const old = await startLmStudio({ models: [{ id: "minimax-m2.1-gs32", loaded: true, loadedContextLength: 32768, maxContextLength: 32768 }] });
    try {
      const file = configFor("noresponses", `baseUrl: "${old.baseUrl}", api: "openai-responses"`);
      const checked = await doctor(file);
      const missing = checked.findings.find((finding) => finding.id === "no-responses-endpoint");
      assert.equal(missing?.severity, "error", JSON.stringify(checked.findings));
      assert.match(missing?.fix ?? "", /upgrade LM Studio to 0\.3\.29 or later, or set api: "openai-completions" for models\.providers\.lmstudio/);
      const turn = await runCli(["agent", "--json", "--config", file, "--message", "hi"]);
      assert.match(attemptWords(turn.stdout).message, /POST \/v1\/responses answered 200: Unexpected endpoint or method\. \(POST \/v1\/responses\) \(the server has no such endpoint\): the server has no Responses API/);
    } finally {
      await old.close();
    }
  });

  test("JIT loading off, the model downloaded but not loaded: an error with the load fix (at most its maximum), 'not listed, not loaded', and the turn's words match", async () => {
    options.jit = false;
    try {
      const file = configFor("jitoff", `baseUrl: "${studio.baseUrl}", api: "openai-responses"`, "idle-70b", 131072);
      const checked = await doctor(file);
      const notLoaded = checked.findings.find((finding) => finding.id === "model-not-loaded");
      assert.equal(notLoaded?.severity, "error", JSON.stringify(checked.findings));
      assert.match(notLoaded?.title ?? "", /not loaded, and the server does not load on request: its \/v1\/models does not list it \(LM Studio's JIT loading is off\)/);
      assert.match(notLoaded?.fix ?? "", /^load it: hearth models load lmstudio\/idle-70b --context 65536 \(or turn on LM Studio's Just-in-Time model loading/);
      assert.match(notLoaded?.seen ?? "", /not listed, not loaded/);
      assert.doesNotMatch(JSON.stringify(checked.findings), /first request waits|\(JIT\)"/);
      assert.equal(checked.code, 1);

      const turn = await runCli(["agent", "--json", "--config", file, "--message", "hi"]);
      assert.doesNotMatch(turn.stderr, /waiting for it/, "no load is coming: nothing is waited for");
      assert.match(attemptWords(turn.stdout).message, /lmstudio\/idle-70b: not loaded, and the server does not load on request \(LM Studio's JIT loading is off\): load it with `hearth models load lmstudio\/idle-70b --context 65536`.* the server said: Invalid model identifier "idle-70b"/, "another model is loaded: LM Studio's words for a model it will not load");
    } finally {
      delete options.jit;
    }
  });

  test("JIT loading on: the same model is a warning that the first request waits", async () => {
    const file = configFor("jiton", `baseUrl: "${studio.baseUrl}", api: "openai-responses"`, "idle-70b", 32768);
    const entry = await probe(file);
    assert.equal(entry.listed, true);
    const notLoaded = entry.problems.find((problem) => problem.id === "model-not-loaded");
    assert.equal(notLoaded?.severity, "warn");
    assert.match(notLoaded?.title ?? "", /the first request waits while the server loads it \(JIT\)/);
  });

  test("loaded-context-small proposes at most the model's maximum and says contextWindow should come down; the load past it names the maximum", async () => {
    const file = configFor("ctx", `baseUrl: "${studio.baseUrl}", api: "openai-responses"`, "minimax-m2.1-gs32", 196608);
    const entry = await probe(file);
    const small = entry.problems.find((problem) => problem.id === "loaded-context-small");
    assert.equal(
      small?.fix,
      "reload it with a larger context (hearth models unload lmstudio/minimax-m2.1-gs32 && hearth models load lmstudio/minimax-m2.1-gs32 --context 131072); 131072 is the most the model supports, so contextWindow should come down to 131072 too, or lower contextWindow to 32768",
    );
    assert.ok(entry.problems.some((problem) => problem.id === "context-beyond-model"));

    const load = await runCli(["models", "load", "lmstudio/minimax-m2.1-gs32", "--config", file]);
    assert.equal(load.code, 1);
    assert.match(load.stderr, /exceeds the model's maximum of 131072/);
    assert.match(load.stderr, /fix: the model supports at most 131072 tokens of context \(196608 asked\): load it with --context 131072 or less, and lower the model's contextWindow in the config to match/);
    assert.doesNotMatch(load.stderr, /memory/);
  });
});

/** A failed `agent --json` turn: each attempt's outcome, and the first attempt's words. */
function attemptWords(stdout: string): { outcomes: string[]; message: string } {
  const json = JSON.parse(stdout) as { attempts: { outcome: string; message?: string }[] };
  return { outcomes: json.attempts.map((attempt) => attempt.outcome), message: json.attempts[0]?.message ?? "" };
}

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
}
