import assert from "node:assert/strict";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { installService, type ServiceHost } from "../../src/cli/gateway/service.js";
import { serviceEnvironment } from "../../src/cli/gateway/service-environment.js";
import { tempDir } from "../helpers/run-cli.js";
import { startGateway } from "../helpers/run-gateway.js";

// launchd has no EnvironmentFile: the gateway started as the service reads ~/.hearth/gateway.env
// itself (never over what its environment sets); the plist carries no key.

const KEY = "sk-ant-service-0123456789abcdef";

function writeEnvFile(home: string, text: string): void {
  mkdirSync(join(home, ".hearth"), { recursive: true });
  writeFileSync(join(home, ".hearth", "gateway.env"), text, { mode: 0o600 });
}

describe("the service's environment: gateway.env read by the gateway itself", () => {
  const temp = tempDir();
  after(() => temp.cleanup());

  test("as the service, gateway.env's variables are added where the environment lacks them; what it sets is kept; a terminal start is left as it is", () => {
    const home = join(temp.dir, "home-unit");
    writeEnvFile(home, `# keys\nANTHROPIC_API_KEY="${KEY}"\nHEARTH_LOG_LEVEL=warn\nHEARTH_LOOP_LAG=1\n`);
    const service = serviceEnvironment({ HOME: home, HEARTH_SERVICE: "launchd", HEARTH_LOG_LEVEL: "info", HEARTH_LOOP_LAG: "" });
    assert.deepEqual(service.added, ["ANTHROPIC_API_KEY"]);
    assert.equal(service.env.ANTHROPIC_API_KEY, KEY, "the quotes dropped, as systemd reads an EnvironmentFile");
    assert.equal(service.env.HEARTH_LOG_LEVEL, "info", "the environment's own value wins");
    assert.equal(service.env.HEARTH_LOOP_LAG, "", "set, though empty: kept");
    const terminal = { HOME: home, PATH: "/usr/bin" };
    assert.equal(serviceEnvironment(terminal).env, terminal, "not the service: the environment as it is");
    assert.deepEqual(serviceEnvironment({ HOME: join(temp.dir, "no-file"), HEARTH_SERVICE: "launchd" }).added, [], "no gateway.env: nothing added");
  });

  test("the plist and the unit say they start the service, and the plist holds no key of gateway.env", async () => {
    for (const platform of ["darwin", "linux"] as const) {
      const home = join(temp.dir, `home-${platform}`);
      writeEnvFile(home, `ANTHROPIC_API_KEY=${KEY}\n`);
      const machine: ServiceHost = {
        platform,
        home,
        uid: 501,
        command: "./bin/hearth",
        run: (_command, args) => Promise.resolve({ code: args[0] === "print" ? 113 : 0, stdout: "", stderr: "" }),
        programArguments: ["/usr/bin/node", "/opt/hearth/bin/hearth", "gateway"],
        environment: { HEARTH_STATE_DIR: join(home, ".hearth") },
        logDir: join(home, ".hearth", "logs"),
        envFile: join(home, ".hearth", "gateway.env"),
      };
      const report = await installService(machine).catch(() => undefined);
      const file = platform === "darwin" ? join(home, "Library", "LaunchAgents", "dev.hearth.gateway.plist") : join(home, ".config", "systemd", "user", "hearth-gateway.service");
      assert.ok(report, platform);
      const text = readFileSync(file, "utf8");
      if (platform === "darwin") assert.match(text, /<key>HEARTH_SERVICE<\/key>\s*<string>launchd<\/string>/);
      else assert.match(text, /^Environment=HEARTH_SERVICE=systemd$/m);
      assert.ok(!text.includes(KEY), `${platform}: no key in ${file}`);
    }
  });

  test("the real gateway started as the service takes a setting from gateway.env (HEARTH_LOOP_LAG), and logs the names it read, never the values; in a terminal it does not", async () => {
    const home = join(temp.dir, "home-gateway");
    writeEnvFile(home, `HEARTH_LOOP_LAG=1\nSERVICE_EXTRA_TOKEN=${KEY}\n`);
    const stopped = async (env: NodeJS.ProcessEnv): Promise<{ stdout: string; log: string }> => {
      const state = join(temp.dir, `state-${String(env.HEARTH_SERVICE ?? "terminal")}`);
      const gateway = await startGateway([], { HOME: home, HEARTH_STATE_DIR: state, ...env });
      gateway.child.kill("SIGTERM");
      assert.equal(await gateway.exited, 0, gateway.stderr());
      return { stdout: gateway.stdout(), log: readFileSync(join(state, "logs", "gateway.log"), "utf8") };
    };
    const service = await stopped({ HEARTH_SERVICE: "launchd" });
    assert.match(service.stdout, /event-loop delay: p50 /, "HEARTH_LOOP_LAG came from gateway.env");
    const read = service.log.split("\n").filter(Boolean).map((line) => JSON.parse(line) as { msg?: string; variables?: string[] }).find((line) => line.msg === "read from gateway.env");
    assert.deepEqual(read?.variables, ["HEARTH_LOOP_LAG", "SERVICE_EXTRA_TOKEN"]);
    assert.ok(!service.log.includes(KEY) && !service.stdout.includes(KEY), "the values never in the log or the output");
    const terminal = await stopped({});
    assert.doesNotMatch(terminal.stdout, /event-loop delay/, "a terminal's gateway keeps its own environment");
    assert.doesNotMatch(terminal.log, /read from gateway\.env/);
  });
});
