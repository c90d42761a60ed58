// The advice for a gateway token works for the installed service and for every command in a shell
// without the variable: the token goes into ~/.hearth/gateway.env (the unit's EnvironmentFile), which
// the config loader reads for a ${VAR} the environment does not set.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { chmodSync, mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { GATEWAY_TOKEN_ADVICE } from "../../src/ops/gateway-token-advice.js";
import { runCli, tempDir } from "../helpers/run-cli.js";
import { startGateway } from "../helpers/run-gateway.js";

interface Finding {
  id: string;
  remediation?: string;
  fix?: string;
}

describe("the gateway token in ~/.hearth/gateway.env", () => {
  const temp = tempDir();
  after(() => temp.cleanup());

  test("security audit's and doctor's advice, followed to the letter, gives a config every command loads and a gateway that asks for the token", async () => {
    const home = join(temp.dir, "home");
    mkdirSync(home);
    const env = { HOME: home, HEARTH_STATE_DIR: join(home, "state"), HEARTH_GATEWAY_URL: "http://127.0.0.1:1" };
    const bare = temp.write("bare.json5", `{ agents: { defaults: { tools: { allow: ["time"] } } }, gateway: { bind: "127.0.0.1" } }`);
    chmodSync(bare, 0o600);
    const audit = await runCli(["--config", bare, "security", "audit", "--json"], { env });
    const advice = (JSON.parse(audit.stdout) as { findings: Finding[] }).findings.find((finding) => finding.id === "gateway-no-token")?.remediation ?? "";
    assert.match(advice, /~\/\.hearth\/gateway\.env/);
    assert.doesNotMatch(advice, /export /, "an export in one shell leaves the service and every other shell without it");
    const doctor = await runCli(["--config", temp.write("open.json5", `{ gateway: { bind: "0.0.0.0" } }`), "doctor", "--json"], { env });
    const doctorFix = (JSON.parse(doctor.stdout) as { findings: Finding[] }).findings.find((finding) => finding.id === "gateway-no-auth")?.fix ?? "";
    assert.ok(doctorFix.includes(advice.replace(/^write a token: /, "")), doctorFix);

    // The advice: a shell command, then the config edit.
    const [, command, edit] = /^write a token: (.*) and set gateway\.auth\.token to "(\$\{HEARTH_GATEWAY_TOKEN\})"/.exec(advice) ?? [];
    assert.ok(command && edit, advice);
    const config = temp.write("tokened.json5", `{ gateway: { auth: { token: "${edit}" } } }`);
    chmodSync(config, 0o600);

    const before = await runCli(["--config", config, "config", "validate"], { env });
    assert.equal(before.code, 2, before.stdout);
    assert.match(before.stderr, new RegExp(`environment variable HEARTH_GATEWAY_TOKEN is not set \\(referenced as "\\$\\{HEARTH_GATEWAY_TOKEN\\}"\\), nor in ${join(home, ".hearth", "gateway.env").replace(/[.]/g, "\\.")}; add HEARTH_GATEWAY_TOKEN=… there`));

    execFileSync("sh", ["-c", command], { env: { PATH: process.env.PATH, HOME: home } });
    const file = join(home, ".hearth", "gateway.env");
    assert.equal(statSync(file).mode & 0o777, 0o600, "owner-only");
    const token = /^HEARTH_GATEWAY_TOKEN=([0-9a-f]{48})$/m.exec(readFileSync(file, "utf8"))?.[1] ?? "";
    assert.ok(token, readFileSync(file, "utf8"));

    // A shell without the variable: every command loads the config; the token is never shown.
    const validate = await runCli(["--config", config, "config", "validate"], { env });
    assert.equal(validate.code, 0, validate.stderr);
    const shown = await runCli(["--config", config, "config", "show", "--json"], { env });
    assert.equal(shown.code, 0, shown.stderr);
    assert.ok(!shown.stdout.includes(token), "config show hides it");
    // doctor keeps it owner-only: a file others can read is a warning that --fix mends.
    chmodSync(file, 0o644);
    const loose = (JSON.parse((await runCli(["--config", config, "doctor", "--json", "--fix"], { env })).stdout) as { findings: (Finding & { severity: string; fixed?: boolean })[] }).findings.find((finding) => finding.id === "env-file-permissions");
    assert.equal(loose?.severity, "error", "high in the audit: the same judgement");
    assert.equal(loose?.fixed, true);
    assert.equal(statSync(file).mode & 0o777, 0o600);
    // The environment wins over the file.
    const exported = await runCli(["--config", config, "config", "validate"], { env: { ...env, HEARTH_GATEWAY_TOKEN: "another-token-0123456789" } });
    assert.equal(exported.code, 0, exported.stderr);

    const gateway = await startGateway(["--config", config], { HOME: home, HEARTH_STATE_DIR: join(home, "state") });
    try {
      assert.equal((await fetch(`${gateway.url}/v1/models`)).status, 401);
      assert.equal((await fetch(`${gateway.url}/v1/models`, { headers: { authorization: `Bearer ${token}` } })).status, 200);
    } finally {
      await gateway.stop();
    }
  });

  test("the advice run over an existing gateway.env that others can read leaves it owner-only, its keys kept (>> keeps a file's mode)", () => {
    const home = join(temp.dir, "loose-env");
    mkdirSync(join(home, ".hearth"), { recursive: true });
    const file = join(home, ".hearth", "gateway.env");
    writeFileSync(file, "ANTHROPIC_API_KEY=sk-ant-0123456789\n");
    chmodSync(file, 0o644);
    const command = /^(.*) and set gateway\.auth\.token to /.exec(GATEWAY_TOKEN_ADVICE)?.[1] ?? "";
    assert.ok(command, GATEWAY_TOKEN_ADVICE);
    execFileSync("sh", ["-c", command], { env: { PATH: process.env.PATH, HOME: home } });
    assert.equal(statSync(file).mode & 0o777, 0o600);
    assert.match(readFileSync(file, "utf8"), /^ANTHROPIC_API_KEY=sk-ant-0123456789\nHEARTH_GATEWAY_TOKEN=[0-9a-f]{48}\n$/);
  });

  test("quoted values and comments are read as systemd reads them; a file without the variable still names it", async () => {
    const home = join(temp.dir, "quoted");
    mkdirSync(join(home, ".hearth"), { recursive: true });
    writeFileSync(join(home, ".hearth", "gateway.env"), `# keys\n; also a comment\nHEARTH_GATEWAY_TOKEN="quoted-token-0123456789"\nOTHER=x\n`, { mode: 0o600 });
    const config = temp.write("quoted.json5", `{ gateway: { auth: { token: "\${HEARTH_GATEWAY_TOKEN}" } }, agents: { defaults: { model: "\${MISSING_MODEL}" } } }`);
    const result = await runCli(["--config", config, "config", "validate"], { env: { HOME: home } });
    assert.equal(result.code, 2);
    assert.doesNotMatch(result.stderr, /HEARTH_GATEWAY_TOKEN/, "found in the file");
    assert.match(result.stderr, /environment variable MISSING_MODEL is not set .*, nor in .*gateway\.env/);
  });

  test("an `export NAME=value` line (a shell .env habit) is read as NAME=value, not skipped in silence", async () => {
    const home = join(temp.dir, "exported");
    mkdirSync(join(home, ".hearth"), { recursive: true });
    writeFileSync(join(home, ".hearth", "gateway.env"), `export HEARTH_GATEWAY_TOKEN=exported-token-0123456789\nexport   OTHER="x"\n`, { mode: 0o600 });
    const config = temp.write("exported.json5", `{ gateway: { auth: { token: "\${HEARTH_GATEWAY_TOKEN}" } } }`);
    const result = await runCli(["--config", config, "config", "validate"], { env: { HOME: home } });
    assert.equal(result.code, 0, result.stderr);
    assert.doesNotMatch(result.stdout + result.stderr, /exported-token/);
  });

  test("a hosted provider's key written in gateway.env (as docs/gateway.md says) is found by every command, as by the service, and never shown", async () => {
    const home = join(temp.dir, "keys");
    mkdirSync(join(home, ".hearth"), { recursive: true });
    const key = "sk-ant-from-the-env-file-0123456789";
    writeFileSync(join(home, ".hearth", "gateway.env"), `ANTHROPIC_API_KEY=${key}\n`, { mode: 0o600 });
    const config = temp.write("keys.json5", `{ agents: { defaults: { model: { primary: "anthropic/claude-sonnet-4-5" } } } }`);
    const shown = await runCli(["--config", config, "config", "show", "--json"], { env: { HOME: home } });
    assert.equal(shown.code, 0, shown.stderr);
    type Shown = { models: { providers: Record<string, { apiKey?: string; apiKeySource: string }> } };
    const anthropic = (JSON.parse(shown.stdout) as Shown).models.providers.anthropic;
    assert.equal(anthropic?.apiKeySource, "gateway.env:ANTHROPIC_API_KEY");
    assert.equal(anthropic?.apiKey, "***");
    const listed = await runCli(["--config", config, "models", "list"], { env: { HOME: home } });
    assert.doesNotMatch(listed.stdout + listed.stderr, /no API key/);
    // The environment wins over the file.
    const fromEnv = await runCli(["--config", config, "config", "show", "--json"], { env: { HOME: home, ANTHROPIC_API_KEY: "sk-ant-from-the-environment-99999" } });
    assert.equal((JSON.parse(fromEnv.stdout) as Shown).models.providers.anthropic?.apiKeySource, "env:ANTHROPIC_API_KEY");
    for (const output of [shown, listed, fromEnv]) assert.doesNotMatch(output.stdout + output.stderr, /from-the-env-file|from-the-environment/);
  });
});
