import assert from "node:assert/strict";
import { spawn, type ChildProcess, type ChildProcessWithoutNullStreams } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { after, describe, test } from "node:test";
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

  /** A holder of S's lock, killed (SIGKILL) while it holds it. */
  async function killedHolder(stateDir: string): Promise<void> {
    const holder = locker(stateDir);
    assert.match(await holder.next(), /^held /);
    holder.child.kill("SIGKILL");
    await holder.exited;
  }

  test("a takeover stopped (SIGSTOP) past its turn just before its move (its checks done) does not move the lock another process took meanwhile: its fence went with its turn, and the move fails", async () => {
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
    // The taker's move into its fence fails (the fence went with its turn): it gives up this try and waits for the lock as any process does (it never reaches the move's next step).
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
    taker.child.stdin.end();
    assert.equal(await taker.next(), "released");
    assert.deepEqual(readdirSync(sessionsOf(stateDir)), [], "nothing left: no lock, no turn");
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
    taker.child.stdin.end();
    assert.equal(await taker.next(), "released");
    assert.deepEqual(readdirSync(sessionsOf(stateDir)), []);
  });

  test("a takeover killed (SIGKILL) after moving the dead holder's lock aside: it is in the taker's turn, which the next process takes over once stale and removes whole", async () => {
    const stateDir = join(temp.dir, "killed-taker");
    await killedHolder(stateDir);
    const taker = locker(stateDir, "renamed");
    assert.equal(await taker.next(), "at rename");
    assert.equal(await taker.next(), "at renamed");
    taker.child.kill("SIGKILL");
    await taker.exited;
    assert.deepEqual(readdirSync(sessionsOf(stateDir)).sort(), ["S.jsonl.lock-taking"], "no lock: the dead holder's is in the killed taker's turn");
    const [fence] = readdirSync(join(sessionsOf(stateDir), "S.jsonl.lock-taking"));
    assert.ok(fence && existsSync(join(sessionsOf(stateDir), "S.jsonl.lock-taking", fence, "gone", "owner.json")), "moved into the taker's fence");
    const next = locker(stateDir);
    assert.match(await next.next(), /^held /);
    next.child.stdin.end();
    assert.equal(await next.next(), "released");
    assert.deepEqual(readdirSync(sessionsOf(stateDir)), [], "the killed taker's turn, and the lock in it, removed");
  });
});
