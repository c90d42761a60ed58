// Noticed last session: two gateways started within milliseconds of each other after a kill -9 could both
// take the dead owner's lock (each removed the lock the other had just taken) and both serve one state dir.
import assert from "node:assert/strict";
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import { tempDir } from "../helpers/run-cli.js";

const LOCK_MODULE = fileURLToPath(new URL("../../src/ops/gateway-lock.ts", import.meta.url));

/**
 * A process that loads the lock's code, says "ready", and takes the gateway lock when told to go (a line on
 * stdin: every contender asks at the same moment); it says whether it holds it and lets go when stdin ends.
 */
function contender(stateDir: string): { ready: Promise<void>; go: () => void; said: Promise<string>; letGo: () => Promise<void> } {
  const script = `
    const { lockGateway } = await import(${JSON.stringify(LOCK_MODULE)});
    console.log("ready");
    await new Promise((resolve) => process.stdin.once("data", resolve));
    try {
      const held = await lockGateway({ stateDir: ${JSON.stringify(stateDir)}, command: "hearth", onLost: (m) => console.log("lost: " + m) });
      console.log("held");
      process.stdin.on("end", async () => { await held.release(); process.exit(0); });
    } catch (error) {
      console.log("refused: " + error.message);
      process.exit(0);
    }`;
  const child = spawn(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], { stdio: ["pipe", "pipe", "inherit"] });
  let out = "";
  const line = (index: number): string | undefined => out.split("\n").slice(0, -1)[index];
  const ready = new Promise<void>((resolve, reject) => {
    child.stdout.on("data", (chunk: Buffer) => {
      out += chunk.toString();
      if (line(0) === "ready") resolve();
    });
    child.on("exit", () => reject(new Error(`a contender exited before it was ready: ${out}`)));
  });
  const said = new Promise<string>((resolve) => {
    child.stdout.on("data", () => {
      const answer = line(1);
      if (answer !== undefined) resolve(answer);
    });
    child.on("exit", () => resolve(line(1) ?? `exited saying: ${out}`));
  });
  const exited = new Promise<void>((resolve) => child.on("exit", () => resolve()));
  return {
    ready,
    go: () => child.stdin.write("go\n"),
    said,
    letGo: async () => {
      child.stdin.end();
      await exited;
    },
  };
}

/** The pid of a process that has exited (as a kill -9'd gateway's is). */
function deadPid(): number {
  const gone = spawnSync(process.execPath, ["-e", "console.log(process.pid)"], { encoding: "utf8" });
  return Number(gone.stdout.trim());
}

/**
 * A zombie: a process that has ended and that its parent has not collected — as a gateway killed a moment ago under a
 * parent that has not waited yet. The parent is perl, which forks and never waits (a shell may collect its background
 * job on its own: bash does, on SIGCHLD). Linux only (read from /proc).
 */
async function zombiePid(): Promise<{ pid: number; parent: ChildProcess }> {
  const parent = spawn("perl", ["-e", "$| = 1; my $pid = fork(); exit 0 if $pid == 0; print \"$pid\\n\"; sleep 60"], { stdio: ["ignore", "pipe", "inherit"] });
  const pid = await new Promise<number>((resolve, reject) => {
    parent.once("error", reject);
    parent.stdout.once("data", (chunk: Buffer) => resolve(Number(chunk.toString().trim())));
  });
  const state = (): string => readFileSync(`/proc/${pid}/stat`, "utf8");
  for (let tries = 0; tries < 100 && !/\) Z /.test(state()); tries++) await new Promise((resolve) => setTimeout(resolve, 20));
  return { pid, parent };
}

describe("the gateway lock after a kill -9", () => {
  const temp = tempDir();
  after(() => temp.cleanup());

  test("an owner killed and not yet collected by its parent (a zombie) holds nothing: a start takes its lock at once", { skip: process.platform !== "linux" }, async () => {
    const { pid, parent } = await zombiePid();
    try {
      assert.match(readFileSync(`/proc/${pid}/stat`, "utf8"), /\) Z /, "the owner is a zombie");
      const state = join(temp.dir, "state-zombie");
      mkdirSync(join(state, "gateway.lock"), { recursive: true });
      writeFileSync(join(state, "gateway.owner.json"), `${JSON.stringify({ pid, url: "http://127.0.0.1:1" })}\n`);
      const one = contender(state);
      await one.ready;
      one.go();
      const said = await one.said;
      await one.letGo();
      assert.equal(said, "held");
    } finally {
      parent.kill("SIGKILL");
    }
  });

  test("gateways started together on a dead owner's lock: exactly one takes it, the others are refused naming it", async () => {
    for (let round = 0; round < 4; round++) {
      const state = join(temp.dir, `state-${round}`);
      mkdirSync(join(state, "gateway.lock"), { recursive: true });
      writeFileSync(join(state, "gateway.owner.json"), `${JSON.stringify({ pid: deadPid(), url: "http://127.0.0.1:1" })}\n`);
      const contenders = Array.from({ length: 4 }, () => contender(state));
      await Promise.all(contenders.map((one) => one.ready));
      for (const one of contenders) one.go();
      const said = await Promise.all(contenders.map((one) => one.said));
      await Promise.all(contenders.map((one) => one.letGo()));
      assert.equal(said.filter((line) => line === "held").length, 1, `round ${round}: ${said.join(" | ")}`);
      for (const line of said.filter((line) => line !== "held")) assert.match(line, /^refused: another hearth gateway already runs on this state dir .*: pid \d+/, line);
    }
  });
});
