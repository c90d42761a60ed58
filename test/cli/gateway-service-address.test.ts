import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { startFakeServer } from "../fakes/fake-server.js";
import { hearthBin, runCli, tempDir } from "../helpers/run-cli.js";
import { startGateway } from "../helpers/run-gateway.js";
import { freePort } from "../helpers/free-port.js";
import { fakeSystemctl, unitOf, writeUnit } from "../helpers/service-unit.js";

describe("gateway install | status | doctor: the service's own address, hearth's own /health", () => {
  const temp = tempDir();
  after(() => temp.cleanup());

  test("status and doctor ask where the installed service's --port says it listens, and say the config's when it differs", async () => {
    const home = join(temp.dir, "flags-home");
    // This state dir's gateway (its /health names the instance), run in a terminal.
    const gateway = await startGateway([], { HOME: join(temp.dir, "terminal-home"), HEARTH_STATE_DIR: join(home, ".hearth") });
    const port = Number(new URL(gateway.url).port);
    try {
      // The service listens on the gateway's port by its --port; the config says port 1 (nothing there).
      const config = temp.write("flags.json5", `{ gateway: { port: 1 } }`);
      await writeUnit(home, [process.execPath, hearthBin, "gateway", "--port", String(port)]);
      const status = await runCli(["gateway", "status", "--config", config], { env: { HOME: home } });
      assert.equal(status.code, 1, status.stdout + status.stderr); // running, but no model answers here: needs setup (exit 1)
      assert.match(status.stdout, new RegExp(`^running: http://127\\.0\\.0\\.1:${port}/ \\(version`, "m"));
      assert.match(status.stdout, new RegExp(`address: the service listens at http://127\\.0\\.0\\.1:${port}/ \\(its command line: --port ${port}\\); the config says http://127\\.0\\.0\\.1:1/`));
      const json = JSON.parse((await runCli(["gateway", "status", "--json", "--config", config], { env: { HOME: home } })).stdout) as { running: boolean; url: string; configUrl?: string };
      assert.deepEqual([json.running, json.url, json.configUrl], [true, `http://127.0.0.1:${port}/`, "http://127.0.0.1:1/"]);
      const doctor = JSON.parse((await runCli(["doctor", "--json", "--config", config], { env: { HOME: home } })).stdout) as { findings: { id: string; severity: string; title: string }[] };
      const up = doctor.findings.find((finding) => finding.id === "gateway-unhealthy");
      assert.equal(up?.severity, "ok");
      assert.match(up?.title ?? "", new RegExp(`the gateway at http://127\\.0\\.0\\.1:${port} \\(the installed service's own address, from its --port/--bind; the config says http://127\\.0\\.0\\.1:1\\) is up`));

      // The config's port has this state dir's gateway (run in a terminal); the service's --port has none:
      // the gateway runs, and it is not the service (not "not running — start it", which would start a second).
      const onConfigPort = temp.write("terminal.json5", `{ gateway: { port: ${port} } }`);
      await writeUnit(home, [process.execPath, hearthBin, "gateway", "--port", "1"]);
      const apart = await runCli(["gateway", "status", "--config", onConfigPort], { env: { HOME: home } });
      assert.equal(apart.code, 1, apart.stdout); // running, but no model answers here: needs setup (exit 1)
      assert.match(apart.stdout, new RegExp(`^running: http://127\\.0\\.0\\.1:${port}/ \\(version \\S+, up \\d+ s\\) — started with another address than http://127\\.0\\.0\\.1:1/, where the service says it listens`, "m"));
      assert.match(apart.stdout, new RegExp(`^service: the gateway running is not the service \\(nothing of it answers at http://127\\.0\\.0\\.1:1/\\): it was started apart, at http://127\\.0\\.0\\.1:${port}/ — stop it \\(Ctrl\\+C where it runs\\) before the service is started$`, "m"));
      assert.doesNotMatch(apart.stdout, /start it:/);

      // Once it stops, nothing of this state dir runs: not running, at the service's address.
      gateway.child.kill("SIGTERM");
      await gateway.exited;
      const down = await runCli(["gateway", "status", "--config", onConfigPort], { env: { HOME: home } });
      assert.equal(down.code, 1, down.stdout);
      assert.match(down.stdout, /^not running: nothing answers at http:\/\/127\.0\.0\.1:1\/health \(start it: \.\/bin\/hearth --config \S+ gateway --port 1\)/m);
    } finally {
      await gateway.stop();
    }
  });

  test("the fix for a moved checkout carries the unit's --port and --bind", async () => {
    const home = join(temp.dir, "moved-flags-home");
    const config = temp.write("moved-flags.json5", `{ gateway: { port: 1 } }`);
    await writeUnit(home, [process.execPath, "/tmp/hearth-moved-away/bin/hearth", "gateway", "--port", "18913", "--bind", "127.0.0.2"]);
    const status = await runCli(["gateway", "status", "--config", config], { env: { HOME: home } });
    assert.match(status.stdout, /fix: run `\.\/bin\/hearth gateway install --port 18913 --bind 127\.0\.0\.2` again from the checkout/);
    const doctor = JSON.parse((await runCli(["doctor", "--json", "--config", config], { env: { HOME: home, HEARTH_GATEWAY_URL: "http://127.0.0.1:1" } })).stdout) as { findings: { id: string; fix: string }[] };
    assert.match(doctor.findings.find((finding) => finding.id === "gateway-service")?.fix ?? "", /run `\.\/bin\/hearth gateway install --port 18913 --bind 127\.0\.0\.2` again/);
  });

  test("doctor weighs the installed service's own --bind: open without a token is the error the gateway gives, with a fix that keeps its --port", async () => {
    const home = join(temp.dir, "open-service-home");
    const config = temp.write("open-service.json5", `{ gateway: { port: 1 } }`);
    await writeUnit(home, [process.execPath, hearthBin, "gateway", "--bind", "0.0.0.0", "--port", "2"]);
    const doctor = JSON.parse((await runCli(["doctor", "--json", "--config", config], { env: { HOME: home } })).stdout) as { findings: { id: string; severity: string; seen: string; fix: string }[] };
    const open = doctor.findings.find((finding) => finding.id === "gateway-no-auth");
    assert.equal(open?.severity, "error", JSON.stringify(doctor.findings.filter((finding) => finding.id.startsWith("gateway"))));
    assert.match(open?.seen ?? "", /^the installed service's --bind "0\.0\.0\.0" is not loopback and gateway\.auth\.token is not set: .* reaches port 2 /);
    assert.match(open?.fix ?? "", /~\/\.hearth\/gateway\.env.*, or install the service again listening on loopback, `hearth gateway install --port 2 --bind 127\.0\.0\.1`/);
  });

  test("a server whose /health answers {status: ok} (llama-server) is no gateway: status, install (fresh or over a unit) say so", async () => {
    const llama = await startFakeServer((request) => (request.path === "/health" ? { kind: "json", body: { status: "ok" } } : { kind: "json", status: 404, body: {} }));
    const port = new URL(llama.url).port;
    try {
      const home = join(temp.dir, "llama-home");
      const config = temp.write("llama.json5", `{ gateway: { port: ${port} } }`);
      const status = await runCli(["gateway", "status", "--config", config], { env: { HOME: home } });
      assert.equal(status.code, 1, status.stdout);
      assert.match(status.stdout, new RegExp(`^not running: another server than hearth's gateway answers at http://127\\.0\\.0\\.1:${port}/health \\(HTTP 200 \\{"status":"ok"\\}\\)`, "m"));

      const env = { HOME: home, HEARTH_STATE_DIR: join(home, "state"), PATH: `${fakeSystemctl(join(temp.dir, "llama-bin"), "ActiveState=active\\nSubState=running\\n")}:${process.env.PATH ?? ""}` };
      const fresh = await runCli(["gateway", "install", "--config", config], { env });
      assert.equal(fresh.code, 1, fresh.stdout + fresh.stderr);
      assert.match(fresh.stderr, new RegExp(`port ${port} on 127\\.0\\.0\\.1 is in use by node, pid ${process.pid}: the service would fail at every start; nothing installed`));
      assert.equal(existsSync(unitOf(home)), false);

      const other = temp.write("other-port.json5", `{ gateway: { port: 1 } }`);
      await writeUnit(home, [process.execPath, hearthBin, "gateway"]);
      const before = readFileSync(unitOf(home), "utf8");
      const over = await runCli(["gateway", "install", "--config", other, "--port", port], { env });
      assert.equal(over.code, 1, over.stdout + over.stderr);
      assert.match(over.stderr, new RegExp(`port ${port} on 127\\.0\\.0\\.1 is in use by node, pid ${process.pid}: the service would fail at every start; nothing installed`));
      assert.equal(readFileSync(unitOf(home), "utf8"), before, "the working unit is left as it was");

      const doctor = JSON.parse((await runCli(["doctor", "--json", "--config", config], { env: { HOME: join(temp.dir, "llama-doctor-home") } })).stdout) as { findings: { id: string; severity: string; title: string }[] };
      assert.equal(doctor.findings.find((finding) => finding.id === "gateway-unhealthy"), undefined);
      assert.match(doctor.findings.find((finding) => finding.id === "gateway-port-taken")?.title ?? "", new RegExp(`another server than hearth's gateway answers at http://127\\.0\\.0\\.1:${port}`));
    } finally {
      await llama.close();
    }
  });

  test("after a restart, a gateway that was already answering (the old service process, still there) is not taken for the service: its failure is reported with its log", async () => {
    const gateway = await startGateway([], { HOME: join(temp.dir, "terminal2-home"), HEARTH_STATE_DIR: join(temp.dir, "restart-home", "state") });
    const port = new URL(gateway.url).port;
    try {
      const home = join(temp.dir, "restart-home");
      const config = temp.write("restart.json5", `{ gateway: { port: ${port} } }`);
      // A unit for this address, written otherwise than install would (so install rewrites and restarts it).
      await writeUnit(home, [process.execPath, hearthBin, "gateway"]);
      // Its manager names the gateway answering as its process (a terminal's is refused before install: gateway-install-owner.test.ts).
      const bin = fakeSystemctl(join(temp.dir, "restart-bin"), `ActiveState=activating\\nSubState=auto-restart\\nExecMainStatus=1\\nNRestarts=2\\nMainPID=${gateway.child.pid ?? 0}\\n`);
      const result = await runCli(["gateway", "install", "--config", config], { env: { HOME: home, HEARTH_STATE_DIR: join(home, "state"), PATH: `${bin}:${process.env.PATH ?? ""}` } });
      assert.equal(result.code, 1, result.stdout + result.stderr);
      assert.match(result.stdout, /ran systemctl --user restart hearth-gateway\.service/);
      assert.match(result.stderr, new RegExp(`started and exited at once \\(systemd: activating \\(auto-restart\\), exit status 1, restarted 2 times\\); systemd keeps restarting it; hearth's gateway answering at http://127\\.0\\.0\\.1:${port}/ was started before this install`));
      assert.match(result.stderr, /its log: `journalctl --user -u hearth-gateway\.service -n 50`/);
    } finally {
      await gateway.stop();
    }
  });

  test("an open --bind without a token is refused before anything is written, with the gateway's own reason and fix", async () => {
    const home = join(temp.dir, "open-home");
    const config = temp.write("open.json5", `{ gateway: { port: 1 } }`);
    await writeUnit(home, [process.execPath, hearthBin, "gateway"]);
    const before = readFileSync(unitOf(home), "utf8");
    const bin = fakeSystemctl(join(temp.dir, "open-bin"), "ActiveState=failed\\nSubState=failed\\nExecMainStatus=2\\n");
    const port = await freePort();
    const result = await runCli(["gateway", "install", "--config", config, "--bind", "0.0.0.0", "--port", String(port)], { env: { HOME: home, HEARTH_STATE_DIR: join(home, "state"), PATH: `${bin}:${process.env.PATH ?? ""}` } });
    assert.equal(result.code, 2, result.stdout + result.stderr);
    assert.equal(result.stdout, "");
    assert.match(result.stderr, /refusing to listen on 0\.0\.0\.0 without a token: anyone who can reach it could use your models and read your conversations; the service would refuse to start; nothing installed/);
    assert.match(result.stderr, /fix: write a token: .*~\/\.hearth\/gateway\.env.*set gateway\.auth\.token to "\$\{HEARTH_GATEWAY_TOKEN\}"/);
    assert.equal(readFileSync(unitOf(home), "utf8"), before, "the working unit is left as it was");
    const terminal = await runCli(["gateway", "--config", config, "--bind", "0.0.0.0", "--port", "0"], { env: { HOME: home } });
    assert.equal(terminal.code, 2);
    assert.match(terminal.stderr, /fix: write a token: .*~\/\.hearth\/gateway\.env/, "the gateway itself gives the same advice");
    assert.doesNotMatch(terminal.stderr, /set gateway\.auth\.token in the config/);
  });

  test("a service that exits at once: the terminal fix carries its --port/--bind; uninstall without a user session names the command as run", async () => {
    const home = join(temp.dir, "exit-flags-home");
    const config = temp.write("exit-flags.json5", `{}`);
    const port = await freePort();
    const bin = fakeSystemctl(join(temp.dir, "exit-flags-bin"), "ActiveState=failed\\nSubState=failed\\nExecMainStatus=2\\n");
    const env = { HOME: home, HEARTH_STATE_DIR: join(home, "state"), PATH: `${bin}:${process.env.PATH ?? ""}` };
    const result = await runCli(["gateway", "install", "--config", config, "--port", String(port), "--bind", "127.0.0.1"], { env });
    assert.equal(result.code, 1, result.stdout + result.stderr);
    assert.match(result.stderr, new RegExp(`fix: \`\\./bin/hearth --config \\S+ gateway --port ${port} --bind 127\\.0\\.0\\.1\` in a terminal shows the error`));

    const noBus = fakeSystemctl(join(temp.dir, "no-bus-bin"), "", 1);
    const removed = await runCli(["gateway", "uninstall", "--config", config], { env: { ...env, PATH: `${noBus}:${process.env.PATH ?? ""}` } });
    assert.equal(removed.code, 1);
    assert.match(removed.stderr, /meanwhile run `\.\/bin\/hearth --config \S+ gateway` in a terminal/);
    assert.doesNotMatch(removed.stderr, /run `hearth gateway`/);
  });
});

