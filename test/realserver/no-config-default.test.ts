// A trial (t15 #2): with no config file, `hearth gateway` served the built-in default (LM Studio's
// address first) and answered with the model found there, while `hearth agent` refused ("no model is
// configured"), `models status --probe` probed nothing, `doctor` passed 7 of 8 checks with nothing
// listening, `security audit` found nothing and `config show` said primary null. Every command now
// runs on the one built-in default (`configInUse`), says so once, and they agree with the gateway.
// The default is pointed at a real llama-server on a port of its own (HEARTH_LMSTUDIO_URL), never 1234.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { runCli, tempDir } from "../helpers/run-cli.js";
import { startGateway, type RunningGateway } from "../helpers/run-gateway.js";
import { startRealServer, type RealServer } from "./real-server.js";

const defaultLine = /^hearth: no config file at \S+hearth\.json5: running on the built-in default \(LM Studio at 127\.0\.0\.1:\d+, then the hosted models whose keys are set\); `\.\/bin\/hearth init` writes a config to edit$/gm;
const saidOnce = (stderr: string): void => assert.equal(stderr.match(defaultLine)?.length, 1, stderr);

describe("no config file: every command runs on the built-in default the gateway runs on", { timeout: 120_000 }, () => {
  let server: RealServer;
  let gateway: RunningGateway;
  const temp = tempDir();
  const env = (): NodeJS.ProcessEnv => ({ HOME: join(temp.dir, "home"), HEARTH_LMSTUDIO_URL: server.baseUrl });
  before(async () => {
    server = await startRealServer({ ctx: 2048, alias: "stories260k" });
    gateway = await startGateway([], env());
    await gateway.waitFor(/config: none yet/);
  });
  after(async () => {
    await gateway.stop();
    await server.kill();
    temp.cleanup();
  });

  test("the model the gateway serves answers `hearth agent`, and models status, config show, doctor and security audit name and judge that one", async () => {
    const status = (await (await fetch(`${gateway.url}/api/status`)).json()) as { agents: { primary: string }[] };
    const primary = status.agents[0]?.primary;
    assert.equal(primary, "lmstudio/stories260k", "the gateway's default takes the model the server lists");

    const agent = await runCli(["agent", "-m", "Tell me a story"], { env: env() });
    assert.equal(agent.code, 0, agent.stderr);
    assert.ok(agent.stdout.trim().length > 0, "the real model answered");
    saidOnce(agent.stderr);

    const probe = await runCli(["models", "status", "--probe", "--json"], { env: env() });
    const chain = (JSON.parse(probe.stdout) as { chain: { ref: string; reachable?: boolean }[] }).chain;
    assert.deepEqual(chain.map((entry) => [entry.ref, entry.reachable]), [[primary, true]]);
    saidOnce(probe.stderr);

    const show = await runCli(["config", "show"], { env: env() });
    assert.equal((JSON.parse(show.stdout) as { agents: { defaults: { model: { primary: string } } } }).agents.defaults.model.primary, primary);
    saidOnce(show.stderr);

    const doctor = await runCli(["doctor", "--json"], { env: env() });
    const findings = (JSON.parse(doctor.stdout) as { findings: { id: string; severity: string; title: string }[] }).findings;
    assert.match(findings.find((finding) => finding.id === "config-missing")?.title ?? "", /^no config file: hearth runs on the built-in default \(LM Studio at 127\.0\.0\.1:\d+, then the hosted models whose keys are set\), as the gateway does/);
    assert.ok(findings.some((finding) => finding.id === "small-model" && finding.title.startsWith(primary)), JSON.stringify(findings.map((finding) => finding.id)));

    const audit = await runCli(["security", "audit", "--json"], { env: env() });
    const auditFindings = (JSON.parse(audit.stdout) as { findings: { id: string; title: string }[] }).findings;
    assert.ok(auditFindings.some((finding) => finding.id === "model-small" && finding.title.includes(primary)), audit.stdout);
    saidOnce(audit.stderr);
  });

  test("nothing listening where the default looks: doctor and models status --probe fail as the gateway's setup line does, and agent names the address", async () => {
    const nowhere = { ...env(), HEARTH_LMSTUDIO_URL: "http://127.0.0.1:1/v1" };
    const doctor = await runCli(["doctor"], { env: nowhere });
    assert.equal(doctor.code, 1, doctor.stdout);
    assert.match(doctor.stdout, /✗ error \[unreachable\] lmstudio: http:\/\/127\.0\.0\.1:1\/v1 is unreachable/);
    const probe = await runCli(["models", "status", "--probe"], { env: nowhere });
    assert.equal(probe.code, 1, probe.stdout);
    assert.match(probe.stdout, /^primary: lmstudio\/minimax-m2\.1-gs32 \(Local\)$/m);
    const agent = await runCli(["agent", "-m", "hi"], { env: nowhere });
    assert.equal(agent.code, 1);
    assert.match(agent.stderr, /lmstudio\/minimax-m2\.1-gs32: unreachable — cannot reach 127\.0\.0\.1:1: connection refused/);
    saidOnce(agent.stderr);
  });

  test("init --discover with another server at LM Studio's address: the starter's model (primary, alias, entry) is left out, and doctor suggests no fallback on that server (t15 #12)", async () => {
    const home = join(temp.dir, "discovered-home");
    const init = await runCli(["init", "--discover", "--url", server.url], { env: { ...env(), HOME: home } });
    assert.equal(init.code, 0, init.stderr);
    assert.match(init.stdout, /set agents\.defaults\.model\.primary to "lmstudio\/stories260k" \(was lmstudio\/minimax-m2\.1-gs32: http:\/\/127\.0\.0\.1:\d+ does not serve it\)/);
    assert.match(init.stdout, /left out the starter's alias Minimax and model entry for lmstudio\/minimax-m2\.1-gs32/);
    const written = readFileSync(join(home, ".hearth", "hearth.json5"), "utf8");
    assert.doesNotMatch(written, /minimax|Minimax/i, written);
    const doctor = await runCli(["doctor", "--json"], { env: { ...env(), HOME: home } });
    const unusable = (JSON.parse(doctor.stdout) as { findings: { id: string; fix: string }[] }).findings.find((finding) => finding.id === "fallback-unusable");
    assert.match(unusable?.fix ?? "", /no local model the config has would answer while the primary does not/);
    assert.doesNotMatch(unusable?.fix ?? "", /no key needed/);
  });
});
