import assert from "node:assert/strict";
import { spawn, type ChildProcess, type ChildProcessWithoutNullStreams } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { after, describe, test } from "node:test";
import { machineFacts, ownerRecord } from "../../src/sessions/lock-owner.js";
import { JsonlSessionStore } from "../../src/sessions/jsonl-session-store.js";
import { repoRoot, tempDir } from "../helpers/run-cli.js";

const script = join(repoRoot, "test/helpers/session-lock-process.ts");

/** A process taking session "S"'s lock (session-lock-process.ts): what it says, line by line. */
interface Locker {
  child: ChildProcessWithoutNullStreams & { pid: number };
  next(): Promise<string>;
  exited: Promise<void>;
}

describe("session-lock takeovers between real processes", { timeout: 60_000 }, () => {
  const temp = tempDir("hearth-lock-takeover-");
  const children: ChildProcess[] = [];
  after(() => {
    for (const child of children) {
      child.kill("SIGCONT");
      child.kill("SIGKILL");
    }
    temp.cleanup();
  });

  function locker(stateDir: string, stopAt?: string): Locker {
    const child = spawn(process.execPath, ["--import", "tsx", script, stateDir, ...(stopAt ? [stopAt] : [])], { cwd: repoRoot }) as ChildProcessWithoutNullStreams & { pid: number };
    children.push(child);
    let stderr = "";
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
    const said = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
    return {
      child,
      exited,
      next: async () => {
        const line = await said.next();
        assert.ok(!line.done, `the locker ended without a word: ${stderr}`);
        return line.value;
      },
    };
  }

  const sessionsOf = (stateDir: string): string => join(stateDir, "sessions");
  const holderToken = (stateDir: string): string => (JSON.parse(readFileSync(join(sessionsOf(stateDir), "S.jsonl.lock", "owner.json"), "utf8")) as { token: string }).token;
  const leftAside = (stateDir: string): string[] => readdirSync(sessionsOf(stateDir)).filter((name) => name.includes(".gone-"));

  /** A holder of S's lock, killed (SIGKILL) while it holds it. */
  async function killedHolder(stateDir: string): Promise<void> {
    const holder = locker(stateDir);
    assert.match(await holder.next(), /^held /);
    holder.child.kill("SIGKILL");
    await holder.exited;
  }

  test("a takeover stopped (SIGSTOP) past its turn just before moving the dead holder's lock aside does not move the lock another process took meanwhile", async () => {
    const stateDir = join(temp.dir, "stalled");
    await killedHolder(stateDir);
    const taker = locker(stateDir, "rename");
    assert.equal(await taker.next(), "at rename");
    taker.child.kill("SIGSTOP");
    // Another process comes: it waits for the stopped taker's turn to go stale, takes the dead holder's lock over, and holds it.
    const other = locker(stateDir);
    let otherHeld = await other.next();
    // Its own takeover of the dead holder's lock says its steps.
    while (otherHeld.startsWith("at ")) otherHeld = await other.next();
    assert.match(otherHeld, /^held /);
    taker.child.kill("SIGCONT");
    taker.child.stdin.write("go\n");
    // The taker finds its turn lost and gives up this try; it waits for the lock as any process does (it never reaches the move's next step).
    const otherReleased = (async () => {
      other.child.stdin.end();
      assert.equal(await other.next(), "released");
    })();
    const takerSays = await taker.next();
    assert.notEqual(takerSays, "at renamed", "the stopped taker moved a lock a live process held");
    await otherReleased;
    assert.match(takerSays, /^held /);
    assert.notEqual(takerSays, otherHeld);
    assert.equal(holderToken(stateDir), takerSays.slice("held ".length), "the taker holds it only after the other let go");
    assert.deepEqual(leftAside(stateDir), []);
    taker.child.stdin.end();
    assert.equal(await taker.next(), "released");
    assert.deepEqual(readdirSync(sessionsOf(stateDir)), [], "nothing left: no lock, no turn, nothing aside");
  });

  test("while the stopped taker holds its turn, no process makes the lock: the other waits, and the taker's takeover goes through", async () => {
    const stateDir = join(temp.dir, "turn-held");
    await killedHolder(stateDir);
    const taker = locker(stateDir, "renamed");
    assert.equal(await taker.next(), "at rename");
    assert.equal(await taker.next(), "at renamed");
    // The dead holder's lock is aside, the lock's place empty: a process that comes now must not make it.
    const other = new JsonlSessionStore(stateDir, { lock: { staleMs: 60_000, waitMs: 0, retryMs: 10 } });
    assert.equal(await other.lockIfFree("S"), undefined, "a lock made while a takeover has one aside");
    taker.child.stdin.write("go\n");
    assert.match(await taker.next(), /^held /);
    assert.deepEqual(leftAside(stateDir), []);
    taker.child.stdin.end();
    assert.equal(await taker.next(), "released");
  });

  test("a takeover killed (SIGKILL) after moving the dead holder's lock aside: the next process that locks a session there removes what it left", async () => {
    const stateDir = join(temp.dir, "killed-taker");
    await killedHolder(stateDir);
    const taker = locker(stateDir, "renamed");
    assert.equal(await taker.next(), "at rename");
    assert.equal(await taker.next(), "at renamed");
    taker.child.kill("SIGKILL");
    await taker.exited;
    assert.equal(leftAside(stateDir).length, 1, "the killed taker left the dead holder's lock aside");
    assert.ok(leftAside(stateDir)[0]?.startsWith(`S.jsonl.lock.gone-${taker.child.pid}-`), "named for its taker");
    const next = locker(stateDir);
    assert.match(await next.next(), /^held /);
    assert.deepEqual(leftAside(stateDir), []);
    next.child.stdin.end();
    assert.equal(await next.next(), "released");
    assert.deepEqual(readdirSync(sessionsOf(stateDir)), []);
  });

  test("a live holder's lock a dead taker left aside is given back, not removed: the session stays held by it", async () => {
    const stateDir = join(temp.dir, "stranded");
    const holder = spawn("sleep", ["60"], { stdio: "ignore" });
    children.push(holder);
    await new Promise((resolve) => holder.once("spawn", resolve));
    const record = ownerRecord(machineFacts(), holder.pid);
    // As a takeover that lost its turn and was killed after its move would leave it (its taker's pid runs nothing).
    const aside = join(sessionsOf(stateDir), "S.jsonl.lock.gone-4194305-0a1b2c3d");
    mkdirSync(aside, { recursive: true });
    writeFileSync(join(aside, "owner.json"), JSON.stringify(record));
    const store = new JsonlSessionStore(stateDir, { lock: { staleMs: 60_000, waitMs: 0, retryMs: 10 } });
    assert.equal(await store.lockIfFree("S"), undefined, "held by the live holder");
    assert.equal(holderToken(stateDir), record.token);
    assert.deepEqual(leftAside(stateDir), []);
    holder.kill("SIGKILL");
    await new Promise((resolve) => holder.once("exit", resolve));
    const lock = await store.lockIfFree("S");
    assert.ok(lock, "its holder gone, the lock is taken at once");
    await lock.release();
    assert.ok(!existsSync(join(sessionsOf(stateDir), "S.jsonl.lock")));
  });
});
