import assert from "node:assert/strict";
import { test } from "node:test";
import type { AdapterFactory } from "../../src/ai/adapter.js";
import { AdapterRegistry, type AdapterLoaders } from "../../src/ai/adapter-registry.js";
import { HttpClient } from "../../src/ai/http/http-client.js";
import { adapterLoaders } from "../../src/cli/wire-adapters.js";

test("an adapter that failed to load is loaded again on the next call, not failed for the life of the process", async () => {
  let loads = 0;
  const flaky = async (): Promise<AdapterFactory> => {
    loads++;
    if (loads === 1) throw new Error("EMFILE: too many open files");
    return adapterLoaders["openai-completions"]();
  };
  const loaders: AdapterLoaders = { ...adapterLoaders, "openai-completions": flaky };
  const http = new HttpClient();
  try {
    const registry = new AdapterRegistry(loaders, { http });
    await assert.rejects(registry.get("openai-completions"), /EMFILE/);
    const adapter = await registry.get("openai-completions");
    assert.equal(adapter.api, "openai-completions");
    assert.equal(await registry.get("openai-completions"), adapter, "a loaded adapter is kept");
    assert.equal(loads, 2);
  } finally {
    http.destroy();
  }
});

test("callers asking at the same time share one load", async () => {
  let loads = 0;
  const counted = async (): Promise<AdapterFactory> => {
    loads++;
    return adapterLoaders.ollama();
  };
  const http = new HttpClient();
  try {
    const registry = new AdapterRegistry({ ...adapterLoaders, ollama: counted }, { http });
    const [first, second] = await Promise.all([registry.get("ollama"), registry.get("ollama")]);
    assert.equal(first, second);
    assert.equal(loads, 1);
  } finally {
    http.destroy();
  }
});

test("releaseMemory reaches every adapter loaded so far (each lets go of its kept histories), none still loading or never loaded", async () => {
  const released: string[] = [];
  const releasing =
    (api: "openai-completions" | "ollama"): (() => Promise<AdapterFactory>) =>
    async () => {
      const factory = await adapterLoaders[api]();
      return (dependencies) => ({ ...factory(dependencies), releaseMemory: () => released.push(api) });
    };
  let finishLoading: (factory: AdapterFactory) => void = () => undefined;
  const slow = (): Promise<AdapterFactory> => new Promise((resolve) => (finishLoading = resolve));
  const http = new HttpClient();
  try {
    const registry = new AdapterRegistry({ ...adapterLoaders, "openai-completions": releasing("openai-completions"), ollama: releasing("ollama"), "openai-responses": slow }, { http });
    registry.releaseMemory();
    assert.deepEqual(released, [], "nothing loaded yet");
    await registry.get("ollama");
    const loading = registry.get("openai-responses");
    registry.releaseMemory();
    assert.deepEqual(released, ["ollama"]);
    await registry.get("openai-completions");
    registry.releaseMemory();
    assert.deepEqual(released, ["ollama", "ollama", "openai-completions"]);
    finishLoading(await adapterLoaders["openai-responses"]());
    assert.equal((await loading).api, "openai-responses");
  } finally {
    http.destroy();
  }
});
