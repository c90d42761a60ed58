// A built-in hosted provider (anthropic) pointed at 127.0.0.1 — a proxy or relay to the paid service, as
// the trial's fake fallback was — is hosted, not local: it costs, its data leaves, it needs its key.
import assert from "node:assert/strict";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { runCli, tempDir } from "../helpers/run-cli.js";

describe("a built-in hosted provider on loopback counts as hosted", () => {
  const temp = tempDir();
  after(() => temp.cleanup());
  const config = (key: string, extra = "") =>
    temp.write(
      "hearth.json5",
      `{ agents: { defaults: { model: { primary: "llamacpp/m", fallbacks: ["anthropic/claude-sonnet-4-5"] }, models: { "anthropic/claude-sonnet-4-5": { alias: "Sonnet" } } } },
        models: { providers: {
          llamacpp: { baseUrl: "http://127.0.0.1:8097/v1", api: "openai-completions", apiKey: "llamacpp", models: [{ id: "m" }] },
          anthropic: { baseUrl: "http://127.0.0.1:18951", apiKey: "${key}" },${extra}
        } } }`,
    );

  test("config validate: no 'every model is local', no 'no hosted provider has a key'; models list --local leaves it out", async () => {
    const file = config("sk-ant-FAKEKEY1234567890abcdefXYZ");
    const result = await runCli(["config", "validate", "--config", file]);
    assert.equal(result.code, 0, result.stdout + result.stderr);
    assert.doesNotMatch(result.stdout + result.stderr, /every model in the chain is local|no hosted provider has a key/);
    const alone = temp.write("alone.json5", `{ agents: { defaults: { model: { primary: "llamacpp/m" } } }, models: { providers: { llamacpp: { baseUrl: "http://127.0.0.1:8097/v1", api: "openai-completions", models: [{ id: "m" }] }, anthropic: { baseUrl: "http://127.0.0.1:18951", apiKey: "sk-ant-FAKEKEY1234567890abcdefXYZ" } } } }`);
    const advice = await runCli(["config", "validate", "--config", alone]);
    assert.match(advice.stdout + advice.stderr, /no fallback: when llamacpp\/m fails, the turn fails\. Candidates for agents\.defaults\.model\.fallbacks: hosted providers with a key: anthropic \(apiKey\)/);
    const local = await runCli(["models", "list", "--local", "--json", "--config", file]);
    assert.equal(local.code, 0, local.stderr);
    assert.doesNotMatch(local.stdout, /anthropic\//);
    assert.match(local.stdout, /llamacpp\/m/);
  });

  test("usage: Sonnet answering after the local model failed is a hosted fallback with its cost, never 'No fallbacks to hosted models'", async () => {
    const file = config("sk-ant-FAKEKEY1234567890abcdefXYZ");
    const state = join(temp.dir, "state");
    mkdirSync(join(state, "sessions"), { recursive: true });
    const entries = [
      { type: "session", version: 1, at: "2026-11-01T09:00:00.000Z", agent: "main" },
      { type: "user", id: "u1", at: "2026-11-01T09:00:01.000Z", text: "hello" },
      {
        type: "assistant",
        id: "a1",
        at: "2026-11-01T09:00:03.000Z",
        message: { role: "assistant", content: [{ type: "text", text: "ok" }], model: "anthropic/claude-sonnet-4-5", api: "anthropic-messages", stopReason: "stop", usage: { input: 5000, output: 1000, cacheRead: 0, cacheWrite: 0, reasoning: 0, estimated: false }, cost: 0.03 },
        attempts: [{ model: "llamacpp/m", outcome: "auth", ms: 3 }, { model: "anthropic/claude-sonnet-4-5", outcome: "ok", ms: 900, baseUrl: "http://127.0.0.1:18951" }],
      },
    ];
    writeFileSync(join(state, "sessions", "cli2.jsonl"), entries.map((entry) => JSON.stringify(entry)).join("\n") + "\n");
    const result = await runCli(["--config", file, "usage"], { env: { HEARTH_STATE_DIR: state } });
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /^fallbacks to hosted models cost \$0\.03 over 1 turn$/m);
    assert.doesNotMatch(result.stdout, /No fallbacks to hosted models/);
    // A custom provider on loopback with a price its user wrote is a paid service too.
    const priced = temp.write("priced.json5", `{ models: { providers: { relay: { baseUrl: "http://127.0.0.1:18951/v1", api: "openai-completions", apiKey: "sk-relay-0123456789", models: [{ id: "big", cost: { input: 3, output: 15 } }] }, llamacpp: { baseUrl: "http://127.0.0.1:8097/v1", api: "openai-completions", models: [{ id: "m" }] } } } }`);
    const relayState = join(temp.dir, "relay-state");
    mkdirSync(join(relayState, "sessions"), { recursive: true });
    const relayed = entries.map((entry) => JSON.parse(JSON.stringify(entry).replaceAll("anthropic/claude-sonnet-4-5", "relay/big")) as object);
    writeFileSync(join(relayState, "sessions", "cli2.jsonl"), relayed.map((entry) => JSON.stringify(entry)).join("\n") + "\n");
    const relayUsage = await runCli(["--config", priced, "usage"], { env: { HEARTH_STATE_DIR: relayState } });
    assert.match(relayUsage.stdout, /^fallbacks to hosted models cost \$0\.03 over 1 turn$/m);
  });
});
