// Trial: `gateway status` said "running" for a hearth gateway of ANOTHER state dir answering on the port,
// and `gateway install` after editing gateway.env said "unchanged" while the service kept the old keys.
import assert from "node:assert/strict";
import { existsSync, mkdirSync, statSync, utimesSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { installService, type CommandOutcome, type ServiceHost } from "../../src/cli/gateway/service.js";
import { stateInstance } from "../../src/config/state-instance.js";
import { freePort } from "../helpers/free-port.js";
import { runCli, tempDir } from "../helpers/run-cli.js";
import { startGateway } from "../helpers/run-gateway.js";
import { fakeSystemctl, startingSystemctl, unitOf } from "../helpers/service-unit.js";

function host(platform: NodeJS.Platform, home: string, envFile: string): { machine: ServiceHost; ran: string[] } {
  const ran: string[] = [];
  const answer: CommandOutcome = { code: 0, stdout: "", stderr: "" };
  const machine: ServiceHost = {
    platform,
    home,
    uid: 501,
    command: "hearth",
    run: (command, args) => {
      ran.push([command, ...args].join(" "));
      return Promise.resolve(answer);
    },
    programArguments: ["/usr/bin/node", "/opt/hearth/bin/hearth", "gateway"],
    environment: { HEARTH_STATE_DIR: join(home, ".hearth") },
    logDir: join(home, ".hearth", "logs"),
    envFile,
  };
  return { machine, ran };
}

describe("which gateway, and with which environment", () => {
  const temp = tempDir();
  after(() => temp.cleanup());

  for (const platform of ["linux", "darwin"] as const) {
    test(`${platform}: install with the unit unchanged restarts a service started before gateway.env or the unit was written, and says why`, async () => {
      const home = join(temp.dir, `restart-${platform}`);
      const envFile = join(home, ".hearth", "gateway.env");
      mkdirSync(join(home, ".hearth"), { recursive: true });
      writeFileSync(envFile, "SOME_API_KEY=old\n");
      const { machine, ran } = host(platform, home, envFile);
      const first = await installService(machine);
      const restart = platform === "linux" ? "systemctl --user restart hearth-gateway.service" : "launchctl kickstart -k gui/501/dev.hearth.gateway";
      const past = (Date.now() - 3_600_000) / 1000;
      utimesSync(first.file, past, past);
      utimesSync(envFile, past, past);

      // Started after both were written: nothing to apply, nothing restarted.
      ran.length = 0;
      const fresh = await installService(machine, { startedAt: Date.now() - 60_000 });
      assert.equal(fresh.restarted, false);
      assert.ok(!ran.includes(restart), ran.join("\n"));
      assert.equal(fresh.actions.filter((action) => action.startsWith("restarting")).length, 0);

      // gateway.env edited (a key removed) after the service started: restarted, and said.
      writeFileSync(envFile, "\n");
      ran.length = 0;
      const stale = await installService(machine, { startedAt: Date.now() - 60_000 });
      assert.equal(stale.changed, false);
      assert.equal(stale.restarted, true);
      assert.match(stale.actions[0] ?? "", /^unchanged /);
      assert.ok(stale.actions.some((action) => action.startsWith(`restarting the service: ${envFile} was written after it started`)), stale.actions.join("\n"));
      assert.ok(ran.includes(restart), ran.join("\n"));

      // The unit or plist edited by hand after the start: the same — launchd rereads a plist only when it loads it: booted out and in, not kicked.
      utimesSync(envFile, past, past);
      utimesSync(first.file, Date.now() / 1000, Date.now() / 1000);
      ran.length = 0;
      const edited = await installService(machine, { startedAt: Date.now() - 60_000 });
      assert.ok(edited.actions.some((action) => action.startsWith(`restarting the service: ${first.file} was written`)), edited.actions.join("\n"));
      if (platform === "linux") assert.ok(ran.includes(restart), ran.join("\n"));
      else assert.deepEqual(ran, ["launchctl print gui/501/dev.hearth.gateway", "launchctl bootout gui/501/dev.hearth.gateway", `launchctl bootstrap gui/501 ${first.file}`]);
    });
  }

  test("status and doctor: another state dir's gateway on the port is not this one's; gateway.env newer than the gateway is said", async () => {
    const home = join(temp.dir, "home");
    const port = await freePort();
    const config = temp.write("config.json5", `{ gateway: { port: ${port} } }`);
    const mine = join(home, "state-mine");
    const theirs = join(home, "state-theirs");
    const gateway = await startGateway(["--config", config, "--port", String(port)], { HOME: home, HEARTH_STATE_DIR: theirs });
    try {
      const health = (await (await fetch(`http://127.0.0.1:${port}/health`)).json()) as { instance?: string };
      assert.equal(health.instance, stateInstance(theirs));
      assert.ok(!JSON.stringify(health).includes(home), "the state dir's path is never said");

      const other = await runCli(["gateway", "status", "--config", config], { env: { HOME: home, HEARTH_STATE_DIR: mine } });
      assert.equal(other.code, 1, other.stdout + other.stderr);
      assert.match(other.stdout, new RegExp(`^not running: hearth's gateway answers at http://127\\.0\\.0\\.1:${port}/, but not this state dir's \\(${mine}\\): another HEARTH_STATE_DIR or HOME started it`, "m"));
      assert.doesNotMatch(other.stdout, /^running:/m);
      const otherDoctor = JSON.parse((await runCli(["--config", config, "doctor", "--json"], { env: { HOME: home, HEARTH_STATE_DIR: mine } })).stdout) as { findings: { id: string; severity: string; title: string }[] };
      const found = otherDoctor.findings.find((finding) => finding.id === "gateway-other-instance");
      assert.equal(found?.severity, "warn", JSON.stringify(otherDoctor.findings));
      // install: the port is held by another hearth, not this state dir's service; nothing installed.
      const install = await runCli(["gateway", "install", "--config", config], { env: { HOME: home, HEARTH_STATE_DIR: mine, PATH: `${fakeSystemctl(join(temp.dir, "other-bin"), "ActiveState=active\\nSubState=running\\nMainPID=0\\n")}:${process.env.PATH ?? ""}` } });
      assert.equal(install.code, 1, install.stdout + install.stderr);
      assert.ok(install.stderr.includes(`port ${port} on 127.0.0.1 is in use by a hearth gateway of another state dir than this one's (${mine}: another HEARTH_STATE_DIR or HOME started it): the service would fail at every start; nothing installed`), install.stderr);
      assert.equal(existsSync(unitOf(home)), false);

      const same = await runCli(["gateway", "status", "--config", config], { env: { HOME: home, HEARTH_STATE_DIR: theirs } });
      assert.equal(same.code, 1, same.stdout + same.stderr); // running, but no model answers here: needs setup (exit 1)
      assert.match(same.stdout, new RegExp(`^running: http://127\\.0\\.0\\.1:${port}/`, "m"));
      assert.doesNotMatch(same.stdout, /gateway\.env/, "gateway.env not written since the start: nothing to say");

      const envFile = join(home, ".hearth", "gateway.env");
      mkdirSync(join(home, ".hearth"), { recursive: true });
      writeFileSync(envFile, "SOME_API_KEY=new\n", { mode: 0o600 });
      // A gateway run in a terminal re-reads gateway.env on its change (a config reload): once it has, nothing is stale.
      const readAt = await envReadAfter(port, statSync(envFile).mtimeMs);
      const current = await runCli(["gateway", "status", "--config", config], { env: { HOME: home, HEARTH_STATE_DIR: theirs } });
      assert.doesNotMatch(current.stdout, /gateway\.env/, "re-read by the gateway since it was written: nothing to restart for");
      const currentDoctor = JSON.parse((await runCli(["--config", config, "doctor", "--json"], { env: { HOME: home, HEARTH_STATE_DIR: theirs } })).stdout) as { findings: { id: string }[] };
      assert.equal(currentDoctor.findings.find((finding) => finding.id === "gateway-env-stale"), undefined, "doctor agrees");
      // Written after that read (a date ahead of it: the watcher's next re-read comes before it): both say so.
      const ahead = (readAt + 3_600_000) / 1000;
      utimesSync(envFile, ahead, ahead);
      const stale = await runCli(["gateway", "status", "--config", config], { env: { HOME: home, HEARTH_STATE_DIR: theirs } });
      assert.match(stale.stdout, new RegExp(`^gateway\\.env: ${envFile.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&")} was written after the gateway last read it \\(.+\\): it runs with the variables from before; restart to apply: stop the gateway and start it again$`, "m"), stale.stdout);
      const staleDoctor = JSON.parse((await runCli(["--config", config, "doctor", "--json"], { env: { HOME: home, HEARTH_STATE_DIR: theirs } })).stdout) as { findings: { id: string; severity: string; fix: string }[] };
      assert.equal(staleDoctor.findings.find((finding) => finding.id === "gateway-env-stale")?.severity, "warn", JSON.stringify(staleDoctor.findings));
      assert.equal(staleDoctor.findings.find((finding) => finding.id === "gateway-other-instance"), undefined);
    } finally {
      await gateway.stop();
    }
  });

  test("gateway install after gateway.env was edited restarts the running service (a systemctl on PATH that really starts the gateway), and says so", async () => {
    const home = join(temp.dir, "install-home");
    const port = await freePort();
    const config = temp.write("install.json5", `{ gateway: { port: ${port} } }`);
    // As systemd would: `enable --now` starts the gateway when it does not run, `restart` stops it and starts it again, `show` names its pid.
    const manager = startingSystemctl(join(temp.dir, "manager"), config);
    const env = { HOME: home, HEARTH_STATE_DIR: join(home, "state"), PATH: `${manager.dir}:${process.env.PATH ?? ""}` };
    const envFile = join(home, ".hearth", "gateway.env");
    try {
      const first = await runCli(["gateway", "install", "--config", config], { env });
      assert.equal(first.code, 0, first.stdout + first.stderr + manager.log());
      assert.match(first.stdout, /the gateway answers at/);
      const firstPid = manager.pid();

      const again = await runCli(["gateway", "install", "--config", config], { env });
      assert.equal(again.code, 0, again.stdout + again.stderr);
      assert.doesNotMatch(again.stdout, /restart/, "nothing written since the start: left running");
      assert.equal(manager.pid(), firstPid);

      mkdirSync(join(home, ".hearth"), { recursive: true });
      writeFileSync(envFile, "SOME_API_KEY=removed-later\n", { mode: 0o600 });
      const status = await runCli(["gateway", "status", "--config", config], { env });
      assert.match(status.stdout, /^gateway\.env: .* was written after the gateway started: it runs with the variables from before; restart to apply: `\S+ --config \S+ gateway restart`$/m, status.stdout);

      const applied = await runCli(["gateway", "install", "--config", config], { env });
      assert.equal(applied.code, 0, applied.stdout + applied.stderr);
      assert.match(applied.stdout, /^unchanged /m);
      assert.ok(applied.stdout.includes(`restarting the service: ${envFile} was written after it started`), applied.stdout);
      assert.match(applied.stdout, /^ran systemctl --user restart hearth-gateway\.service$/m);
      assert.match(applied.stdout, /the gateway answers at/, "the restarted gateway (started since) is the one that answers");
      assert.notEqual(manager.pid(), firstPid);
      const after = await runCli(["gateway", "status", "--config", config], { env });
      assert.equal(after.code, 1, after.stdout); // running, but no model answers here: needs setup (exit 1)
      assert.doesNotMatch(after.stdout, /^gateway\.env:/m);
    } finally {
      await manager.stop();
    }
  });
});

/** Waits until the gateway at `port` says (GET /health's envReadAt) it read gateway.env at or after `mtimeMs`; returns that time. */
async function envReadAfter(port: number, mtimeMs: number): Promise<number> {
  for (let tries = 0; tries < 200; tries++) {
    const health = (await (await fetch(`http://127.0.0.1:${port}/health`)).json()) as { envReadAt?: string };
    const readAt = health.envReadAt === undefined ? Number.NaN : Date.parse(health.envReadAt);
    if (readAt >= mtimeMs) return readAt;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`the gateway on port ${port} did not re-read gateway.env within 10 s`);
}
