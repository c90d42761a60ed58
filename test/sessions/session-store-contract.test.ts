import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import assert from "node:assert/strict";
import { after, test } from "node:test";
import { JsonlSessionStore } from "../../src/sessions/jsonl-session-store.js";
import type { SessionEntry } from "../../src/sessions/entries.js";
import { MemorySessionStore } from "../../src/sessions/memory-session-store.js";
import { newEntryId } from "../../src/sessions/session-store.js";
import { runSessionStoreContract } from "./session-store.contract.js";

const root = mkdtempSync(join(tmpdir(), "hearth-store-contract-"));
after(() => rmSync(root, { recursive: true, force: true }));
let made = 0;
const dirs = new WeakMap<object, string>();

runSessionStoreContract({
  name: "JSONL files",
  create: (options = {}) => {
    const dir = join(root, String(made++));
    const store = new JsonlSessionStore(dir, { secrets: options.secrets, lock: { waitMs: 5_000, retryMs: 10 } });
    dirs.set(store, dir);
    return store;
  },
  reopen: (store) => new JsonlSessionStore(dirs.get(store) ?? root),
});

runSessionStoreContract({ name: "in memory", create: (options = {}) => new MemorySessionStore({ secrets: options.secrets }) });

test("both implementations give the same reads and keys for the same appends", async () => {
  const jsonl = new JsonlSessionStore(join(root, "agree"));
  const memory = new MemorySessionStore();
  const at = "2026-01-01T00:00:00.000Z";
  const script: [string, SessionEntry[]][] = [
    ["a", [{ type: "session", version: 1, at, agent: "main" }, { type: "user", id: newEntryId(), at, text: "hello" }]],
    ["b", [{ type: "user", id: newEntryId(), at, text: "other session" }]],
    ["a", [{ type: "reset", id: newEntryId(), at }]],
  ];
  for (const [key, entries] of script) {
    await jsonl.append(key, entries);
    await memory.append(key, entries);
  }
  for (const key of ["a", "b"]) assert.deepEqual((await jsonl.read(key)).entries, (await memory.read(key)).entries, key);
  assert.deepEqual((await jsonl.keys()).sort(), (await memory.keys()).sort());
  await jsonl.close();
});
