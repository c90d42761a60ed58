import assert from "node:assert/strict";
import { rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, test } from "node:test";
import { KeptMessages } from "../../src/gateway/kept-messages.js";
import { MessageInbox } from "../../src/gateway/message-inbox.js";
import { SessionQueue } from "../../src/gateway/session-queue.js";
import { JsonlSessionStore } from "../../src/sessions/jsonl-session-store.js";
import { tempDir } from "../helpers/run-cli.js";
import { mountTmpfs } from "../helpers/state-faults.js";

/**
 * A message kept because its session could not be written, with no other message coming: tried again
 * on its own while any is kept (every `everyMs`), on a real full tmpfs and a real session store.
 */
const temp = tempDir();
const unmounts: (() => void)[] = [];
after(() => {
  for (const unmount of unmounts) unmount();
  temp.cleanup();
});

test("a kept message is saved by the periodic try once the session can be written; before that, its session's next turn is refused with the fault", async (t) => {
  const state = join(temp.dir, "state");
  const sessions = join(state, "sessions");
  const unmount = mountTmpfs(sessions, { sizeKb: 128 });
  if (!unmount) return t.skip("mount is not permitted here");
  unmounts.push(unmount);
  const store = new JsonlSessionStore(state);
  const inbox = new MessageInbox({ stateDir: state });
  let told: (session: string) => void = () => undefined;
  const saved = new Promise<string>((resolve) => (told = resolve));
  const kept = new KeptMessages({ inbox, store, queue: new SessionQueue(), everyMs: 20, onSaved: (session) => told(session) });
  // The tries' timer does not hold a process open (a gateway's server does): this test's wait does.
  const open = setInterval(() => undefined, 1_000);
  try {
    try {
      writeFileSync(join(sessions, "filler"), Buffer.alloc(1024 * 1024));
    } catch {
      // Full: what the test wants.
    }
    const id = await inbox.add({ session: "s", text: "kept while full", channel: "webchat", agent: "main", at: new Date().toISOString() });
    kept.keep(id);
    await assert.rejects(kept.before("s"), /the disk is full \(ENOSPC\)/);
    assert.deepEqual(inbox.keptSessions(), ["s"], "still kept");
    rmSync(join(sessions, "filler"));
    assert.equal(await saved, "s");
    const { entries } = await store.read("s");
    assert.deepEqual(entries.map((entry) => entry.type), ["session", "user", "turn-failed"]);
    assert.deepEqual(inbox.keptSessions(), []);
  } finally {
    clearInterval(open);
    kept.stop();
    await store.close();
  }
});
