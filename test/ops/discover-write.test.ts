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

  test("models added to a provider that names no api each say the server's: without one the config would not load", () => {
    const text = `{ models: { providers: { llamacpp: { baseUrl: "http://127.0.0.1:8080/v1", models: [] } } } }`;
    const edit = addDiscoveredProviders(text, [server], {});
    assert.deepEqual((json5.parse(edit.text) as { models: { providers: { llamacpp: { models: { api?: string }[] } } } }).models.providers.llamacpp.models.map((model) => model.api), ["openai-completions"]);
    const named = `{ models: { providers: { llamacpp: { baseUrl: "http://127.0.0.1:8080/v1", api: "openai-responses", models: [] } } } }`;
    assert.equal(json5.parse<{ models: { providers: { llamacpp: { models: { api?: string }[] } } } }>(addDiscoveredProviders(named, [server], {}).text).models.providers.llamacpp.models[0]?.api, undefined);
  });

  test("a server the config has under another name is that provider: its models are added there, no second provider", () => {
    const text = `{ models: { providers: { fake: { baseUrl: "http://127.0.0.1:8080/v1/", api: "openai-completions", models: [{ id: "qwen3-32b" }] } } } }`;
    const edit = addDiscoveredProviders(text, [server], {});
    assert.deepEqual(Object.keys(providers(edit.text)), ["fake"]);
    assert.deepEqual(edit.changes, ["models.providers.fake already lists every model the server has: left as it was"]);
    const more = addDiscoveredProviders(text, [{ ...server, models: [...server.models, { id: "gemma-3", servedContext: 8192, maxContext: 8192, loaded: false, flags: [] }] }], {});
    assert.deepEqual(Object.keys(providers(more.text)), ["fake"]);
    assert.deepEqual(providers(more.text).fake?.models.map((model) => model.id).sort(), ["gemma-3", "qwen3-32b"]);
  });

  test("the same server written another way is that provider too: without /v1, as localhost, or among baseUrls", () => {
    for (const written of [`baseUrl: "http://127.0.0.1:8080"`, `baseUrl: "http://localhost:8080/v1"`, `baseUrl: "HTTP://LOCALHOST:8080/"`, `baseUrls: ["http://127.0.0.1:9090/v1", "http://127.0.0.1:8080/v1"]`]) {
      const text = `{ models: { providers: { mine: { ${written}, api: "openai-completions", models: [{ id: "qwen3-32b" }] } } } }`;
      const edit = addDiscoveredProviders(text, [server], {});
      assert.deepEqual(Object.keys(providers(edit.text)), ["mine"], written);
      assert.deepEqual(edit.changes, ["models.providers.mine already lists every model the server has: left as it was"], written);
    }
    // Another port, or another host, is another server.
    for (const written of [`baseUrl: "http://127.0.0.1:8081/v1"`, `baseUrl: "http://192.168.1.20:8080/v1"`]) {
      const edit = addDiscoveredProviders(`{ models: { providers: { mine: { ${written}, api: "openai-completions", models: [{ id: "qwen3-32b" }] } } } }`, [server], {});
      assert.deepEqual(Object.keys(providers(edit.text)).sort(), ["llamacpp", "mine"], written);
    }
  });

  test("models written on one line: the existing ones move to a line of their own after the new, indented with them", () => {
    const text = `{\n  models: { providers: {\n    mine: { baseUrl: "http://127.0.0.1:8080/v1", api: "openai-completions", models: [{ id: "old", contextWindow: 1024 }] },\n  } },\n}\n`;
    const edit = addDiscoveredProviders(text, [server], {});
    assert.match(edit.text, /\n {6}\},\n {6}\{ id: "old", contextWindow: 1024 \}\] \},\n/);
    assert.deepEqual(providers(edit.text).mine?.models.map((model) => model.id), ["qwen3-32b", "old"]);
    const listed = `{ models: { providers: { mine: { baseUrl: "http://127.0.0.1:8080/v1", api: "openai-completions", models: [ // mine\n      { id: "old", contextWindow: 1024 },\n    ] } } } }`;
    const kept = addDiscoveredProviders(listed, [server], {});
    assert.ok(kept.text.includes("// mine"));
    assert.match(kept.text, /\n {6}\{ id: "old", contextWindow: 1024 \},\n/, "a list already one member a line is left as it was");
  });

  test("a config that would not validate afterwards is refused, and names why", () => {
    const text = `{ models: { providers: { other: { baseUrl: "not a url" } } } }`;
    assert.throws(() => addDiscoveredProviders(text, [server], {}), /would not validate after adding the discovered providers, so it was left as it was/);
  });
});
