import assert from "node:assert/strict";
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
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

  test("a model of such a provider is named by its ref as written, with what it became, everywhere a ref is shown: models list and status, doctor, config validate, usage, a failed turn", async () => {
    const both = setup("refs", `"\${P}": { baseUrl: "${refused}/v1", api: "openai-completions", models: [{ id: "m", contextWindow: 8192, maxTokens: 512 }] }, "\${H}": { baseUrl: "https://api.example.invalid/v1", api: "openai-completions", models: [{ id: "m", contextWindow: 8192, maxTokens: 512 }] }`, "${P}/m");
    writeFileSync(both.file, readFileSync(both.file, "utf8").replace('model: "${P}/m"', 'model: { primary: "${P}/m", fallbacks: ["${H}/m"] }'));
    const local = '"\\$\\{P\\}/m" \\(acme/m\\)';
    const hosted = '"\\$\\{H\\}/m" \\(far/m\\)';
    const list = await runCli(["models", "list", "--config", both.file], { env: both.env });
    assert.match(list.stdout, new RegExp(`^primary\\s+${local}\\s`, "m"), list.stdout);
    assert.match(list.stdout, new RegExp(`^fallback 1\\s+${hosted}\\s`, "m"), list.stdout);
    const listJson = JSON.parse((await runCli(["models", "list", "--json", "--config", both.file], { env: both.env })).stdout) as { models: { ref: string; named?: string }[] };
    assert.deepEqual(listJson.models.map((model) => [model.ref, model.named]), [["acme/m", '"${P}/m" (acme/m)'], ["far/m", '"${H}/m" (far/m)']], "--json keeps the ref, and says the name");
    const status = await runCli(["models", "status", "--config", both.file], { env: both.env });
    assert.match(status.stdout, new RegExp(`^primary: ${local}$`, "m"), status.stdout);
    assert.match(status.stdout, new RegExp(`^fallback 1: ${hosted}$`, "m"), status.stdout);
    const doctor = await runCli(["doctor", "--config", both.file], { env: both.env });
    assert.match(doctor.stdout, new RegExp(`\\[fallback-no-key\\] ${hosted}: no API key`), doctor.stdout);
    assert.match(doctor.stdout, new RegExp(`seen: ${hosted}$`, "m"), doctor.stdout);
    const validate = await runCli(["config", "validate", "--config", both.file], { env: both.env });
    assert.match(validate.stdout, new RegExp(`chain: ${local} → ${hosted}`), validate.stdout);
    const agent = await runCli(["agent", "--config", both.file, "-m", "hello"], { env: both.env });
    assert.equal(agent.code, 1);
    assert.match(agent.stderr, new RegExp(`^hearth: no model could answer \\(${local}: unreachable; ${hosted}: skipped-no-key\\)$`, "m"), agent.stderr);
    assert.match(agent.stderr, new RegExp(`^  ${local}: unreachable — `, "m"), agent.stderr);
    // A reply of the model, as a session keeps it (by the ref it became): usage names it as written.
    const usage = (input: number, output: number) => ({ input, output, cacheRead: 0, cacheWrite: 0, reasoning: 0, estimated: false });
    mkdirSync(join(both.env.HEARTH_STATE_DIR, "sessions"), { recursive: true });
    writeFileSync(join(both.env.HEARTH_STATE_DIR, "sessions", "used.jsonl"), [
      { type: "session", version: 1, at: "2026-11-01T09:00:00.000Z", agent: "main" },
      { type: "user", id: "u1", at: "2026-11-01T09:00:01.000Z", text: "hello" },
      { type: "assistant", id: "a1", at: "2026-11-01T09:00:02.000Z", message: { role: "assistant", content: [{ type: "text", text: "ok" }], model: "acme/m", api: "openai-completions", stopReason: "stop", usage: usage(10, 2), cost: 0 }, attempts: [{ model: "acme/m", outcome: "ok", ms: 5 }] },
    ].map((entry) => JSON.stringify(entry)).join("\n") + "\n");
    const report = await runCli(["usage", "--config", both.file], { env: both.env });
    // The reply and the call that found the server down: two calls, one failed.
    assert.match(report.stdout, new RegExp(`^${local}\\s+2\\s+-\\s+1 unreachable\\s`, "m"), report.stdout);
  });
});
