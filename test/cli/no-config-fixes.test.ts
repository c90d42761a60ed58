// With no config file the fixes named config keys (`check baseUrl`, `add agents.defaults.model.fallbacks`) that
// no file held yet: the user was sent to edit a file that did not exist. Each such fix now says where they go.
import assert from "node:assert/strict";
import { join } from "node:path";
import { test } from "node:test";
import { fixWithNoConfigFile } from "../../src/config/default-config.js";
import { runCli, tempDir } from "../helpers/run-cli.js";

interface Finding {
  id: string;
  severity: string;
  fix: string;
}

test("no config file: doctor's and models status's fixes that name config keys say `hearth init` writes the file they go in, and where", async () => {
  const temp = tempDir();
  try {
    const env = { HOME: temp.dir, HEARTH_STATE_DIR: join(temp.dir, "state"), HEARTH_GATEWAY_URL: "http://127.0.0.1:1" };
    const file = join(temp.dir, ".hearth", "hearth.json5");
    const doctor = await runCli(["doctor", "--json"], { env });
    const findings = (JSON.parse(doctor.stdout) as { findings: Finding[] }).findings;
    const unreachable = findings.find((finding) => finding.id === "unreachable");
    assert.ok(unreachable, doctor.stdout);
    assert.match(unreachable.fix, /check baseUrl/);
    assert.ok(unreachable.fix.endsWith(`there is no config file yet to put baseUrl in: \`./bin/hearth init\` writes one to edit (${file}), or create that file`), unreachable.fix);
    const missing = findings.find((finding) => finding.id === "config-missing");
    assert.doesNotMatch(missing?.fix ?? "", /there is no config file yet/, "the finding about the missing file says it once, its own way");
    const status = await runCli(["models", "status", "--probe"], { env });
    assert.match(status.stdout, /fix: .*check baseUrl.* — there is no config file yet to put baseUrl in: `\.\/bin\/hearth init` writes one to edit/, status.stdout);

    // With a file, the same fix is as it was.
    const written = temp.write("hearth.json5", `{ agents: { defaults: { model: { primary: "lm/m" } } }, models: { mode: "replace", providers: { lm: { baseUrl: "http://127.0.0.1:1/v1", api: "openai-completions", models: [{ id: "m", contextWindow: 8192 }] } } } }`);
    const withFile = await runCli(["doctor", "--json", "--config", written], { env });
    const fix = (JSON.parse(withFile.stdout) as { findings: Finding[] }).findings.find((finding) => finding.id === "unreachable")?.fix ?? "";
    assert.match(fix, /check baseUrl/);
    assert.doesNotMatch(fix, /no config file/);
  } finally {
    temp.cleanup();
  }
});

test("no config file: a file a fix names (gateway.env, hearth.json5) is not taken for a config key", () => {
  const where = { file: "/home/u/.hearth/hearth.json5", initCommand: "hearth init" };
  const fromEnvFile = fixWithNoConfigFile("the key is ANTHROPIC_API_KEY from gateway.env: set a valid one there (or give models.providers.anthropic.apiKey)", where);
  assert.doesNotMatch(fromEnvFile, /to put gateway\.env in/, fromEnvFile);
  assert.ok(fromEnvFile.endsWith("there is no config file yet to put models.providers.anthropic.apiKey in: `hearth init` writes one to edit (/home/u/.hearth/hearth.json5), or create that file"), fromEnvFile);
  const onlyTheFile = "add ANTHROPIC_API_KEY=… to ~/.hearth/gateway.env";
  assert.equal(fixWithNoConfigFile(onlyTheFile, where), onlyTheFile, "a fix that names only gateway.env is as it was");
  assert.equal(fixWithNoConfigFile("see gateway.json5 and models.json", where), "see gateway.json5 and models.json");
});
