import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { after, before, describe, test } from "node:test";
import json5 from "json5";
import type { FakeServer } from "../fakes/fake-server.js";
import { startLlamaCpp } from "../fakes/llamacpp-server.js";
import { runCli, tempDir } from "../helpers/run-cli.js";

interface Written {
  models: { providers: Record<string, { models: { id: string; key?: string }[] }> };
  agents?: { defaults?: { model?: { primary?: string }; models?: Record<string, { alias?: string }> } };
}

/**
 * A server that lists two GGUF files of one stem (two quantisations in folders of their own): named
 * by the stem alone they were one key twice, and `--write` wrote a config hearth refused to load.
 */
describe("models discover --write: GGUF files with the same stem on one server", () => {
  const q4 = "/models/qwen3-8b/Q4_K_M/qwen3-8b.gguf";
  const q8 = "/models/qwen3-8b/Q8_0/qwen3-8b.gguf";
  let server: FakeServer;
  const temp = tempDir();
  before(async () => {
    server = await startLlamaCpp({ alias: "qwen3-8b", nCtx: 8192, listed: [q4, q8] });
  });
  after(async () => {
    await server.close();
    temp.cleanup();
  });

  const written = (file: string): Written => json5.parse(readFileSync(file, "utf8"));

  test("each gets a key of its stem and the folder that tells them apart, an alias by it, and the config loads", async () => {
    const file = temp.write("two.json5", "{\n  agents: { defaults: {} },\n}\n");
    const result = await runCli(["models", "discover", "--url", server.url, "--write", "--config", file]);
    assert.equal(result.code, 0, result.stderr);
    const config = written(file);
    assert.deepEqual(config.models.providers.llamacpp?.models.map((model) => [model.id, model.key]), [
      [q4, "Q4_K_M-qwen3-8b"],
      [q8, "Q8_0-qwen3-8b"],
    ]);
    assert.deepEqual(config.agents?.defaults?.models, { "llamacpp/Q4_K_M-qwen3-8b": { alias: "Q4_K_M-qwen3-8b" }, "llamacpp/Q8_0-qwen3-8b": { alias: "Q8_0-qwen3-8b" } });
    assert.equal(config.agents?.defaults?.model?.primary, "llamacpp/Q4_K_M-qwen3-8b");
    assert.match(result.stdout, /set agents\.defaults\.model\.primary to "llamacpp\/Q4_K_M-qwen3-8b"/);
    const validate = await runCli(["config", "validate", "--config", file]);
    assert.equal(validate.code, 0, validate.stderr);
    assert.match(validate.stdout, /\n {2}chain: llamacpp\/Q4_K_M-qwen3-8b\n/);
    const list = await runCli(["models", "list", "--all", "--json", "--config", file]);
    assert.equal(list.code, 0, list.stderr);
    const refs = JSON.stringify(JSON.parse(list.stdout));
    for (const ref of ["llamacpp/Q4_K_M-qwen3-8b", "llamacpp/Q8_0-qwen3-8b"]) assert.ok(refs.includes(ref), ref);
  });

  test("the block printed without --write names them apart the same way", async () => {
    const result = await runCli(["models", "discover", "--url", server.url, "--config", temp.write("none.json5", "{}")]);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /key: "Q4_K_M-qwen3-8b"/);
    assert.match(result.stdout, /key: "Q8_0-qwen3-8b"/);
  });

  test("a key the provider has already is not given again: the new file takes its folder", async () => {
    const file = temp.write(
      "existing.json5",
      `{\n  models: { providers: { llamacpp: {\n    baseUrl: "${server.url}/v1", api: "openai-completions",\n    models: [{ id: "/old/qwen3-8b.gguf", key: "q8_0-QWEN3-8B" }, { id: "Q4_K_M-qwen3-8b" }],\n  } } },\n}\n`,
    );
    const result = await runCli(["models", "discover", "--url", server.url, "--write", "--config", file]);
    assert.equal(result.code, 0, result.stderr);
    const keys = written(file).models.providers.llamacpp?.models.map((model) => model.key ?? model.id);
    // Taken (regardless of case) by an id and a key there: the next folder out tells them apart.
    assert.deepEqual(keys, ["qwen3-8b-Q4_K_M-qwen3-8b", "qwen3-8b-Q8_0-qwen3-8b", "q8_0-QWEN3-8B", "Q4_K_M-qwen3-8b"]);
    const validate = await runCli(["config", "validate", "--config", file]);
    assert.equal(validate.code, 0, validate.stderr);
  });

  test("a config that would not load is left as it was, and the problems are said", async () => {
    const text = `{\n  models: { providers: { other: { baseUrl: "http://127.0.0.1:9/v1", api: "openai-completions", models: [{ id: "m", contextWindow: "big" }] } } },\n}\n`;
    const file = temp.write("broken.json5", text);
    const result = await runCli(["models", "discover", "--url", server.url, "--write", "--config", file]);
    assert.equal(result.code, 2, result.stderr);
    assert.match(result.stderr, /would not validate after adding the discovered providers, so it was left as it was/);
    assert.match(result.stderr, /models\.providers\.other\.models\[0\]\.contextWindow: expected a number, got "big"/);
    assert.match(result.stderr, /the config has these problems without the discovered models too/);
    assert.equal(readFileSync(file, "utf8"), text);
  });
});
