// What `models discover --write` writes as contextWindow (t12-diag finding 8), by who sets the context:
// hearth for Ollama (num_ctx = contextWindow on every request) and LM Studio (`hearth models load` loads
// with contextWindow), the server for llama.cpp and vLLM (-c, --max-model-len). Where hearth sets it, what
// a model happens to run with now (Ollama's 4,096 default) does not pin it, nor does its maximum (131,072
// for a 3B model) make every request ask for a huge KV cache: 32,768 within the maximum, a Modelfile's own
// num_ctx where it sets one, more where the model is loaded with more. The written config is then used:
// the agent's request to Ollama carries that num_ctx.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { startFakeServer, type FakeServer } from "../fakes/fake-server.js";
import { startLlamaCpp } from "../fakes/llamacpp-server.js";
import { startLmStudio } from "../fakes/lmstudio-server.js";
import { ollamaStream } from "../fakes/ollama-chat-stream.js";
import { ollamaHandler } from "../fakes/ollama-server.js";
import { runCli, tempDir } from "../helpers/run-cli.js";

interface Written {
  models: { providers: Record<string, { models: { id: string; contextWindow: number; maxTokens: number }[] }> };
}

describe("models discover --write: contextWindow by who sets the context", () => {
  const temp = tempDir();
  let ollama: FakeServer;
  let lmstudio: FakeServer;
  let llamacpp: FakeServer;
  before(async () => {
    const native = ollamaHandler([
      // The trial's: loaded at Ollama's 4,096 default of its 40,960.
      { name: "qwen3:32b", parameterSize: "32.8B", quantization: "Q4_K_M", contextLength: 40960, loadedContext: 4096 },
      // Not loaded, a 131,072 maximum.
      { name: "llama3.2:3b", parameterSize: "3.2B", quantization: "Q4_K_M", contextLength: 131072 },
      // Its Modelfile sets num_ctx.
      { name: "mistral:7b", parameterSize: "7.2B", quantization: "Q4_K_M", family: "llama", contextLength: 32768, numCtx: 8192 },
      // Loaded with more than 32,768 (someone set OLLAMA_CONTEXT_LENGTH): the memory holds it.
      { name: "qwen3:14b", parameterSize: "14.8B", quantization: "Q4_K_M", contextLength: 131072, loadedContext: 65536 },
    ]);
    ollama = await startFakeServer((request) => (request.path === "/api/chat" ? ollamaStream({ model: "qwen3:32b", text: "hello" }) : native(request)));
    lmstudio = await startLmStudio({
      models: [
        { id: "minimax-m2.1-gs32", loaded: true, loadedContextLength: 4096, maxContextLength: 131072, params: "230B-A10B" },
        { id: "qwen/qwen3-30b-a3b", loaded: false, maxContextLength: 40960 },
        { id: "google/gemma-3-27b", loaded: false, maxContextLength: 8192 },
      ],
    });
    llamacpp = await startLlamaCpp({ alias: "stories260k", nCtx: 1024 });
  });
  after(async () => {
    await Promise.all([ollama.close(), lmstudio.close(), llamacpp.close()]);
    temp.cleanup();
  });

  test("the report says each written context and why; the config written has them; a turn asks Ollama for it", async () => {
    const report = await runCli(["models", "discover", "--url", ollama.url, "--url", lmstudio.url, "--url", llamacpp.url]);
    assert.equal(report.code, 0, report.stderr);
    const lines = report.stdout;
    assert.match(lines, /qwen3:32b\n.*\n {4}i context: contextWindow 32768 \(hearth's default where it sets the context\): hearth asks Ollama for it as num_ctx on every request; raise it up to 40960 where memory allows\n/);
    assert.match(lines, /llama3\.2:3b\n.*\n {4}i context: contextWindow 32768 \(hearth's default where it sets the context\): .*raise it up to 131072 where memory allows\n/);
    assert.match(lines, /mistral:7b\n.*\n {4}i context: contextWindow 8192 \(its Modelfile's num_ctx\): /);
    assert.match(lines, /qwen3:14b\n.*\n {4}i context: contextWindow 65536 \(what it is loaded with now\): /);
    assert.match(lines, /minimax-m2\.1-gs32\n.*\n {4}i context: contextWindow 32768 \(hearth's default where it sets the context\): LM Studio has it loaded with 4096: reload it with `\S*hearth\S* models unload lmstudio\/minimax-m2\.1-gs32 && \S*hearth\S* models load lmstudio\/minimax-m2\.1-gs32`; raise it up to 131072 where memory allows\n/);
    assert.match(lines, /qwen\/qwen3-30b-a3b\n.*\n {4}i context: contextWindow 32768 \(.*\): load it with `\S*hearth\S* models load lmstudio\/qwen\/qwen3-30b-a3b` \(a request would load it with LM Studio's own default\); raise it up to 40960/);
    assert.match(lines, /google\/gemma-3-27b\n.*\n {4}i context: contextWindow 8192 \(its maximum\): load it with /);
    assert.doesNotMatch(lines.split("stories260k")[1]?.split("\n").slice(0, 3).join("\n") ?? "", /i context/, "llama.cpp sets its own context: nothing to explain");

    const file = temp.write("hearth.json5", `{ agents: { defaults: { model: { primary: "ollama/qwen3:32b" } } }, models: { mode: "replace" } }`);
    const written = await runCli(["models", "discover", "--url", ollama.url, "--url", lmstudio.url, "--url", llamacpp.url, "--write", "--config", file]);
    assert.equal(written.code, 0, written.stderr);
    const show = await runCli(["config", "show", "--json", "--config", file]);
    const providers = (JSON.parse(show.stdout) as Written).models.providers;
    const windows = Object.fromEntries(Object.values(providers).flatMap((provider) => provider.models.map((model) => [model.id, [model.contextWindow, model.maxTokens]])));
    assert.deepEqual(windows, {
      "qwen3:32b": [32768, 8192],
      "llama3.2:3b": [32768, 8192],
      "mistral:7b": [8192, 2048],
      "qwen3:14b": [65536, 8192],
      "minimax-m2.1-gs32": [32768, 8192],
      "qwen/qwen3-30b-a3b": [32768, 8192],
      "google/gemma-3-27b": [8192, 2048],
      stories260k: [1024, 256],
    });
    assert.doesNotMatch(readFileSync(file, "utf8"), /contextWindow: (4096|131072|40960),/);

    // Used: the turn asks Ollama for the written context, not the 4,096 it happened to run.
    const turn = await runCli(["agent", "--config", file, "-m", "hi"], { env: { HEARTH_STATE_DIR: join(temp.dir, "state") } });
    assert.equal(turn.stdout, "hello\n", turn.stderr);
    const chat = ollama.requests.find((request) => request.path === "/api/chat");
    assert.equal((chat?.body as { options?: { num_ctx?: number } }).options?.num_ctx, 32768);
  });
});
