// What a server's model listing says it has: Ollama's /v1/models with no model pulled (`data: null`, a Go nil
// slice) is an empty list, Ollama's tagged ids match the untagged name it takes as `:latest`, and a
// llama-server router entry answers to its aliases.
import assert from "node:assert/strict";
import { test } from "node:test";
import { listedModelIds } from "../../src/ai/model-listing.js";

const ids = (body: unknown): string[] | undefined => {
  const listed = listedModelIds(body);
  return listed ? [...listed].sort() : undefined;
};

test("a null list is an empty one (Ollama with no model pulled), anything else without a list is none", () => {
  assert.deepEqual(ids({ object: "list", data: null }), [], "Ollama's /v1/models, openai.go ToListCompletion's nil slice");
  assert.deepEqual(ids({ models: null }), [], "a /api/tags whose models is null");
  assert.deepEqual(ids({ object: "list", data: [] }), []);
  assert.equal(ids({ data: null }), undefined, "a null data without `object: list` is no listing");
  assert.equal(ids({ error: "Unexpected endpoint or method. (GET /models)" }), undefined);
  assert.equal(ids("404 page not found"), undefined);
});

test("Ollama's /v1/models ids carry a tag: `name:latest` is also `name`, other tags only themselves", () => {
  const listing = {
    object: "list",
    data: [
      { id: "llama3.2:latest", object: "model", created: 1762077600, owned_by: "library" },
      { id: "qwen3:32b", object: "model", created: 1762077600, owned_by: "library" },
      { id: "someone/tiny:latest", object: "model", created: 1762077600, owned_by: "someone" },
      { id: "hf.co/user/repo:latest", object: "model", created: 1762077600, owned_by: "user" },
    ],
  };
  assert.deepEqual(ids(listing), ["hf.co/user/repo", "hf.co/user/repo:latest", "llama3.2", "llama3.2:latest", "qwen3:32b", "someone/tiny", "someone/tiny:latest"]);
  assert.equal(listedModelIds(listing)?.has("qwen3"), false, "qwen3 means qwen3:latest, which is not pulled");
});

test("another server's id with a `:latest` is only itself (its owner is not the id's Ollama namespace)", () => {
  assert.deepEqual(ids({ object: "list", data: [{ id: "model:latest", object: "model", owned_by: "vllm" }] }), ["model:latest"]);
  assert.deepEqual(ids({ object: "list", data: [{ id: "org/model:latest", object: "model", owned_by: "library" }] }), ["org/model:latest"]);
});

test("Ollama's /api/tags names: `:latest` is also the bare name, as before", () => {
  assert.deepEqual(ids({ models: [{ name: "llama3.2:latest", model: "llama3.2:latest" }, { name: "qwen3:8b", model: "qwen3:8b" }] }), ["llama3.2", "llama3.2:latest", "qwen3:8b"]);
});

test("a llama-server router entry answers to its aliases (server-models.cpp get_meta looks them up)", () => {
  const listing = {
    object: "list",
    data: [
      { id: "Qwen3-8B-Q4_K_M", aliases: ["qwen3", "default"], object: "model", owned_by: "llamacpp", status: { value: "loaded" } },
      { id: "stories260k", aliases: ["stories260k"], tags: [], object: "model", owned_by: "llamacpp", meta: { n_ctx_train: 2048 } },
    ],
  };
  assert.deepEqual(ids(listing), ["Qwen3-8B-Q4_K_M", "default", "qwen3", "stories260k"]);
});
