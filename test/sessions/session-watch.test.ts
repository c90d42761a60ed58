import assert from "node:assert/strict";
import type { watch } from "node:fs";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { JsonlSessionStore } from "../../src/sessions/jsonl-session-store.js";
import type { SessionEntry } from "../../src/sessions/entries.js";
import { tempDir } from "../helpers/run-cli.js";

const said = (text: string): SessionEntry => ({ type: "user", id: text.slice(0, 8), at: new Date().toISOString(), text });

/** The next key `watch` tells. */
function nextChange(store: JsonlSessionStore): { key: Promise<string>; told: string[]; stop: () => void } {
  const told: string[] = [];
  let first: ((key: string) => void) | undefined;
  const key = new Promise<string>((resolve) => (first = resolve));
  const stop = store.watch((changed) => {
    told.push(changed);
    first?.(changed);
  });
  return { key, told, stop };
}

describe("JsonlSessionStore.watch: sessions written by another process", () => {
  const temp = tempDir();
  after(() => temp.cleanup());

  for (const way of ["fs.watch", "polling (fs.watch cannot be had)"] as const) {
    test(`${way}: another process's write is told with its key; this process's own write is not`, { timeout: 20_000 }, async () => {
      const state = join(temp.dir, way.startsWith("fs") ? "watched" : "polled");
      const failing = ((): never => {
        throw Object.assign(new Error("ENOSPC: System limit for number of file watchers reached"), { code: "ENOSPC" });
      }) as unknown as typeof watch;
      const ours = new JsonlSessionStore(state, { watching: { settleMs: 20, pollMs: 50, ...(way.startsWith("fs") ? {} : { watcher: failing }) } });
      const theirs = new JsonlSessionStore(state);
      await ours.append("mine", [said("written here")]);
      const watching = nextChange(ours);
      // The watch keeps no process alive (the gateway's server does): this test's own timer does meanwhile, for at most 15 s.
      let giveUp: (() => void) | undefined;
      const gaveUp = new Promise<string>((resolve) => (giveUp = () => resolve("nothing told in 15 s")));
      const alive = setTimeout(() => giveUp?.(), 15_000);
      try {
        // Our own write first, then theirs: the first key told is theirs.
        await ours.append("mine", [said("written here again")]);
        await theirs.append("web-1", [said("written by the CLI")]);
        assert.equal(await Promise.race([watching.key, gaveUp]), "web-1");
        assert.deepEqual(watching.told, ["web-1"], "this process's own write was not told");
      } finally {
        clearTimeout(alive);
        watching.stop();
        await ours.close();
        await theirs.close();
      }
    });
  }

  for (const way of ["fs.watch", "polling (fs.watch cannot be had)"] as const) {
    test(`${way}: another process's write is told even when this process read the file before the watch looked (a read is not a write of its own)`, { timeout: 20_000 }, async () => {
      const state = join(temp.dir, way.startsWith("fs") ? "read-watched" : "read-polled");
      const failing = ((): never => {
        throw Object.assign(new Error("ENOSPC: System limit for number of file watchers reached"), { code: "ENOSPC" });
      }) as unknown as typeof watch;
      // A long settle: the read below comes between the other process's write and the watch's look at the file.
      const ours = new JsonlSessionStore(state, { watching: { settleMs: 400, pollMs: 50, ...(way.startsWith("fs") ? {} : { watcher: failing }) } });
      const theirs = new JsonlSessionStore(state);
      await theirs.append("web-1", [said("the question")]);
      await ours.read("web-1");
      const watching = nextChange(ours);
      let giveUp: (() => void) | undefined;
      const gaveUp = new Promise<string>((resolve) => (giveUp = () => resolve("nothing told in 15 s")));
      const alive = setTimeout(() => giveUp?.(), 15_000);
      try {
        // The page reads the session (a listing, the context meter) after the answer is written and before the watch looks:
        // what the page was shown earlier lacks the answer, so the change must still be told.
        await theirs.append("web-1", [said("the answer")]);
        const read = await ours.read("web-1");
        assert.equal(read.entries.length, 2);
        assert.equal(await Promise.race([watching.key, gaveUp]), "web-1");
      } finally {
        clearTimeout(alive);
        watching.stop();
        await ours.close();
        await theirs.close();
      }
    });
  }
});
