// `models discover --write` with a hosted provider of the config (`openai`, a built-in: hosted wherever
// its baseUrl points) pointed at a loopback relay in front of the hosted API: the relay answers
// /v1/models as an OpenAI-compatible server would, but it is that provider's, which the user keeps as
// hosted — discover says what it saw there and never rewrites or extends it, nor makes a model there
// the primary. The trial: the relay's models were appended to `models.providers.openai.models`.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { after, before, describe, test } from "node:test";
import { startFakeServer, type FakeServer } from "../fakes/fake-server.js";
import { startLlamaCpp } from "../fakes/llamacpp-server.js";
import { runCli, tempDir } from "../helpers/run-cli.js";

interface Report {
  servers: { origin: string; providerId: string; configured?: { newModels: string[] }; hosted?: { provider: string }; models: { id: string }[] }[];
  written?: { changes: string[] };
}

describe("models discover leaves a hosted provider at a loopback relay as it is", () => {
  const temp = tempDir();
  let relay: FakeServer;
  let local: FakeServer;
  before(async () => {
    // What a local proxy in front of OpenAI answers: its models list, nothing of a local server's own endpoints.
    relay = await startFakeServer((request) =>
      request.path === "/v1/models"
        ? { kind: "json", body: { object: "list", data: [{ id: "gpt-5", object: "model", owned_by: "openai" }, { id: "gpt-5-mini", object: "model", owned_by: "openai" }] } }
        : { kind: "json", status: 404, body: { error: { message: "not found" } } },
    );
    local = await startLlamaCpp({ alias: "qwen3-8b", nCtx: 4096 });
  });
  after(async () => {
    await Promise.all([relay.close(), local.close()]);
    temp.cleanup();
  });

  const text = (): string => `{
  agents: { defaults: { model: { primary: "openai/gpt-5" } } },
  models: { providers: { openai: { baseUrl: "${relay.url}/v1", api: "openai-completions", apiKey: "sk-relay-test-key-0000", models: [{ id: "gpt-5" }] } } },
}
`;

  test("the report says the relay is the hosted provider's and proposes nothing for it; --write leaves it and the primary as they were", async () => {
    const file = temp.write("relay.json5", text());
    const urls = ["--url", relay.url, "--url", local.url];
    const listed = await runCli(["models", "discover", ...urls, "--json", "--config", file]);
    assert.equal(listed.code, 0, listed.stderr);
    const report = JSON.parse(listed.stdout) as Report;
    const atRelay = report.servers.find((server) => server.origin === relay.url);
    assert.deepEqual(atRelay?.hosted, { provider: "openai" }, listed.stdout);
    assert.equal(atRelay?.configured, undefined, "not a local provider with new models to add");

    const human = await runCli(["models", "discover", ...urls, "--config", file]);
    assert.equal(human.code, 0, human.stderr);
    assert.match(human.stdout, new RegExp(`OpenAI-compatible server at ${relay.url.replace(/[.]/g, "\\.")} \\(answered in [\\d.]+ ms\\): models\\.providers\\.openai points here, a hosted provider \\(built in\\): left as it is; it lists 2 models \\(gpt-5, gpt-5-mini\\)`), human.stdout);
    assert.doesNotMatch(human.stdout, /under models\.providers\.openai/, "nothing proposed for the hosted provider");
    assert.doesNotMatch(human.stdout, /→ provider openai/);

    const written = await runCli(["models", "discover", ...urls, "--write", "--json", "--config", file]);
    assert.equal(written.code, 0, written.stdout + written.stderr);
    const changes = (JSON.parse(written.stdout) as Report).written?.changes ?? [];
    assert.ok(!changes.some((change) => /providers\.openai\b|primary/.test(change)), changes.join("\n"));
    const after = readFileSync(file, "utf8");
    assert.match(after, /openai: \{ baseUrl: "[^"]+", api: "openai-completions", apiKey: "sk-relay-test-key-0000", models: \[\{ id: "gpt-5" \}\] \}/, "the hosted provider as it was");
    assert.match(after, /primary: "openai\/gpt-5"/, "the hosted primary stays: the user chose it");
    assert.match(after, /qwen3-8b/, "the local server found is added as before");
  });
});
