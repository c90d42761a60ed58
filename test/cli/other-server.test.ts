// The server that answers at a provider's address is what the words follow, not the provider's name
// or port. The trial: Ollama answered on LM Studio's port; `models discover --write` merged its models
// into the `lmstudio` provider (api "openai-responses", /v1) and made one the primary, so every turn
// failed, and doctor spoke of upgrading LM Studio. Now discover writes Ollama as a provider of its own
// and says why, and doctor names the server it found (other-server) with the fix for it.
import assert from "node:assert/strict";
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import json5 from "json5";
import { refusedUrl, type FakeServer } from "../fakes/fake-server.js";
import { startLlamaCpp } from "../fakes/llamacpp-server.js";
import { startLmStudio } from "../fakes/lmstudio-server.js";
import { startOllama } from "../fakes/ollama-server.js";
import { runCli, tempDir } from "../helpers/run-cli.js";

interface Finding {
  id: string;
  severity: "ok" | "info" | "warn" | "error";
  title: string;
  fix: string;
}

interface Named {
  origin: string;
  providerId: string;
  configured?: unknown;
  apart?: { provider: string; api: string };
}

describe("the server found at a provider's address, where it is not the one the config expects", () => {
  const temp = tempDir();
  let ollama: FakeServer;
  let lmstudio: FakeServer;
  let refused: string;
  before(async () => {
    ollama = await startOllama([
      { name: "qwen3:32b", parameterSize: "32.8B", quantization: "Q4_K_M", contextLength: 40960, loadedContext: 4096 },
      { name: "llama3.2:3b", parameterSize: "3.2B", quantization: "Q4_K_M", contextLength: 131072 },
    ]);
    // The real LM Studio answers an endpoint it lacks with 200 and an `{ error }` body.
    lmstudio = await startLmStudio({ models: [{ id: "qwen3-30b-a3b", loaded: true, loadedContextLength: 32768, maxContextLength: 40960 }], unexpectedEndpointStatus: 200 });
    refused = await refusedUrl();
  });
  after(async () => {
    await Promise.all([ollama.close(), lmstudio.close()]);
    temp.cleanup();
  });

  let count = 0;
  function config(text: string): { file: string; state: string } {
    const dir = join(temp.dir, `c${++count}`);
    const state = join(dir, "state");
    mkdirSync(state, { recursive: true });
    chmodSync(state, 0o700);
    const file = join(dir, "hearth.json5");
    writeFileSync(file, text);
    chmodSync(file, 0o600);
    return { file, state };
  }
  async function doctor(place: { file: string; state: string }): Promise<{ code: number; findings: Finding[] }> {
    const result = await runCli(["doctor", "--json", "--config", place.file], { env: { HEARTH_STATE_DIR: place.state, HEARTH_GATEWAY_URL: refused } });
    return { code: result.code, findings: (JSON.parse(result.stdout) as { findings: Finding[] }).findings.filter((finding) => finding.severity !== "ok") };
  }
  /** The brief's config, its `lmstudio` provider at the address where Ollama answers. */
  const lmStudioConfig = (): string => `{
  agents: { defaults: { model: { primary: "lmstudio/minimax-m2.1-gs32" } } },
  models: { mode: "replace", providers: {
    lmstudio: { baseUrl: "${ollama.url}/v1", apiKey: "lmstudio", api: "openai-responses", models: [{ id: "minimax-m2.1-gs32", contextWindow: 196608, maxTokens: 8192 }] },
  } },
}
`;

  test("discover: Ollama where the config's lmstudio provider points is named apart (ollama), said why, and never merged into lmstudio", async () => {
    const place = config(lmStudioConfig());
    const listed = await runCli(["models", "discover", "--url", ollama.url, "--json", "--config", place.file]);
    assert.equal(listed.code, 0, listed.stderr);
    const [server] = (JSON.parse(listed.stdout) as { servers: Named[] }).servers;
    assert.equal(server?.providerId, "ollama");
    assert.equal(server?.configured, undefined, "not the lmstudio provider's server");
    assert.deepEqual(server?.apart, { provider: "lmstudio", api: "openai-responses" });

    const human = await runCli(["models", "discover", "--url", ollama.url, "--config", place.file]);
    assert.match(human.stdout, /^Ollama at http:\/\/127\.0\.0\.1:\d+ \(answered in [\d.]+ ms\) → provider ollama \(new: models\.providers\.lmstudio is at the same address with api "openai-responses", which Ollama serves only from 0\.13\.3 on \(`hearth models status --probe` asks this one\): that provider is left as it was, not merged into — point it at its own server, or remove it if Ollama is what you meant\), api ollama, /m, human.stdout);
    assert.match(human.stdout, /^ {4}ollama: \{/m, "the block to paste is a provider of its own");

    const written = await runCli(["models", "discover", "--url", ollama.url, "--write", "--json", "--config", place.file]);
    assert.equal(written.code, 0, written.stdout + written.stderr);
    const changes = (JSON.parse(written.stdout) as { written: { changes: string[] } }).written.changes;
    assert.ok(changes.some((change) => change.startsWith(`added provider ollama (ollama, ${ollama.url}) with 2 models (qwen3:32b, llama3.2:3b) at models.providers.ollama; models.providers.lmstudio is at the same address`)), changes.join("\n"));
    const after = json5.parse(readFileSync(place.file, "utf8")) as { agents: { defaults: { model: { primary: string } } }; models: { providers: Record<string, { api: string; models: { id: string }[] }> } };
    assert.deepEqual(after.models.providers.lmstudio?.models.map((model) => model.id), ["minimax-m2.1-gs32"], "lmstudio left as it was");
    assert.equal(after.models.providers.lmstudio?.api, "openai-responses");
    assert.equal(after.models.providers.ollama?.api, "ollama");
    assert.equal(after.agents.defaults.model.primary, "ollama/qwen3:32b", "the primary names the provider hearth can speak to, not lmstudio/qwen3:32b");

    // The written primary answers through Ollama's own API: doctor has no error about it.
    const checked = await doctor(place);
    assert.deepEqual(checked.findings.filter((finding) => finding.severity === "error"), []);
  });

  test("doctor: Ollama at the lmstudio provider's address is named (other-server, an error with the fix for Ollama); nothing sends the user to LM Studio's menus", async () => {
    const found = await doctor(config(lmStudioConfig()));
    assert.equal(found.code, 1);
    const other = found.findings.find((finding) => finding.id === "other-server");
    assert.equal(other?.severity, "error", JSON.stringify(found.findings));
    assert.match(other?.title ?? "", /^lmstudio: the server at http:\/\/127\.0\.0\.1:\d+\/v1 is Ollama \(it answers Ollama's \/api\/tags\), not LM Studio as the provider's name says: it has no POST \/v1\/responses \(asked, it answered that no such endpoint exists\), which api "openai-responses" needs \(Ollama serves it from 0\.13\.3 on\)$/);
    assert.match(other?.fix ?? "", new RegExp(`^upgrade Ollama, or set models\\.providers\\.lmstudio\\.api to "ollama" and models\\.providers\\.lmstudio\\.baseUrl to "${ollama.url}" \\(\`hearth models discover --write\` adds it as a provider of its own\\); if lmstudio is meant for LM Studio, run LM Studio on a port of its own`));
    const words = found.findings.map((finding) => `${finding.title} ${finding.fix}`).join("\n");
    assert.doesNotMatch(words, /upgrade LM Studio|in LM Studio|LM Studio:/, "the server is Ollama");
    assert.match(found.findings.find((finding) => finding.id === "no-responses-endpoint")?.fix ?? "", /^set api: "ollama" for models\.providers\.lmstudio$/);
    assert.match(found.findings.find((finding) => finding.id === "model-not-listed")?.fix ?? "", /^pull it \(`ollama pull minimax-m2\.1-gs32`\)/);
  });

  test("doctor: a provider named lmstudio that speaks chat completions to Ollama works: a note names the server, no error", async () => {
    const found = await doctor(config(`{
  agents: { defaults: { model: { primary: "lmstudio/qwen3:32b" } } },
  models: { mode: "replace", providers: { lmstudio: { baseUrl: "${ollama.url}/v1", api: "openai-completions", models: [{ id: "qwen3:32b", contextWindow: 4096, maxTokens: 1024 }] } } },
}
`));
    const other = found.findings.find((finding) => finding.id === "other-server");
    assert.equal(other?.severity, "info");
    assert.match(other?.title ?? "", /is Ollama \(it answers Ollama's \/api\/tags\), not LM Studio as the provider's name says$/);
    assert.match(other?.fix ?? "", /^turns work \(hearth speaks api "openai-completions" to Ollama\)/);
    assert.deepEqual(found.findings.filter((finding) => finding.severity === "error"), []);
  });

  test("LM Studio where the config says Ollama (api \"ollama\"): discover names it apart, doctor names LM Studio with its api and /v1", async () => {
    const place = config(`{
  agents: { defaults: { model: { primary: "ollama/qwen3-30b-a3b" } } },
  models: { mode: "replace", providers: { ollama: { baseUrl: "${lmstudio.url}", api: "ollama", models: [{ id: "qwen3-30b-a3b", contextWindow: 32768, maxTokens: 4096 }] } } },
}
`);
    const listed = await runCli(["models", "discover", "--url", lmstudio.url, "--json", "--config", place.file]);
    const [server] = (JSON.parse(listed.stdout) as { servers: Named[] }).servers;
    assert.equal(server?.providerId, "lmstudio");
    assert.deepEqual(server?.apart, { provider: "ollama", api: "ollama" });
    const found = await doctor(place);
    const other = found.findings.find((finding) => finding.id === "other-server");
    assert.equal(other?.severity, "error", JSON.stringify(found.findings));
    assert.match(other?.title ?? "", /is LM Studio \(it answers LM Studio's own model listing, \/api\/v1\/models or \/api\/v0\/models\), not Ollama as its api "ollama" says: hearth does not speak api "ollama" to LM Studio$/);
    assert.match(other?.fix ?? "", new RegExp(`set models\\.providers\\.ollama\\.api to "openai-responses" and models\\.providers\\.ollama\\.baseUrl to "${lmstudio.url}/v1"`));
  });

  test("the words follow the server found, not the port: LM Studio on another port under another name is told to load the model in LM Studio", async () => {
    const found = await doctor(config(`{
  agents: { defaults: { model: { primary: "box/missing-70b" } } },
  models: { mode: "replace", providers: { box: { baseUrl: "${lmstudio.baseUrl}", api: "openai-completions", models: [{ id: "missing-70b", contextWindow: 8192, maxTokens: 2048 }] } } },
}
`));
    assert.deepEqual(found.findings.map((finding) => finding.id).filter((id) => id !== "no-fallback"), ["model-not-listed"]);
    assert.match(found.findings.find((finding) => finding.id === "model-not-listed")?.fix ?? "", /^download or load it in LM Studio, or correct the id/);
  });

  // t18 #1: api "anthropic-messages" against a llama-server that serves /v1/messages was called "not spoken"
  // (exit 1) while the gateway answered through it. The server is asked for the endpoint, not judged by its kind.
  describe("api anthropic-messages where llama.cpp answers: asked for POST /v1/messages, not judged by the kind", () => {
    const anthropicConfig = (baseUrl: string): string => `{
  agents: { defaults: { model: { primary: "local/my-local-model" } } },
  models: { mode: "replace", providers: { local: { baseUrl: "${baseUrl}", apiKey: "sk-local", api: "anthropic-messages", models: [{ id: "my-local-model", contextWindow: 2048, maxTokens: 256 }] } } },
}
`;
    const answer = { kind: "json" as const, body: { id: "msg_1", type: "message", role: "assistant", content: [{ type: "text", text: "Once" }], model: "stories260k", stop_reason: "max_tokens", usage: { input_tokens: 4, output_tokens: 1 } } };

    for (const path of ["/v1", ""]) {
      test(`a build with /v1/messages (baseUrl ${path ? "with" : "without"} /v1): no other-server finding, no error`, async () => {
        const server = await startLlamaCpp({ messages: () => answer });
        try {
          const found = await doctor(config(anthropicConfig(`${server.url}${path}`)));
          assert.equal(found.findings.find((finding) => finding.id === "other-server"), undefined, JSON.stringify(found.findings));
          assert.deepEqual(found.findings.filter((finding) => finding.severity === "error"), []);
          assert.ok(server.requests.some((request) => request.method === "POST" && request.path === "/v1/messages"), "the server was asked");
        } finally {
          await server.close();
        }
      });
    }

    test("an older build without /v1/messages: an error that says so, with the upgrade and the api it does speak", async () => {
      const server = await startLlamaCpp({});
      try {
        const found = await doctor(config(anthropicConfig(`${server.url}/v1`)));
        assert.equal(found.code, 1);
        const other = found.findings.find((finding) => finding.id === "other-server");
        assert.equal(other?.severity, "error", JSON.stringify(found.findings));
        assert.match(other?.title ?? "", /is llama\.cpp \(its \/props is llama\.cpp's\): it has no POST \/v1\/messages \(asked, it answered that no such endpoint exists\), which api "anthropic-messages" needs \(llama\.cpp serves it from its builds of January 2026 on\)$/);
        assert.match(other?.fix ?? "", new RegExp(`^upgrade llama\\.cpp, or set models\\.providers\\.local\\.api to "openai-completions" and models\\.providers\\.local\\.baseUrl to "${server.url}/v1"`));
        assert.doesNotMatch(other?.title ?? "", /does not speak/);
      } finally {
        await server.close();
      }
    });
  });
});
