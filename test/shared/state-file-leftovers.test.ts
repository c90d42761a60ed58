import assert from "node:assert/strict";
import { mkdirSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, test } from "node:test";
import { replaceStateFile } from "../../src/shared/state-file.js";
import { tempDir } from "../helpers/run-cli.js";
import { mountTmpfs } from "../helpers/state-faults.js";

/** A failed temp-then-rename write (trial t13, finding 8) left `<file>.<pid>.tmp` behind, one per try. */
const temp = tempDir();
const unmounts: (() => void)[] = [];
after(() => {
  for (const unmount of unmounts) unmount();
  temp.cleanup();
});
const leftovers = (dir: string): string[] => readdirSync(dir).filter((name) => name.endsWith(".tmp"));

test("a state file that became a folder: the fault names it and the fix, and no temporary file is left", () => {
  const dir = join(temp.dir, "folder");
  const path = join(dir, "gateway.owner.json");
  mkdirSync(path, { recursive: true });
  assert.throws(() => replaceStateFile({ path, doing: "record which gateway holds the state dir in" }, "{}\n"), (error: Error) => {
    assert.match(error.message, new RegExp(`cannot record which gateway holds the state dir in ${path}: it is a directory`));
    return true;
  });
  assert.deepEqual(leftovers(dir), []);
});

test("a full disk (real tmpfs): the fault says so, and no temporary file is left", (t) => {
  const dir = join(temp.dir, "full");
  const unmount = mountTmpfs(dir, { sizeKb: 64 });
  if (!unmount) return t.skip("mount is not permitted here");
  unmounts.push(unmount);
  try {
    writeFileSync(join(dir, "filler"), Buffer.alloc(1024 * 1024));
  } catch {
    // Full: what the test wants.
  }
  const path = join(dir, "gateway.owner.json");
  assert.throws(() => replaceStateFile({ path, doing: "record which gateway holds the state dir in" }, `${"x".repeat(10_000)}\n`), /the disk is full \(ENOSPC\)/);
  assert.deepEqual(leftovers(dir), []);
});
