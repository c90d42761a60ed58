import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { createExecTool } from "../../../src/agent/tools/exec.js";
import type { ToolContext } from "../../../src/agent/tools/tool.js";

/**
 * exec runs one call at a time across every hearth process of a state dir (a trial raced a `mv` of a
 * link from a second `hearth agent` between another process's check and its `cat`): while another
 * process holds exec's lock, a call does not run; once it lets go, the call runs.
 */
describe("exec's one-call-at-a-time holds across processes", () => {
  const root = mkdtempSync(join(tmpdir(), "hearth-exec-lock-"));
  after(() => rmSync(root, { recursive: true, force: true }));
  const state = join(root, "state");
  const work = join(root, "work");
  mkdirSync(state, { recursive: true });
  mkdirSync(work, { recursive: true });
  writeFileSync(join(work, "a"), "a\n");

  const exec = createExecTool({ home: join(root, "home") });
  const run = async (args: string[], signal: AbortSignal) => {
    const context: ToolContext = { signal, stateDir: state, settings: { exec: { commands: ["mv"], cwd: work, sandbox: "off" } }, untrusted: (text) => text };
    return (await exec.run({ command: "mv", args }, context)).content;
  };

  test("a call waits while another process holds the lock, and runs once it is let go", async () => {
    // Another hearth process: takes the state dir's exec lock, says so, holds it until its stdin closes.
    const holder = spawn(process.execPath, ["--import", "tsx", "--input-type=module", "-e", `
      const { lockExec } = await import(${JSON.stringify(new URL("../../../src/agent/tools/exec/exec-lock.ts", import.meta.url).href)});
      const held = await lockExec(${JSON.stringify(state)}, new AbortController().signal);
      process.stdout.write("held\\n");
      process.stdin.resume();
      process.stdin.on("end", async () => { await held.release(); process.exit(0); });
    `], { stdio: ["pipe", "pipe", "inherit"] });
    await new Promise<void>((resolve, reject) => {
      holder.stdout.on("data", (chunk: Buffer) => chunk.toString().includes("held") && resolve());
      holder.once("exit", () => reject(new Error("the holder ended before taking the lock")));
    });
    const call = run(["a", "b"], new AbortController().signal);
    let ended = false;
    void call.then(() => (ended = true));
    // A wait that can only let a broken lock pass, never fail a working one: mv itself takes milliseconds.
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    assert.equal(ended, false, "the call did not finish while the other process held the lock");
    assert.ok(existsSync(join(work, "a")), "the program did not run while the other process held the lock");
    holder.stdin.end();
    assert.match(await call, /^exit code 0/);
    assert.ok(existsSync(join(work, "b")), "it ran once the lock was let go");
    assert.ok(!existsSync(join(state, "exec.lock")), "and let go of the lock itself");
  });
});
