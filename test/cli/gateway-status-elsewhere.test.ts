// Trial: `./bin/hearth gateway --port 18952` running, `gateway status` said "not running: nothing answers at
// :18790 (start it: ./bin/hearth gateway)" and exit 1 — following it would start a second gateway.
import assert from "node:assert/strict";
import { existsSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { freePort } from "../helpers/free-port.js";
import { runCli, tempDir } from "../helpers/run-cli.js";
import { startGateway, startGatewayWith } from "../helpers/run-gateway.js";

describe("gateway status finds this state dir's gateway where it was started", () => {
  const temp = tempDir();
  after(() => temp.cleanup());

  test("one started with --port on another address than the config's is running (exit 0, its address); once it was killed, not running", async () => {
    const configured = await freePort();
    const config = temp.write("hearth.json5", `{ gateway: { port: ${configured} } }`);
    const env = { HEARTH_STATE_DIR: join(temp.dir, "state"), HOME: join(temp.dir, "home") };
    // startGateway adds --port 0: the gateway listens on a port the config does not name.
    const gateway = await startGateway(["--config", config], env);
    try {
      assert.notEqual(gateway.url, `http://127.0.0.1:${configured}`);
      const status = await runCli(["gateway", "status", "--config", config], { env });
      assert.equal(status.code, 1, status.stdout + status.stderr); // running, but no model answers here: needs setup (exit 1)
      assert.match(status.stdout, new RegExp(`^running: ${gateway.url}/ \\(version \\S+, up \\d+ s\\) — started with another address than http://127\\.0\\.0\\.1:${configured}/, where the config says it listens \\(--port 0 on its command line\\)$`, "m"));
      assert.doesNotMatch(status.stdout, /not running|start it/);
      const json = await runCli(["gateway", "status", "--config", config, "--json"], { env });
      const report = JSON.parse(json.stdout) as { running: boolean; url: string; expectedUrl?: string };
      assert.equal(report.running, true);
      assert.equal(report.url, `${gateway.url}/`);
      assert.equal(report.expectedUrl, `http://127.0.0.1:${configured}/`);
      const doctor = JSON.parse((await runCli(["doctor", "--json", "--config", config], { env })).stdout) as { findings: { id: string; severity: string; title: string }[] };
      const up = doctor.findings.find((finding) => finding.id === "gateway-unhealthy");
      assert.equal(up?.severity, "ok");
      assert.match(up?.title ?? "", new RegExp(`^the gateway at ${gateway.url} \\(started with another address: http://127\\.0\\.0\\.1:${configured} is where the config says it listens; --port 0 on its command line\\) is up`));
    } finally {
      gateway.child.kill("SIGKILL");
      await gateway.exited;
    }
    // Killed: its record stays behind, but no process of it runs.
    const after = await runCli(["gateway", "status", "--config", config], { env });
    assert.equal(after.code, 1);
    assert.match(after.stdout, new RegExp(`^not running: nothing answers at http://127\\.0\\.0\\.1:${configured}/health`, "m"));
  });

  // Trial: after an edit of gateway.port in the config of a gateway started with no flags, status blamed
  // "a --port or --bind on its command line" that nobody gave.
  test("one started with no flags whose config's gateway.port was edited since: status says the config's address changed, not a --port", async () => {
    const first = await freePort();
    const config = temp.write("moved.json5", `{ gateway: { port: ${first} } }`);
    const env = { HEARTH_STATE_DIR: join(temp.dir, "moved-state"), HOME: join(temp.dir, "home") };
    const gateway = await startGatewayWith(["--config", config], env);
    try {
      assert.equal(gateway.url, `http://127.0.0.1:${first}`);
      const second = await freePort();
      temp.write("moved.json5", `{ gateway: { port: ${second} } }`);
      const status = await runCli(["gateway", "status", "--config", config], { env });
      assert.equal(status.code, 1, status.stdout + status.stderr); // running, but no model answers here: needs setup (exit 1)
      assert.match(
        status.stdout,
        new RegExp(`^running: ${gateway.url}/ \\(version \\S+, up \\d+ s\\) — started with another address than http://127\\.0\\.0\\.1:${second}/, where the config says it listens \\(it was started with no --port or --bind, at the address the config had then: the config's address changed since it started, and a running gateway keeps its address until it is restarted\\)$`, "m"),
      );
      assert.doesNotMatch(status.stdout, /on its command line/);
      const json = JSON.parse((await runCli(["gateway", "status", "--config", config, "--json"], { env })).stdout) as { startedWith?: string[] };
      assert.deepEqual(json.startedWith, []);
      const doctor = JSON.parse((await runCli(["doctor", "--json", "--config", config], { env })).stdout) as { findings: { id: string; title: string }[] };
      const up = doctor.findings.find((finding) => finding.id === "gateway-unhealthy");
      assert.match(up?.title ?? "", /says it listens; it was started with no --port or --bind, at the address the config had then: the config's address changed since it started/);
    } finally {
      gateway.child.kill("SIGKILL");
      await gateway.exited;
    }
  });

  // Trial (t6): with the config file deleted, status said "(no gateway.port in the config) … the config's address changed since it started".
  test("one whose config file was deleted since: status says there is no config file, not that the config's address changed", async () => {
    const home = join(temp.dir, "gone-home");
    const file = join(home, ".hearth", "hearth.json5");
    mkdirSync(join(home, ".hearth"), { recursive: true });
    writeFileSync(file, `{ gateway: { port: ${await freePort()} } }`);
    const env = { HEARTH_STATE_DIR: join(temp.dir, "gone-state"), HOME: home };
    const gateway = await startGatewayWith([], env);
    try {
      rmSync(file);
      const status = await runCli(["gateway", "status"], { env });
      assert.equal(status.code, 1, status.stdout + status.stderr); // running, but no model answers here: needs setup (exit 1)
      assert.match(status.stdout, new RegExp(`^running: ${gateway.url}/ \\(version \\S+, up \\d+ s\\) — started with another address than http://127\\.0\\.0\\.1:18790/, the default address \\(there is no config file at ${file.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}\\) \\(it was started with no --port or --bind, at the address its config had then: there is no config file at .* now, and a running gateway keeps its address until it is restarted\\)$`, "m"), status.stdout);
      assert.doesNotMatch(status.stdout, /no gateway\.port in the config|the config's address changed/);
    } finally {
      gateway.child.kill("SIGKILL");
      await gateway.exited;
    }
  });

  test("a clean stop (SIGTERM) removes the record", async () => {
    const config = temp.write("clean.json5", `{ gateway: { port: ${await freePort()} } }`);
    const state = join(temp.dir, "clean-state");
    const gateway = await startGateway(["--config", config], { HEARTH_STATE_DIR: state });
    const record = join(state, "gateway.listening", `${gateway.child.pid ?? 0}.json`);
    assert.ok(existsSync(record));
    gateway.child.kill("SIGTERM");
    assert.equal(await gateway.exited, 0);
    assert.ok(!existsSync(record));
  });
});
