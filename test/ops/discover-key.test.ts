import assert from "node:assert/strict";
import { test } from "node:test";
import { discoveredRef, modelEntry, modelKey } from "../../src/ops/discover-write.js";
import { modelKeys } from "../../src/ops/discover-keys.js";
import { resolveModels } from "../../src/models/resolve.js";
import { hostedCatalog } from "../../src/ai/catalog/hosted-catalog.js";
import { parseConfigValue } from "../../src/config/load.js";

test("a GGUF path as the id gets the file's stem as its key; LM Studio's and Ollama's ids stay as they are", () => {
  assert.equal(modelKey("/work/shared/realserver/stories260K.gguf"), "stories260K");
  assert.equal(modelKey("C:\\models\\Qwen3-8B-Q4_K_M.gguf"), "Qwen3-8B-Q4_K_M");
  assert.equal(modelKey("qwen/qwen3-8b"), undefined);
  assert.equal(modelKey("llama3:8b"), undefined);
  assert.equal(discoveredRef("llamacpp", { id: "/m/stories260K.gguf" }), "llamacpp/stories260K");
  assert.equal(discoveredRef("lmstudio", { id: "qwen/qwen3-8b" }), "lmstudio/qwen/qwen3-8b");
  assert.deepEqual(Object.keys(modelEntry({ id: "llama3:8b" } as never, "ollama")).includes("key"), false);
});

test("a model's key names it in refs; its id is what the server is sent", () => {
  const config = parseConfigValue(
    { agents: { defaults: { model: { primary: "llamacpp/stories260K" } } }, models: { mode: "replace", providers: { llamacpp: { baseUrl: "http://127.0.0.1:1/v1", api: "openai-completions", models: [{ id: "/m/stories260K.gguf", key: "stories260K" }] } } } },
    undefined,
    {},
  ).config;
  const resolved = resolveModels(config, { env: {}, catalog: hostedCatalog, source: undefined });
  const found = resolved.catalog.lookup("stories260K");
  assert.ok(found.ok);
  assert.deepEqual([found.model.ref, found.model.id], ["llamacpp/stories260K", "/m/stories260K.gguf"]);
  assert.equal(resolved.chain[0]?.model.id, "/m/stories260K.gguf");
  assert.throws(
    () => parseConfigValue({ models: { providers: { l: { baseUrl: "http://127.0.0.1:1/v1", api: "openai-completions", models: [{ id: "x", key: "a/b" }] } } } }, undefined, {}),
    (error: Error & { details?: readonly string[] }) => /models\.providers\.l\.models\[0\]\.key: a model key uses letters, digits/.test((error.details ?? []).join("\n")),
  );
});

test("keys of files with one stem take the folders that tell them apart; where none does, the later are numbered", () => {
  const keys = (ids: string[], taken: string[] = []): string[] => {
    const found = modelKeys(ids, taken);
    return ids.map((id) => found.get(id) ?? `(none: ${id})`);
  };
  assert.deepEqual(keys(["/m/a/Q4/x.gguf", "/m/b/Q4/x.gguf", "/m/c/Q8/x.gguf"]), ["a-Q4-x", "b-Q4-x", "Q8-x"]);
  // A server listing ids whose last part is equal, with no folder to tell them apart.
  assert.deepEqual(keys(["org/x.gguf", "ORG/X.gguf", "x.gguf"]), ["org-x", "ORG-X-2", "x"]);
  // Regardless of case, against the provider's ids and keys and the other models' ids; a key may be its own model's id.
  assert.deepEqual(keys(["/m/Stories.gguf"], ["stories"]), ["m-Stories"]);
  assert.deepEqual(keys(["/m/stories.gguf", "stories"]), ["m-stories", "(none: stories)"]);
  assert.deepEqual(keys(["stories.gguf"]), ["stories"]);
  assert.deepEqual(keys(["C:\\models\\q4\\a.gguf", "C:\\models\\q8\\a.gguf", "qwen/qwen3-8b"]), ["q4-a", "q8-a", "(none: qwen/qwen3-8b)"]);
});
