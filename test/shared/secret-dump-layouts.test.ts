// Hex dumps in every layout xxd and hexdump print (xxd -c 4..32 bytes a line, -g 1..8 bytes a group,
// -u; hexdump -C): a known key dumped is masked in hex and characters, and a dump of anything else
// (its character column hex-looking, `34567890abcdef`) comes back exactly as written.
import assert from "node:assert/strict";
import { test } from "node:test";
import { SecretRedactor } from "../../src/shared/secret-redactor.js";
import { hexdumpC, hexOf, xxdLayout } from "../helpers/secret-forms.js";

const KEY = "sk-ant-FAKEKEY1234567890abcdefXYZ";
const ORDINARY = "commit 9135343a1b2c3d4e deadbeef cafe 34567890abcdef0123456789 Hello world, this is an ordinary file.\n";

function layouts(): Record<string, (text: string) => string> {
  const all: Record<string, (text: string) => string> = { "hexdump -C": hexdumpC };
  for (let columns = 4; columns <= 32; columns++) {
    for (const group of [1, 2, 3, 4, 8]) {
      for (const upper of [false, true]) all[`xxd -c ${columns} -g ${group}${upper ? " -u" : ""}`] = (text) => xxdLayout(text, { columns, group, upper });
    }
  }
  return all;
}

test("a key dumped in any layout, at any offset, is masked: no eight characters of it, nor its hex, are left", () => {
  const secrets = new SecretRedactor([KEY]);
  const hex = hexOf(KEY);
  for (const [layout, dump] of Object.entries(layouts())) {
    for (const before of ["", "api_key=", "x".repeat(13)]) {
      const shown = secrets.redact(`Echo:\n${dump(`${before}${KEY}\n`)}\nend`);
      const hexShown = shown.replace(/^[0-9a-f]{8}:?/gim, "").replace(/[^0-9a-f]/gi, "").toLowerCase();
      for (let at = 0; at + 8 <= KEY.length; at++) {
        assert.ok(!shown.toLowerCase().includes(KEY.slice(at, at + 8).toLowerCase()), `${layout} after ${JSON.stringify(before)}: ${shown}`);
        assert.ok(!hexShown.includes(hex.slice(at * 2, at * 2 + 16)), `${layout} after ${JSON.stringify(before)}: ${shown}`);
      }
    }
  }
});

test("a dump of ordinary bytes, in any layout, hex-looking characters and all, is not masked", () => {
  const secrets = new SecretRedactor([KEY, "another-known-secret-value"]);
  for (const [layout, dump] of Object.entries(layouts())) {
    const text = `Echo:\n${dump(ORDINARY)}\nend`;
    assert.equal(secrets.redact(text), text, layout);
  }
});
