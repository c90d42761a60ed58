import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, utimesSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { JsonlSessionStore } from "../../src/sessions/jsonl-session-store.js";
import { HearthError } from "../../src/shared/errors.js";
import { tempDir } from "../helpers/run-cli.js";

/** A ticket name as the line writes it: arrival in µs (17 digits), pid, random. */
const ticket = (micros: number, pid: number): string => `${String(micros).padStart(17, "0")}-${pid}-0123abcd`;

/** The pid of a process that has ended. */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ["-e", ""], { stdio: "ignore" });
  await new Promise((resolve) => child.once("exit", resolve));
  assert.ok(child.pid);
  return child.pid;
}

describe("a session's line across processes (wait tickets beside the lock)", () => {
  const temp = tempDir();
  const children: ReturnType<typeof spawn>[] = [];
  after(() => {
    for (const child of children) child.kill("SIGKILL");
    temp.cleanup();
  });

  const line = (name: string): { store: JsonlSessionStore; waiting: string } => {
    const state = join(temp.dir, name);
    const waiting = join(state, "sessions", "s.jsonl.waiting");
    mkdirSync(waiting, { recursive: true });
    return { store: new JsonlSessionStore(state, { lock: { waitMs: 400, staleMs: 10_000, retryMs: 20 } }), waiting };
  };

  test("an older ticket of a process that is gone does not hold anyone up, and is cleared", async () => {
    const { store, waiting } = line("dead");
    writeFileSync(join(waiting, ticket(1, await deadPid())), "");
    let waited = false;
    const lock = await store.lock("s", { onWait: () => (waited = true) });
    assert.equal(waited, false, "the free lock was taken at once");
    await lock.release();
    assert.equal(existsSync(waiting), false, "the dead ticket was removed (and the empty line with it)");
  });

  test("an older ticket not refreshed for the stale time (a frozen or killed waiter) does not hold anyone up", async () => {
    const { store, waiting } = line("stale");
    const sleeper = spawn(process.execPath, ["-e", "setTimeout(() => {}, 60000)"], { stdio: "ignore" });
    children.push(sleeper);
    assert.ok(sleeper.pid);
    const path = join(waiting, ticket(1, sleeper.pid));
    writeFileSync(path, "");
    const old = new Date(Date.now() - 60_000);
    utimesSync(path, old, old);
    let waited = false;
    const lock = await store.lock("s", { onWait: () => (waited = true) });
    assert.equal(waited, false);
    await lock.release();
    assert.equal(existsSync(path), false);
  });

  test("an older live ticket of another process is waited for, a bounded time, and the waiter's own ticket goes when it gives up", async () => {
    const { store, waiting } = line("live");
    const sleeper = spawn(process.execPath, ["-e", "setTimeout(() => {}, 60000)"], { stdio: "ignore" });
    children.push(sleeper);
    assert.ok(sleeper.pid);
    const theirs = ticket(1, sleeper.pid);
    writeFileSync(join(waiting, theirs), "");
    let waited = false;
    let mine: string[] = [];
    const failure = await store
      .lock("s", {
        onWait: () => {
          waited = true;
          mine = readdirSync(waiting).filter((name) => name !== theirs);
        },
      })
      .then(
        () => undefined,
        (error: unknown) => error,
      );
    assert.ok(failure instanceof HearthError, "the wait ends with a clear error");
    assert.match(failure.message, /session "s" is busy/);
    assert.equal(waited, true);
    assert.equal(mine.length, 1, "while it waited, it had its own place in the line");
    assert.deepEqual(readdirSync(waiting), [theirs], "its own ticket is gone; the other's stays");
  });

  test("this process's own places never hold up its own lock (its callers come in their own order): no deadlock", async () => {
    const { store, waiting } = line("own");
    const place = await store.reserve("s");
    let waited = false;
    const lock = await store.lock("s", { onWait: () => (waited = true) });
    assert.equal(waited, false, "the lock was taken at once, the later place of this same process notwithstanding");
    await lock.release();
    const next = await store.lock("s", { place });
    await next.release();
    assert.equal(existsSync(waiting), false, "the place went with its lock");
  });
});
