import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { freePort } from "../helpers/free-port.js";
import { runCli, tempDir } from "../helpers/run-cli.js";
import { startGateway } from "../helpers/run-gateway.js";
import { fakeSystemctl, unitOf } from "../helpers/service-unit.js";

describe("gateway install with the unit unchanged: the gateway answering is the service's own process, or it is said whose it is", () => {
  const temp = tempDir();
  after(() => temp.cleanup());

  test("a gateway run in a terminal at the unit's address is not taken for the service; the service's own process is", async () => {
    const home = join(temp.dir, "home");
    const port = await freePort();
    const config = join(temp.dir, "config.json5");
    const env = (bin: string): NodeJS.ProcessEnv => ({ HOME: home, HEARTH_STATE_DIR: join(home, "state"), PATH: `${bin}:${process.env.PATH ?? ""}` });
    // Installed once (the service then exits at once: the unit stays), so the next install finds it unchanged.
    writeFileSync(config, `{ gateway: { port: ${port} } }`);
    // One directory on PATH throughout (the unit keeps install's PATH); its systemctl is rewritten for each case.
    const bin = join(temp.dir, "bin");
    const failed = fakeSystemctl(bin, "ActiveState=failed\\nSubState=failed\\nExecMainStatus=1\\nMainPID=0\\n");
    const first = await runCli(["gateway", "install", "--config", config], { env: env(failed) });
    assert.equal(first.code, 1, first.stdout + first.stderr);
    const unit = readFileSync(unitOf(home), "utf8");

    // This state dir's gateway (as the service would run it), but run in a terminal.
    const terminal = await startGateway(["--config", config, "--port", String(port)], { HOME: join(temp.dir, "terminal-home"), HEARTH_STATE_DIR: join(home, "state") });
    const pid = terminal.child.pid ?? 0;
    try {
      // The service's manager runs no process (it fails at every start: the terminal's gateway holds the port).
      const held = await runCli(["gateway", "install", "--config", config], { env: env(failed) });
      assert.equal(held.code, 1, held.stdout + held.stderr);
      assert.match(held.stderr, new RegExp(`port ${port} on 127\\.0\\.0\\.1 is in use by a hearth gateway not the service's own process \\(node, pid ${pid}; the service's: not running\\): a gateway run in a terminal holds the port \\(stop it: Ctrl\\+C, or \`kill ${pid}\`\\): the service would fail at every start; nothing installed`));
      assert.doesNotMatch(held.stderr, /takes over/, "nothing was installed to take over");
      // status: the gateway answering there is running, and it is said not to be the service.
      const status = await runCli(["gateway", "status", "--config", config], { env: env(failed) });
      assert.equal(status.code, 1, status.stdout + status.stderr); // running, but no model answers here: needs setup (exit 1)
      assert.match(status.stdout, new RegExp(`^service: what answers is not the service's own process \\(node, pid ${pid}; the service's: not running\\)`, "m"));
      assert.doesNotMatch(held.stdout, /the gateway answers/);
      assert.equal(readFileSync(unitOf(home), "utf8"), unit, "the unit is left as it was");

      // The manager's main process is another one (a service that runs, yet not on this port).
      const elsewhere = fakeSystemctl(bin, `ActiveState=active\\nSubState=running\\nMainPID=${process.pid}\\n`);
      const other = await runCli(["gateway", "install", "--config", config], { env: env(elsewhere) });
      assert.equal(other.code, 1, other.stdout + other.stderr);
      assert.match(other.stderr, new RegExp(`\\(node, pid ${pid}; the service's: pid ${process.pid}\\)`));

      // The process listening is the one the manager runs: the service answers.
      const own = fakeSystemctl(bin, `ActiveState=active\\nSubState=running\\nMainPID=${pid}\\n`);
      // logind as on a machine where lingering is off.
      writeFileSync(join(bin, "loginctl"), `#!/bin/sh\ncase "$*" in *Linger*) echo no ;; esac\n`, { mode: 0o755 });
      const ok = await runCli(["gateway", "install", "--config", config], { env: env(own) });
      assert.equal(ok.code, 0, ok.stdout + ok.stderr);
      assert.match(ok.stdout, /^unchanged /m);
      assert.match(ok.stdout, new RegExp(`the gateway answers at http://127\\.0\\.0\\.1:${port}/; it runs as a systemd service with the config \\S+ and starts when you log in;`));
      // Without lingering a user service starts at login, not at boot: said, with how to change it.
      assert.match(ok.stdout, /^note: after a reboot it starts only once you log in, and it stops when you log out; `loginctl enable-linger \$USER` starts it at boot/m);
      // With lingering on (as logind says), it starts at boot, and no note.
      writeFileSync(join(bin, "loginctl"), `#!/bin/sh\ncase "$*" in *Linger*) echo yes ;; esac\n`, { mode: 0o755 });
      const lingering = await runCli(["gateway", "install", "--config", config], { env: env(own) });
      assert.equal(lingering.code, 0, lingering.stdout + lingering.stderr);
      assert.match(lingering.stdout, /it runs as a systemd service with the config \S+ and starts at boot \(lingering is on\);/);
      assert.doesNotMatch(lingering.stdout, /^note:/m);
      const json = await runCli(["gateway", "install", "--json", "--config", config], { env: env(own) });
      assert.equal((JSON.parse(json.stdout) as { startsAt: string }).startsAt, "boot");
    } finally {
      await terminal.stop();
    }
  });
});

describe("gateway.env: one file for the service and every command", () => {
  const temp = tempDir();
  after(() => temp.cleanup());

  test("the unit's EnvironmentFile is the gateway.env the commands read ($HOME/.hearth, whatever HEARTH_STATE_DIR says)", async () => {
    const home = join(temp.dir, "home with a space and 100%");
    const port = await freePort();
    const config = join(temp.dir, "config.json5");
    writeFileSync(config, `{ gateway: { port: ${port} } }`);
    const bin = fakeSystemctl(join(temp.dir, "bin"), "ActiveState=failed\\nSubState=failed\\nExecMainStatus=1\\nMainPID=0\\n");
    await runCli(["gateway", "install", "--config", config], { env: { HOME: home, HEARTH_STATE_DIR: join(temp.dir, "state"), PATH: `${bin}:${process.env.PATH ?? ""}` } });
    const unit = readFileSync(unitOf(home), "utf8");
    assert.match(unit, /^EnvironmentFile=-(.*)$/m);
    assert.equal(/^EnvironmentFile=-(.*)$/m.exec(unit)?.[1], join(home, ".hearth", "gateway.env").replace(/%/g, "%%"), "systemd's own specifiers escaped");
  });
});
