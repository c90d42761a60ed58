import assert from "node:assert/strict";
import { mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { ChatHistory } from "../../src/cli/chat-history.js";
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
