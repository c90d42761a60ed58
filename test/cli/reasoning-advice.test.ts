import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { FakeServer } from "../fakes/fake-server.js";
import { startLlamaCpp } from "../fakes/llamacpp-server.js";
import { runCli, tempDir } from "../helpers/run-cli.js";
import { scriptedModel } from "../helpers/scripted-model.js";

/**
 * t9 #4: `models status --probe` and doctor said nothing of a model that reasons in its text while the config
 * says `reasoning: false` (what `models discover --write` writes where the server does not say): its first
 * answer then streams its reasoning as text. Where the server shows it (llama.cpp's /props), they suggest
 * `reasoning: true`.
 */

const QWEN3_LIKE = "{%- for message in messages -%}{{- '<|im_start|>' + message.role + '\\n' + message.content + '<|im_end|>\\n' -}}{%- endfor -%}{{- '<|im_start|>assistant\\n<think>\\n' -}}";

// Other spellings of reasoning in the text: Seed-OSS opens `<seed:think>` in the prompt, gpt-oss writes harmony's channels.
const SEED_LIKE = "{%- for message in messages -%}{{- '<seed:bos>' + message.role + '\\n' + message.content + '<seed:eos>' -}}{%- endfor -%}{{- '<seed:bos>assistant\\n<seed:think>' -}}";
const HARMONY_LIKE = "{%- for message in messages -%}{{- '<|start|>' + message.role + '<|channel|>final<|message|>' + message.content + '<|end|>' -}}{%- endfor -%}{{- '<|start|>assistant' -}}";

const config = (servers: { inText: string; named: string; told: string; seed: string; harmony: string }) => `{
  agents: { defaults: { model: { primary: "intext/house-model", fallbacks: ["named/magistral-small-2506", "told/house-model", "seed/house-model", "harmony/house-model"] } } },
  models: { mode: "replace", providers: {
    intext: { baseUrl: "${servers.inText}", api: "openai-completions", models: [{ id: "house-model", contextWindow: 2048, maxTokens: 256, reasoning: false }] },
    named: { baseUrl: "${servers.named}", api: "openai-completions", models: [{ id: "magistral-small-2506", contextWindow: 2048, maxTokens: 256 }] },
    told: { baseUrl: "${servers.told}", api: "openai-completions", models: [{ id: "house-model", contextWindow: 2048, maxTokens: 256, reasoning: true }] },
    seed: { baseUrl: "${servers.seed}", api: "openai-completions", models: [{ id: "house-model", contextWindow: 2048, maxTokens: 256, reasoning: false }] },
    harmony: { baseUrl: "${servers.harmony}", api: "openai-completions", models: [{ id: "house-model", contextWindow: 2048, maxTokens: 256, reasoning: false }] },
  } },
}`;

describe("a local model that reasons while reasoning is not set: status --probe and doctor suggest reasoning: true", () => {
  const temp = tempDir();
  const servers: FakeServer[] = [];
  let file = "";
  before(async () => {
    const answer = scriptedModel("openai-completions", () => ({ text: "ok" }));
    const inText = await startLlamaCpp({ alias: "house-model", chatTemplate: QWEN3_LIKE, reasoningFormat: "none", completions: answer });
    const named = await startLlamaCpp({ alias: "magistral-small-2506", completions: answer });
    const told = await startLlamaCpp({ alias: "house-model", chatTemplate: QWEN3_LIKE, reasoningFormat: "none", completions: answer });
    const seed = await startLlamaCpp({ alias: "house-model", chatTemplate: SEED_LIKE, reasoningFormat: "none", completions: answer });
    const harmony = await startLlamaCpp({ alias: "house-model", chatTemplate: HARMONY_LIKE, reasoningFormat: "none", completions: answer });
    servers.push(inText, named, told, seed, harmony);
    file = temp.write("reasoning.json5", config({ inText: inText.baseUrl, named: named.baseUrl, told: told.baseUrl, seed: seed.baseUrl, harmony: harmony.baseUrl }));
  });
  after(async () => {
    temp.cleanup();
    await Promise.all(servers.map((server) => server.close()));
  });

  test("models status --probe: the server that leaves reasoning in the text; nothing for one configured to reason, nor for a reasoner's name alone", async () => {
    const json = await runCli(["models", "status", "--probe", "--json", "--config", file]);
    assert.equal(json.code, 0, json.stderr);
    const chain = (JSON.parse(json.stdout) as { chain: { ref: string; problems: { id: string; severity: string; title: string; fix: string }[] }[] }).chain;
    const problem = (ref: string, id: string) => chain.find((entry) => entry.ref === ref)?.problems.find((found) => found.id === id);
    const inText = problem("intext/house-model", "reasoning-in-text");
    assert.equal(inText?.severity, "warn");
    assert.match(inText?.title ?? "", /leaves the reasoning in the text \(llama\.cpp --reasoning-format none, a chat template with reasoning tags such as <think>\)/);
    assert.match(inText?.fix ?? "", /^set reasoning: true in models\.providers\.intext\.models \(its entry, id house-model\), or restart llama-server without --reasoning-format none/);
    const named = chain.find((entry) => entry.ref === "named/magistral-small-2506")?.problems.filter((found) => found.id.startsWith("reasoning-"));
    assert.deepEqual(named, [], "a reasoner's name on a server that separates or does not say: no habit shown, nothing said");
    const told = chain.find((entry) => entry.ref === "told/house-model")?.problems.filter((found) => found.id.startsWith("reasoning-"));
    assert.deepEqual(told, [], "configured to reason: nothing to suggest");
    for (const ref of ["seed/house-model", "harmony/house-model"]) assert.equal(problem(ref, "reasoning-in-text")?.severity, "warn", `${ref}: its template writes reasoning in another spelling`);
  });

  test("doctor says it as a warning with the fix", async () => {
    const doctor = await runCli(["doctor", "--json", "--config", file]);
    const findings = (JSON.parse(doctor.stdout) as { findings: { id: string; severity: string; title: string; fix: string }[] }).findings;
    const found = findings.find((finding) => finding.id === "reasoning-in-text");
    assert.equal(found?.severity, "warn");
    assert.match(found?.title ?? "", /^intext\/house-model: its server leaves the reasoning in the text/);
  });
});
