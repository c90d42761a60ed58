// Noticed last session: a gateway stopped for more than 10 s (Ctrl+Z, kill -STOP, a laptop asleep) cannot
// refresh its lock, and a second gateway took it as stale — both served the state dir once the first resumed.
import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { mkdirSync, utimesSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { lockGateway } from "../../src/ops/gateway-lock.js";
import { tempDir } from "../helpers/run-cli.js";

/** A live process whose command line reads as `args` (a gateway's has the word "gateway"). */
function liveProcess(args: readonly string[]): ChildProcess {
  return spawn(process.execPath, ["-e", "setInterval(() => undefined, 1000)", ...args], { stdio: "ignore" });
}

/** A state dir whose lock was last refreshed a minute ago (stale by its age) by the owner `pid`. */
function agedLock(dir: string, pid: number): string {
  mkdirSync(join(dir, "gateway.lock"), { recursive: true });
  writeFileSync(join(dir, "gateway.owner.json"), `${JSON.stringify({ pid, url: "http://127.0.0.1:18789" })}\n`);
  const minuteAgo = new Date(Date.now() - 60_000);
  utimesSync(join(dir, "gateway.lock"), minuteAgo, minuteAgo);
  return dir;
}

describe("the gateway lock of a gateway that is stopped, not gone", () => {
  const temp = tempDir();
  const children: ChildProcess[] = [];
  after(() => {
    for (const child of children) child.kill("SIGKILL");
    temp.cleanup();
  });

  test("a stopped gateway's lock, not refreshed for a minute, is not taken: the second start is refused naming it", async () => {
    const stopped = liveProcess(["gateway"]);
    children.push(stopped);
    const pid = stopped.pid as number;
    process.kill(pid, "SIGSTOP");
    const state = agedLock(join(temp.dir, "stopped"), pid);
    await assert.rejects(
      lockGateway({ stateDir: state, command: "hearth", onLost: () => undefined }),
      (error: Error) => error.message.includes(`another hearth gateway already runs on this state dir (${state}): pid ${pid}, at http://127.0.0.1:18789/`),
    );
    process.kill(pid, "SIGCONT");
  });

  test("a stale lock whose pid now runs another program is taken over (the pid was given to it since)", async () => {
    const other = liveProcess(["something-else"]);
    children.push(other);
    const state = agedLock(join(temp.dir, "reused"), other.pid as number);
    const held = await lockGateway({ stateDir: state, command: "hearth", onLost: () => undefined });
    await held.release();
  });
});
