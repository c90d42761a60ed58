import assert from "node:assert/strict";
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { MessageInbox } from "../../src/gateway/message-inbox.js";
import { MemorySessionStore } from "../../src/sessions/memory-session-store.js";
import type { LockOptions } from "../../src/sessions/session-store.js";
import type { SessionLock } from "../../src/sessions/session-lock.js";
import { tempDir } from "../helpers/run-cli.js";

/** A process id that is not running (past the kernel's largest). */
const GONE = 4_194_305;

/** A store whose waiting lock (a recovery's) is held back until `open()`, as while a stopped process's hold on the session clears; a lock taken only if free (a page's read) is not held back. */
class HeldBackStore extends MemorySessionStore {
  private opened: () => void = () => undefined;
  private readonly gate = new Promise<void>((resolve) => (this.opened = resolve));

  open(): void {
    this.opened();
  }

  override async lock(key: string, options: LockOptions = {}): Promise<SessionLock> {
    await this.gate;
    return super.lock(key, options);
  }

  override async lockIfFree(key: string): Promise<SessionLock | undefined> {
    return (await this.locked(key)) ? undefined : super.lock(key);
  }
}

describe("the message inbox", () => {
  const temp = tempDir();
  after(() => temp.cleanup());

  test("a message is on disk from add until take; the file goes once nothing waits", async () => {
    const stateDir = join(temp.dir, "live");
    const inbox = new MessageInbox({ stateDir });
    const file = join(stateDir, "inbox", `${process.pid}.jsonl`);
    const first = await inbox.add({ session: "s", text: "one", channel: "webchat", agent: "main", at: "2026-01-01T00:00:00.000Z" });
    const second = await inbox.add({ session: "s", text: "two", channel: "webchat", agent: "main", at: "2026-01-01T00:00:01.000Z" });
    assert.match(readFileSync(file, "utf8"), /"one"[\s\S]*"two"/);
    assert.equal(statSync(file).mode & 0o777, 0o600);
    await inbox.take(first);
    assert.ok(statSync(file).size > 0, "one still waits");
    await inbox.take(second);
    assert.ok(!existsSync(file));
    await inbox.add({ session: "s", text: "three", channel: "webchat", agent: "main", at: "2026-01-01T00:00:02.000Z" });
    assert.match(readFileSync(file, "utf8"), /"three"/);
  });

  test("recover saves what a process that is gone never saved, once, unanswered; a living process's messages are left alone", async () => {
    const stateDir = join(temp.dir, "crashed");
    const crashed = new MessageInbox({ stateDir, pid: GONE });
    const answered = await crashed.add({ session: "a", text: "taken", channel: "http", agent: "main", at: "2026-01-01T00:00:00.000Z" });
    await crashed.take(answered);
    await crashed.add({ session: "a", text: "waiting", channel: "http", agent: "main", at: "2026-01-01T00:00:02.000Z" });
    await crashed.add({ session: "b", text: "already saved by its turn", channel: "http", agent: "helper", at: "2026-01-01T00:00:03.000Z" });
    const living = new MessageInbox({ stateDir, pid: process.ppid });
    await living.add({ session: "c", text: "still being handled", channel: "http", agent: "main", at: "2026-01-01T00:00:04.000Z" });

    const store = new MemorySessionStore();
    await store.append("b", [{ type: "user", id: "u", at: "2026-01-01T00:00:03.500Z", text: "already saved by its turn" }]);
    assert.deepEqual(await new MessageInbox({ stateDir }).recover(store), { saved: 1, cut: 1, left: 1 }, "one saved, one cut turn closed; the living process's journal left, to be asked again");
    const a = (await store.read("a")).entries;
    assert.deepEqual(a.map((entry) => entry.type), ["session", "user", "turn-failed"]);
    assert.equal(a[1]?.type === "user" ? a[1].text : "", "waiting");
    assert.equal(a[2]?.type === "turn-failed" ? a[2].cause : "", "transient", "/retry sends it");
    // Its turn had saved it and never ended (no take): not saved twice, and its turn is closed as cut by the stop.
    assert.deepEqual((await store.read("b")).entries.map((entry) => (entry.type === "turn-failed" ? entry.error.slice(0, 43) : entry.type)), ["user", "hearth stopped while answering this message"]);
    assert.equal((await store.read("c")).entries.length, 0);
    assert.ok(!existsSync(join(stateDir, "inbox", `${GONE}.jsonl`)), "the gone process's journal is removed");
    assert.ok(existsSync(join(stateDir, "inbox", `${process.ppid}.jsonl`)), "a living process's journal stays");
  });

  test("a journal that cannot be written refuses the message (naming the path and the fix); an inbox/ removed meanwhile is made again", async () => {
    const stateDir = join(temp.dir, "blocked");
    mkdirSync(stateDir, { recursive: true });
    writeFileSync(join(stateDir, "inbox"), "a file where the folder should be");
    const inbox = new MessageInbox({ stateDir });
    await assert.rejects(inbox.add({ session: "s", text: "one", channel: "webchat", agent: "main", at: "2026-01-01T00:00:00.000Z" }), (error: Error) => {
      assert.match(error.message, /cannot keep the message \(it waits for its turn\) in .*inbox/);
      return true;
    });
    rmSync(join(stateDir, "inbox"));
    const kept = await inbox.add({ session: "s", text: "two", channel: "webchat", agent: "main", at: "2026-01-01T00:00:01.000Z" });
    rmSync(join(stateDir, "inbox"), { recursive: true });
    await inbox.add({ session: "s", text: "three", channel: "webchat", agent: "main", at: "2026-01-01T00:00:02.000Z" });
    assert.match(readFileSync(join(stateDir, "inbox", `${process.pid}.jsonl`), "utf8"), /"three"/, "the removed folder was made again");
    await inbox.take(kept);
  });

  test("a fault in masking the message is hearth's, not told as the state dir's (no path, no 'check the folder')", async () => {
    const stateDir = join(temp.dir, "fault");
    const fault = new RangeError("Maximum call stack size exceeded");
    const inbox = new MessageInbox({ stateDir, secrets: { redactValue: () => { throw fault; } } });
    await assert.rejects(inbox.add({ session: "s", text: "one", channel: "webchat", agent: "main", at: "2026-01-01T00:00:00.000Z" }), (error: unknown) => error === fault);
  });
  test("a session's turn finishes a gone process's pieces in it and marks them done in its journal: a journal naming other sessions too is not done again at the next turn, and goes once its last session's turn is over", async () => {
    const stateDir = join(temp.dir, "two-sessions");
    const crashed = new MessageInbox({ stateDir, pid: GONE });
    await crashed.add({ session: "a", text: "to a", channel: "webchat", agent: "main", at: "2026-01-01T00:00:00.000Z" });
    await crashed.add({ session: "b", text: "to b", channel: "webchat", agent: "main", at: "2026-01-01T00:00:01.000Z" });
    const journal = join(stateDir, "inbox", `${GONE}.jsonl`);
    const inbox = new MessageInbox({ stateDir });
    const store = new MemorySessionStore();
    await inbox.closeGoneIn(store, "a");
    assert.deepEqual((await store.read("a")).entries.filter((entry) => entry.type === "user").map((entry) => entry.type === "user" && entry.text), ["to a"]);
    assert.ok(existsSync(journal), "b's message still waits in it");
    assert.match(readFileSync(journal, "utf8"), /"take"/, "a's piece is marked done");
    // Session "a" deleted meanwhile (a store without it): its next turn does not bring the message back.
    const emptied = new MemorySessionStore();
    await inbox.closeGoneIn(emptied, "a");
    assert.deepEqual((await emptied.read("a")).entries, []);
    await inbox.closeGoneIn(store, "b");
    assert.deepEqual((await store.read("b")).entries.filter((entry) => entry.type === "user").map((entry) => entry.type === "user" && entry.text), ["to b"]);
    assert.ok(!existsSync(journal), "nothing is left in it: removed");
  });

  test("a page's read of a session under recovery leaves it to the recovery: its message shows waiting until the recovery saves it, and the recovery counts the cut turn and the message (the start says them)", async () => {
    const stateDir = join(temp.dir, "page-read");
    const crashed = new MessageInbox({ stateDir, pid: GONE });
    // Its turn began (its message saved as entry "0000000a") and never ended: cut by the stop. The second waited behind it.
    const first = await crashed.add({ session: "s", text: "first", channel: "webchat", agent: "main", at: "2026-01-01T00:00:00.000Z" });
    crashed.begun({ session: "s", entry: "0000000a", journaled: first });
    await crashed.add({ session: "s", text: "second", channel: "webchat", agent: "main", at: "2026-01-01T00:00:01.000Z" });
    const store = new HeldBackStore();
    await store.append("s", [{ type: "user", id: "0000000a", at: "2026-01-01T00:00:00.500Z", text: "first" }]);
    const inbox = new MessageInbox({ stateDir });
    const recovery = inbox.recover(store);
    await inbox.listed();
    // The session's lock is free to a page's read (lockIfFree) while the recovery still waits for it.
    assert.deepEqual(await inbox.closeGoneIn(store, "s", { lock: () => store.lockIfFree("s") }), [], "the page's read closed the cut turn itself");
    assert.deepEqual((await store.read("s")).entries.map((entry) => entry.type), ["user"], "nothing written by the page's read");
    assert.deepEqual(inbox.recoveringIn("s").map((item) => item.text), ["second"], "shown waiting meanwhile");
    store.open();
    assert.deepEqual(await recovery, { saved: 1, cut: 1, left: 0 });
    assert.deepEqual(inbox.recoveringIn("s"), []);
    assert.deepEqual((await store.read("s")).entries.map((entry) => (entry.type === "user" ? `user: ${entry.text}` : entry.type)), ["user: first", "turn-failed", "user: second", "turn-failed"]);
  });
});
