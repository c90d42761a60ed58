// Noticed last session: a gateway stopped for more than 10 s (Ctrl+Z, kill -STOP, a laptop asleep) cannot
// refresh its lock, and a second gateway took it as stale — both served the state dir once the first resumed.
import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { mkdirSync, utimesSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { lockGateway } from "../../src/ops/gateway-lock.js";
import type { HearthError } from "../../src/shared/errors.js";
import { tempDir } from "../helpers/run-cli.js";

/** A live process whose command line reads as `args` (a gateway's has the word "gateway"). */
function liveProcess(args: readonly string[]): ChildProcess {
  return spawn(process.execPath, ["-e", "setInterval(() => undefined, 1000)", ...args], { stdio: "ignore" });
}

/** A state dir whose lock was last refreshed at `refreshed` (stale by its age: over 10 s ago) by the owner `pid`. */
function agedLock(dir: string, lock: { pid: number; refreshed: Date }): string {
  mkdirSync(join(dir, "gateway.lock"), { recursive: true });
  writeFileSync(join(dir, "gateway.owner.json"), `${JSON.stringify({ pid: lock.pid, url: "http://127.0.0.1:18789" })}\n`);
  utimesSync(join(dir, "gateway.lock"), lock.refreshed, lock.refreshed);
  return dir;
}

const minuteAgo = (): Date => new Date(Date.now() - 60_000);

describe("the gateway lock of a gateway that is stopped, not gone", { timeout: 60_000 }, () => {
  const temp = tempDir();
  const children: ChildProcess[] = [];
  after(() => {
    for (const child of children) child.kill("SIGKILL");
    temp.cleanup();
  });

  test("a stopped gateway's lock, not refreshed for over 10 s, is not taken: the second start is refused naming it, and how to resume it", async () => {
    const startedAt = Date.now();
    const stopped = liveProcess(["gateway"]);
    children.push(stopped);
    const pid = stopped.pid as number;
    // Its lock last refreshed a second after it started, and stopped since: stale by its age 12 s on.
    await new Promise((resolve) => setTimeout(resolve, 12_000));
    process.kill(pid, "SIGSTOP");
    const state = agedLock(join(temp.dir, "stopped"), { pid, refreshed: new Date(startedAt + 1_000) });
    await assert.rejects(lockGateway({ stateDir: state, command: "hearth", onLost: () => undefined }), (error: HearthError) => {
      assert.match(error.message, new RegExp(`^another hearth gateway already runs on this state dir \\(.*\\): pid ${pid}, at http://127\\.0\\.0\\.1:18789/ \\(stopped: its process is suspended\\)`));
      assert.match(error.details.join("\n"), new RegExp(`\`kill -CONT ${pid}\` resumes it`));
      return true;
    });
    process.kill(pid, "SIGCONT");
  });

  test("a stale lock whose pid was given since to another gateway (started after the lock's last refresh) is taken over", async () => {
    const later = liveProcess(["gateway"]);
    children.push(later);
    const state = agedLock(join(temp.dir, "reused-by-a-gateway"), { pid: later.pid as number, refreshed: minuteAgo() });
    const held = await lockGateway({ stateDir: state, command: "hearth", onLost: () => undefined });
    await held.release();
  });

  test("a stale lock whose pid now runs another program is taken over (the pid was given to it since)", async () => {
    const other = liveProcess(["something-else"]);
    children.push(other);
    const state = agedLock(join(temp.dir, "reused"), { pid: other.pid as number, refreshed: minuteAgo() });
    const held = await lockGateway({ stateDir: state, command: "hearth", onLost: () => undefined });
    await held.release();
  });
});
