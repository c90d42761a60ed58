// `hearth gateway restart` did not exist, and `gateway status` did not notice a unit edited after the
// service started (install did): the running service kept the old unit with nothing said.
import assert from "node:assert/strict";
import { appendFileSync, existsSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { launchdPlist, restartService, serviceFile, type ServiceHost } from "../../src/cli/gateway/service.js";
import { refusedUrl, startFakeServer } from "../fakes/fake-server.js";
import { freePort } from "../helpers/free-port.js";
import { hearthBin, runCli, tempDir } from "../helpers/run-cli.js";
import { startGateway } from "../helpers/run-gateway.js";
import { fakeSystemctl, startingSystemctl, unitOf, writeUnit } from "../helpers/service-unit.js";

describe("hearth gateway restart, and status noticing a unit edited since the service started", () => {
  const temp = tempDir();
  after(() => temp.cleanup());

  test("no service installed: restart says so and what to run (exit 1), running nothing", async () => {
    const home = join(temp.dir, "none");
    const bin = join(temp.dir, "none-bin");
    mkdirSync(bin, { recursive: true });
    writeFileSync(join(bin, "systemctl"), `#!/bin/sh\necho "$*" >> '${join(bin, "ran")}'\nexit 0\n`, { mode: 0o755 });
    const result = await runCli(["gateway", "restart"], { env: { HOME: home, PATH: `${bin}:${process.env.PATH ?? ""}` } });
    assert.equal(result.code, 1, result.stdout + result.stderr);
    assert.match(result.stderr, new RegExp(`no gateway service is installed \\(${unitOf(home).replace(/[.]/g, "\\.")} does not exist\\): nothing to restart`));
    assert.match(result.stderr, /fix: `\.\/bin\/hearth gateway install` installs and starts it \(it then starts with your session\), or run `\.\/bin\/hearth gateway` in a terminal/);
    const json = await runCli(["gateway", "restart", "--json"], { env: { HOME: home, PATH: `${bin}:${process.env.PATH ?? ""}` } });
    assert.equal((JSON.parse(json.stdout) as { exitCode: number }).exitCode, 1);
    assert.equal(existsSync(join(bin, "ran")), false, "systemctl never run");
  });

  test("no service installed but a gateway of this state dir started by hand runs: restart says where it runs and how to restart it by hand (exit 1)", async () => {
    const home = join(temp.dir, "by-hand");
    const bin = join(temp.dir, "by-hand-bin");
    mkdirSync(bin, { recursive: true });
    writeFileSync(join(bin, "systemctl"), `#!/bin/sh\necho "$*" >> '${join(bin, "ran")}'\nexit 0\n`, { mode: 0o755 });
    const config = temp.write("by-hand.json5", `{ gateway: { port: ${await freePort()} } }`);
    const env = { HOME: home, HEARTH_STATE_DIR: join(home, "state"), PATH: `${bin}:${process.env.PATH ?? ""}` };
    const gateway = await startGateway(["--config", config], env);
    try {
      const pid = gateway.child.pid ?? 0;
      const result = await runCli(["gateway", "restart", "--config", config], { env });
      assert.equal(result.code, 1, result.stdout + result.stderr);
      assert.ok(result.stderr.includes(`no gateway service is installed (${unitOf(home)} does not exist): the gateway running at ${gateway.url}/ (pid ${pid}) was started by hand, not by a service`), result.stderr);
      assert.ok(result.stderr.includes(`fix: stop it with Ctrl+C in the terminal where it runs (or \`kill ${pid}\`), then start it again`), result.stderr);
      assert.doesNotMatch(result.stderr, /nothing to restart/);
      assert.equal(existsSync(join(bin, "ran")), false, "systemctl never run");
    } finally {
      gateway.child.kill("SIGTERM");
      await gateway.exited;
    }
  });

  test("no service installed, and a listening record whose pid lives on in another process: restart asks its /health and names no gateway unless this state dir's answers", async () => {
    const home = join(temp.dir, "reused-pid");
    const bin = join(temp.dir, "reused-pid-bin");
    mkdirSync(bin, { recursive: true });
    writeFileSync(join(bin, "systemctl"), `#!/bin/sh\necho "$*" >> '${join(bin, "ran")}'\nexit 0\n`, { mode: 0o755 });
    const state = join(home, "state");
    const env = { HOME: home, HEARTH_STATE_DIR: state, PATH: `${bin}:${process.env.PATH ?? ""}` };
    // A gateway of another state dir, and a model server, where the dead gateway listened; or nothing at all.
    const otherHearth = await startFakeServer(() => ({ kind: "json", body: { status: "ok", service: "hearth", version: "0.1.0", instance: "another-state-dir" } }));
    const modelServer = await startFakeServer(() => ({ kind: "json", body: { status: "ok" } }));
    try {
      for (const url of [await refusedUrl(), otherHearth.baseUrl.replace(/\/v1$/, ""), modelServer.baseUrl.replace(/\/v1$/, "")]) {
        // This test's own pid: alive, and no gateway (a dead gateway's pid the system gave to another process).
        mkdirSync(join(state, "gateway.listening"), { recursive: true });
        writeFileSync(join(state, "gateway.listening", `${process.pid}.json`), `${JSON.stringify({ url, pid: process.pid, startedAt: Date.now() })}\n`);
        const result = await runCli(["gateway", "restart"], { env });
        assert.equal(result.code, 1, result.stdout + result.stderr);
        assert.match(result.stderr, /no gateway service is installed \(.* does not exist\): nothing to restart/, `${url}: ${result.stderr}`);
        assert.doesNotMatch(result.stderr, /started by hand|pid \d+/, url);
      }
      assert.equal(existsSync(join(bin, "ran")), false, "systemctl never run");
    } finally {
      await otherHearth.close();
      await modelServer.close();
    }
  });

  test("a unit edited after the service started: status says so and that restart applies it; restart reloads, restarts, waits for the new gateway and says where it listens", async () => {
    const home = join(temp.dir, "edited");
    const port = await freePort();
    const config = temp.write("edited.json5", `{ gateway: { port: ${port} } }`);
    const manager = startingSystemctl(join(temp.dir, "edited-manager"), config);
    const env = { HOME: home, HEARTH_STATE_DIR: join(home, "state"), PATH: `${manager.dir}:${process.env.PATH ?? ""}` };
    try {
      const installed = await runCli(["gateway", "install", "--config", config], { env });
      assert.equal(installed.code, 0, installed.stdout + installed.stderr + manager.log());
      const firstPid = manager.pid();
      const fresh = await runCli(["gateway", "status", "--config", config], { env });
      assert.equal(fresh.code, 1, fresh.stdout); // running, but no model answers here: needs setup (exit 1)
      assert.doesNotMatch(fresh.stdout, /was written after the running service started/, "the unit as the service started with it: nothing to say");

      // Edited by hand (a setting added): the running service still has the unit as it was.
      appendFileSync(unitOf(home), "# Nice=5\n");
      const stale = await runCli(["gateway", "status", "--config", config], { env });
      assert.equal(stale.code, 1, stale.stdout); // running, but no model answers here: needs setup (exit 1)
      assert.ok(stale.stdout.includes(`service: ${unitOf(home)} was written after the running service started (`), stale.stdout);
      assert.match(stale.stdout, /\): it runs with the unit as it was before; `\.\/bin\/hearth --config \S+ gateway restart` applies it$/m);
      const staleJson = JSON.parse((await runCli(["gateway", "status", "--json", "--config", config], { env })).stdout) as { service: { unitChanged?: string } };
      assert.match(staleJson.service.unitChanged ?? "", /gateway restart` applies it/);
      const doctorStale = async () => (JSON.parse((await runCli(["doctor", "--json", "--config", config], { env })).stdout) as { findings: { id: string; severity: string; title: string; fix: string }[] }).findings.find((finding) => finding.id === "gateway-unit-stale");
      const doctorSays = await doctorStale();
      assert.deepEqual([doctorSays?.severity, doctorSays?.title, doctorSays?.fix], ["warn", `${unitOf(home)} changed after the gateway started`, "restart to apply: `hearth gateway restart`"], "doctor says it too");

      const restarted = await runCli(["gateway", "restart", "--config", config], { env });
      assert.equal(restarted.code, 0, restarted.stdout + restarted.stderr + manager.log());
      assert.match(restarted.stdout, /^ran systemctl --user daemon-reload\nran systemctl --user restart hearth-gateway\.service$/m, "systemd reads the edited unit before the restart");
      assert.match(restarted.stdout, new RegExp(`^restarted the systemd service: the gateway answers at http://127\\.0\\.0\\.1:${port}/ \\(version `, "m"));
      assert.notEqual(manager.pid(), firstPid, "a new process answers");
      const after = await runCli(["gateway", "status", "--config", config], { env });
      assert.equal(after.code, 1, after.stdout); // running, but no model answers here: needs setup (exit 1)
      assert.doesNotMatch(after.stdout, /was written after the running service started/, "the restarted service runs the unit as it is");
      assert.equal(await doctorStale(), undefined);

      const secondPid = manager.pid();
      const json = await runCli(["gateway", "restart", "--json", "--config", config], { env });
      assert.equal(json.code, 0, json.stdout + json.stderr);
      const report = JSON.parse(json.stdout) as { manager: string; installed: boolean; url: string; started: string; actions: string[] };
      assert.deepEqual([report.manager, report.installed, report.url, report.started], ["systemd", true, `http://127.0.0.1:${port}/`, "answers"]);
      assert.deepEqual(report.actions, ["ran systemctl --user daemon-reload", "ran systemctl --user restart hearth-gateway.service"]);
      assert.notEqual(manager.pid(), secondPid);
    } finally {
      await manager.stop();
    }
  });

  test("a service that does not come back: restart says the unit's state and the last lines of its logs (exit 1)", async () => {
    const home = join(temp.dir, "fails");
    const state = join(home, "state");
    const port = await freePort();
    const config = temp.write("fails.json5", `{ gateway: { port: ${port} } }`);
    const bin = fakeSystemctl(join(temp.dir, "fails-bin"), "ActiveState=activating\\nSubState=auto-restart\\nExecMainStatus=2\\nNRestarts=4\\nMainPID=0\\n");
    writeFileSync(join(bin, "journalctl"), `#!/bin/sh\nprintf 'Dec 02 14:00:01 host hearth[4242]: hearth: the config does not load: gateway.port: expected a number\\n'\nexit 0\n`, { mode: 0o755 });
    mkdirSync(join(state, "logs"), { recursive: true });
    writeFileSync(join(state, "logs", "gateway.log"), `${JSON.stringify({ level: 50, time: Date.parse("2026-12-02T14:00:00.500Z"), msg: "gateway stopped", reason: "config" })}\n`);
    const env = { HOME: home, HEARTH_STATE_DIR: state, PATH: `${bin}:${process.env.PATH ?? ""}` };
    await runCli(["gateway", "install", "--config", config], { env });
    const result = await runCli(["gateway", "restart", "--config", config], { env });
    assert.equal(result.code, 1, result.stdout + result.stderr);
    assert.match(result.stdout, /^ran systemctl --user restart hearth-gateway\.service$/m);
    assert.match(result.stderr, /the gateway service did not come back after the restart: it exits at once \(systemd: activating \(auto-restart\), exit status 2, restarted 4 times\); systemd keeps restarting it/);
    assert.match(result.stderr, /last lines of journalctl --user -u hearth-gateway\.service:\n {4}Dec 02 14:00:01 host hearth\[4242\]: hearth: the config does not load: gateway\.port: expected a number/);
    assert.ok(result.stderr.includes(`last lines of ${join(state, "logs", "gateway.log")}:\n    14:00:00.500 +00:00 ERROR gateway stopped  reason=config`), result.stderr);
    assert.match(result.stderr, /fix: `\.\/bin\/hearth --config \S+ gateway` in a terminal shows the error; once fixed, `\.\/bin\/hearth --config \S+ gateway restart`/);
  });

  test("another state dir's gateway answering where the service listens is not taken for it: restart says the service did not come back, and whose gateway answers", async () => {
    const home = join(temp.dir, "another");
    const port = await freePort();
    const config = temp.write("another.json5", `{ gateway: { port: ${port} } }`);
    await writeUnit(home, [process.execPath, hearthBin, "gateway", "--port", String(port)]);
    const bin = fakeSystemctl(join(temp.dir, "another-bin"), "ActiveState=active\\nSubState=running\\nMainPID=0\\n");
    const stranger = await startGateway(["--config", config, "--port", String(port)], { HOME: home, HEARTH_STATE_DIR: join(temp.dir, "another-state") });
    try {
      const result = await runCli(["gateway", "restart", "--config", config], { env: { HOME: home, HEARTH_STATE_DIR: join(home, "state"), PATH: `${bin}:${process.env.PATH ?? ""}` } });
      assert.equal(result.code, 1, result.stdout + result.stderr);
      assert.match(result.stderr, new RegExp(`did not come back after the restart: it did not answer at http://127\\.0\\.0\\.1:${port}/health within 15 s \\(systemd: active \\(running\\)\\); hearth's gateway answers at http://127\\.0\\.0\\.1:${port}/, but not this state dir's`));
    } finally {
      await stranger.stop();
    }
  });

  test("restartService: systemd reloads then restarts; launchd kicks a loaded agent, loads again one whose plist was written since it started, loads one not loaded", async () => {
    const ran: string[] = [];
    let loaded = true;
    const host = (platform: NodeJS.Platform, home: string): ServiceHost => ({
      platform,
      home,
      uid: 501,
      command: "./bin/hearth",
      run: (command, args) => {
        ran.push([command, ...args].join(" "));
        return Promise.resolve({ code: args[0] === "print" && !loaded ? 113 : 0, stdout: "", stderr: "" });
      },
      programArguments: ["/usr/bin/node", "/opt/hearth/bin/hearth", "gateway"],
      environment: {},
      logDir: join(home, ".hearth", "logs"),
    });
    const mac = host("darwin", join(temp.dir, "mac"));
    assert.deepEqual(await restartService(mac), { manager: "launchd", file: join(temp.dir, "mac", "Library", "LaunchAgents", "dev.hearth.gateway.plist"), installed: false, actions: [] });
    assert.deepEqual(ran, [], "nothing installed: nothing run");
    const plist = serviceFile(mac).file;
    mkdirSync(join(plist, ".."), { recursive: true });
    writeFileSync(plist, launchdPlist(mac));
    const started = Date.now();
    await restartService(mac, { startedAt: started + 60_000 });
    assert.deepEqual(ran, ["launchctl print gui/501/dev.hearth.gateway", "launchctl kickstart -k gui/501/dev.hearth.gateway"]);
    ran.length = 0;
    await restartService(mac, { startedAt: started - 60_000 });
    assert.deepEqual(ran, ["launchctl print gui/501/dev.hearth.gateway", "launchctl bootout gui/501/dev.hearth.gateway", `launchctl bootstrap gui/501 ${plist}`], "launchd rereads a plist only when loaded again");
    ran.length = 0;
    loaded = false;
    await restartService(mac);
    assert.deepEqual(ran, ["launchctl print gui/501/dev.hearth.gateway", `launchctl bootstrap gui/501 ${plist}`]);

    ran.length = 0;
    const linux = host("linux", join(temp.dir, "linux"));
    mkdirSync(join(temp.dir, "linux", ".config", "systemd", "user"), { recursive: true });
    writeFileSync(unitOf(join(temp.dir, "linux")), "[Service]\n");
    const report = await restartService(linux);
    assert.deepEqual(ran, ["systemctl --user daemon-reload", "systemctl --user restart hearth-gateway.service"]);
    assert.deepEqual(report.actions, ["ran systemctl --user daemon-reload", "ran systemctl --user restart hearth-gateway.service"]);
  });
});
