/**
 * A process that takes session "S"'s lock in a state dir as a turn does (JsonlSessionStore, locks stale
 * after a minute: a lock taken early was taken for its holder being gone). argv: <state dir> [step].
 * It says `held <token>` (the owner record's) once it holds the lock, and lets go when its stdin ends,
 * saying `released`. A takeover it makes says `at <step>` at each step (`rename`, `renamed`); at the step
 * argv names it stops, and goes on only once a line comes on stdin (tests SIGSTOP or SIGKILL it meanwhile).
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { JsonlSessionStore } from "../../src/sessions/jsonl-session-store.js";

const [stateDir, stopAt] = process.argv.slice(2);
if (!stateDir) throw new Error("usage: session-lock-process <state dir> [rename|renamed]");
const lines = createInterface({ input: process.stdin })[Symbol.asyncIterator]();
const store = new JsonlSessionStore(stateDir, {
  lock: {
    staleMs: 60_000,
    waitMs: 600_000,
    retryMs: 50,
    pauseTakeover: async (step) => {
      process.stdout.write(`at ${step}\n`);
      if (step === stopAt) await lines.next();
    },
  },
});
const lock = await store.lock("S");
const record = JSON.parse(readFileSync(join(stateDir, "sessions", "S.jsonl.lock", "owner.json"), "utf8")) as { token: string };
process.stdout.write(`held ${record.token}\n`);
for (;;) if ((await lines.next()).done) break;
await lock.release();
process.stdout.write("released\n");
