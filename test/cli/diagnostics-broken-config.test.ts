import assert from "node:assert/strict";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { whatsappPaths } from "../../src/channels/whatsapp/state-paths.js";
import { writeStatus } from "../../src/channels/whatsapp/status-file.js";
import { hearthBin, runCli, tempDir } from "../helpers/run-cli.js";
import { startGateway } from "../helpers/run-gateway.js";
import { fakeSystemctl, writeUnit } from "../helpers/service-unit.js";

/** The problem every command names for `gateway.auth.token: "${NOPE_TOKEN}"` with NOPE_TOKEN set nowhere. */
const UNSET = /environment variable NOPE_TOKEN is not set/;

describe("diagnostic commands on a config that does not load report what they can", () => {
  const temp = tempDir();
  after(() => temp.cleanup());

  test("gateway status with an unset ${VAR}: still asks /health where the service listens, and names the config problem with its fix", async () => {
    // One state dir for the gateway and the commands asking it (its /health names the instance).
    const state = join(temp.dir, "status-state");
    const gateway = await startGateway([], { HOME: join(temp.dir, "terminal-home"), HEARTH_STATE_DIR: state });
    const port = Number(new URL(gateway.url).port);
    try {
      // The config's own port is a literal: status asks there.
      const literal = temp.write("literal-port.json5", `{ gateway: { port: ${port}, auth: { token: "\${NOPE_TOKEN}" } } }`);
      const home = join(temp.dir, "status-home");
      const status = await runCli(["gateway", "status", "--config", literal], { env: { HOME: home, HEARTH_STATE_DIR: state } });
      assert.equal(status.code, 1, status.stdout + status.stderr); // running, but no model answers here: needs setup (exit 1)
      assert.match(status.stdout, new RegExp(`^running: http://127\\.0\\.0\\.1:${port}/ \\(version`, "m"));
      assert.match(status.stdout, /^service: not installed/m);
      assert.match(status.stdout, /^config: does not load here: .*literal-port\.json5 has 1 problem:/m); // not again as "must not be empty": the reference text is not the value
      assert.match(status.stdout, UNSET);
      assert.match(status.stdout, /NOPE_TOKEN=… there/, "the fix: where to put the variable");
      const json = JSON.parse((await runCli(["gateway", "status", "--json", "--config", literal], { env: { HOME: home, HEARTH_STATE_DIR: state } })).stdout) as { running: boolean; config?: { problem: string; details: string[]; fix: string } };
      assert.equal(json.running, true);
      assert.match(json.config?.details.join("\n") ?? "", UNSET);

      // The port itself is a ${VAR} the shell lacks: the installed service's --port says where it listens.
      const varPort = temp.write("var-port.json5", `{ gateway: { port: "\${NOPE_PORT}" } }`);
      const unitHome = join(temp.dir, "unit-home");
      await writeUnit(unitHome, [process.execPath, hearthBin, "gateway", "--port", String(port)]);
      const viaUnit = await runCli(["gateway", "status", "--config", varPort], { env: { HOME: unitHome, HEARTH_STATE_DIR: state } });
      assert.equal(viaUnit.code, 1, viaUnit.stdout + viaUnit.stderr); // running, but no model answers here: needs setup (exit 1)
      assert.match(viaUnit.stdout, new RegExp(`^running: http://127\\.0\\.0\\.1:${port}/`, "m"));
      assert.match(viaUnit.stdout, /^service: installed/m);
      assert.match(viaUnit.stdout, /environment variable NOPE_PORT is not set/);

      // Nothing of its state dir answers (another state dir: this one's gateway runs, and status would find it where it listens): exit 1, and the config problem is still named.
      const down = await runCli(["gateway", "status", "--config", temp.write("down.json5", `{ gateway: { port: 1, auth: { token: "\${NOPE_TOKEN}" } } }`)], { env: { HOME: home, HEARTH_STATE_DIR: join(temp.dir, "no-gateway-state") } });
      assert.equal(down.code, 1, down.stdout + down.stderr);
      assert.match(down.stdout, /^not running: nothing answers at http:\/\/127\.0\.0\.1:1\/health/m);
      assert.match(down.stdout, UNSET);
    } finally {
      await gateway.stop();
    }
  });

  test("gateway uninstall does not need a config that loads", async () => {
    const home = join(temp.dir, "uninstall-home");
    await writeUnit(home, [process.execPath, hearthBin, "gateway"]);
    const config = temp.write("uninstall.json5", `{ gateway: { auth: { token: "\${NOPE_TOKEN}" } } }`);
    const removed = await runCli(["gateway", "uninstall", "--config", config], { env: { HOME: home, PATH: `${fakeSystemctl(join(temp.dir, "uninstall-bin"), "")}:${process.env.PATH ?? ""}` } });
    assert.match(removed.stdout, /removed .*hearth-gateway\.service/, removed.stdout + removed.stderr);
  });

  test("doctor asks /health at the port the file gives, and security audit judges what it can (the file as written, file modes), saying what it could not", async () => {
    const gateway = await startGateway([], { HOME: join(temp.dir, "terminal2-home"), HEARTH_STATE_DIR: join(temp.dir, "doctor-home", ".hearth") });
    const port = Number(new URL(gateway.url).port);
    try {
      const home = join(temp.dir, "doctor-home");
      const config = temp.write("doctor.json5", `{ gateway: { port: ${port}, bind: "0.0.0.0", auth: { token: "\${NOPE_TOKEN}" } } }`);
      const doctor = JSON.parse((await runCli(["doctor", "--json", "--config", config], { env: { HOME: home } })).stdout) as { findings: { id: string; severity: string; title: string; seen: string }[] };
      assert.match(doctor.findings.find((finding) => finding.id === "config-invalid")?.seen ?? "", UNSET);
      const up = doctor.findings.find((finding) => finding.id === "gateway-unhealthy");
      assert.equal(up?.severity, "ok", JSON.stringify(doctor.findings));
      assert.match(up?.title ?? "", new RegExp(`the gateway at http://127\\.0\\.0\\.1:${port} is up`));

      const audit = await runCli(["security", "audit", "--json", "--config", config], { env: { HOME: home } });
      assert.equal(audit.code, 1, audit.stdout + audit.stderr);
      const report = JSON.parse(audit.stdout) as { findings: { id: string; severity: string; title: string; detail: string }[] };
      const unloadable = report.findings.find((finding) => finding.id === "config-unloadable");
      assert.equal(unloadable?.severity, "high");
      assert.match(unloadable?.detail ?? "", UNSET);
      // Still judged: the config file's mode (written 0644 by the test), read as the file is.
      assert.equal(report.findings.find((finding) => finding.id === "config-permissions")?.severity, "medium", JSON.stringify(report.findings));
      const text = await runCli(["security", "audit", "--config", config], { env: { HOME: home } });
      assert.match(text.stdout, /the config does not load: its agents, their models and tools were not audited/);
    } finally {
      await gateway.stop();
    }
  });

  test("channels status: the link and the connection (the state dir's) are said, then the config's problem", async () => {
    const state = join(temp.dir, "channels-state");
    writeStatus(whatsappPaths(state).status, { state: "connected", since: "2026-12-01T21:00:00.000Z", account: "+15550001111", pid: process.pid });
    const config = temp.write("channels.json5", `{ channels: { whatsapp: { enabled: true } }, gateway: { auth: { token: "\${NOPE_TOKEN}" } } }`);
    const text = await runCli(["channels", "status", "--config", config], { env: { HEARTH_STATE_DIR: state } });
    assert.equal(text.code, 0, text.stdout + text.stderr);
    assert.match(text.stdout, /^whatsapp: settings unknown: the config does not load here \(below\)$/m);
    assert.match(text.stdout, /^ {2}connection: connected since 2026-12-01 21:00 \+00:00/m);
    assert.match(text.stdout, /^config: does not load here: .*channels\.json5 has 1 problem:/m);
    assert.match(text.stdout, UNSET);
    const json = JSON.parse((await runCli(["channels", "status", "--json", "--config", config], { env: { HEARTH_STATE_DIR: state } })).stdout) as { whatsapp: Record<string, unknown>; config?: { details: string[] } };
    assert.equal(json.whatsapp.state, "connected");
    assert.equal(json.whatsapp.enabled, undefined, "no guessed settings");
    assert.match(json.config?.details.join("\n") ?? "", UNSET);
  });
});
