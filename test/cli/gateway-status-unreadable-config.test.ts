// `hearth gateway status` on a config with a JSON5 syntax error: the port the file sets is unknowable.
// It says the config cannot be read (where, what) and which port it asked instead, never "the config says".
import assert from "node:assert/strict";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { hearthBin, runCli, tempDir } from "../helpers/run-cli.js";
import { startGateway, startGatewayWith } from "../helpers/run-gateway.js";
import { freePort } from "../helpers/free-port.js";
import { writeUnit } from "../helpers/service-unit.js";

describe("gateway status on a config that cannot be read (the real bin/hearth)", () => {
  const temp = tempDir();
  after(() => temp.cleanup());
  // The port is written, but the file does not parse: nothing in it is known.
  const broken = () => temp.write("broken.json5", `{\n  gateway: { port: 1 },\n  agents: { defaults: { model: "x" }\n}\n`);

  test("no service: says the config cannot be read (file:line:col) and that the default port was asked", async () => {
    const file = broken();
    const status = await runCli(["gateway", "status", "--config", file], { env: { HOME: join(temp.dir, "no-service-home") } });
    assert.match(status.stdout, new RegExp(`^address: the config cannot be read \\(${file.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&")}:5:1: syntax error: [^)]*\\), so the port it sets is unknown; asked http://127\\.0\\.0\\.1:18790/ instead: the default port 18790$`, "m"), status.stdout);
    assert.match(status.stdout, /^config: cannot be read: .*broken\.json5:5:1: syntax error/m);
    assert.doesNotMatch(status.stdout, /the config says|127\.0\.0\.1:1\//);
    const json = JSON.parse((await runCli(["gateway", "status", "--json", "--config", file], { env: { HOME: join(temp.dir, "no-service-home") } })).stdout) as { url: string; portFrom: string; configUrl?: string };
    assert.equal(json.portFrom, "default");
    assert.equal(json.url, "http://127.0.0.1:18790/");
    assert.equal(json.configUrl, undefined);
  });

  test("an installed service with its own --port: that port is asked, and status says it came from the service's record", async () => {
    // The service's state dir's gateway (its /health names the instance), run in a terminal.
    const gateway = await startGateway([], { HOME: join(temp.dir, "terminal-home"), HEARTH_STATE_DIR: join(temp.dir, "unit-home", ".hearth") });
    const port = Number(new URL(gateway.url).port);
    try {
      const home = join(temp.dir, "unit-home");
      await writeUnit(home, [process.execPath, hearthBin, "gateway", "--port", String(port)]);
      const status = await runCli(["gateway", "status", "--config", broken()], { env: { HOME: home } });
      assert.equal(status.code, 1, status.stdout + status.stderr); // running, but no model answers here: needs setup (exit 1)
      assert.match(status.stdout, new RegExp(`^running: http://127\\.0\\.0\\.1:${port}/`, "m"));
      assert.match(status.stdout, new RegExp(`^address: the config cannot be read \\(.*broken\\.json5:5:1: syntax error.*\\), so the port it sets is unknown; asked http://127\\.0\\.0\\.1:${port}/ instead: the port on the service's own command line \\(--port ${port}, as systemd has it in .*hearth-gateway\\.service\\)$`, "m"), status.stdout);
      assert.doesNotMatch(status.stdout, /the config says/);
    } finally {
      await gateway.stop();
    }
  });

  test("a config that parses but does not load: a port not written as a number is unknown; none written is the default", async () => {
    const home = join(temp.dir, "parsed-home");
    const varPort = await runCli(["gateway", "status", "--config", temp.write("var-port.json5", `{ gateway: { port: "\${NOPE_PORT}" } }`)], { env: { HOME: home } });
    assert.match(varPort.stdout, /^address: the config does not load and its gateway\.port is not a number as written, so the port it sets is unknown; asked http:\/\/127\.0\.0\.1:18790\/ instead: the default port 18790$/m, varPort.stdout);
    assert.match(varPort.stdout, /^config: does not load here: .*var-port\.json5 has 1 problem:.*\n.*gateway\.port: environment variable NOPE_PORT is not set/m, varPort.stdout);
    const noPort = await runCli(["gateway", "status", "--json", "--config", temp.write("no-port.json5", `{ agents: { defaults: { maxSteps: 0 } } }`)], { env: { HOME: home } });
    const json = JSON.parse(noPort.stdout) as { portFrom: string; url: string };
    assert.equal(json.portFrom, "default");
    assert.equal(json.url, "http://127.0.0.1:18790/");
    const text = await runCli(["gateway", "status", "--config", temp.write("no-port.json5", `{ agents: { defaults: { maxSteps: 0 } } }`)], { env: { HOME: home } });
    assert.doesNotMatch(text.stdout, /^address:/m);
    assert.match(text.stdout, /^config: does not load here: /m);
  });

  test("a running gateway whose config breaks: status and doctor say it runs where it does, that the config does not parse, and compare no address (t5 #8)", async () => {
    const home = join(temp.dir, "broken-later-home");
    const port = await freePort();
    const file = temp.write("later.json5", `{\n  gateway: { port: ${port} },\n  agents: { defaults: { maxSteps: 4 } }\n}\n`);
    const gateway = await startGatewayWith(["--config", file], { HOME: home });
    try {
      // A missing comma: the port in the file did not change, but nothing in it can be read.
      temp.write("later.json5", `{\n  gateway: { port: ${port} }\n  agents: { defaults: { maxSteps: 4 } }\n}\n`);
      const status = await runCli(["gateway", "status", "--config", file], { env: { HOME: home } });
      assert.equal(status.code, 1, status.stdout + status.stderr); // running, but no model answers here: needs setup (exit 1)
      assert.match(status.stdout, new RegExp(`^running: http://127\\.0\\.0\\.1:${port}/ \\(version [^)]*\\)$`, "m"), status.stdout);
      assert.match(status.stdout, new RegExp(`^address: the config cannot be read \\(.*later\\.json5:3:3: syntax error[^\n]*; asked http://127\\.0\\.0\\.1:18790/ instead: the default port 18790; nothing of this state dir answered there, and the running gateway was found at http://127\\.0\\.0\\.1:${port}/, where it recorded it listens$`, "m"), status.stdout);
      assert.doesNotMatch(status.stdout, /another address|address changed|the config says/);
      const json = JSON.parse((await runCli(["gateway", "status", "--json", "--config", file], { env: { HOME: home } })).stdout) as { running: boolean; url: string; expectedUrl?: string };
      assert.equal(json.running, true);
      assert.equal(json.url, `http://127.0.0.1:${port}/`);
      assert.equal(json.expectedUrl, undefined);
      const doctor = JSON.parse((await runCli(["doctor", "--json", "--config", file], { env: { HOME: home } })).stdout) as { findings: { id: string; severity: string; title: string }[] };
      const up = doctor.findings.find((finding) => finding.id === "gateway-unhealthy");
      assert.match(up?.title ?? "", new RegExp(`^the gateway at http://127\\.0\\.0\\.1:${port} \\(found where it recorded it listens: the config does not load, so the address it sets is unknown; http://127\\.0\\.0\\.1:18790 was asked first\\) is up`), JSON.stringify(doctor.findings));
      assert.doesNotMatch(up?.title ?? "", /another address|config says/);
    } finally {
      await gateway.stop();
    }
  });
});
