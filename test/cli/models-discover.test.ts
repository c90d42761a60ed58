import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { after, before, describe, test } from "node:test";
import { refusedUrl, type FakeServer } from "../fakes/fake-server.js";
import { startLlamaCpp } from "../fakes/llamacpp-server.js";
import { startLmStudio } from "../fakes/lmstudio-server.js";
import { startOllama } from "../fakes/ollama-server.js";
import { startVllm } from "../fakes/vllm-server.js";
import { runCli, tempDir } from "../helpers/run-cli.js";
import { startGateway } from "../helpers/run-gateway.js";

interface Model {
  id: string;
  params?: string;
  parameterCount?: number;
  quantization?: string;
  bitsPerWeight?: number;
  format?: string;
  maxContext?: number;
  servedContext?: number;
  loaded?: boolean;
  toolUse?: boolean;
  vision?: boolean;
  reasoning?: boolean;
  modelPath?: string;
  chatTemplate?: string;
  flags: string[];
}
interface Server {
  kind: string;
  origin: string;
  baseUrl: string;
  api: string;
  providerId: string;
  models: Model[];
}
interface Report {
  servers: Server[];
  silent: { origin: string; reason: string }[];
  written?: { file: string; changes: string[]; note?: string };
}

const COMMENTED = `// my config: keep this comment
{
  agents: {
    defaults: {
      model: { primary: "anthropic/claude-sonnet-4-5" }, // hosted for now
    },
  },
  /* the models section */
  models: {
    mode: "merge",
  },
}
`;

