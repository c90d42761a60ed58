// Trial (t3 #9): a second `hearth gateway --port 19491` on the same state dir started and served beside the
// first (both ran health monitors and watched the same sessions), with no warning; `gateway status` showed one.
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { runCli, tempDir } from "../helpers/run-cli.js";
import { startGateway } from "../helpers/run-gateway.js";

describe("one gateway per state dir", () => {
  const temp = tempDir();
  after(() => temp.cleanup());

  test("a second gateway on the same state dir refuses to start, naming the first's pid and address and how to stop it, on its own stderr (nothing in the first's log); one-shot commands still run beside it", async () => {
    const config = temp.write("hearth.json5", `{ agents: { defaults: { maxSteps: 8 } } }`);
    const state = join(temp.dir, "state");
    const env = { HEARTH_STATE_DIR: state, HOME: join(temp.dir, "home") };
    const first = await startGateway(["--config", config], env);
    try {
      await assert.rejects(startGateway(["--config", config], env), (error: Error) => {
        assert.match(error.message, new RegExp(`hearth: another hearth gateway already runs on this state dir \\(${state.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&")}\\): pid ${first.child.pid ?? 0}, at ${first.url}/`), error.message);
        assert.match(error.message, new RegExp(`fix: .*Ctrl\\+C where it runs, or \`kill ${first.child.pid ?? 0}\``), error.message);
        assert.doesNotMatch(error.message, /\n\s+at /, "no stack trace");
        return true;
      });
      // t13-docs leftover: the refused one wrote its ERROR line into the running gateway's log. It says why on its own stderr only.
      const logFile = join(state, "logs", "gateway.log");
      const logBefore = readFileSync(logFile, "utf8");
      const refused = await runCli(["gateway", "--port", "0", "--config", config], { env });
      assert.equal(refused.code, 1);
      assert.match(refused.stderr, /^hearth: another hearth gateway already runs on this state dir/m);
      const logAfter = readFileSync(logFile, "utf8");
      assert.ok(logAfter.startsWith(logBefore), "the running gateway's log is not rotated or rewritten");
      const pids = logAfter.split("\n").filter((line) => line !== "").map((line) => (JSON.parse(line) as { pid: number }).pid);
      assert.deepEqual([...new Set(pids)], [first.child.pid], "every line of the log is the running gateway's");
      const status = await runCli(["gateway", "status", "--config", config], { env });
      assert.equal(status.code, 1, status.stdout); // running, but no model answers here: needs setup (exit 1)
      assert.match(status.stdout, new RegExp(`^running: ${first.url}/`, "m"));
      const sessions = await runCli(["sessions", "list", "--config", config], { env });
      assert.equal(sessions.code, 0, sessions.stderr);
    } finally {
      await first.stop();
    }
  });

  test("a lock left by a gateway killed with SIGKILL does not block the next start; a clean stop leaves no lock", async () => {
    const config = temp.write("killed.json5", `{ agents: { defaults: { maxSteps: 8 } } }`);
    const state = join(temp.dir, "killed-state");
    const env = { HEARTH_STATE_DIR: state, HOME: join(temp.dir, "home") };
    const killed = await startGateway(["--config", config], env);
    killed.child.kill("SIGKILL");
    await killed.exited;
    assert.ok(existsSync(join(state, "gateway.lock")), "the killed gateway's lock is left behind");
    const next = await startGateway(["--config", config], env);
    next.child.kill("SIGTERM");
    assert.equal(await next.exited, 0);
    assert.equal(existsSync(join(state, "gateway.lock")), false);
  });
});
