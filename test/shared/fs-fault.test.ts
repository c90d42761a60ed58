// The wording of every file-system fault, for machines where the real ones cannot be produced (no
// root, no mount): errors shaped as node:fs throws them, through the one classifier.
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, test } from "node:test";
import { HearthError } from "../../src/shared/errors.js";
import { fileSystemFault } from "../../src/shared/fs-fault.js";
import { tempDir } from "../helpers/run-cli.js";

const temp = tempDir();
after(() => temp.cleanup());

const errno = (code: string): NodeJS.ErrnoException => Object.assign(new Error(`${code}: failed, open '/x'`), { code });

for (const [code, what, fix] of [
  ["EACCES", /permission denied \(EACCES\)/, /ls -ld/],
  ["EPERM", /not permitted \(EPERM/, /lsattr/],
  ["EROFS", /read-only \(EROFS\)/, /remount it read-write/],
  ["ENOSPC", /the disk is full \(ENOSPC\); nothing was written/, /free some space on the disk that holds \/state\/sessions/],
  ["EDQUOT", /the disk is full \(EDQUOT\)/, /free some space/],
  ["EISDIR", /it is a directory, not a file/, /move \/state\/sessions\/main\.jsonl aside/],
  ["EIO", /input\/output error/, /dmesg/],
  ["EMFILE", /too many open files/, /ulimit -n/],
  ["EWEIRD", /EWEIRD: EWEIRD: failed/, /HEARTH_STATE_DIR/],
] as const) {
  test(`${code}: where, what and the fix, as a runtime error (exit 1)`, () => {
    const fault = fileSystemFault(errno(code), { path: "/state/sessions/main.jsonl", doing: 'save session "main" to' });
    assert.equal(fault.kind, "runtime");
    assert.match(fault.message, /^cannot save session "main" to \/state\/sessions\/main\.jsonl: /);
    assert.match(fault.message, what);
    assert.match(fault.details.join("\n"), fix);
  });
}

test("ENOTDIR names the file that stands where a directory should be", () => {
  const blocker = join(temp.dir, "state");
  writeFileSync(blocker, "");
  const fault = fileSystemFault(errno("ENOTDIR"), { path: join(blocker, "sessions/main.jsonl"), doing: "read" });
  assert.match(fault.message, new RegExp(`${blocker} is a file where a directory should be$`));
  assert.match(fault.details[0] ?? "", new RegExp(`^move ${blocker} aside`));
});

test("a HearthError passes through unchanged", () => {
  const original = new HearthError("runtime", "already clear");
  assert.equal(fileSystemFault(original, { path: "/x", doing: "read" }), original);
});
