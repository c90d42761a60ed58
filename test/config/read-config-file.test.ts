// A config file is read in pieces (never one buffer the size of the limit), byte for byte as written, up to the limit.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { MAX_CONFIG_BYTES, readConfigFile } from "../../src/config/read-config-file.js";

const dir = mkdtempSync(join(tmpdir(), "hearth-read-config-"));
after(() => rmSync(dir, { recursive: true, force: true }));

test("a config longer than one read is read whole, a character split between two reads included", () => {
  // "é" is two bytes: with an odd number of ASCII bytes before it, some fall across each 64 KiB boundary.
  const text = `{ // ${"x".repeat(65_535)}\n${"é".repeat(70_000)}\n agents: {} }\n`;
  const file = join(dir, "long.json5");
  writeFileSync(file, text);
  assert.ok(Buffer.byteLength(text) > 3 * 64 * 1024);
  assert.equal(readConfigFile(file), text);
});

test("a config of exactly the limit is read; one byte more is refused", () => {
  const file = join(dir, "limit.json5");
  const text = `{}${" ".repeat(MAX_CONFIG_BYTES - 3)}\n`;
  writeFileSync(file, text);
  assert.equal(Buffer.byteLength(text), MAX_CONFIG_BYTES);
  assert.equal(readConfigFile(file), text);
  writeFileSync(file, `${text} `);
  assert.throws(() => readConfigFile(file), /a config file may be at most 1 MB/);
});

test("a missing config is undefined; an empty one is the empty text", () => {
  assert.equal(readConfigFile(join(dir, "none.json5")), undefined);
  const file = join(dir, "empty.json5");
  writeFileSync(file, "");
  assert.equal(readConfigFile(file), "");
});
