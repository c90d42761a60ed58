import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { mkdirSync, readdirSync, statSync, utimesSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { rotateIfLarge } from "../../src/cli/gateway/log-rotation.js";
import { repoRoot, tempDir } from "../helpers/run-cli.js";

const racerScript = join(repoRoot, "test/helpers/log-rotation-racer.ts");
const ROUNDS = 12;
const MAX_BYTES = 1_000;

/** Runs one racer over `logs`; resolves with the logs it set aside. */
function race(barrier: string, logs: readonly string[]): Promise<string[]> {
  const child = spawn(process.execPath, ["--import", "tsx", racerScript, barrier, String(MAX_BYTES), ...logs], { cwd: repoRoot });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve, reject) => {
    child.once("exit", (code) => (code === 0 ? resolve(JSON.parse(stdout) as string[]) : reject(new Error(`racer exited ${String(code)}: ${stderr}`))));
  });
}

describe("two gateways rotating one state dir's log", () => {
  const temp = tempDir();
  after(() => temp.cleanup());

  test("a lock left by a dead process, judged dead by two processes at the same instant, is taken by one: each log is set aside once", async () => {
    const dir = join(temp.dir, "logs");
    const barrier = join(temp.dir, "barrier");
    mkdirSync(dir);
    mkdirSync(barrier);
    // A pid that no process has any more.
    const gone = spawnSync(process.execPath, ["-e", ""]).pid;
    assert.ok(gone !== undefined);
    const longAgo = new Date(Date.now() - 10 * 60_000);
    const logs: string[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      const log = join(dir, `gateway-${round}.log`);
      writeFileSync(log, `${"x".repeat(MAX_BYTES + 10)}\n`, { mode: 0o600 });
      // Half the locks name a dead pid; the others a living one (pid 1) but are too old to be held still.
      writeFileSync(`${log}.lock`, String(round % 2 === 0 ? gone : 1));
      if (round % 2 === 1) utimesSync(`${log}.lock`, longAgo, longAgo);
      logs.push(log);
    }
    const [first, second] = await Promise.all([race(barrier, logs), race(barrier, logs)]);
    for (const log of logs) {
      const by = [first, second].filter((rotated) => rotated.includes(log)).length;
      assert.equal(by, 1, `${log}: set aside by ${by} of the two gateways`);
    }
    const names = readdirSync(dir).sort();
    const expected = logs.flatMap((log) => [log, `${log}.1`]).map((path) => path.slice(dir.length + 1)).sort();
    assert.deepEqual(names, expected, "each log and one set-aside file; no lock, claim or half-made lock left behind");
  });

  test("a claim left by a process that died taking over a dead lock does not stop rotation for good: once it is old, the next claim takes it over", () => {
    const dir = join(temp.dir, "claimed");
    mkdirSync(dir);
    const log = join(dir, "gateway.log");
    writeFileSync(log, `${"x".repeat(MAX_BYTES + 10)}\n`, { mode: 0o600 });
    const lock = `${log}.lock`;
    writeFileSync(lock, "1");
    const longAgo = new Date(Date.now() - 10 * 60_000);
    utimesSync(lock, longAgo, longAgo);
    const id = statSync(lock, { bigint: true });
    const claim = `${lock}.stale-${id.ino}-${id.mtimeNs}.1`;
    writeFileSync(claim, "");
    // A young claim: its maker is at work, the rotation is left to it.
    assert.equal(rotateIfLarge(log, { maxBytes: MAX_BYTES, keep: 3 }), false);
    utimesSync(claim, longAgo, longAgo);
    assert.equal(rotateIfLarge(log, { maxBytes: MAX_BYTES, keep: 3 }), true, "an old claim: its maker died, the next one takes over");
    assert.deepEqual(readdirSync(dir).sort(), ["gateway.log", "gateway.log.1"], "the claims and the lock are gone");
  });
});
