import assert from "node:assert/strict";
import { describe, test } from "node:test";
import json5 from "json5";
import type { DiscoveredServer } from "../../src/ops/discover.js";
import { addDiscoveredProviders } from "../../src/ops/discover-write.js";

const server: DiscoveredServer = {
  kind: "llamacpp",
  origin: "http://127.0.0.1:8080",
  baseUrl: "http://127.0.0.1:8080/v1",
  api: "openai-completions",
  providerId: "llamacpp",
  latencyMs: 1,
  models: [{ id: "qwen3-32b", servedContext: 32768, maxContext: 40960, loaded: true, flags: [] }],
};

const providers = (text: string): Record<string, { baseUrl: string; models: { id: string; contextWindow: number }[] }> =>
  (json5.parse(text) as { models: { providers: Record<string, { baseUrl: string; models: { id: string; contextWindow: number }[] }> } }).models.providers;

describe("discover --write: edits the JSON5 text, keeps the rest", () => {
  test("a file with no models section gets one after its top-level brace; comments stay", () => {
    const text = "// top comment\n{\n  // agents below\n  agents: {},\n}\n";
    const edit = addDiscoveredProviders(text, [server], {});
    assert.ok(edit.text.startsWith("// top comment\n{\n  models: {\n    providers: {\n      llamacpp: {\n"));
    assert.ok(edit.text.includes("  // agents below\n  agents: {},"));
    assert.equal(providers(edit.text).llamacpp?.models[0]?.contextWindow, 32768);
  });

  test("an empty providers object, with a comment between the key and its brace, and quoted keys", () => {
    const text = `{ "models": { "providers" /* none yet */ : {} } }`;
    const edit = addDiscoveredProviders(text, [server], {});
    assert.ok(edit.text.includes("/* none yet */"));
    assert.equal(providers(edit.text).llamacpp?.baseUrl, "http://127.0.0.1:8080/v1");
    assert.match(edit.text, /\n\s*\},?\s*\}\s*\}$/);
  });

  test("a provider of that id without a models list gets one", () => {
    const text = `{ models: { providers: { llamacpp: { baseUrl: "http://127.0.0.1:8080/v1" } } } }`;
    const edit = addDiscoveredProviders(text, [server], {});
    assert.deepEqual(edit.changes, ["added 1 model (qwen3-32b) to models.providers.llamacpp.models"]);
    assert.equal(providers(edit.text).llamacpp?.models[0]?.id, "qwen3-32b");
  });

  test("a config that would not validate afterwards is refused, and names why", () => {
    const text = `{ models: { providers: { other: { baseUrl: "not a url" } } } }`;
    assert.throws(() => addDiscoveredProviders(text, [server], {}), /would not validate after adding the discovered providers, so it was left as it was/);
  });
});
