import assert from "node:assert/strict";
import { test } from "node:test";
import { agentSpec } from "../../src/agent/agent-spec.js";
import { hostedCatalog } from "../../src/ai/catalog/hosted-catalog.js";
import { parseConfigValue } from "../../src/config/load.js";
import { parseJson5 } from "../../src/config/parse-json5.js";
import { resolveModels } from "../../src/models/resolve.js";
import { auditedAgents } from "../../src/ops/security/audit.js";

function loaded(text: string) {
  const source = { file: "hearth.json5", text };
  const { config } = parseConfigValue(parseJson5(text, source.file), source, {});
  return { config, resolved: resolveModels(config, { env: {}, catalog: hostedCatalog, source }) };
}

const providers = `models: { mode: "replace", providers: { local: { baseUrl: "http://127.0.0.1:9/v1", api: "openai-completions", models: [{ id: "m" }, { id: "n" }] } } }`;

test("an agents.list entry with id main is the main agent's own settings over agents.defaults (a trial found its exec ignored)", () => {
  const { config, resolved } = loaded(`{ agents: { defaults: { model: "local/m", maxSteps: 5, tools: { allow: ["time"] } },
    list: [{ id: "main", name: "Home", tools: { exec: { commands: ["ls"] } }, model: "local/n" }] }, ${providers} }`);
  const spec = agentSpec(config, resolved, "main");
  assert.deepEqual(spec.tools?.exec?.commands, ["ls"]);
  assert.equal(spec.name, "Home");
  assert.equal(spec.maxSteps, 5, "what the entry leaves out comes from agents.defaults");
  assert.deepEqual(spec.chain.map((model) => model.id), ["n"], "its model, as the chain already took it");
  assert.deepEqual(auditedAgents(config, resolved).map((agent) => agent.id), ["main"], "main is audited once");
});

test("with no entry for main, main is agents.defaults as before", () => {
  const { config, resolved } = loaded(`{ agents: { defaults: { model: "local/m", tools: { exec: { commands: ["ls"] } } }, list: [{ id: "other" }] }, ${providers} }`);
  const spec = agentSpec(config, resolved);
  assert.equal(spec.name, "hearth");
  assert.deepEqual(spec.tools?.exec?.commands, ["ls"]);
});
