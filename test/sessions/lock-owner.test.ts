// A session's lock signed by its holder (s21): a lock whose holder was killed on this machine is taken at once,
// not after the 10 s staleness; one whose holder lives, one of another machine, or one whose pid was given to a
// process that started before the holder's record says is not taken early. Real lock directories, a real child
// process killed with SIGKILL; a lock's staleness set to a minute, so that nothing here is taken for being stale.
import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, utimesSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { machineFacts, ownerGone, ownerRecord, type LockOwner, type MachineFacts } from "../../src/sessions/lock-owner.js";
import { JsonlSessionStore } from "../../src/sessions/jsonl-session-store.js";
import { processStartMark } from "../../src/shared/process-facts.js";
import { tempDir } from "../helpers/run-cli.js";

const facts = (over: Partial<MachineFacts> = {}): MachineFacts => ({ host: "here", machine: "m-1", boot: "boot-1", pidNamespace: "pid:[1]", alive: () => true, startMark: () => "ticks:1000", ...over });
const owner = (over: Partial<LockOwner> = {}): LockOwner => ({ pid: 4242, host: "here", machine: "m-1", boot: "boot-1", pidNamespace: "pid:[1]", started: "ticks:1000", token: "t", ...over });

describe("whether a lock's holder is gone", () => {
  test("a holder of this machine whose pid runs no process, or which booted since, is gone", () => {
    assert.equal(ownerGone(owner(), facts({ alive: () => false })), true);
    assert.equal(ownerGone(owner(), facts({ boot: "boot-2" })), true);
  });

  test("a pid given to a process that started at another time is not the holder's: gone; the same start is the holder (a start the system keeps in ticks after boot: no clock step moves it)", () => {
    assert.equal(ownerGone(owner(), facts({ startMark: () => "ticks:7000" })), true);
    assert.equal(ownerGone(owner(), facts({ startMark: () => "ticks:1000" })), false);
  });

  test("two machines of one host name (a shared state dir): another machine id is never judged here, and a boot id alone does not tell a reboot from another machine", () => {
    assert.equal(ownerGone(owner({ machine: "m-2" }), facts({ alive: () => false, boot: "boot-2" })), false, "another machine of the same host name");
    assert.equal(ownerGone(owner({ machine: undefined }), facts({ machine: undefined, boot: "boot-2" })), false, "no machine id: another boot may be another machine");
    assert.equal(ownerGone(owner({ machine: undefined }), facts({ machine: undefined, alive: () => false })), true, "no machine id, the same boot: this machine, its pid gone");
  });

  test("another machine's (or container's) holder is never judged here (only the lock's staleness), nor a live pid whose start cannot be told", () => {
    assert.equal(ownerGone(owner({ host: "there" }), facts({ alive: () => false })), false);
    assert.equal(ownerGone(owner({ pidNamespace: "pid:[2]" }), facts({ alive: () => false })), false, "another container's pid, on the same machine");
    assert.equal(ownerGone(owner({ started: undefined }), facts({ startMark: () => "ticks:5" })), false);
    assert.equal(ownerGone(owner(), facts({ startMark: () => undefined })), false);
  });
});

describe("a signed session lock on disk", { timeout: 30_000 }, () => {
  const temp = tempDir("hearth-lock-owner-");
  const children: ChildProcess[] = [];
  after(() => {
    for (const child of children) child.kill("SIGKILL");
    temp.cleanup();
  });
  /** A store whose locks go stale only after a minute: a lock taken here early was taken for its holder being gone. */
  const store = (name: string): JsonlSessionStore => new JsonlSessionStore(join(temp.dir, name), { lock: { staleMs: 60_000, waitMs: 200, retryMs: 20 } });

  async function sleeper(): Promise<ChildProcess & { pid: number }> {
    const child = spawn("sleep", ["60"], { stdio: "ignore" });
    children.push(child);
    await new Promise((resolve) => child.once("spawn", resolve));
    return child as ChildProcess & { pid: number };
  }

  /** The session's lock directory as a holder with `record` left it. */
  function signedLock(state: string, record: LockOwner): void {
    const directory = join(temp.dir, state, "sessions", "S.jsonl.lock");
    mkdirSync(directory, { recursive: true });
    writeFileSync(join(directory, "owner.json"), JSON.stringify(record));
  }

  test("a lock signs itself, and its release leaves nothing behind", async () => {
    const sessions = store("signs");
    const lock = await sessions.lock("S");
    const record = JSON.parse(readFileSync(join(temp.dir, "signs/sessions/S.jsonl.lock/owner.json"), "utf8")) as LockOwner;
    assert.equal(record.pid, process.pid);
    assert.equal(record.host, machineFacts().host);
    assert.equal(await sessions.locked("S"), true);
    assert.equal(await sessions.lockIfFree("S"), undefined, "held: not free");
    await lock.release();
    assert.deepEqual(readdirSync(join(temp.dir, "signs/sessions")), []);
  });

  test("the holder lives: the lock is held, and a wait for it gives up; once the holder is killed it is taken at once", async () => {
    const child = await sleeper();
    signedLock("killed", ownerRecord(machineFacts(), child.pid));
    const sessions = store("killed");
    assert.equal(await sessions.locked("S"), true);
    assert.equal(await sessions.lockIfFree("S"), undefined);
    await assert.rejects(sessions.lock("S"), /session "S" is busy/);
    child.kill("SIGKILL");
    await new Promise((resolve) => child.once("exit", resolve));
    assert.equal(await sessions.locked("S"), false, "a lock whose holder is gone holds nothing");
    const lock = await sessions.lock("S");
    assert.equal((JSON.parse(readFileSync(join(temp.dir, "killed/sessions/S.jsonl.lock/owner.json"), "utf8")) as LockOwner).pid, process.pid);
    await lock.release();
    assert.deepEqual(readdirSync(join(temp.dir, "killed/sessions")), [], "no directory left aside");
  });

  test("a pid given since to another process (it started after the holder's record says the holder did): taken at once", async () => {
    const child = await sleeper();
    const started = processStartMark(child.pid);
    assert.ok(started !== undefined, "this system tells a process's start");
    assert.equal(ownerRecord(machineFacts(), child.pid).started, started, "the record carries the system's start mark");
    signedLock("reused", { ...ownerRecord(machineFacts(), child.pid), started: "ticks:1" });
    const lock = await store("reused").lockIfFree("S");
    assert.ok(lock, "taken without waiting");
    await lock.release();
  });

  test("a holder of another machine, its pid running nothing here: waited for, until its lock is stale", async () => {
    signedLock("elsewhere", { pid: 999_999_999, host: `${machineFacts().host}-other`, token: "x" });
    const sessions = store("elsewhere");
    assert.equal(await sessions.locked("S"), true);
    await assert.rejects(sessions.lock("S"), /session "S" is busy/);
    assert.ok(existsSync(join(temp.dir, "elsewhere/sessions/S.jsonl.lock/owner.json")), "left as it was");
    // Not refreshed for longer than the stale time: its holder is taken for gone, wherever it ran.
    const old = new Date(Date.now() - 120_000);
    utimesSync(join(temp.dir, "elsewhere/sessions/S.jsonl.lock"), old, old);
    assert.equal(await sessions.locked("S"), false);
    const lock = await sessions.lock("S");
    await lock.release();
    assert.deepEqual(readdirSync(join(temp.dir, "elsewhere/sessions")), []);
  });
});
