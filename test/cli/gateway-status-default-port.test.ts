// Trial (t3 #9): a config with no gateway.port, its gateway started with --port: `gateway status` said
// "started with another address than http://127.0.0.1:18790/, where the config says it listens" and
// `--json` `"portFrom": "config"`, of a config that says nothing of the port (18790 is the default).
import assert from "node:assert/strict";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { runCli, tempDir } from "../helpers/run-cli.js";
import { startGateway } from "../helpers/run-gateway.js";

describe("gateway status of a config that sets no port", () => {
  const temp = tempDir();
  after(() => temp.cleanup());

  test("the address looked at is called the default one (portFrom default), not the config's, by status and doctor; a config that sets the port is the config's", async () => {
    const config = temp.write("no-port.json5", `{ agents: { defaults: { maxSteps: 8 } } }`);
    const env = { HEARTH_STATE_DIR: join(temp.dir, "state"), HOME: join(temp.dir, "home") };
    const gateway = await startGateway(["--config", config], env);
    try {
      const status = await runCli(["gateway", "status", "--config", config], { env });
      assert.equal(status.code, 1, status.stdout + status.stderr); // running, but no model answers here: needs setup (exit 1)
      assert.match(status.stdout, new RegExp(`^running: ${gateway.url}/ \\(version \\S+, up \\d+ s\\) — started with another address than http://127\\.0\\.0\\.1:18790/, the default address \\(no gateway\\.port in the config\\) \\(--port 0 on its command line\\)$`, "m"), status.stdout);
      assert.doesNotMatch(status.stdout, /the config says/);
      const report = JSON.parse((await runCli(["gateway", "status", "--config", config, "--json"], { env })).stdout) as { portFrom: string; expectedUrl?: string };
      assert.equal(report.portFrom, "default");
      assert.equal(report.expectedUrl, "http://127.0.0.1:18790/");
      // doctor words it alike: the default address, never "where the config says it listens"; the bind the config does not set is the default one.
      const doctor = JSON.parse((await runCli(["doctor", "--config", config, "--json"], { env })).stdout) as { findings: { id: string; title: string }[] };
      const up = doctor.findings.find((finding) => finding.id === "gateway-unhealthy");
      assert.match(up?.title ?? "", new RegExp(`^the gateway at ${gateway.url} \\(started with another address: http://127\\.0\\.0\\.1:18790 is the default address \\(no gateway\\.port in the config\\); --port 0 on its command line\\) is up`), up?.title);
      const exposed = doctor.findings.find((finding) => finding.id === "gateway-exposed");
      assert.match(exposed?.title ?? "", /^the default bind "127\.0\.0\.1" \(no gateway\.bind in the config\) is loopback/, exposed?.title);
      assert.doesNotMatch(JSON.stringify(doctor.findings.filter((finding) => finding.id.startsWith("gateway"))), /config says|gateway\.bind "/);
    } finally {
      await gateway.stop();
    }
    const set = temp.write("port-set.json5", `{ gateway: { port: 18790 } }`);
    const report = JSON.parse((await runCli(["gateway", "status", "--config", set, "--json"], { env })).stdout) as { portFrom: string };
    assert.equal(report.portFrom, "config");
  });

  test("a config that does not load and writes no port: the default (portFrom default), still asked without an unknown-port line", async () => {
    const config = temp.write("no-port-broken.json5", `{ agents: { defaults: { maxSteps: 0 } } }`);
    const env = { HEARTH_STATE_DIR: join(temp.dir, "state2"), HOME: join(temp.dir, "home2") };
    const report = JSON.parse((await runCli(["gateway", "status", "--config", config, "--json"], { env })).stdout) as { portFrom: string; url: string };
    assert.equal(report.portFrom, "default");
    assert.equal(report.url, "http://127.0.0.1:18790/");
    const text = await runCli(["gateway", "status", "--config", config], { env });
    assert.doesNotMatch(text.stdout, /^address:/m);
  });
});
