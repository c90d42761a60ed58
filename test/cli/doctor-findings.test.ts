// Every doctor finding fires on its trigger and stays silent otherwise, through the real `hearth doctor`
// against fakes with the servers' own discovery answers. doctor.test.ts covers the config, chain,
// gateway, WhatsApp, files and cooldowns; this file the server facts it does not, and checks that no
// finding the source can give is left without a test that names it.
import assert from "node:assert/strict";
import { chmodSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { refusedUrl, startFakeServer, type FakeServer } from "../fakes/fake-server.js";
import { startLlamaCpp } from "../fakes/llamacpp-server.js";
import { startLmStudio } from "../fakes/lmstudio-server.js";
import { startOllama } from "../fakes/ollama-server.js";
import { repoRoot, runCli, tempDir } from "../helpers/run-cli.js";

interface Finding {
  id: string;
  severity: "ok" | "info" | "warn" | "error";
  title: string;
  seen: string;
  fix: string;
}

/** llama-server in router mode (`--models-dir`): it lists several models, each with its status, and routes by id. */
const llamaRouter = () =>
  startFakeServer((request) =>
    request.path === "/v1/models"
      ? {
          kind: "json",
          body: {
            object: "list",
            data: ["qwen3-32b-q6_k", "gemma-3-27b-q8_0"].map((id) => ({ id, object: "model", owned_by: "llamacpp", created: 1767225600, status: { value: "loaded", args: ["llama-server", "-m", `${id}.gguf`] } })),
          },
        }
      : { kind: "json", status: 404, body: { error: { code: 404, message: "File Not Found", type: "not_found_error" } } },
  );

describe("hearth doctor: each server fact fires on its trigger and stays silent otherwise", () => {
  const temp = tempDir();
  let refused: string;
  let lmstudio: FakeServer;
  let llamacpp: FakeServer;
  let llamaNoTools: FakeServer;
  let router: FakeServer;
  let ollama: FakeServer;
  let keyed: FakeServer;
  let broken: FakeServer;
  let silent: FakeServer;

  before(async () => {
    refused = await refusedUrl();
    lmstudio = await startLmStudio({
      models: [
        { id: "qwen3-235b-a22b", loaded: true, loadedContextLength: 32768, maxContextLength: 32768, quantization: "Q6_K", params: "235B-A22B" },
        { id: "gemma-3-270m-it", loaded: true, loadedContextLength: 32768, maxContextLength: 32768, quantization: "Q8_0", params: "270M" },
        { id: "llama-3.3-70b-iq2", loaded: true, loadedContextLength: 32768, maxContextLength: 32768, quantization: "IQ2_XS", bitsPerWeight: 2.31, params: "70B" },
        { id: "short-70b", loaded: true, loadedContextLength: 8192, maxContextLength: 8192, quantization: "Q8_0", params: "70B" },
      ],
      completions: () => ({ kind: "json", body: {} }),
    });
    llamacpp = await startLlamaCpp({ alias: "/models/Qwen3-32B-Q6_K.gguf", nCtx: 32768, supportsTools: true, parameters: 32_000_000_000 });
    llamaNoTools = await startLlamaCpp({ alias: "chatml-32b", nCtx: 32768, supportsTools: false, parameters: 32_000_000_000 });
    router = await llamaRouter();
    ollama = await startOllama([{ name: "qwen3:32b", parameterSize: "32.8B", quantization: "Q6_K", contextLength: 40960, loadedContext: 40960, capabilities: ["completion", "tools"] }]);
    keyed = await startFakeServer(() => ({ kind: "json", status: 401, body: { error: { message: "Invalid API key", type: "invalid_request_error" } } }));
    broken = await startFakeServer(() => ({ kind: "json", status: 500, body: { error: "internal error" } }));
    silent = await startFakeServer(() => ({ kind: "hang-before-headers" }));
  });
  after(async () => {
    await Promise.all([lmstudio, llamacpp, llamaNoTools, router, ollama, keyed, broken, silent].map((server) => server.close()));
    temp.cleanup();
  });

  let count = 0;
  /** doctor --json on a chain of `primary` (and a local fallback, so the chain itself is well) with `providers`. */
  async function doctor(primary: string, providers: string): Promise<{ code: number; findings: Finding[] }> {
    const dir = join(temp.dir, `c${++count}`);
    const state = join(dir, "state");
    mkdirSync(state, { recursive: true });
    chmodSync(state, 0o700);
    const file = join(dir, "hearth.json5");
    writeFileSync(
      file,
      `{ agents: { defaults: { model: { primary: "${primary}", fallbacks: ["ok/qwen3-235b-a22b"] } } },
         models: { mode: "replace", providers: {
           ok: { baseUrl: "${lmstudio.baseUrl}", api: "openai-completions", models: [{ id: "qwen3-235b-a22b", contextWindow: 32768, maxTokens: 4096 }] },
           ${providers}
         } } }`,
    );
    chmodSync(file, 0o600);
    const result = await runCli(["doctor", "--json", "--config", file], { env: { HEARTH_STATE_DIR: state, HEARTH_GATEWAY_URL: refused } });
    const report = JSON.parse(result.stdout) as { findings: Finding[] };
    return { code: result.code, findings: report.findings.filter((finding) => finding.severity !== "ok") };
  }
  const ids = (findings: readonly Finding[]): string[] => findings.map((finding) => finding.id);
  const lm = (id: string, contextWindow = 32768) => `lm: { baseUrl: "${lmstudio.baseUrl}", api: "openai-completions", models: [{ id: "${id}", contextWindow: ${contextWindow}, maxTokens: 4096 }] },`;

  test("a large full-size build is silent; a 270M one is small-model, an IQ2 one heavily-quantized (LM Studio's params_string and bits_per_weight)", async () => {
    assert.deepEqual(await doctor("lm/qwen3-235b-a22b", lm("qwen3-235b-a22b")), { code: 0, findings: [] }, "a 235B-A22B MoE is judged by its total");
    const small = await doctor("lm/gemma-3-270m-it", lm("gemma-3-270m-it"));
    assert.deepEqual(ids(small.findings), ["small-model"]);
    assert.match(small.findings[0]?.title ?? "", /small model \(270M\)/);
    const heavy = await doctor("lm/llama-3.3-70b-iq2", lm("llama-3.3-70b-iq2"));
    assert.deepEqual(ids(heavy.findings), ["heavily-quantized"]);
    assert.match(heavy.findings[0]?.title ?? "", /IQ2_XS\), 2\.31 bits per weight/);
  });

  test("context-beyond-model: contextWindow past the model's maximum (LM Studio's max_context_length, Ollama's context_length); silent at or below it", async () => {
    const lmBeyond = await doctor("lm/short-70b", lm("short-70b", 16384));
    assert.ok(ids(lmBeyond.findings).includes("context-beyond-model"), ids(lmBeyond.findings).join(", "));
    assert.match(lmBeyond.findings.find((finding) => finding.id === "context-beyond-model")?.fix ?? "", /contextWindow to 8192/);
    assert.deepEqual(await doctor("lm/short-70b", lm("short-70b", 8192)), { code: 0, findings: [] });
    const ollamaProvider = (window: number) => `ol: { baseUrl: "${ollama.url}", api: "ollama", models: [{ id: "qwen3:32b", contextWindow: ${window}, maxTokens: 4096 }] },`;
    const beyond = await doctor("ol/qwen3:32b", ollamaProvider(131072));
    assert.deepEqual(ids(beyond.findings), ["context-beyond-model"]);
    assert.match(beyond.findings[0]?.fix ?? "", /contextWindow to 40960/);
    assert.deepEqual(await doctor("ol/qwen3:32b", ollamaProvider(40960)), { code: 0, findings: [] });
  });

  test("unreachable: the curl to try is the listing hearth asked (Ollama's /api/tags, an OpenAI-style server's /models)", async () => {
    const ollamaDown = await doctor("od/qwen3:32b", `od: { baseUrl: "${refused}", api: "ollama", models: [{ id: "qwen3:32b", contextWindow: 8192 }] },`);
    assert.deepEqual(ids(ollamaDown.findings), ["unreachable"]);
    assert.match(ollamaDown.findings[0]?.fix ?? "", /try: curl http:\/\/127\.0\.0\.1:\d+\/api\/tags$/);
    const openaiDown = await doctor("cd/m", `cd: { baseUrl: "${refused}/v1", api: "openai-completions", models: [{ id: "m", contextWindow: 8192 }] },`);
    assert.match(openaiDown.findings[0]?.fix ?? "", /try: curl http:\/\/127\.0\.0\.1:\d+\/v1\/models$/);
  });

  test("model-not-listed on Ollama names `ollama pull` with the id, not LM Studio or a generic load", async () => {
    const missing = await doctor("ol/qwen3:8b", `ol: { baseUrl: "${ollama.url}", api: "ollama", models: [{ id: "qwen3:8b", contextWindow: 8192, maxTokens: 2048 }] },`);
    assert.equal(missing.code, 1);
    assert.deepEqual(ids(missing.findings), ["model-not-listed"]);
    assert.match(missing.findings[0]?.fix ?? "", /^pull it \(`ollama pull qwen3:8b`\), or correct the id/);
  });

  test("idle-models: models status notes the models the server lists but has not loaded (JIT); doctor stays quiet about them (none is in the chain)", async () => {
    const idle = await startLmStudio({ models: [{ id: "used-70b", loaded: true, loadedContextLength: 8192, maxContextLength: 8192, quantization: "Q8_0" }, { id: "other-70b", loaded: false, maxContextLength: 8192, quantization: "Q8_0" }] });
    try {
      const provider = `idle: { baseUrl: "${idle.baseUrl}", api: "openai-completions", models: [{ id: "used-70b", contextWindow: 8192, maxTokens: 2048 }] },`;
      assert.deepEqual(await doctor("idle/used-70b", provider), { code: 0, findings: [] });
      const status = await runCli(["models", "status", "--probe", "--json", "--config", join(temp.dir, `c${count}`, "hearth.json5")]);
      const [entry] = (JSON.parse(status.stdout) as { chain: { problems: { id: string; severity: string }[] }[] }).chain;
      assert.deepEqual(entry?.problems.map((problem) => [problem.id, problem.severity]), [["idle-models", "info"]]);
    } finally {
      await idle.close();
    }
  });

  test("listing-failed: a refused key (401) names the key to check; a 500 says see the log; an error, exit 1", async () => {
    const auth = await doctor("k/m", `k: { baseUrl: "${keyed.baseUrl}", api: "openai-completions", models: [{ id: "m", contextWindow: 8192 }] },`);
    assert.equal(auth.code, 1);
    assert.deepEqual(ids(auth.findings), ["listing-failed"]);
    assert.match(auth.findings[0]?.title ?? "", /refused the API key \(401\)/);
    assert.match(auth.findings[0]?.fix ?? "", /models\.providers\.k\.apiKey/);
    const failing = await doctor("b/m", `b: { baseUrl: "${broken.baseUrl}", api: "openai-completions", models: [{ id: "m", contextWindow: 8192 }] },`);
    assert.deepEqual(ids(failing.findings), ["listing-failed"]);
    assert.match(failing.findings[0]?.fix ?? "", /server's log/);
  });

  test("server-hung: a server that takes the connection and says nothing is an error, said once for the provider", async () => {
    const hung = await doctor("h/a", `h: { baseUrl: "${silent.baseUrl}", api: "openai-completions", timeoutSeconds: 1, models: [{ id: "a", contextWindow: 8192 }, { id: "b", contextWindow: 8192 }] },`);
    assert.equal(hung.code, 1);
    assert.deepEqual(ids(hung.findings), ["server-hung"]);
    assert.match(hung.findings[0]?.seen ?? "", /takes connections, no answer within 1 s/);
  });

  test("no-tools on LM Studio: a model it says was not trained for tool use, in LM Studio's words (not llama.cpp's template advice)", async () => {
    const untrained = await startLmStudio({ models: [{ id: "chat-only-70b", loaded: true, loadedContextLength: 8192, maxContextLength: 8192, quantization: "Q8_0", toolUse: false }] });
    try {
      const found = await doctor("u/chat-only-70b", `u: { baseUrl: "${untrained.baseUrl}", api: "openai-completions", models: [{ id: "chat-only-70b", contextWindow: 8192, maxTokens: 2048 }] },`);
      assert.deepEqual(ids(found.findings), ["no-tools"]);
      assert.match(found.findings[0]?.title ?? "", /LM Studio says it was not trained for tool use/);
      assert.doesNotMatch(found.findings[0]?.fix ?? "", /llama\.cpp|chat-template-file/);
    } finally {
      await untrained.close();
    }
  });

  test("no-tools: llama.cpp's chat template cannot render tools (silent where it can: the next test)", async () => {
    const without = await doctor("n/chatml-32b", `n: { baseUrl: "${llamaNoTools.baseUrl}", api: "openai-completions", models: [{ id: "chatml-32b", contextWindow: 32768 }] },`);
    assert.deepEqual(ids(without.findings), ["no-tools"]);
    assert.match(without.findings[0]?.fix ?? "", /--chat-template-file/);
  });

  test("a single-model llama-server (tools on) answers any id with its model: no model-not-listed, no no-tools; in router mode an unknown id is one", async () => {
    const anyId = await doctor("t/local", `t: { baseUrl: "${llamacpp.baseUrl}", api: "openai-completions", models: [{ id: "local", contextWindow: 32768 }] },`);
    assert.deepEqual(anyId, { code: 0, findings: [] });
    const routed = await doctor("r/qwen3-32b", `r: { baseUrl: "${router.baseUrl}", api: "openai-completions", models: [{ id: "qwen3-32b", contextWindow: 32768 }] },`);
    assert.equal(routed.code, 1);
    assert.deepEqual(ids(routed.findings), ["model-not-listed"]);
    assert.match(routed.findings[0]?.title ?? "", /"qwen3-32b-q6_k"/);
    const status = await runCli(["models", "status", "--probe", "--config", join(temp.dir, `c${count - 1}`, "hearth.json5")]);
    assert.match(status.stdout, /the server runs one model \(\/models\/Qwen3-32B-Q6_K\.gguf\) and answers any id with it/);
  });

  test("shared-cache: a llama-server with 4 slots (total_slots) may share its n_ctx among them; one slot (the tests above) is silent", async () => {
    const slots = await startLlamaCpp({ alias: "qwen3-32b", nCtx: 8192, supportsTools: true, totalSlots: 4, parameters: 32_000_000_000 });
    try {
      const found = await doctor("s/qwen3-32b", `s: { baseUrl: "${slots.baseUrl}", api: "openai-completions", models: [{ id: "qwen3-32b", contextWindow: 8192 }] },`);
      assert.deepEqual(ids(found.findings), ["shared-cache"]);
      assert.equal(found.code, 0, "advice, not a fault: hearth keeps parallel requests within the cache");
      assert.match(found.findings[0]?.title ?? "", /4 slots that may share one cache of 8192 tokens/);
      assert.match(found.findings[0]?.seen ?? "", /served context 8192 \(4 slots, which may share it\)/);
      assert.match(found.findings[0]?.fix ?? "", /-np 4 -c 32768 --no-kv-unified .*-np 1/);
    } finally {
      await slots.close();
    }
  });

  test("no-fallback under privacy \"local-only\": the fix names a local model, never a hosted one; a hosted fallback there is no fallback", async () => {
    const run = async (name: string, fallbacks: string) => {
      const dir = join(temp.dir, name);
      mkdirSync(join(dir, "state"), { recursive: true, mode: 0o700 });
      const file = join(dir, "hearth.json5");
      writeFileSync(file, `{ agents: { defaults: { privacy: "local-only", model: { primary: "ok/qwen3-235b-a22b", fallbacks: [${fallbacks}] } } },
        models: { mode: "merge", providers: { ok: { baseUrl: "${lmstudio.baseUrl}", api: "openai-completions", models: [{ id: "qwen3-235b-a22b", contextWindow: 32768, maxTokens: 4096 }] } } } }`);
      chmodSync(file, 0o600);
      const result = await runCli(["doctor", "--json", "--config", file], { env: { HEARTH_STATE_DIR: join(dir, "state"), HEARTH_GATEWAY_URL: refused, ANTHROPIC_API_KEY: "sk-ant-test-0123456789abcdef" } });
      return (JSON.parse(result.stdout) as { findings: Finding[] }).findings.filter((finding) => finding.severity !== "ok");
    };
    for (const [name, fallbacks] of [["alone", ""], ["hosted-only", '"anthropic/claude-sonnet-4-5"']] as const) {
      const findings = await run(name, fallbacks);
      assert.deepEqual(ids(findings), ["no-fallback"], name);
      assert.match(findings[0]?.fix ?? "", /add a second local model/);
      assert.doesNotMatch(findings[0]?.fix ?? "", /anthropic|API_KEY/, "no hosted advice under local-only");
    }
    assert.match((await run("hosted-seen", '"anthropic/claude-sonnet-4-5"'))[0]?.seen ?? "", /hosted fallbacks are never asked: privacy is "local-only"/);
  });

  test("every finding doctor and the audit can give is named by a test", () => {
    // The findings doctor and the audit give: doctor's own, the probe's problems it passes on, the audit's.
    const sources = [
      ...readdirSync(join(repoRoot, "src/ops")).filter((name) => /^(doctor|status-problems).*\.ts$/.test(name)).map((name) => join("src/ops", name)),
      ...readdirSync(join(repoRoot, "src/ops/security")).map((name) => join("src/ops/security", name)),
    ];
    const produced = new Set<string>(["hosted-no-key", "fallback-no-key"]);
    for (const file of sources) {
      const code = readFileSync(join(repoRoot, file), "utf8");
      for (const match of code.matchAll(/\bid: "([a-z][a-z-]+)"|\bid: [^,\n]*\? "([a-z][a-z-]+)" : "([a-z][a-z-]+)"/g)) {
        for (const id of match.slice(1)) if (id) produced.add(id);
      }
    }
    assert.ok(produced.size >= 40, `found ${produced.size} finding ids: ${[...produced].join(", ")}`);
    const tests = ["test/cli", "test/ops"].flatMap((dir) => readdirSync(join(repoRoot, dir)).filter((name) => name.endsWith(".test.ts")).map((name) => readFileSync(join(repoRoot, dir, name), "utf8")));
    const untested = [...produced].filter((id) => !tests.some((text) => new RegExp(`["'\\[\`]${id}["'\\]\`]|\\b${id}:`).test(text.replace(/^.*every finding doctor and the audit can give[\s\S]*$/m, ""))));
    assert.deepEqual(untested, [], "findings no test names");
  });
});
