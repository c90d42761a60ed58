import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after } from "node:test";
import { JsonlSessionStore } from "../../src/sessions/jsonl-session-store.js";
import { MemorySessionStore } from "../../src/sessions/memory-session-store.js";
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
