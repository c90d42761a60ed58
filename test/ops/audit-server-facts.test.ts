// The audit judges a local model by what its own server reports first — against the fakes with the
// servers' real discovery answers: llama.cpp's /v1/models `meta.n_params` and `meta.ftype`, LM Studio's
// `params_string` and `quantization.bits_per_weight`, Ollama's /api/show — and by its id only when the
// server says nothing.
import assert from "node:assert/strict";
import { chmodSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import type { FakeServer } from "../fakes/fake-server.js";
import { startLlamaCpp } from "../fakes/llamacpp-server.js";
import { startLmStudio } from "../fakes/lmstudio-server.js";
import { startOllama } from "../fakes/ollama-server.js";
import { runCli, tempDir } from "../helpers/run-cli.js";

interface Finding {
  id: string;
  severity: string;
  title: string;
  detail: string;
}

describe("hearth security audit: a model's size and quantization from its server", () => {
  const temp = tempDir();
  let llama: FakeServer;
  let llamaTools: FakeServer;
  let lmstudio: FakeServer;
  let ollama: FakeServer;
  before(async () => {
    // llama-server run as `-m model.gguf --alias local`: neither name says its size; its listing does (260K parameters).
    llama = await startLlamaCpp({ alias: "local" });
    llamaTools = await startLlamaCpp({ alias: "local", supportsTools: true });
    lmstudio = await startLmStudio({
      models: [
        { id: "big-model", loaded: true, maxContextLength: 32768, params: "120B", quantization: "MXFP4", bitsPerWeight: 4.25 },
        { id: "squeezed-model", loaded: true, maxContextLength: 32768, params: "70B", quantization: "Q3_K_L", bitsPerWeight: 3.5 },
        { id: "moe-model", loaded: true, maxContextLength: 32768, params: "30B-A3B", quantization: "Q8_0" },
      ],
    });
    ollama = await startOllama([{ name: "assistant:latest", parameterSize: "1.2B", quantization: "Q8_0", contextLength: 32768 }]);
  });
  after(async () => {
    await Promise.all([llama.close(), llamaTools.close(), lmstudio.close(), ollama.close()]);
    temp.cleanup();
  });

  let count = 0;
  async function audit(model: string, tools = `["time"]`): Promise<Finding[]> {
    const state = join(temp.dir, `s${++count}`);
    mkdirSync(state, { mode: 0o700 });
    const file = temp.write(
      `c${count}.json5`,
      `{ agents: { defaults: { model: "${model}", tools: { allow: ${tools} } } },
         models: { mode: "replace", providers: {
           llama: { baseUrl: "${llama.baseUrl}", api: "openai-completions", models: [{ id: "local" }] },
           tooled: { baseUrl: "${llamaTools.baseUrl}", api: "openai-completions", models: [{ id: "local" }] },
           lm: { baseUrl: "${lmstudio.baseUrl}", api: "openai-completions", models: [{ id: "big-model" }, { id: "squeezed-model" }, { id: "moe-model" }] },
           ol: { baseUrl: "${ollama.url}", api: "ollama", models: [{ id: "assistant" }] },
         } } }`,
    );
    chmodSync(file, 0o600);
    const result = await runCli(["--config", file, "security", "audit", "--json"], { env: { HEARTH_STATE_DIR: state } });
    assert.ok(result.code === 0 || result.code === 1, result.stderr);
    return (JSON.parse(result.stdout) as { findings: Finding[] }).findings;
  }

  test("llama.cpp: the parameter count of its /v1/models listing, though neither the alias nor the file name says it", async () => {
    const findings = await audit("llama/local");
    assert.deepEqual(findings.map((finding) => finding.id), ["model-small"]);
    assert.match(findings[0]?.title ?? "", /0\.26M parameters/);
    assert.match(findings[0]?.detail ?? "", /^Per what its server reports/);
  });

  test("LM Studio: bits_per_weight decides (3.5 is heavy, MXFP4's 4.25 is not); a 30B-A3B MoE counts its total", async () => {
    const squeezed = await audit("lm/squeezed-model");
    assert.deepEqual(squeezed.map((finding) => finding.id), ["model-heavily-quantized"]);
    assert.match(squeezed[0]?.title ?? "", /Q3_K_L \(about 3\.5 bits a weight\)/);
    assert.deepEqual(await audit("lm/big-model"), []);
    assert.deepEqual(await audit("lm/moe-model"), []);
  });

  test("Ollama: /api/show's parameter count (1.2B), where the name says nothing", async () => {
    const findings = await audit("ol/assistant");
    assert.deepEqual(findings.map((finding) => finding.id), ["model-small"]);
    assert.match(findings[0]?.title ?? "", /1\.2B parameters/);
  });

  test("a small model with web_fetch is rated high where its template renders tools; medium, saying why, where the server says it cannot (hearth gives it none)", async () => {
    const tooled = (await audit("tooled/local", `["time", "web_fetch"]`)).find((finding) => finding.id === "model-small");
    assert.equal(tooled?.severity, "high");
    assert.match(tooled?.detail ?? "", /Rated high because it may call web_fetch/);
    const toolless = (await audit("llama/local", `["time", "web_fetch"]`)).find((finding) => finding.id === "model-small");
    assert.equal(toolless?.severity, "medium");
    assert.match(toolless?.detail ?? "", /Its server says it cannot use tools \(its chat template cannot render them, or it was not trained for them\), so hearth gives it none/);
  });
});
