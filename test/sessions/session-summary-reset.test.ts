// A session's listing after a reset (`/new`, `hearth sessions reset`): its turns and last message are the
// new conversation's, the reset is said with the turns before it, and what was spent stays counted —
// in the listing a gateway keeps up to date as the file grows, as in a fresh read.
import assert from "node:assert/strict";
import { join } from "node:path";
import { after, test } from "node:test";
import type { SessionEntry } from "../../src/sessions/entries.js";
import { JsonlSessionStore } from "../../src/sessions/jsonl-session-store.js";
import { MemorySessionStore } from "../../src/sessions/memory-session-store.js";
import { summarize, turnsInFile } from "../../src/sessions/session-store.js";
import { tempDir } from "../helpers/run-cli.js";

const temp = tempDir();
after(() => temp.cleanup());

const user = (id: string, text: string, at = "2026-12-03T10:00:00.000Z"): SessionEntry => ({ type: "user", id, at, text });
const reset = (id: string, at: string): SessionEntry => ({ type: "reset", id, at });

test("summarize: turns and last message since the last reset; the reset with the turns before it", () => {
  const entries = [user("a", "one"), user("b", "two"), reset("r1", "2026-12-03T10:01:00.000Z"), user("c", "three"), reset("r2", "2026-12-03T10:02:00.000Z")];
  const summary = summarize("s", entries, "2026-12-03T10:03:00.000Z");
  assert.equal(summary.turns, 0);
  assert.equal(summary.lastText, "");
  assert.deepEqual(summary.reset, { at: "2026-12-03T10:02:00.000Z", earlierTurns: 3 });
  assert.equal(turnsInFile(summary), 3);
  const never = summarize("s", [user("a", "one")], "2026-12-03T10:03:00.000Z");
  assert.equal(never.reset, undefined);
  assert.equal(never.lastText, "one");
});

for (const [name, open] of [
  ["JsonlSessionStore (its listing folded as the file grows)", () => new JsonlSessionStore(join(temp.dir, "jsonl"))],
  ["MemorySessionStore", () => new MemorySessionStore()],
] as const) {
  test(`${name}: a listing read before a reset is not what it says after it`, async () => {
    const store = open();
    try {
      await store.append("work", [{ type: "session", version: 1, at: "2026-12-03T10:00:00.000Z", agent: "main" }, user("a", "remember the blue door"), user("b", "and the red one")]);
      const before = (await store.list()).sessions[0];
      assert.equal(before?.lastText, "and the red one");
      assert.equal(before?.turns, 2);
      await store.append("work", [reset("r1", "2026-12-03T10:05:00.000Z")]);
      const after = (await store.list()).sessions[0];
      assert.equal(after?.turns, 0);
      assert.equal(after?.lastText, "");
      assert.deepEqual(after?.reset, { at: "2026-12-03T10:05:00.000Z", earlierTurns: 2 });
      await store.append("work", [user("c", "hello again")]);
      const again = (await store.list()).sessions[0];
      assert.deepEqual([again?.turns, again?.lastText, again?.reset?.earlierTurns], [1, "hello again", 2]);
    } finally {
      await store.close();
    }
  });
}
