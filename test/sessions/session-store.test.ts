import assert from "node:assert/strict";
import { appendFileSync, constants, existsSync, mkdirSync, utimesSync, writeFileSync } from "node:fs";
import * as fsPromises from "node:fs/promises";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { JsonlSessionStore } from "../../src/sessions/jsonl-session-store.js";
import { resetEntry } from "../../src/sessions/session-store.js";
import { HearthError } from "../../src/shared/errors.js";
import { tempDir } from "../helpers/run-cli.js";

describe("JsonlSessionStore", () => {
  const temp = tempDir();
  after(() => temp.cleanup());

  test("a line that is not a valid entry is skipped with one warning, however often the session is read", async () => {
    const state = join(temp.dir, "lines");
    mkdirSync(join(state, "sessions"), { recursive: true });
    const at = "2026-01-01T00:00:00.000Z";
    writeFileSync(
      join(state, "sessions/main.jsonl"),
      [
        JSON.stringify({ type: "session", version: 1, at, agent: "main" }),
        JSON.stringify({ type: "user", id: "u1", at, text: "hello" }),
        JSON.stringify({ type: "compaction", id: "c1", at, summary: "s", firstKeptId: "u1", tokensBefore: "many", model: "local/m" }),
        JSON.stringify({ type: "model-change", id: "m1", at, model: "no-slash" }),
        JSON.stringify({ type: "user", id: "u2", at: "yesterday", text: "x" }),
        "not json at all",
        JSON.stringify({ type: "reset", id: "r1", at, extra: "kept" }),
        '{"type":"user","id":"torn"',
      ].join("\n"),
    );
    const warnings: string[] = [];
    const store = new JsonlSessionStore(state, { onWarning: (message) => warnings.push(message) });
    const read = await store.read("main");
    assert.deepEqual(
      read.entries.map((entry) => entry.type),
      ["session", "user", "reset"],
    );
    assert.equal((read.entries[2] as unknown as { extra: string }).extra, "kept", "fields added later pass through");
    assert.deepEqual(
      read.damaged.map((problem) => problem.line),
      [3, 4, 5, 6],
    );
    assert.match(read.damaged[0]?.reason ?? "", /^tokensBefore: /);
    assert.equal(read.tornTail, true);
    await store.read("main");
    assert.equal(warnings.length, 4, "each damaged line is reported once");
    assert.match(warnings[0] ?? "", /^session "main": skipped line 3 of .*main\.jsonl \(tokensBefore: /);
  });

  test("append after a torn line starts a fresh line; reset and delete", async () => {
    const state = join(temp.dir, "append");
    const store = new JsonlSessionStore(state);
    await store.append("k", [{ type: "session", version: 1, at: new Date().toISOString(), agent: "main" }]);
    assert.equal((await store.read("k")).entries.length, 1, "the session is in memory now");
    writeFileSync(store.where("k"), '{"type":"user"', { flag: "a" });
    await store.append("k", [resetEntry()]);
    const read = await store.read("k");
    assert.deepEqual(
      read.entries.map((entry) => entry.type),
      ["session", "reset"],
    );
    assert.deepEqual(read.damaged.map((problem) => problem.line), [2], "the torn line is a damaged line once an entry follows it");
    await store.delete("k");
    assert.equal(existsSync(store.where("k")), false);
    assert.deepEqual(await store.list(), { sessions: [], problems: [] });
  });

  test("lock: a second holder waits, then fails within its bound with a clear message", async () => {
    const state = join(temp.dir, "busy");
    const first = new JsonlSessionStore(state);
    const second = new JsonlSessionStore(state, { lock: { waitMs: 300, retryMs: 20 } });
    const held = await first.lock("S");
    let waited = false;
    await assert.rejects(
      second.lock("S", { onWait: () => (waited = true) }),
      (error: unknown) => error instanceof HearthError && error.kind === "runtime" && /session "S" is busy: another hearth process .*; your message was not saved/.test(error.message) && /clears itself after 10 s/.test(error.details.join(" ")),
    );
    assert.equal(waited, true);
    await held.release();
    const now = await second.lock("S");
    await now.release();
    await now.release();
  });

  test("lock: a cancelled wait gives up at once", async () => {
    const state = join(temp.dir, "cancel");
    const store = new JsonlSessionStore(state);
    const held = await store.lock("S");
    const controller = new AbortController();
    const waiting = store.lock("S", { signal: controller.signal, onWait: () => controller.abort() });
    await assert.rejects(waiting, /cancelled while waiting for session "S"/);
    await held.release();
  });

  test("lock: one left by a dead process (not refreshed for longer than the stale time) is taken over", async () => {
    const state = join(temp.dir, "stale");
    const store = new JsonlSessionStore(state, { lock: { waitMs: 0 } });
    mkdirSync(join(state, "sessions/S.jsonl.lock"), { recursive: true });
    const old = new Date(Date.now() - 60_000);
    utimesSync(join(state, "sessions/S.jsonl.lock"), old, old);
    const lock = await store.lock("S");
    await lock.release();
    assert.equal(existsSync(join(state, "sessions/S.jsonl.lock")), false);
  });

  test("in memory: a line another process is still writing is read once it is whole; only the new bytes are read", async () => {
    const state = join(temp.dir, "growing");
    const store = new JsonlSessionStore(state);
    await store.append("g", [resetEntry()]);
    assert.equal((await store.read("g")).entries.length, 1);
    appendFileSync(store.where("g"), '{"type":"reset","id":"r2","at":"2026-01-01T00:00:00.000Z"');
    const half = await store.read("g");
    assert.deepEqual([half.entries.length, half.tornTail], [1, true]);
    appendFileSync(store.where("g"), "}\n");
    const whole = await store.read("g");
    assert.deepEqual([whole.entries.length, whole.tornTail, whole.damaged], [2, false, []]);
  });

  test("in memory: at most `openSessions` sessions are kept; one pushed out is read from its file again", async () => {
    const state = join(temp.dir, "lru");
    const reads: string[] = [];
    const files = {
      ...fsPromises,
      open: (async (path: string, flags: number, mode?: number) => {
        if ((flags & (constants.O_WRONLY | constants.O_RDWR)) === 0) reads.push(String(path).replace(/^.*\//, ""));
        return fsPromises.open(path, flags, mode);
      }) as typeof fsPromises.open,
    };
    const store = new JsonlSessionStore(state, { files, openSessions: 2 });
    for (const key of ["a", "b", "c"]) await store.append(key, [resetEntry()]);
    for (const key of ["a", "b", "a", "b", "c", "a"]) await store.read(key);
    assert.deepEqual(reads, ["a.jsonl", "b.jsonl", "c.jsonl", "a.jsonl"]);
    reads.length = 0;
    const small = new JsonlSessionStore(state, { files, openBytes: 1 });
    for (const key of ["a", "a", "b", "a"]) await small.read(key);
    assert.deepEqual(reads, ["a.jsonl", "b.jsonl", "a.jsonl"], "over the byte budget only the session in use stays");
  });

  test("releaseMemory lets go of the sessions held in memory: each is read from its file again, once, whole; one in use is held again after", async () => {
    const state = join(temp.dir, "release");
    const reads: string[] = [];
    let holdOpen: Promise<void> | undefined;
    const files = {
      ...fsPromises,
      open: (async (path: string, flags: number, mode?: number) => {
        if ((flags & (constants.O_WRONLY | constants.O_RDWR)) === 0) reads.push(String(path).replace(/^.*\//, ""));
        const handle = await fsPromises.open(path, flags, mode);
        if (holdOpen && String(path).endsWith("b.jsonl")) await holdOpen;
        return handle;
      }) as typeof fsPromises.open,
    };
    const store = new JsonlSessionStore(state, { files });
    const at = "2026-01-01T00:00:00.000Z";
    for (const key of ["a", "b"]) await store.append(key, [{ type: "user", id: `${key}1`, at, text: `hello ${key}` }]);
    for (const key of ["a", "b"]) await store.read(key);
    assert.deepEqual(reads, ["a.jsonl", "b.jsonl"]);
    reads.length = 0;
    store.releaseMemory();
    await store.append("a", [{ type: "user", id: "a2", at, text: "again" }]);
    assert.deepEqual((await store.read("a")).entries.map((entry) => ("id" in entry ? entry.id : entry.type)), ["a1", "a2"], "nothing written is lost");
    await store.read("a");
    assert.deepEqual(reads, ["a.jsonl"], "read again once, then held again");
    // A session an operation is using stays: released while an append to b waits on its file, b is still held after it.
    await store.read("b");
    let release: () => void = () => undefined;
    holdOpen = new Promise((resolve) => (release = resolve));
    reads.length = 0;
    const appending = store.append("b", [{ type: "user", id: "b2", at, text: "more" }]);
    await new Promise((resolve) => setTimeout(resolve, 20));
    store.releaseMemory();
    release();
    holdOpen = undefined;
    await appending;
    assert.deepEqual((await store.read("b")).entries.map((entry) => ("id" in entry ? entry.id : entry.type)), ["b1", "b2"]);
    assert.deepEqual(reads, [], "b was in use as the memory was released: still held, not read again");
  });

  test("listing reads a session file once: afterwards only what was appended, and nothing of one unchanged or held in memory", async () => {
    const state = join(temp.dir, "listing");
    mkdirSync(join(state, "sessions"), { recursive: true });
    const at = "2026-01-01T00:00:00.000Z";
    const usage = { input: 10, output: 5, cacheRead: 0, cacheWrite: 0, reasoning: 0, estimated: false };
    const assistant = (id: string) => JSON.stringify({ type: "assistant", id, at, message: { role: "assistant", api: "openai-completions", content: [{ type: "text", text: "ok" }], model: "local/m", usage, cost: 0.5, stopReason: "stop" }, attempts: [] });
    const flood = JSON.stringify({ type: "tool-result", id: "t", at, message: { role: "tool-result", toolCallId: "c", toolName: "exec", content: "x".repeat(20_000), isError: false } });
    // A flooded session of 4 MB: one question, 200 large tool results, one answer.
    const lines = [JSON.stringify({ type: "session", version: 1, at, agent: "main" }), JSON.stringify({ type: "user", id: "u1", at, text: "find everything" }), ...Array.from({ length: 200 }, () => flood), assistant("a1")];
    writeFileSync(join(state, "sessions/big.jsonl"), `${lines.join("\n")}\n`);
    let bytesRead = 0;
    let wholeReads = 0;
    const files = {
      ...fsPromises,
      open: (async (path: string, flags: number, mode?: number) => {
        const handle = await fsPromises.open(path, flags, mode);
        const read = handle.read.bind(handle) as (...args: unknown[]) => Promise<{ bytesRead: number; buffer: Buffer }>;
        const readFile = handle.readFile.bind(handle);
        return Object.assign(handle, {
          read: async (...args: unknown[]) => {
            const result = await read(...args);
            bytesRead += result.bytesRead;
            return result;
          },
          readFile: (async (...args: Parameters<typeof readFile>) => {
            wholeReads++;
            return readFile(...args);
          }) as typeof readFile,
        });
      }) as typeof fsPromises.open,
    };
    const store = new JsonlSessionStore(state, { files });
    const first = await store.list();
    assert.deepEqual(first.sessions.map((summary) => [summary.key, summary.turns, summary.lastText, summary.cost, summary.usage.input]), [["big", 1, "find everything", 0.5, 10]]);
    const size = (await fsPromises.stat(join(state, "sessions/big.jsonl"))).size;
    assert.equal(bytesRead, size, "the first listing reads the file once, a chunk at a time");
    assert.equal(wholeReads, 0, "and never whole into memory");
    bytesRead = 0;
    await store.list();
    assert.equal(bytesRead, 0, "unchanged: nothing read");
    // Another process appends a turn: the next listing reads those lines alone.
    const more = `${[JSON.stringify({ type: "user", id: "u2", at, text: "and now?" }), assistant("a2")].join("\n")}\n`;
    appendFileSync(join(state, "sessions/big.jsonl"), more);
    const second = await store.list();
    assert.equal(bytesRead, Buffer.byteLength(more));
    assert.deepEqual(second.sessions.map((summary) => [summary.turns, summary.lastText, summary.cost, summary.usage.input]), [[2, "and now?", 1, 20]]);
    // The same as reading every entry gives.
    const fresh = new JsonlSessionStore(state);
    assert.deepEqual((await fresh.list()).sessions, second.sessions);
    bytesRead = 0;
    await store.read("big");
    const readBytes = bytesRead;
    await store.list();
    assert.equal(bytesRead, readBytes, "a session held in memory is summed from there");
  });
  describe("writtenElsewhere: what another process wrote that this one has not told", () => {
    const at = "2026-01-01T00:00:00.000Z";
    const line = (id: string): string => `${JSON.stringify({ type: "user", id, at, text: `written by hand ${id}`, channel: "cli" })}\n`;

    test("after a restart, a session the last run wrote is not another's write; one written since the watch began is, once", async () => {
      const state = join(temp.dir, "restart-look");
      await new JsonlSessionStore(state).append("r", [{ type: "user", id: "u1", at, text: "last run" }], { sync: true });
      // The watch began a minute after the file was last written: its listeners read it as it is.
      const restarted = new JsonlSessionStore(state, { now: () => Date.now() + 60_000 });
      const stopRestarted = restarted.watch(() => undefined);
      assert.equal(await restarted.writtenElsewhere("r"), false);
      stopRestarted();
      // The watch began a minute before: a write it has not told (yet) is news, told once.
      const early = new JsonlSessionStore(state, { now: () => Date.now() - 60_000, watching: { settleMs: 60_000 } });
      const stopEarly = early.watch(() => undefined);
      assert.equal(await early.writtenElsewhere("r"), true);
      assert.equal(await early.writtenElsewhere("r"), false);
      stopEarly();
      // Not watching: no one was told anything, so nothing is news.
      assert.equal(await new JsonlSessionStore(state, { now: () => Date.now() - 60_000 }).writtenElsewhere("r"), false);
    });

    test("a change the watch told is not news at the next turn; a later one is", async () => {
      const state = join(temp.dir, "told-look");
      const store = new JsonlSessionStore(state, { watching: { settleMs: 10 } });
      await store.append("t", [{ type: "user", id: "u1", at, text: "own" }], { sync: true });
      let tell: (key: string) => void = () => undefined;
      const stop = store.watch((key) => tell(key));
      // The watch holds the process open no more than its timers do: this test waits for it.
      const alive = setInterval(() => undefined, 1000);
      try {
        const told = new Promise<string>((resolve) => (tell = resolve));
        appendFileSync(join(state, "sessions", "t.jsonl"), line("h1"));
        assert.equal(await told, "t");
        assert.equal(await store.writtenElsewhere("t"), false, "told by the watch already");
        // A write the watch has not told yet (it settles): found at the turn, even should the watch tell it meanwhile (the turn's gateway hides that).
        tell = () => undefined;
        appendFileSync(join(state, "sessions", "t.jsonl"), line("h2"));
        assert.equal(await store.writtenElsewhere("t"), true);
      } finally {
        clearInterval(alive);
        stop();
      }
    });
  });
});
