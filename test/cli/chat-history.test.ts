import assert from "node:assert/strict";
import { mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { ChatHistory } from "../../src/cli/chat-history.js";
import { PendingStore } from "../../src/channels/whatsapp/pending-store.js";
import { SecretRedactor } from "../../src/shared/secret-redactor.js";
import { tempDir } from "../helpers/run-cli.js";

const lines = (count: number): string => Array.from({ length: count }, (_, index) => `line ${index + 1}`).join("\n") + "\n";

describe("chat's line history file", () => {
  const temp = tempDir();
  after(() => temp.cleanup());

  test("grown past twice its size: read gives the newest lines, newest first, and the file is cut back to them (owner-only)", () => {
    const file = join(temp.dir, "long-history");
    writeFileSync(file, lines(1_201), { mode: 0o600 });
    const history = new ChatHistory({ file, lines: 500 });
    const read = history.read();
    assert.equal(read.length, 500);
    assert.equal(read[0], "line 1201");
    assert.equal(read.at(-1), "line 702");
    assert.equal(readFileSync(file, "utf8"), Array.from({ length: 500 }, (_, index) => `line ${index + 702}`).join("\n") + "\n");
    assert.equal(statSync(file).mode & 0o777, 0o600);
    history.save("one more\nacross lines");
    assert.equal(readFileSync(file, "utf8").split("\n").at(-2), "one more across lines");
  });

  test("under twice its size the file is left as it is; a missing file is an empty history", () => {
    const file = join(temp.dir, "short-history");
    writeFileSync(file, lines(900));
    assert.equal(new ChatHistory({ file, lines: 500 }).read().length, 500);
    assert.equal(readFileSync(file, "utf8"), lines(900));
    assert.deepEqual(new ChatHistory({ file: join(temp.dir, "none"), lines: 500 }).read(), []);
  });

  test("a history that cannot be shortened (its replacement cannot be written) is still read, and the file kept", () => {
    const file = join(temp.dir, "stuck-history");
    writeFileSync(file, lines(1_100));
    // Where the shortened copy would be written, a directory stands: the write fails.
    mkdirSync(`${file}.${process.pid}.tmp`);
    assert.equal(new ChatHistory({ file, lines: 500 }).read().length, 500);
    assert.equal(readFileSync(file, "utf8"), lines(1_100));
  });
});

describe("what chat's history and WhatsApp's waiting messages keep of a key", () => {
  const temp = tempDir();
  after(() => temp.cleanup());
  const secrets = new SecretRedactor(["relay-Zq7Hn3Kp9Wx2Lm5Tv8"]);

  test("a line saved with a key is kept masked; a history an older hearth wrote in clear is masked when read", () => {
    const file = join(temp.dir, "history");
    writeFileSync(file, "old line with relay-Zq7Hn3Kp9Wx2Lm5Tv8 in it\n", { mode: 0o600 });
    const history = new ChatHistory({ file, lines: 500, secrets });
    assert.deepEqual(history.read(), ["old line with *** in it"]);
    history.save("my key is sk-proj-TESTSECRET0123456789abcdef ok");
    assert.equal(readFileSync(file, "utf8"), "old line with *** in it\nmy key is *** ok\n");
  });

  test("WhatsApp's waiting messages are kept with the keys a sender wrote masked", () => {
    const file = join(temp.dir, "pending.json");
    const store = new PendingStore(file, secrets);
    store.put({ id: "1", chat: "c", session: "whatsapp:c", text: "key sk-proj-TESTSECRET0123456789abcdef", quoted: "relay-Zq7Hn3Kp9Wx2Lm5Tv8", receivedAt: "2026-12-03T00:00:00.000Z" });
    const kept = readFileSync(file, "utf8");
    assert.ok(!kept.includes("TESTSECRET") && !kept.includes("Zq7Hn3"), kept);
    assert.deepEqual(store.list().map((item) => [item.text, item.quoted]), [["key ***", "***"]]);
  });
});
