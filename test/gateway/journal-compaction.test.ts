import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { after, describe, test } from "node:test";
import { MessageInbox } from "../../src/gateway/message-inbox.js";
import { MemorySessionStore } from "../../src/sessions/memory-session-store.js";
import { repoRoot, tempDir } from "../helpers/run-cli.js";

/** A process id that is not running (past the kernel's largest). */
const GONE = 4_194_305;
const script = join(repoRoot, "test/helpers/journal-compaction-process.ts");

/** The words of the user entries a store holds for `session`. */
async function savedWords(store: MemorySessionStore, session: string): Promise<string[]> {
  return (await store.read(session)).entries.flatMap((entry) => (entry.type === "user" ? [entry.text] : []));
}

describe("the message journal's rewrite while messages wait", () => {
  const temp = tempDir();
  after(() => temp.cleanup());

  test("a journal that always has a message waiting still shrinks: it is rewritten with only what waits, and recovery finds exactly that", async () => {
    const stateDir = join(temp.dir, "always-waiting");
    const inbox = new MessageInbox({ stateDir, pid: GONE, compactAtBytes: 8192 });
    const file = join(stateDir, "inbox", `${GONE}.jsonl`);
    const kept = await inbox.add({ session: "s", text: "kept all along", channel: "webchat", agent: "main", at: "2026-01-01T00:00:00.000Z" });
    inbox.keep(kept);
    const filler = "y".repeat(1_000);
    let largest = 0;
    for (let index = 0; index < 300; index++) {
      const id = await inbox.add({ session: "s", text: `taken ${index} ${filler}`, channel: "webchat", agent: "main", at: "2026-01-01T00:00:01.000Z" });
      const turn = inbox.begun({ session: "s", entry: "0000abcd", journaled: id });
      await inbox.take(turn);
      largest = Math.max(largest, statSync(file).size);
    }
    // 300 messages of ~1 KB went through (~330 KB of lines); the file never held more than the bound and one message past it.
    assert.ok(largest < 8192 + 2_000, `the journal grew to ${largest} bytes`);
    const last = await inbox.add({ session: "t", text: "last one", channel: "http", agent: "main", at: "2026-01-01T00:00:02.000Z" });
    assert.match(readFileSync(file, "utf8"), /kept all along[\s\S]*last one/);
    assert.equal(statSync(file).mode & 0o777, 0o600, "the rewrite is as private as the journal");
    assert.equal(readdirSync(join(stateDir, "inbox")).length, 1, "nothing beside the journal");

    const store = new MemorySessionStore();
    assert.deepEqual(await new MessageInbox({ stateDir }).recover(store), { saved: 2, cut: 0, left: 0 });
    assert.deepEqual(await savedWords(store, "s"), ["kept all along"]);
    assert.deepEqual(await savedWords(store, "t"), ["last one"]);
    await inbox.take(last);
  });

  test("a journal an earlier process of the same pid left (a container's pid 1) is set aside and recovered, never taken for this process's own", async () => {
    const stateDir = join(temp.dir, "same-pid");
    const inboxDir = join(stateDir, "inbox");
    // The earlier process (a container's gateway is always the same pid): messages taken in, one still waiting when it was killed.
    const earlier = new MessageInbox({ stateDir, pid: GONE });
    await earlier.add({ session: "s", text: "waiting when it was killed", channel: "webchat", agent: "main", at: "2026-01-01T00:00:00.000Z" });
    const taken = await earlier.add({ session: "s", text: "answered before", channel: "webchat", agent: "main", at: "2026-01-01T00:00:01.000Z" });
    await earlier.take(earlier.begun({ session: "s", entry: "0000abcd", journaled: taken }));
    assert.deepEqual(readdirSync(inboxDir), [`${GONE}.jsonl`]);
    // Restarted under the same pid: the start's recovery saves what waited (it skipped its own pid's journal, and the first take then removed it).
    const store = new MemorySessionStore();
    const restarted = new MessageInbox({ stateDir, pid: GONE });
    assert.deepEqual(await restarted.recover(store), { saved: 1, cut: 0, left: 0 });
    await restarted.recovered("s");
    assert.deepEqual(await savedWords(store, "s"), ["waiting when it was killed"]);
    const id = await restarted.add({ session: "t", text: "this process's own", channel: "webchat", agent: "main", at: "2026-01-01T00:00:02.000Z" });
    await restarted.take(restarted.begun({ session: "t", entry: "0000abcd", journaled: id }));
    assert.deepEqual(readdirSync(inboxDir), [], "the earlier journal, recovered, and this process's own, done, are both removed");

    // A process that writes before any recovery (a one-shot command under a pid used again) sets the leftover aside at its first line:
    // its own take removes only its own journal, and the next recovery still finds the earlier message.
    const otherDir = join(temp.dir, "same-pid-first-write");
    const killed = new MessageInbox({ stateDir: otherDir, pid: GONE });
    await killed.add({ session: "u", text: "left by a killed one", channel: "cli", agent: "main", at: "2026-01-01T00:00:03.000Z" });
    const again = new MessageInbox({ stateDir: otherDir, pid: GONE });
    const own = await again.add({ session: "v", text: "its own", channel: "cli", agent: "main", at: "2026-01-01T00:00:04.000Z" });
    await again.take(again.begun({ session: "v", entry: "0000abcd", journaled: own }));
    assert.equal(existsSync(join(otherDir, "inbox", `${GONE}.jsonl`)), false, "its own journal, done, is removed");
    const later = new MemorySessionStore();
    assert.deepEqual(await new MessageInbox({ stateDir: otherDir }).recover(later), { saved: 1, cut: 0, left: 0 });
    assert.deepEqual(await savedWords(later, "u"), ["left by a killed one"]);
  });

  test("a rewrite copies the lines as they were journalled: no masking or serialising again, byte for byte what was written", async () => {
    const stateDir = join(temp.dir, "copied");
    // Masks a word only once it has been learnt, as a secret added later is: a line made again would differ from the one written.
    let learnt = false;
    let masked = 0;
    const secrets = {
      redactValue<T>(value: T): T {
        masked++;
        return (learnt ? JSON.parse(JSON.stringify(value).replaceAll("learnt-later", "[redacted]")) : value) as T;
      },
    };
    const inbox = new MessageInbox({ stateDir, pid: GONE, compactAtBytes: 8192, secrets });
    const file = join(stateDir, "inbox", `${GONE}.jsonl`);
    const kept = await inbox.add({ session: "s", text: "kept with learnt-later in it", channel: "webchat", agent: "main", at: "2026-01-01T00:00:00.000Z" });
    inbox.keep(kept);
    const written = readFileSync(file, "utf8");
    learnt = true;
    const filler = "y".repeat(1_000);
    let rewrites = 0;
    let before = statSync(file).size;
    for (let index = 0; index < 60; index++) {
      const id = await inbox.add({ session: "s", text: `taken ${index} ${filler}`, channel: "webchat", agent: "main", at: "2026-01-01T00:00:01.000Z" });
      await inbox.take(inbox.begun({ session: "s", entry: "0000abcd", journaled: id }));
      const size = statSync(file).size;
      if (size < before) rewrites++;
      before = size;
    }
    assert.ok(rewrites >= 2, `the journal was rewritten ${rewrites} times`);
    assert.equal(masked, 1 + 60 * 3, "each line masked once, when it was made (an add, a turn and a take per message, and the kept add)");
    const now = readFileSync(file, "utf8");
    assert.equal(now.slice(0, written.length), written, "the kept message's line leads the rewritten file, as it was written");
    assert.equal(now.split("learnt-later").length, 2, "and is the only one naming it");
    await inbox.take(kept);
  });

  for (const step of ["open", "half", "sync", "rename", "renamed"]) {
    test(`a process killed (SIGKILL) while rewriting its journal at "${step}" loses no waiting message and saves none twice`, async () => {
      const stateDir = join(temp.dir, `killed-${step}`);
      const child = spawn(process.execPath, ["--import", "tsx", script, stateDir, step], { cwd: repoRoot, stdio: ["ignore", "pipe", "pipe"] });
      let stderr = "";
      child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
      const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
      const said = await createInterface({ input: child.stdout })[Symbol.asyncIterator]().next();
      assert.equal(said.value, `stopped ${step}`, stderr);
      child.kill("SIGKILL");
      await exited;
      const inbox = join(stateDir, "inbox");
      const left = readdirSync(inbox);
      assert.ok(left.includes(`${child.pid}.jsonl`), `the journal is there: ${left.join(", ")}`);

      const store = new MemorySessionStore();
      const recovered = await new MessageInbox({ stateDir }).recover(store);
      assert.equal(recovered.saved, 3, JSON.stringify(recovered));
      assert.deepEqual(await savedWords(store, "s"), ["waiting 1", "waiting 2"], "in order, each once, none of the taken ones");
      assert.deepEqual(await savedWords(store, "t"), ["waiting 3"]);
      assert.deepEqual(readdirSync(inbox), [], "the journal and any rewrite left half-way are gone");
      assert.ok(!existsSync(join(inbox, `${child.pid}.jsonl.compacting`)));
    });
  }
});
