// A gateway started while the one before it drains waits for it, then takes the state dir. The stopping one
// forgets its listening record and owner file a moment before it lets go of its lock: a start that looked
// in that moment was refused (the reviewer rev13 found it). It now waits for the lock itself to go.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdirSync, rmSync, unlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, test } from "node:test";
import { forgetListening, recordListening } from "../../src/ops/gateway-listening.js";
import { lockGateway } from "../../src/ops/gateway-lock.js";
import { tempDir } from "../helpers/run-cli.js";

const temp = tempDir();
after(() => temp.cleanup());

test("a start waits through the stopping gateway's last moment (its record and owner file gone, its lock not yet) and then takes the lock", async () => {
  // The stopping gateway: a live process, its lock, its owner file and a record saying it stops.
  const stopping = spawn("sleep", ["60"], { stdio: "ignore" });
  try {
    const state = join(temp.dir, "state");
    const lock = join(state, "gateway.lock");
    mkdirSync(lock, { recursive: true });
    const pid = stopping.pid ?? 0;
    writeFileSync(join(state, "gateway.owner.json"), `${JSON.stringify({ pid, url: "http://127.0.0.1:1" })}\n`);
    recordListening(state, { url: "http://127.0.0.1:1", pid, startedAt: Date.now() - 60_000, stopping: { since: Date.now(), turns: 1, proxied: 0 } });
    const said: string[] = [];
    const taking = lockGateway({ stateDir: state, command: "hearth", onLost: () => undefined, onWait: (message) => said.push(message) });
    for (let tries = 0; said.length === 0 && tries < 100; tries++) await new Promise((resolve) => setTimeout(resolve, 20));
    assert.match(said[0] ?? "", /^the gateway that was at http:\/\/127\.0\.0\.1:1\/ \(pid \d+\) is stopping, finishing 1 turn: this one starts once it has stopped/);
    // Its last moment: record and owner file gone, the lock still there (and its process still running) for a while.
    forgetListening(state, pid);
    unlinkSync(join(state, "gateway.owner.json"));
    await new Promise((resolve) => setTimeout(resolve, 600));
    rmSync(lock, { recursive: true, force: true });
    const held = await taking;
    await held.release();
  } finally {
    stopping.kill("SIGKILL");
  }
});
