import assert from "node:assert/strict";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { installService, uninstallService, type CommandOutcome, type ServiceHost } from "../../src/cli/gateway/service.js";
import { createServer } from "node:net";
import { watchStart } from "../../src/cli/gateway/service-checks.js";
import { hearthBin, runCli, tempDir } from "../helpers/run-cli.js";
import { startGateway } from "../helpers/run-gateway.js";
import { freePort } from "../helpers/free-port.js";

function host(platform: NodeJS.Platform, home: string, answers: (command: string, args: readonly string[]) => CommandOutcome = () => ({ code: 0, stdout: "", stderr: "" })) {
  const ran: string[] = [];
  const machine: ServiceHost = {
    platform,
    home,
    uid: 501,
    command: "./bin/hearth",
    run: (command, args) => {
      ran.push([command, ...args].join(" "));
      return Promise.resolve(answers(command, args));
    },
    programArguments: ["/usr/bin/node", "/opt/hearth/bin/hearth", "gateway"],
    environment: { HEARTH_STATE_DIR: "/home/ana/.hearth", HEARTH_CONFIG: "/home/ana/my config%.json5" },
    logDir: join(home, ".hearth", "logs"),
  };
  return { machine, ran };
}

describe("hearth gateway install | uninstall | status", () => {
  const temp = tempDir();
  after(() => temp.cleanup());

  test("systemd: writes the user unit, reloads and enables it; again: unchanged; uninstall disables and removes it", async () => {
    const home = join(temp.dir, "linux");
    const { machine, ran } = host("linux", home);
    const first = await installService(machine);
    const file = join(home, ".config", "systemd", "user", "hearth-gateway.service");
    assert.equal(first.file, file);
    const unit = readFileSync(file, "utf8");
    assert.match(unit, /^ExecStart="\/usr\/bin\/node" "\/opt\/hearth\/bin\/hearth" "gateway"$/m);
    assert.match(unit, /^Environment="HEARTH_CONFIG=\/home\/ana\/my config%%\.json5"$/m, "quoted, % escaped for systemd");
    assert.match(unit, /^Environment=MALLOC_TRIM_THRESHOLD_=131072$/m, "glibc's trim threshold kept low for a process that runs for weeks");
    assert.match(unit, /^Restart=on-failure$/m);
    assert.match(unit, /^KillSignal=SIGTERM$/m);
    assert.match(unit, /^WantedBy=default\.target$/m);
    assert.deepEqual(ran, ["systemctl --user daemon-reload", "systemctl --user enable --now hearth-gateway.service"]);

    ran.length = 0;
    const second = await installService(machine);
    assert.equal(second.actions[0], `unchanged ${file}`);
    assert.deepEqual(ran, ["systemctl --user daemon-reload", "systemctl --user enable --now hearth-gateway.service"], "no restart when nothing changed");

    ran.length = 0;
    const removed = await uninstallService(machine);
    assert.equal(removed.installed, true);
    assert.equal(existsSync(file), false);
    assert.deepEqual(ran, ["systemctl --user disable --now hearth-gateway.service", "systemctl --user daemon-reload"]);
    ran.length = 0;
    assert.equal((await uninstallService(machine)).installed, false);
    assert.deepEqual(ran, [], "nothing installed: nothing run");
  });

  test("systemd: a changed unit is rewritten and the running service restarted", async () => {
    const home = join(temp.dir, "linux-changed");
    const { machine, ran } = host("linux", home);
    await installService(machine);
    ran.length = 0;
    const report = await installService({ ...machine, programArguments: [...machine.programArguments, "--port", "18800"] });
    assert.match(report.actions[0] ?? "", /^updated /);
    assert.deepEqual(ran, ["systemctl --user daemon-reload", "systemctl --user enable --now hearth-gateway.service", "systemctl --user restart hearth-gateway.service"]);
  });

  test("systemd without a user session: install fails naming the command and the fix, leaving no unit; uninstall still removes one", async () => {
    const home = join(temp.dir, "no-bus");
    const { machine } = host("linux", home, () => ({ code: 1, stdout: "", stderr: "Failed to connect to bus: No medium found" }));
    await assert.rejects(installService(machine), (error: Error & { details?: string[] }) => {
      assert.match(error.message, /`systemctl --user daemon-reload` failed \(exit 1\): Failed to connect to bus/);
      assert.match(error.details?.join("\n") ?? "", /loginctl enable-linger/);
      return true;
    });
    const file = join(home, ".config", "systemd", "user", "hearth-gateway.service");
    assert.equal(existsSync(file), false, "no half-installed unit");

    await installService(host("linux", home).machine);
    assert.equal(existsSync(file), true);
    const removed = await uninstallService(machine);
    assert.equal(existsSync(file), false);
    assert.equal(removed.failures.length, 2);
    assert.match(removed.failures[0] ?? "", /systemctl --user disable --now hearth-gateway\.service/);
  });

  test("launchd: writes the agent plist and bootstraps it; loaded and unchanged: nothing to do; uninstall boots it out", async () => {
    const home = join(temp.dir, "mac");
    let loaded = false;
    const { machine, ran } = host("darwin", home, (command, args) => {
      if (args[0] === "bootstrap") loaded = true;
      if (args[0] === "bootout") loaded = false;
      return { code: args[0] === "print" && !loaded ? 113 : 0, stdout: "", stderr: "" };
    });
    const report = await installService(machine);
    const file = join(home, "Library", "LaunchAgents", "dev.hearth.gateway.plist");
    assert.equal(report.file, file);
    const plist = readFileSync(file, "utf8");
    assert.match(plist, /<key>Label<\/key>\s*<string>dev\.hearth\.gateway<\/string>/);
    assert.match(plist, /<string>\/opt\/hearth\/bin\/hearth<\/string>\s*<string>gateway<\/string>/);
    assert.match(plist, /<key>RunAtLoad<\/key>\s*<true\/>/);
    assert.match(plist, /<string>\/home\/ana\/my config%\.json5<\/string>/);
    assert.deepEqual(ran, ["launchctl print gui/501/dev.hearth.gateway", `launchctl bootstrap gui/501 ${file}`]);

    ran.length = 0;
    await installService(machine);
    assert.deepEqual(ran, ["launchctl print gui/501/dev.hearth.gateway"], "installed and loaded: nothing else");

    ran.length = 0;
    await installService({ ...machine, programArguments: [...machine.programArguments, "--port", "1"] });
    assert.deepEqual(ran, ["launchctl print gui/501/dev.hearth.gateway", "launchctl bootout gui/501/dev.hearth.gateway", `launchctl bootstrap gui/501 ${file}`]);

    ran.length = 0;
    await uninstallService(machine);
    assert.equal(existsSync(file), false);
    assert.deepEqual(ran, ["launchctl print gui/501/dev.hearth.gateway", "launchctl bootout gui/501/dev.hearth.gateway"]);
  });

  test("other systems: a clear refusal", async () => {
    const { machine } = host("win32", join(temp.dir, "win"));
    await assert.rejects(installService(machine), (error: Error & { details?: string[] }) => {
      assert.match(error.message, /knows systemd \(Linux\) and launchd \(macOS\), not win32/);
      assert.deepEqual(error.details, ["fix: start `./bin/hearth gateway` with your system's service manager"]);
      return true;
    });
  });

  test("status and doctor through the real CLI: a service that runs a checkout moved away, or another checkout, is named with the fix", async () => {
    const home = join(temp.dir, "moved-home");
    const config = temp.write("moved.json5", `{ gateway: { port: 1 } }`);
    const env = { HOME: home, HEARTH_STATE_DIR: join(home, ".hearth"), HEARTH_GATEWAY_URL: "http://127.0.0.1:1" };
    const unitFile = join(home, ".config", "systemd", "user", "hearth-gateway.service");
    const install = (bin: string) => installService({ ...host("linux", home).machine, programArguments: [process.execPath, bin, "gateway"] });
    const doctorFinding = async () => {
      const doctor = await runCli(["doctor", "--json", "--config", config], { env });
      return (JSON.parse(doctor.stdout) as { findings: { id: string; severity: string; seen: string; fix: string }[] }).findings.find((finding) => finding.id === "gateway-service");
    };

    await install("/tmp/hearth-checkout-moved-away/bin/hearth");
    assert.equal(existsSync(unitFile), true);
    const status = await runCli(["gateway", "status", "--config", config], { env });
    assert.match(status.stdout, /service: installed/);
    assert.match(status.stdout, /service: .*\/tmp\/hearth-checkout-moved-away\/bin\/hearth no longer exists \(moved or deleted\): the service fails at every start/);
    assert.match(status.stdout, new RegExp(`fix: run \`\\./bin/hearth --config '/home/ana/my config%\\.json5' gateway install\` again from the checkout the service should run \\(from this one, it runs ${hearthBin.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&")}\\)`));
    const json = JSON.parse((await runCli(["gateway", "status", "--json", "--config", config], { env })).stdout) as { service: { problem?: { kind: string } } };
    assert.equal(json.service.problem?.kind, "missing");
    const missing = await doctorFinding();
    assert.equal(missing?.severity, "error");
    assert.match(missing?.seen ?? "", /hearth-checkout-moved-away\/bin\/hearth no longer exists/);
    assert.match(missing?.fix ?? "", /hearth --config '\/home\/ana\/my config%\.json5' gateway install` again/, "installed again as it is: its config too");

    mkdirSync(join(temp.dir, "other-checkout", "bin"), { recursive: true });
    const other = temp.write("other-checkout/bin/hearth", "#!/usr/bin/env node\n");
    await install(other);
    assert.match((await runCli(["gateway", "status", "--config", config], { env })).stdout, /another checkout than this one/);
    assert.equal((await doctorFinding())?.severity, "warn");

    await install(hearthBin);
    // (The config it runs is said on a line of its own: the unit sets HEARTH_CONFIG.)
    assert.doesNotMatch((await runCli(["gateway", "status", "--config", config], { env })).stdout, /service: \/.*runs/);
    assert.equal((await doctorFinding())?.severity, "ok");
  });

  test("install through the real CLI refuses a port another program holds, naming it and the fix, and installs nothing", async () => {
    const home = join(temp.dir, "port-home");
    const config = temp.write("port.json5", `{}`);
    const holder = createServer();
    const port = await new Promise<number>((resolve) => holder.listen(0, "127.0.0.1", () => resolve((holder.address() as { port: number }).port)));
    try {
      const result = await runCli(["gateway", "install", "--config", config, "--port", String(port)], { env: { HOME: home } });
      assert.equal(result.code, 1, result.stdout + result.stderr);
      assert.match(result.stderr, new RegExp(`port ${port} on 127\\.0\\.0\\.1 is in use by node, pid ${process.pid}: the service would fail at every start; nothing installed`));
      assert.match(result.stderr, new RegExp(`fix: \`\\./bin/hearth --config \\S+ gateway install --port ${port + 1}\` \\(or set gateway\\.port\\), or stop the program that holds it`));
      assert.equal(existsSync(join(home, ".config", "systemd", "user", "hearth-gateway.service")), false);
    } finally {
      holder.close();
    }
  });

  test("install through the real CLI reports a service that exits at once, with where its log is (exit 1)", async () => {
    const home = join(temp.dir, "exits-home");
    const fakeBin = join(temp.dir, "fake-systemctl");
    mkdirSync(fakeBin, { recursive: true });
    // systemctl as a user session has it: every command succeeds; `show` says the unit exited and waits to restart.
    writeFileSync(join(fakeBin, "systemctl"), `#!/bin/sh\ncase "$*" in *" show "*) printf 'ActiveState=activating\\nSubState=auto-restart\\nExecMainStatus=2\\nNRestarts=1\\n' ;; esac\nexit 0\n`, { mode: 0o755 });
    const port = await freePort();
    const config = temp.write("exits.json5", `{ gateway: { port: ${port} } }`);
    const result = await runCli(["gateway", "install", "--config", config], { env: { HOME: home, HEARTH_STATE_DIR: join(home, "state"), PATH: `${fakeBin}:${process.env.PATH ?? ""}` } });
    assert.equal(result.code, 1, result.stdout + result.stderr);
    assert.match(result.stdout, /ran systemctl --user enable --now hearth-gateway\.service/);
    assert.match(result.stderr, /the gateway service started and exited at once \(systemd: activating \(auto-restart\), exit status 2, restarted 1 times\); systemd keeps restarting it/);
    assert.match(result.stderr, new RegExp(`its log: \`journalctl --user -u hearth-gateway\\.service -n 50\`, ${join(home, "state", "logs", "gateway.log").replace(/[.]/g, "\\.")}`));
    assert.match(result.stderr, /fix: `\.\/bin\/hearth --config \S+ gateway` in a terminal shows the error/);

    // --json: one document on stdout, the error's, naming what was installed.
    const json = await runCli(["gateway", "install", "--json", "--config", config], { env: { HOME: home, HEARTH_STATE_DIR: join(home, "state"), PATH: `${fakeBin}:${process.env.PATH ?? ""}` } });
    assert.equal(json.code, 1, json.stdout + json.stderr);
    const document = JSON.parse(json.stdout) as { error: string; details: string[]; exitCode: number };
    assert.match(document.error, /the gateway service started and exited at once/);
    assert.ok(document.details.some((line) => /systemctl --user enable --now hearth-gateway\.service/.test(line)), json.stdout);
    assert.ok(document.details.some((line) => line.startsWith("its log: ")), json.stdout);
    assert.equal(document.exitCode, 1);

    // A unit systemd has given up on (failed, not auto-restart) is said so, not "keeps restarting it".
    writeFileSync(join(fakeBin, "systemctl"), `#!/bin/sh\ncase "$*" in *" show "*) printf 'ActiveState=failed\\nSubState=failed\\nExecMainStatus=2\\nNRestarts=5\\n' ;; esac\nexit 0\n`, { mode: 0o755 });
    const failed = await runCli(["gateway", "install", "--config", config], { env: { HOME: home, HEARTH_STATE_DIR: join(home, "state"), PATH: `${fakeBin}:${process.env.PATH ?? ""}` } });
    assert.equal(failed.code, 1, failed.stdout + failed.stderr);
    assert.match(failed.stderr, /exited at once \(systemd: failed \(failed\), exit status 2, restarted 5 times\); systemd has given up restarting it \(it stays stopped until started again\)/);
  });

  test("a service that exits at once is seen (systemd auto-restart, launchd's last exit code); one that answers is up", async () => {
    const watch = (manager: "systemd" | "launchd", stdout: string, answers = false) =>
      watchStart({ manager, uid: 501, run: () => Promise.resolve({ code: 0, stdout, stderr: "" }), answers: () => Promise.resolve(answers), pause: () => Promise.resolve(), looks: 3 });
    assert.deepEqual(await watch("systemd", "ActiveState=activating\nSubState=auto-restart\nExecMainStatus=2\nNRestarts=3\n"), { state: "exited", seen: "systemd: activating (auto-restart), exit status 2, restarted 3 times", restarting: true });
    assert.deepEqual(await watch("systemd", "ActiveState=failed\nSubState=failed\nExecMainStatus=1\nNRestarts=0\n"), { state: "exited", seen: "systemd: failed (failed), exit status 1", restarting: false });
    assert.deepEqual(await watch("systemd", "ActiveState=active\nSubState=running\nExecMainStatus=0\n"), { state: "silent" }, "running, not answering yet");
    assert.deepEqual(await watch("systemd", "ActiveState=active\nSubState=running\n", true), { state: "answers" });
    assert.deepEqual(await watch("launchd", "\tstate = not running\n\tlast exit code = 2\n"), { state: "exited", seen: "launchd: not running, last exit code 2", restarting: true });
    assert.deepEqual(await watch("launchd", "\tstate = running\n\tlast exit code = (never exited)\n"), { state: "silent" });
  });

  test("status through the real CLI: not running, not installed (exit 1); running (exit 0)", async () => {
    const home = join(temp.dir, "status-home");
    const config = temp.write("status.json5", `{ gateway: { port: 1 } }`);
    const down = await runCli(["gateway", "status", "--config", config], { env: { HOME: home } });
    assert.equal(down.code, 1, down.stderr);
    assert.match(down.stdout, /not running: nothing answers at http:\/\/127\.0\.0\.1:1\/health/);
    assert.match(down.stdout, /service: not installed/);
    const json = await runCli(["gateway", "status", "--json", "--config", config], { env: { HOME: home } });
    const parsed = JSON.parse(json.stdout) as { running: boolean; url: string; service: { installed: boolean; file: string } };
    assert.equal(parsed.running, false);
    assert.equal(parsed.url, "http://127.0.0.1:1/");
    assert.equal(parsed.service.installed, false);

    const port = await freePort();
    const running = temp.write("status-running.json5", `{ gateway: { port: ${port} } }`);
    const gateway = await startGateway(["--config", running, "--port", String(port)], { HOME: home });
    try {
      const up = await runCli(["gateway", "status", "--config", running], { env: { HOME: home } });
      assert.equal(up.code, 1, up.stdout + up.stderr); // running, but no model answers here: needs setup (exit 1)
      assert.match(up.stdout, new RegExp(`running: http://127\\.0\\.0\\.1:${port}/ \\(version 0\\.1\\.0`));
    } finally {
      await gateway.stop();
    }
  });
});

