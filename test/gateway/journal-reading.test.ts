// The journals of stopped processes are read defensively (t14-attack #2, #3), with real files: a FIFO, a
// symbolic link to /dev/zero, a directory or a file past the size bound named like a journal is never
// read (never blocks), is said once and left where it is; a crafted journal's invalid pieces are dropped,
// each said once with its file and line, and never hold back the rest or the journal's removal; nothing
// is saved twice across recovery rounds.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { randomUUID } from "node:crypto";
import { existsSync, lstatSync, mkdirSync, readdirSync, symlinkSync, truncateSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { JOURNAL_MAX_BYTES } from "../../src/gateway/journal-file.js";
import { MessageInbox } from "../../src/gateway/message-inbox.js";
import { JsonlSessionStore } from "../../src/sessions/jsonl-session-store.js";
import { tempDir } from "../helpers/run-cli.js";

/** Process ids that are not running (past the kernel's largest). */
const GONE = 4_194_305;

const AT = new Date(Date.now() - 60_000).toISOString();
const add = (session: string, text: string, fields: Record<string, unknown> = {}): string => JSON.stringify({ add: { id: randomUUID(), session, text, channel: "webchat", agent: "main", at: AT, ...fields } });

/** The user messages of a session, as its file holds them. */
async function userTexts(store: JsonlSessionStore, session: string): Promise<string[]> {
  return (await store.read(session)).entries.flatMap((entry) => (entry.type === "user" ? [entry.text] : []));
}

describe("reading the journals of stopped processes", { timeout: 60_000 }, () => {
  const temp = tempDir();
  after(() => temp.cleanup());

  test("a FIFO, a link, a directory or an oversized file named like a journal is not read, said once, and left; the journal beside them is recovered", async () => {
    const stateDir = join(temp.dir, "odd");
    const inbox = join(stateDir, "inbox");
    mkdirSync(inbox, { recursive: true, mode: 0o700 });
    const fifo = join(inbox, `${GONE}.jsonl`);
    execFileSync("mkfifo", [fifo]);
    const link = join(inbox, `${GONE + 1}.jsonl`);
    symlinkSync("/dev/zero", link);
    const folder = join(inbox, `${GONE + 2}.jsonl`);
    mkdirSync(folder);
    // Sparse: its size is past the bound, nothing is on the disk.
    const huge = join(inbox, `${GONE + 3}.jsonl`);
    writeFileSync(huge, `${add("huge", "never read")}\n`);
    truncateSync(huge, JOURNAL_MAX_BYTES + 1);
    await new MessageInbox({ stateDir, pid: GONE + 4 }).add({ session: "beside", text: "recovered all the same", channel: "webchat", agent: "main", at: AT });

    const warnings: string[] = [];
    const reader = new MessageInbox({ stateDir, onWarning: (message) => warnings.push(message) });
    const store = new JsonlSessionStore(stateDir);
    assert.deepEqual(await reader.recover(store), { saved: 1, cut: 0, left: 0 });
    assert.deepEqual(await userTexts(store, "beside"), ["recovered all the same"]);
    const notRead = (path: string, what: string): string => `${path} ${what}: it is not read, and no message is recovered from it; if you put it there, move it out of ${inbox}, else remove it (rm ${path})`;
    assert.deepEqual(
      [...warnings].sort(),
      [
        notRead(fifo, "is a named pipe (FIFO), not a message journal (those are regular files)"),
        notRead(link, "is a symbolic link, not a message journal (those are regular files)"),
        notRead(folder, "is a directory, not a message journal (those are regular files)"),
        notRead(huge, "is 257 MB, larger than a message journal is read (256 MB)"),
      ].sort(),
    );
    assert.deepEqual(await userTexts(store, "huge"), [], "the oversized file was not read");
    for (const path of [fifo, link, folder, huge]) assert.ok(lstatSync(path, { throwIfNoEntry: false }), `${path} is left where it is`);

    // A later round (the gateway asks again while anything is left) says none of it again.
    assert.deepEqual(await reader.recover(store), { saved: 0, cut: 0, left: 0 });
    assert.equal(warnings.length, 4, warnings.join("\n"));
    await store.close();
  });

  test("a crafted journal: each invalid piece dropped with its file and line, the valid ones saved once, the journal removed", async () => {
    const stateDir = join(temp.dir, "crafted");
    mkdirSync(join(stateDir, "inbox"), { recursive: true, mode: 0o700 });
    const journal = join(stateDir, "inbox", `${GONE}.jsonl`);
    writeFileSync(
      journal,
      [
        add("victim", "said by its sender"),
        add("victim", "INJECTED, dated 2099", { at: "2099-01-01T00:00:00.000Z", channel: "whatsapp" }),
        add("../../../../tmp/escape", "out of sessions/"),
        add("brandnew", "a date that is none", { at: "not a date" }),
        add("brandnew", "a channel with control characters", { channel: "\u001b[31mevil\nline" }),
        add("brandnew", "an agent that is a path", { agent: "../../nonexistent" }),
        JSON.stringify({ turn: { id: randomUUID(), session: "victim", entry: "../x" } }),
        add("pictures", "with its images", { images: [{ mediaType: "image/png", data: "iVBORw0KGgo=" }] }),
        "",
      ].join("\n"),
    );
    const warnings: string[] = [];
    const reader = new MessageInbox({ stateDir, onWarning: (message) => warnings.push(message) });
    const store = new JsonlSessionStore(stateDir);
    assert.deepEqual(await reader.recover(store), { saved: 2, cut: 0, left: 0 });
    assert.deepEqual(await userTexts(store, "victim"), ["said by its sender"]);
    assert.deepEqual(await userTexts(store, "pictures"), ["with its images"]);
    assert.deepEqual(readdirSync(join(stateDir, "sessions")).filter((name) => name.endsWith(".jsonl")).sort(), ["pictures.jsonl", "victim.jsonl"], "no session for a dropped piece");
    assert.ok(!existsSync(journal), "the journal is removed: its dropped pieces do not keep it");
    assert.deepEqual(
      warnings.map((warning) => /^skipped line (\d+) of (\S+) \(([^:]+):/.exec(warning)?.slice(1)),
      [
        ["2", journal, "add.at"],
        ["3", journal, "add.session"],
        ["4", journal, "add.at"],
        ["5", journal, "add.channel"],
        ["6", journal, "add.agent"],
        ["7", journal, "turn.entry"],
      ],
      warnings.join("\n"),
    );
    assert.ok(warnings.every((warning) => warning.endsWith("that piece of a stopped hearth's journal is dropped, the rest is recovered")));
    await store.close();
  });

  test("a journal whose last line was cut (a power loss, a hand edit): the whole ones are saved, and the cut one said with its file, never its text (t19 #8)", async () => {
    const stateDir = join(temp.dir, "cut");
    const dead = new MessageInbox({ stateDir, pid: GONE });
    await dead.add({ session: "web-jr", text: "first, kept whole", channel: "webchat", agent: "main", at: AT });
    await dead.add({ session: "web-jr", text: "second, cut short by the file system", channel: "webchat", agent: "main", at: AT });
    const journal = join(stateDir, "inbox", `${GONE}.jsonl`);
    truncateSync(journal, lstatSync(journal).size - 40);
    const warnings: string[] = [];
    const reader = new MessageInbox({ stateDir, onWarning: (message) => warnings.push(message) });
    const store = new JsonlSessionStore(stateDir);
    assert.deepEqual(await reader.recover(store), { saved: 1, cut: 0, left: 0 });
    assert.deepEqual(await userTexts(store, "web-jr"), ["first, kept whole"]);
    assert.deepEqual(warnings, [
      `skipped line 2 of ${journal} (cut short, it ends mid-way — a power loss, a full disk or an edit: a message taken in for session "web-jr" is lost (its text is not logged) unless hearth stopped while writing it, when it was never accepted): that piece of a stopped hearth's journal is dropped, the rest is recovered`,
    ]);
    assert.ok(!warnings.join("\n").includes("second"), "no word of the message");
    await store.close();
  });

  test("a journal kept because one session cannot be written yet: the next round saves that one, and nothing twice", async () => {
    const stateDir = join(temp.dir, "rounds");
    const dead = new MessageInbox({ stateDir, pid: GONE });
    await dead.add({ session: "fine", text: "saved in the first round", channel: "webchat", agent: "main", at: AT });
    await dead.add({ session: "blocked", text: "saved once its session can be written", channel: "webchat", agent: "main", at: AT });
    writeFileSync(join(stateDir, "inbox", `${GONE}.jsonl`), `${add("fine", "an odd time, dropped", { at: "not a date" })}\n`, { flag: "a" });
    // A directory where the session file should be: that session cannot be written.
    mkdirSync(join(stateDir, "sessions", "blocked.jsonl"), { recursive: true });
    const warnings: string[] = [];
    const reader = new MessageInbox({ stateDir, onWarning: (message) => warnings.push(message) });
    const store = new JsonlSessionStore(stateDir);
    await assert.rejects(reader.recover(store), /blocked\.jsonl/);
    assert.ok(existsSync(join(stateDir, "inbox", `${GONE}.jsonl`)), "kept for the next round");
    assert.deepEqual(await userTexts(store, "fine"), ["saved in the first round"]);

    execFileSync("rmdir", [join(stateDir, "sessions", "blocked.jsonl")]);
    assert.deepEqual(await reader.recover(store), { saved: 1, cut: 0, left: 0 });
    assert.deepEqual(await userTexts(store, "fine"), ["saved in the first round"], "not saved again, nor the dropped piece");
    assert.deepEqual(await userTexts(store, "blocked"), ["saved once its session can be written"]);
    assert.ok(!existsSync(join(stateDir, "inbox", `${GONE}.jsonl`)));
    assert.deepEqual(warnings.filter((warning) => warning.startsWith("skipped line 3 of ")).length, 1, "the dropped line is said once over both rounds");
    await store.close();
  });
});
