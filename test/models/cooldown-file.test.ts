import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, test } from "node:test";
import { cooldownFile } from "../../src/models/cooldown-file.js";
import { tempDir } from "../helpers/run-cli.js";

const temp = tempDir();
after(() => temp.cleanup());
const NOW = Date.UTC(2026, 5, 1);

function loadFrom(name: string, text: string | undefined) {
  const dir = join(temp.dir, name);
  mkdirSync(dir, { recursive: true });
  const file = join(dir, "cooldowns.json");
  if (text !== undefined) writeFileSync(file, text);
  const warnings: string[] = [];
  const entries = cooldownFile(file, { now: () => NOW, onWarning: (message) => warnings.push(message) }).load();
  return { entries, warnings, dir, file };
}

test("a cooldowns file as hearth writes it loads as is", () => {
  const good = { "lmstudio/m": { failures: 2, until: NOW + 30_000, kind: "timeout" } };
  const { entries, warnings } = loadFrom("good", JSON.stringify(good));
  assert.deepEqual(entries, good);
  assert.deepEqual(warnings, []);
  assert.deepEqual(loadFrom("missing", undefined).entries, {}, "no file: no cooldowns, no warning");
});

for (const [name, text, reason] of [
  ["null", '{"a/m": null}', /a\/m: .*expected object/],
  ["a week and more ahead", JSON.stringify({ "a/m": { failures: 1, until: NOW + 8 * 24 * 3_600_000, kind: "timeout" } }), /a\/m\.until: Too big/],
  ["no failures", JSON.stringify({ "a/m": { failures: 0, until: NOW, kind: "timeout" } }), /a\/m\.failures/],
  ["a key that is not a model ref", JSON.stringify({ nothing: { failures: 1, until: NOW, kind: "timeout" } }), /model ref/],
  ["a fraction", JSON.stringify({ "a/m": { failures: 1.5, until: NOW, kind: "timeout" } }), /a\/m\.failures/],
] as const) {
  test(`cooldowns with ${name}: set aside as cooldowns.json.bad-<time>, a warning, no cooldowns`, () => {
    const { entries, warnings, dir, file } = loadFrom(name.replace(/\W+/g, "-"), text);
    assert.deepEqual(entries, {});
    assert.equal(warnings.length, 1);
    assert.match(warnings[0] ?? "", reason);
    assert.equal(existsSync(file), false);
    assert.deepEqual(readdirSync(dir), ["cooldowns.json.bad-2026-06-01T00-00-00-000Z"]);
  });
}

test("a cooldowns file that is a FIFO is not read (nothing hangs): a warning, no cooldowns", () => {
  const dir = join(temp.dir, "fifo");
  mkdirSync(dir);
  execFileSync("mkfifo", [join(dir, "cooldowns.json")]);
  const warnings: string[] = [];
  assert.deepEqual(cooldownFile(join(dir, "cooldowns.json"), { onWarning: (message) => warnings.push(message) }).load(), {});
  assert.match(warnings[0] ?? "", /it is a named pipe \(FIFO\), not a regular file; going on without remembered cooldowns/);
});
