import assert from "node:assert/strict";
import { chmodSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { refusedUrl, startFakeServer, type FakeServer } from "../fakes/fake-server.js";
import { runCli, tempDir } from "../helpers/run-cli.js";

// A provider whose key the config writes with `${VAR}` is named at run time as the file writes it —
// doctor, models status, models list, a failed `hearth agent` — with what it became, never only as
// the substituted id the user will not find in the file.

describe("a provider key written with ${VAR}, at run time", () => {
  const temp = tempDir();
  let refused: string;
  let listing: FakeServer;

  before(async () => {
    refused = await refusedUrl();
    // A server that lists another model: doctor's fix names the provider's models list as written.
    listing = await startFakeServer((request) => (request.method === "GET" ? { kind: "json", body: { object: "list", data: [{ id: "other", object: "model" }] } } : { kind: "json", status: 401, body: { error: { message: "invalid api key" } } }));
  });
  after(async () => {
    await listing.close();
    temp.cleanup();
  });

  const setup = (name: string, providers: string, primary: string) => {
    const dir = join(temp.dir, name);
    const state = join(dir, "state");
    mkdirSync(state, { recursive: true, mode: 0o700 });
    const file = join(dir, "hearth.json5");
    writeFileSync(file, `{ agents: { defaults: { model: "${primary}" } }, models: { mode: "replace", providers: { ${providers} } } }`);
    chmodSync(file, 0o600);
    return { file, env: { HEARTH_STATE_DIR: state, HEARTH_GATEWAY_URL: refused, P: "acme", H: "far" } };
  };

  test("doctor names an unreachable provider and a model its server lacks by the key as written", async () => {
    const down = setup("down", `"\${P}": { baseUrl: "${refused}/v1", api: "openai-completions", models: [{ id: "m", contextWindow: 8192, maxTokens: 512 }] }`, "${P}/m");
    const unreachable = await runCli(["doctor", "--config", down.file], { env: down.env });
    assert.match(unreachable.stdout, /✗ error \[unreachable\] "\$\{P\}" \(acme\): http:\/\/127\.0\.0\.1:\d+\/v1 is unreachable/, unreachable.stdout);
    const lacks = setup("lacks", `"\${P}": { baseUrl: "${listing.baseUrl}", api: "openai-completions", models: [{ id: "m", contextWindow: 8192, maxTokens: 512 }] }`, "${P}/m");
    const notListed = await runCli(["doctor", "--config", lacks.file], { env: lacks.env });
    assert.match(notListed.stdout, /or correct the id in models\.providers\["\$\{P\}"\]\.models \("\$\{P\}" is "acme"\)/, notListed.stdout);
  });

  test("models status, models list and a failed hearth agent name a keyless hosted provider's key as written", async () => {
    const keyless = setup("keyless", `"\${H}": { baseUrl: "https://api.example.invalid/v1", api: "openai-completions", models: [{ id: "m", contextWindow: 8192, maxTokens: 512 }] }`, "${H}/m");
    const status = await runCli(["models", "status", "--config", keyless.file], { env: keyless.env });
    assert.match(status.stdout, /error: no API key for "\$\{H\}" \(far\)\n\s+fix: give models\.providers\["\$\{H\}"\]\.apiKey \("\$\{H\}" is "far"\)/, status.stdout);
    const list = await runCli(["models", "list", "--config", keyless.file], { env: keyless.env });
    assert.match(list.stderr, /note: provider "\$\{H\}" \(far\) has no API key: give models\.providers\["\$\{H\}"\]\.apiKey \("\$\{H\}" is "far"\)\./, list.stderr);
    const agent = await runCli(["agent", "--config", keyless.file, "-m", "hello"], { env: keyless.env });
    assert.equal(agent.code, 1);
    assert.match(agent.stderr, /no API key: set models\.providers\["\$\{H\}"\]\.apiKey \("\$\{H\}" is "far"\)/, agent.stderr);
  });
});