describe("hearth models discover against fake LM Studio, llama.cpp, Ollama and vLLM servers", () => {
  let lmstudio: FakeServer;
  let llamacpp: FakeServer;
  let ollama: FakeServer;
  let vllm: FakeServer;
  const temp = tempDir();
  before(async () => {
    lmstudio = await startLmStudio({
      models: [
        { id: "minimax/minimax-m2.1", loaded: true, loadedContextLength: 65536, maxContextLength: 196608, quantization: "Q6_K", bitsPerWeight: 6, params: "230B-A10B", arch: "minimax_m2" },
        { id: "qwen/qwen3-4b-2507", loaded: false, maxContextLength: 32768, quantization: "Q3_K_S", bitsPerWeight: 3, vision: true },
        { id: "text-embedding-nomic-embed-text-v1.5", loaded: false, maxContextLength: 2048, type: "embedding" },
      ],
    });
    llamacpp = await startLlamaCpp({ alias: "stories260k", nCtx: 2048, supportsTools: true });
    ollama = await startOllama([
      { name: "qwen3:32b", parameterSize: "32.8B", quantization: "Q4_K_M", contextLength: 40960, loadedContext: 8192, capabilities: ["completion", "tools", "thinking"] },
      { name: "llama3.2:3b", parameterSize: "3.2B", quantization: "Q4_K_M", contextLength: 131072, numCtx: 16384 },
      { name: "nomic-embed-text:latest", parameterSize: "137M", quantization: "F16", contextLength: 2048, capabilities: ["embedding"] },
    ]);
    vllm = await startVllm({ id: "Qwen/Qwen3-30B-A3B-Instruct-2507", maxModelLen: 32768 });
  });
  after(async () => {
    await Promise.all([lmstudio.close(), llamacpp.close(), ollama.close(), vllm.close()]);
    temp.cleanup();
  });

  const discover = async (urls: string[], extra: string[] = []): Promise<Report> => {
    const result = await runCli(["models", "discover", ...urls.flatMap((url) => ["--url", url]), "--json", ...extra]);
    assert.equal(result.code, 0, result.stderr);
    return JSON.parse(result.stdout) as Report;
  };

  test("LM Studio: params, quantization and bits per weight, format, max and loaded context, tools, vision; MoE judged by total parameters", async () => {
    const [server] = (await discover([lmstudio.baseUrl])).servers;
    assert.equal(server?.kind, "lmstudio");
    assert.equal(server?.api, "openai-responses");
    assert.equal(server?.baseUrl, `${lmstudio.url}/v1`);
    assert.deepEqual(server?.models.map((model) => model.id), ["minimax/minimax-m2.1", "qwen/qwen3-4b-2507"], "the embedding model is left out");
    const [minimax, qwen] = server?.models ?? [];
    assert.equal(minimax?.params, "230B-A10B");
    assert.equal(minimax?.quantization, "Q6_K");
    assert.equal(minimax?.bitsPerWeight, 6);
    assert.equal(minimax?.format, "gguf");
    assert.equal(minimax?.maxContext, 196608);
    assert.equal(minimax?.servedContext, 65536);
    assert.equal(minimax?.loaded, true);
    assert.equal(minimax?.toolUse, true);
    assert.deepEqual(minimax?.flags, [], "230B total with 10B active is not small");
    assert.equal(qwen?.loaded, false);
    assert.equal(qwen?.vision, true);
    assert.deepEqual(qwen?.flags, ["small model (4B parameters in total)", "heavily quantized (Q3_K_S, 3 bits per weight)"]);
  });

  test("LM Studio 0.3 (only /api/v0/models): still LM Studio, with its loaded context", async () => {
    const older = await startLmStudio({ nativeApi: "v0", models: [{ id: "qwen2.5-32b-instruct", loaded: true, loadedContextLength: 32768, maxContextLength: 131072, quantization: "Q5_K_M" }] });
    try {
      const [server] = (await discover([older.url])).servers;
      assert.equal(server?.kind, "lmstudio");
      assert.equal(server?.models[0]?.servedContext, 32768);
      assert.equal(server?.models[0]?.format, "gguf");
      assert.deepEqual(server?.models[0]?.flags, []);
    } finally {
      await older.close();
    }
  });

  test("llama.cpp: n_ctx, model path and chat template from /props, parameters from /v1/models", async () => {
    const [server] = (await discover([llamacpp.url])).servers;
    assert.equal(server?.kind, "llamacpp");
    assert.equal(server?.api, "openai-completions");
    const model = server?.models[0];
    assert.equal(model?.id, "stories260k");
    assert.equal(model?.servedContext, 2048);
    assert.equal(model?.maxContext, 2048);
    assert.equal(model?.modelPath, "/models/stories260k.gguf");
    assert.match(model?.chatTemplate ?? "", /for message in messages/);
    assert.equal(model?.toolUse, true);
    assert.deepEqual(model?.flags, ["small model (0.26M parameters in total)"]);
    assert.equal(model?.reasoning, false, "ChatML: no thinking");
  });

  test("llama.cpp: a chat template that handles thinking (Qwen3's enable_thinking and <think>) makes a reasoning model", async () => {
    const qwen3Template = "{%- if enable_thinking is defined and enable_thinking is false %}{{- '<think>\n\n</think>\n\n' }}{%- endif %}{%- for message in messages %}{{- message.reasoning_content }}{%- endfor %}";
    const thinking = await startLlamaCpp({ alias: "qwen3-32b", nCtx: 32768, supportsTools: true, chatTemplate: qwen3Template });
    try {
      const [server] = (await discover([thinking.url])).servers;
      assert.equal(server?.models[0]?.reasoning, true);
    } finally {
      await thinking.close();
    }
  });

  test("Ollama: loaded context from /api/ps, num_ctx and capabilities from /api/show, size and quantization from /api/tags", async () => {
    const [server] = (await discover([ollama.url])).servers;
    assert.equal(server?.kind, "ollama");
    assert.equal(server?.api, "ollama");
    assert.equal(server?.baseUrl, ollama.url);
    assert.deepEqual(server?.models.map((model) => model.id), ["qwen3:32b", "llama3.2:3b"]);
    const [qwen, llama] = server?.models ?? [];
    assert.equal(qwen?.servedContext, 8192);
    assert.equal(qwen?.loaded, true);
    assert.equal(qwen?.maxContext, 40960);
    assert.equal(qwen?.reasoning, true);
    assert.equal(qwen?.toolUse, true);
    assert.deepEqual(qwen?.flags, []);
    assert.equal(llama?.loaded, false);
    assert.equal(llama?.servedContext, 16384, "num_ctx of its parameters");
    assert.equal(llama?.toolUse, true);
    assert.deepEqual(llama?.flags, ["small model (3.2B parameters in total)"]);
  });

  test("vLLM: max_model_len; a MoE id counts its total parameters", async () => {
    const [server] = (await discover([vllm.url])).servers;
    assert.equal(server?.kind, "vllm");
    assert.equal(server?.providerId, "vllm");
    assert.equal(server?.models[0]?.servedContext, 32768);
    assert.deepEqual(server?.models[0]?.flags, []);
  });

  test("an address where nothing listens is reported as silent; none answering exits 1 with what to do", async () => {
    const report = await runCli(["models", "discover", "--url", await refusedUrl()]);
    assert.equal(report.code, 1);
    assert.match(report.stdout, /No model server answered at http:\/\/127\.0\.0\.1:\d+ \(cannot reach 127\.0\.0\.1:\d+: .*\)\./);
    assert.match(report.stdout, /give its address with --url/);
  });

  test("two servers of one kind are two providers, each at its own address: in the listing, the block to paste and --write", async () => {
    const second = await startVllm({ id: "meta-llama/Llama-3.1-8B-Instruct", maxModelLen: 8192 });
    try {
      const port = new URL(second.url).port;
      const listed = await runCli(["models", "discover", "--url", vllm.url, "--url", second.url]);
      assert.equal(listed.code, 0, listed.stderr);
      assert.match(listed.stdout, new RegExp(`→ provider vllm, `));
      assert.match(listed.stdout, new RegExp(`→ provider vllm-${port}, `));
      assert.match(listed.stdout, new RegExp(`^    vllm: \\{`, "m"));
      assert.match(listed.stdout, new RegExp(`^    "vllm-${port}": \\{`, "m"), "quoted: JSON5 takes no bare key with a '-'");
      assert.doesNotMatch(listed.stdout, /^\s*$\n\s*$/m, "no empty detail line");
      const file = temp.write("two-vllm.json5", "{}\n");
      const written = await runCli(["models", "discover", "--url", vllm.url, "--url", second.url, "--write", "--config", file]);
      assert.equal(written.code, 0, written.stdout + written.stderr);
      const config = readFileSync(file, "utf8");
      assert.match(config, new RegExp(`vllm: \\{\\s*baseUrl: "${vllm.url.replace(/[.]/g, "\\.")}/v1"`));
      assert.match(config, new RegExp(`"?vllm-${port}"?: \\{\\s*baseUrl: "${second.url.replace(/[.]/g, "\\.")}/v1"`));
      // A third run adds nothing: each server is found under its own provider.
      const again = await runCli(["models", "discover", "--url", second.url, "--write", "--config", file]);
      assert.equal(again.code, 0, again.stdout + again.stderr);
      assert.match(again.stdout, new RegExp(`models\\.providers\\.vllm-${port} already lists every model`));
      // One at a time: the second server, found alone, is not merged into the config's vllm at the first address.
      const single = temp.write("one-vllm.json5", "{}\n");
      assert.equal((await runCli(["models", "discover", "--url", vllm.url, "--write", "--config", single])).code, 0);
      const added = await runCli(["models", "discover", "--url", second.url, "--write", "--config", single]);
      assert.equal(added.code, 0, added.stdout + added.stderr);
      assert.match(added.stdout, new RegExp(`added provider vllm-${port} \\(openai-completions, ${second.url.replace(/[.]/g, "\\.")}/v1\\)`));
      assert.match(readFileSync(single, "utf8"), new RegExp(`"vllm-${port}": \\{\\s*baseUrl: "${second.url.replace(/[.]/g, "\\.")}/v1"`));
    } finally {
      await second.close();
    }
  });

  test("--write never sets an alias that a model of the config already answers to (another server's model of the same file)", async () => {
    const first = await startLlamaCpp({ alias: "/models/stories260K.gguf", nCtx: 2048 });
    const second = await startLlamaCpp({ alias: "/models/stories260K.gguf", nCtx: 2048 });
    try {
      // The first server is in the config by hand: its model keyed "stories260K", aliased "Local".
      const file = temp.write(
        "same-file.json5",
        `{ agents: { defaults: { model: { primary: "llamacpp/stories260K" }, models: { "llamacpp/stories260K": { alias: "Local" } } } },
          models: { providers: { llamacpp: { baseUrl: "${first.url}/v1", api: "openai-completions", models: [{ id: "/models/stories260K.gguf", key: "stories260K" }] } } } }\n`,
      );
      const two = await runCli(["models", "discover", "--url", second.url, "--write", "--config", file]);
      assert.equal(two.code, 0, two.stdout + two.stderr);
      assert.match(two.stdout, /added provider llamacpp-\d+/);
      assert.doesNotMatch(two.stdout, /set the alias/, "the name stories260K keeps meaning the first server's model");
      const list = await runCli(["models", "list", "--json", "--config", file]);
      assert.equal(list.code, 0, list.stderr);
      const models = (JSON.parse(list.stdout) as { models: { ref: string; alias?: string | null }[] }).models;
      assert.deepEqual(models.filter((model) => model.alias === "stories260K").map((model) => model.ref), [], "no model got the name as an alias");
      // The bare name now names two models: said so, both named — never a silent switch to the new server.
      const agent = await runCli(["agent", "--config", file, "--model", "stories260K", "-m", "hi"], { env: { HEARTH_STATE_DIR: `${temp.dir}/same-file-state` } });
      assert.equal(agent.code, 2);
      assert.match(agent.stderr, /--model: "stories260K" is offered by several providers; name one: "llamacpp-\d+\/stories260K", "llamacpp\/stories260K"/);
      assert.deepEqual(models.filter((model) => model.alias === "Local").map((model) => model.ref), ["llamacpp/stories260K"], "the alias still names the first");
    } finally {
      await Promise.all([first.close(), second.close()]);
    }
  });

  test("a hearth gateway's address (it answers LM Studio's native listing for its clients) is named as hearth, never written as a provider", async () => {
    const gateway = await startGateway([], { HEARTH_STATE_DIR: `${temp.dir}/gw-state`, HOME: `${temp.dir}/gw-home` });
    try {
      const file = `${temp.dir}/self/hearth.json5`;
      const result = await runCli(["models", "discover", "--url", gateway.url, "--write", "--config", file]);
      assert.equal(result.code, 1, result.stdout + result.stderr);
      assert.match(result.stdout, new RegExp(`^${gateway.url.replace(/[.]/g, "\\.")} is a hearth gateway \\(version [^)]+\\), not a model server: it answers with the models of its own config: not written as a provider\\.$`, "m"));
      assert.doesNotMatch(result.stdout, /No model server answered/);
      assert.doesNotMatch(result.stdout, /LM Studio at/);
      assert.equal(readConfigIfAny(file), undefined, "no config written");
    } finally {
      await gateway.stop();
    }
  });

  test("the human listing shows the facts, the warnings and the block to paste", async () => {
    const result = await runCli(["models", "discover", "--url", lmstudio.url]);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /LM Studio at http:\/\/127\.0\.0\.1:\d+ \(answered in [\d.]+ ms\) → provider lmstudio, api openai-responses/);
    assert.match(result.stdout, /230B-A10B params · Q6_K \(6 bits\/weight\) · gguf · runs with 65536 context · max context 196608 · tools/);
    assert.match(result.stdout, /! warn: heavily quantized \(Q3_K_S, 3 bits per weight\)/);
    assert.match(result.stdout, /`\S+ models discover --url \S+ --write`/, "with the same --url, ready to paste");
    assert.match(result.stdout, /contextWindow: 65536,/);
  });

  test("--write adds every provider block to a commented config: comments kept, the result validates, the changes said", async () => {
    const file = temp.write("commented.json5", COMMENTED);
    const report = await discover([lmstudio.url, llamacpp.url, ollama.url, vllm.url], ["--write", "--config", file]);
    assert.equal(report.written?.file, file);
    assert.equal(report.written?.changes.length, 4);
    assert.match(report.written?.changes[0] ?? "", /^added provider lmstudio \(openai-responses, http:\/\/127\.0\.0\.1:\d+\/v1\) with 2 models \(minimax\/minimax-m2\.1, qwen\/qwen3-4b-2507\) at models\.providers\.lmstudio$/);
    const text = readFileSync(file, "utf8");
    for (const comment of ["// my config: keep this comment", "// hosted for now", "/* the models section */"]) assert.ok(text.includes(comment), comment);
    const validate = await runCli(["config", "validate", "--config", file]);
    assert.equal(validate.code, 0, validate.stderr + validate.stdout);
    const list = await runCli(["models", "list", "--all", "--json", "--config", file]);
    assert.equal(list.code, 0, list.stderr);
    const all = JSON.stringify(JSON.parse(list.stdout));
    for (const ref of ["lmstudio/minimax/minimax-m2.1", "llamacpp/stories260k", "ollama/qwen3:32b", "vllm/Qwen/Qwen3-30B-A3B-Instruct-2507"]) assert.ok(all.includes(ref), ref);
    const show = await runCli(["config", "show", "--json", "--config", file]);
    const providers = (JSON.parse(show.stdout) as { models: { providers: Record<string, { api: string; models: { id: string; contextWindow: number; maxTokens: number; reasoning: boolean; input: string[] }[] }> } }).models.providers;
    assert.equal(providers.lmstudio?.api, "openai-responses");
    assert.equal(providers.ollama?.api, "ollama");
    assert.equal(providers.vllm?.api, "openai-completions");
    assert.equal(providers.llamacpp?.api, "openai-completions");
    const first = providers.lmstudio?.models[0];
    assert.deepEqual([first?.id, first?.reasoning, first?.input, first?.contextWindow, first?.maxTokens], ["minimax/minimax-m2.1", true, ["text"], 65536, 8192], "LM Studio does not say: MiniMax is a reasoner by its family");
    assert.equal(providers.vllm?.models[0]?.reasoning, false, "vLLM does not say: Qwen3's Instruct-2507 does not reason");
    assert.deepEqual(providers.lmstudio?.models[1]?.input, ["text", "image"]);
    assert.equal(providers.lmstudio?.models[1]?.contextWindow, 32768, "an unloaded model: hearth's 32768, within its maximum");
    assert.equal(providers.llamacpp?.models[0]?.maxTokens, 512, "a quarter of a small window");
    assert.equal(providers.ollama?.models[0]?.reasoning, true);

    assert.match(report.written?.note ?? "", /^the primary stays anthropic\/claude-sonnet-4-5 \(it is not the model of a local provider in this config\); to answer with lmstudio\/minimax\/minimax-m2\.1 first, set agents\.defaults\.model\.primary to "lmstudio\/minimax\/minimax-m2\.1"$/);
    assert.ok(text.includes('primary: "anthropic/claude-sonnet-4-5"'), "a hosted primary stays");
    const again = await discover([lmstudio.url], ["--write", "--config", file]);
    assert.deepEqual(again.written?.changes, ["models.providers.lmstudio already lists every model the server has: left as it was"]);
    assert.equal(readFileSync(file, "utf8"), text, "nothing changed the second time");
  });

  test("--write into an existing provider adds only the models it lacks, into its models list", async () => {
    const file = temp.write("existing.json5", `{
  models: {
    providers: {
      // mine
      lmstudio: { baseUrl: "${lmstudio.baseUrl}", api: "openai-responses", models: [{ id: "minimax/minimax-m2.1", contextWindow: 65536 }] },
    },
  },
}
`);
    const report = await discover([lmstudio.url], ["--write", "--config", file]);
    assert.deepEqual(report.written?.changes, [
      "added 1 model (qwen/qwen3-4b-2507) to models.providers.lmstudio.models",
      'set agents.defaults.model.primary to "lmstudio/minimax/minimax-m2.1" (was unset: the config named none)',
    ]);
    assert.ok(readFileSync(file, "utf8").includes("// mine"));
    assert.equal((await runCli(["config", "validate", "--config", file])).code, 0);
  });

  test("--write makes the model found the primary when the config's local primary is not served: its server silent, or serving other models; a served one stays", async () => {
    const silent = await refusedUrl();
    const config = (baseUrl: string, id: string) => `{
  agents: { defaults: { model: { primary: "lmstudio/${id}", fallbacks: ["anthropic/claude-sonnet-4-5"] } } },
  models: { providers: { lmstudio: { baseUrl: "${baseUrl}/v1", apiKey: "lmstudio", api: "openai-responses", models: [{ id: "${id}" }] } } },
}
`;
    const gone = temp.write("primary-gone.json5", config(silent, "minimax-m2.1-gs32"));
    const report = await discover([llamacpp.url], ["--write", "--config", gone]);
    assert.deepEqual(report.written?.changes.slice(1), [`set agents.defaults.model.primary to "llamacpp/stories260k" (was lmstudio/minimax-m2.1-gs32: nothing answers at ${silent})`]);
    const list = await runCli(["models", "list", "--json", "--config", gone]);
    const rows = (JSON.parse(list.stdout) as { models: { ref: string; role: string }[] }).models;
    assert.deepEqual(rows.slice(0, 2).map((row) => [row.ref, row.role]), [["llamacpp/stories260k", "primary"], ["anthropic/claude-sonnet-4-5", "fallback-1"]]);

    const other = temp.write("primary-other.json5", config(lmstudio.url, "minimax-m2.1-gs32"));
    const otherReport = await discover([llamacpp.url], ["--write", "--config", other]);
    assert.match(otherReport.written?.changes[1] ?? "", /^set agents\.defaults\.model\.primary to "llamacpp\/stories260k" \(was lmstudio\/minimax-m2\.1-gs32: http:\/\/127\.0\.0\.1:\d+ does not serve lmstudio\/minimax-m2\.1-gs32\)$/);

    // The primary written in another letter case than the server's id names the same model (refs are case-insensitive): it stays.
    const otherCase = temp.write("primary-case.json5", config(lmstudio.url, "MiniMax/MiniMax-M2.1"));
    const caseReport = await discover([llamacpp.url], ["--write", "--config", otherCase]);
    assert.equal(caseReport.written?.changes.length, 1, JSON.stringify(caseReport.written));
    assert.match(caseReport.written?.note ?? "", /the primary stays lmstudio\/MiniMax\/MiniMax-M2\.1 \(http:\/\/127\.0\.0\.1:\d+ serves it\)/);
    assert.ok(readFileSync(otherCase, "utf8").includes('primary: "lmstudio/MiniMax/MiniMax-M2.1"'));

    const served = temp.write("primary-served.json5", config(lmstudio.url, "minimax/minimax-m2.1"));
    const servedReport = await discover([llamacpp.url], ["--write", "--config", served]);
    assert.equal(servedReport.written?.changes.length, 1, "only the provider added");
    assert.match(servedReport.written?.note ?? "", /the primary stays lmstudio\/minimax\/minimax-m2\.1 \(http:\/\/127\.0\.0\.1:\d+ serves it\)/);
    assert.ok(readFileSync(served, "utf8").includes('primary: "lmstudio/minimax/minimax-m2.1"'));
  });

  test("init with llama.cpp found: its closing advice names llama.cpp, not LM Studio's MiniMax; with --discover its model is the primary", async () => {
    const file = `${temp.dir}/llama-init/hearth.json5`;
    const init = await runCli(["init", "--url", llamacpp.url, "--config", file]);
    assert.equal(init.code, 0, init.stderr);
    const last = init.stdout.trim().split("\n").at(-1) ?? "";
    assert.doesNotMatch(last, /MiniMax|LM Studio/, last);
    assert.match(last, /^Next: the command above adds the models of llama\.cpp and makes llamacpp\/stories260k the primary/);

    const discovered = `${temp.dir}/llama-init-discover/hearth.json5`;
    const written = await runCli(["init", "--discover", "--url", llamacpp.url, "--config", discovered]);
    assert.equal(written.code, 0, written.stderr);
    assert.match(written.stdout, /set agents\.defaults\.model\.primary to "llamacpp\/stories260k"/);
    // The file written is named on the commands advised: without it they would read the default config.
    assert.match(written.stdout.trim().split("\n").at(-1) ?? "", /^Next: `\S+ --config \S+ models list` shows the chain, llamacpp\/stories260k \(llama\.cpp\) first/);
    const list = await runCli(["models", "list", "--json", "--config", discovered]);
    assert.deepEqual((JSON.parse(list.stdout) as { models: { ref: string; role: string }[] }).models.find((row) => row.role === "primary")?.ref, "llamacpp/stories260k");
  });

  test("--write without a config file names init --discover; init --discover writes the starter with the servers", async () => {
    const missing = `${temp.dir}/none/hearth.json5`;
    const refused = await runCli(["models", "discover", "--url", lmstudio.url, "--write", "--config", missing]);
    assert.equal(refused.code, 2, "a config problem");
    assert.match(refused.stderr, /no config at .* to add the servers to/);
    assert.match(refused.stderr, /init --discover/);
    const init = await runCli(["init", "--discover", "--url", ollama.url, "--config", missing]);
    assert.equal(init.code, 0, init.stderr);
    assert.match(init.stdout, /added provider ollama \(ollama, http:\/\/127\.0\.0\.1:\d+\) with 2 models/);
    assert.equal((await runCli(["config", "validate", "--config", missing])).code, 0);
    assert.ok(readFileSync(missing, "utf8").includes("// hearth config (JSON5"), "the starter's comments stay");
  });

  test("init without --discover names the server that answers and the command that adds it", async () => {
    const file = `${temp.dir}/plain/hearth.json5`;
    const init = await runCli(["init", "--url", vllm.url, "--config", file]);
    assert.equal(init.code, 0, init.stderr);
    const offered = /A model server answers at http:\/\/127\.0\.0\.1:\d+ \(1 model\): add what it serves with `\S+ (--config \S+ models discover --write --url \S+)`/.exec(init.stdout);
    assert.ok(offered?.[1], init.stdout);
    // The command offered asks the same server and writes the same file.
    const run = await runCli(offered[1].split(" "));
    assert.equal(run.code, 0, run.stderr);
    assert.match(readFileSync(file, "utf8"), /vllm: \{/);
  });

  test("init --url where nothing answers says so and what to do, not LM Studio's MiniMax", async () => {
    const silent = await refusedUrl();
    const file = `${temp.dir}/silent-init/hearth.json5`;
    const init = await runCli(["init", "--url", silent, "--config", file]);
    assert.equal(init.code, 0, init.stderr);
    assert.match(init.stdout, new RegExp(`^No model server answered at ${silent.replace(/[.]/g, "\\.")} \\(`, "m"));
    const last = init.stdout.trim().split("\n").at(-1) ?? "";
    assert.doesNotMatch(last, /MiniMax|LM Studio/, last);
    assert.match(last, new RegExp(`^Next: start the model server at ${silent.replace(/[.]/g, "\\.")} \\(or check the address\\), then \`\\S+ --config \\S+ models discover --write --url ${silent.replace(/[.]/g, "\\.")}\` adds what it serves`));
  });

  test("without --url, --write asks the local servers the config names too (a llama-server on its own port)", async () => {
    const port = new URL(llamacpp.url).port;
    const file = temp.write("configured-server.json5", `{
  agents: { defaults: { model: { primary: "llamacpp/stories260k" } } },
  models: { providers: { llamacpp: { baseUrl: "http://127.0.0.1:${port}/v1", api: "openai-completions", models: [{ id: "stories260k" }] } } },
}
`);
    const result = await runCli(["models", "discover", "--write", "--json", "--config", file]);
    assert.equal(result.code, 0, result.stdout + result.stderr);
    const report = JSON.parse(result.stdout) as Report;
    assert.ok(report.servers.some((server) => server.origin === `http://127.0.0.1:${port}` && server.kind === "llamacpp"), result.stdout);
  });
});

function readConfigIfAny(file: string): string | undefined {
  try {
    return readFileSync(file, "utf8");
  } catch {
    return undefined;
  }
}
