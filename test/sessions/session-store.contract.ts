// The one contract every SessionStore keeps (hono's common.case pattern): runSessionStoreContract(fixture).
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { SessionEntry } from "../../src/sessions/entries.js";
import { resetEntry, type SessionStore } from "../../src/sessions/session-store.js";
import { HearthError } from "../../src/shared/errors.js";
import { SecretRedactor } from "../../src/shared/secret-redactor.js";

export interface StoreFixture {
  name: string;
  /** A fresh, empty store; `secrets` masks what is stored. */
  create(options?: { secrets?: SecretRedactor }): SessionStore;
  /** Another store over the same sessions (a second process), where the implementation has one. */
  reopen?(store: SessionStore): SessionStore;
}

const at = "2026-01-01T00:00:00.000Z";
const user = (id: string, text: string): SessionEntry => ({ type: "user", id, at, text });

export function runSessionStoreContract(fixture: StoreFixture): void {
  describe(`SessionStore contract: ${fixture.name}`, () => {
    test("an unknown session reads empty; appends read back whole and in order", async () => {
      const store = fixture.create();
      assert.deepEqual(await store.read("fresh"), { entries: [], tornTail: false, damaged: [] });
      assert.equal(await store.exists("fresh"), false);
      await store.append("fresh", [{ type: "session", version: 1, at, agent: "main" }, user("u1", "one")], { sync: true });
      await store.append("fresh", [user("u2", "two")]);
      await store.append("fresh", []);
      const read = await store.read("fresh");
      assert.deepEqual(read.entries.map((entry) => (entry.type === "user" ? entry.text : entry.type)), ["session", "one", "two"]);
      assert.equal(await store.exists("fresh"), true);
      await store.close();
    });

    test("what a reader gets is its own copy", async () => {
      const store = fixture.create();
      await store.append("copy", [user("u1", "one")]);
      (await store.read("copy")).entries.push(user("x", "not stored"));
      assert.equal((await store.read("copy")).entries.length, 1);
    });

    test("appends to many sessions at once all land, each session in its order", async () => {
      const store = fixture.create();
      await Promise.all(["a", "b", "c"].flatMap((key) => [1, 2, 3, 4].map((n) => store.append(key, [user(`${key}${n}`, `${key}${n}`)]))));
      for (const key of ["a", "b", "c"]) assert.deepEqual((await store.read(key)).entries.map((entry) => (entry.type === "user" ? entry.text : "")), [1, 2, 3, 4].map((n) => `${key}${n}`));
      assert.deepEqual(await store.keys(), ["a", "b", "c"]);
    });

    test("list summarises each session, the most recently updated first; delete removes one", async () => {
      const store = fixture.create();
      // Apart in time, so that each update has its own timestamp: a session's time is its last entry's own.
      const later = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 15));
      const now = (id: string, text: string): SessionEntry => ({ ...user(id, text), at: new Date().toISOString() });
      await store.append("two", [resetEntry()]);
      await later();
      await store.append("one", [now("u1", "hello")]);
      await later();
      await store.append("three", [now("u3", "third")]);
      await later();
      await store.append("one", [now("u2", "again")]);
      const listing = await store.list();
      assert.deepEqual(listing.problems, []);
      assert.deepEqual(listing.sessions.map((summary) => [summary.key, summary.turns, summary.lastText]), [["one", 2, "again"], ["three", 1, "third"], ["two", 0, ""]]);
      await store.delete("three");
      await store.delete("two");
      assert.deepEqual(await store.keys(), ["one"]);
      assert.deepEqual((await store.read("two")).entries, []);
    });

    test("secrets are masked before they are stored", async () => {
      const store = fixture.create({ secrets: new SecretRedactor(["sk-live-0123456789abcdef"]) });
      await store.append("s", [{ type: "turn-failed", id: "f", at, error: "401 for key sk-live-0123456789abcdef", attempts: [] }]);
      assert.doesNotMatch(JSON.stringify((await store.read("s")).entries), /sk-live-0123456789abcdef/);
    });

    test("a bad key is a usage error", async () => {
      const store = fixture.create();
      await assert.rejects(store.read("../etc"), (error: unknown) => error instanceof HearthError && error.kind === "usage");
      await assert.rejects(store.append("a b", [resetEntry()]), (error: unknown) => error instanceof HearthError && error.kind === "usage");
      await assert.rejects(store.lock("a/b"), (error: unknown) => error instanceof HearthError && error.kind === "usage");
    });

    test("lock: a second holder waits until the first lets go; a cancelled wait fails", async () => {
      const store = fixture.create();
      const first = await store.lock("L");
      const order: string[] = [];
      let waiting!: () => void;
      const waited = new Promise<void>((resolve) => (waiting = resolve));
      const second = store.lock("L", { onWait: () => waiting() }).then((lock) => {
        order.push("second");
        return lock;
      });
      await waited;
      order.push("first released");
      await first.release();
      const held = await second;
      assert.deepEqual(order, ["first released", "second"]);
      const controller = new AbortController();
      await assert.rejects(store.lock("L", { signal: controller.signal, onWait: () => controller.abort() }), (error: unknown) => error instanceof HearthError && /cancelled while waiting/.test(error.message));
      await held.release();
      await held.release();
    });

    test("a session only this process wrote, or read, is not written elsewhere; nor one that is not there", async () => {
      const store = fixture.create();
      const stop = store.watch(() => undefined);
      try {
        assert.equal(await store.writtenElsewhere("mine"), false);
        await store.append("mine", [user("u1", "one")], { sync: true });
        assert.equal(await store.writtenElsewhere("mine"), false);
        await store.append("mine", [user("u2", "two")]);
        await store.read("mine");
        assert.equal(await store.writtenElsewhere("mine"), false);
      } finally {
        stop();
        await store.close();
      }
    });

    if (fixture.reopen) {
      const reopen = fixture.reopen;
      test("another store's append is written elsewhere for this one, once: a true answer counts as told", async () => {
        const store = fixture.create();
        await store.append("shared-look", [user("u1", "from one")]);
        await reopen(store).append("shared-look", [user("u2", "from two")]);
        assert.equal(await store.writtenElsewhere("shared-look"), true);
        assert.equal(await store.writtenElsewhere("shared-look"), false);
        await store.append("shared-look", [user("u3", "one again")]);
        assert.equal(await store.writtenElsewhere("shared-look"), false);
      });

      test("another store over the same sessions (another process) sees what this one appended, and the reverse", async () => {
        const store = fixture.create();
        await store.append("shared", [user("u1", "from one")]);
        assert.equal((await store.read("shared")).entries.length, 1);
        const other = reopen(store);
        await other.append("shared", [user("u2", "from two")]);
        assert.deepEqual((await store.read("shared")).entries.map((entry) => (entry.type === "user" ? entry.text : "")), ["from one", "from two"]);
        await store.append("shared", [user("u3", "one again")]);
        assert.deepEqual((await other.read("shared")).entries.map((entry) => (entry.type === "user" ? entry.text : "")), ["from one", "from two", "one again"]);
      });
    }
  });
}
