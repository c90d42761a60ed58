// A key the config writes as `apiKey: "${ACME_KEY}"` was said to be "the config's" when refused: the fix sent
// the user to the config file, where only the variable's name is. The advice now names the variable and
// where it is set — the environment, or gateway.env — as it does for a built-in provider's own variable.
import assert from "node:assert/strict";
import { chmodSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { startFakeServer, type FakeServer } from "../fakes/fake-server.js";
import { runCli, tempDir } from "../helpers/run-cli.js";

interface Finding {
  id: string;
  severity: string;
  fix?: string;
}

describe("a refused key the config names as ${VAR}", () => {
  const temp = tempDir();
  let refusing: FakeServer;
  before(async () => {
    refusing = await startFakeServer(() => ({ kind: "json", status: 401, body: { error: { message: "Invalid API key", type: "invalid_request_error" } } }));
  });
  after(async () => {
    await refusing.close();
    temp.cleanup();
  });

  /** doctor --json's fix for the refused key, the variable set in the environment or (`inFile`) in gateway.env only. */
  async function fixFor(name: string, where: "env" | "file" | "written"): Promise<string> {
    const home = join(temp.dir, name);
    const state = join(home, "state");
    mkdirSync(join(home, ".hearth"), { recursive: true });
    mkdirSync(state, { recursive: true, mode: 0o700 });
    const file = join(home, "hearth.json5");
    const apiKey = where === "written" ? "sk-acme-0123456789abcdef0123" : "${ACME_KEY}";
    writeFileSync(file, `{ agents: { defaults: { model: { primary: "acme/m" } } },
      models: { mode: "replace", providers: { acme: { baseUrl: "${refusing.baseUrl}", api: "openai-completions", apiKey: "${apiKey}", models: [{ id: "m", contextWindow: 8192 }] } } } }`);
    chmodSync(file, 0o600);
    if (where === "file") writeFileSync(join(home, ".hearth", "gateway.env"), "ACME_KEY=sk-acme-0123456789abcdef0123\n", { mode: 0o600 });
    const env = { HOME: home, HEARTH_STATE_DIR: state, HEARTH_GATEWAY_URL: "http://127.0.0.1:1", ...(where === "env" ? { ACME_KEY: "sk-acme-0123456789abcdef0123" } : {}) };
    const result = await runCli(["doctor", "--json", "--config", file], { env });
    const findings = (JSON.parse(result.stdout) as { findings: Finding[] }).findings;
    const refused = findings.find((finding) => finding.id === "listing-failed");
    assert.ok(refused, result.stdout);
    assert.doesNotMatch(result.stdout + result.stderr, /sk-acme-0123456789abcdef0123/, "the key itself is never said");
    return refused.fix ?? "";
  }

  test("set in the environment: the fix names ACME_KEY and the environment, not the config's key", async () => {
    const fix = await fixFor("env", "env");
    assert.match(fix, /the key is ACME_KEY from the environment, which the config's models\.providers\.acme\.apiKey names: set a valid one there/, fix);
    assert.doesNotMatch(fix, /the key is the config's/);
  });

  test("set in gateway.env only: the fix names gateway.env", async () => {
    const fix = await fixFor("file", "file");
    assert.match(fix, /the key is ACME_KEY from gateway\.env, which the config's models\.providers\.acme\.apiKey names: set a valid one there/, fix);
  });

  test("written in the config itself: still the config's", async () => {
    const fix = await fixFor("written", "written");
    assert.match(fix, /the key is the config's models\.providers\.acme\.apiKey: write a valid one there/, fix);
  });
});
