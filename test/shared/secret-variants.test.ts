// The forms an adversarial trial still got a key out in after the escapes, dumps and numbers were
// masked: the key with its separators dropped, swapped or others put between its characters, rot13,
// reversed, UTF-16, quoted-printable, and two encodings deep. Each is masked whole, streamed split at
// any character too; ordinary prose and code (the repository's own docs and sources) are not masked.
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import type { AgentEvent } from "../../src/agent/agent-events.js";
import { TurnRedactor } from "../../src/gateway/turn-redactor.js";
import { SecretRedactor } from "../../src/shared/secret-redactor.js";
import { reversed, rot13 } from "../../src/shared/secret-variants.js";

// A provider key (key-shaped as written: the shape alone masks it, so it is tested in forms that lose the shape) and one that is not.
const KEYS = ["sk-fakeprov-Zq8xR2mN7pL4vT9wK3jH", "canary-Secret-7f3a9c1e5b", "sk-ant-api03-Ab1-Cd2_Ef3-Gh4Ij5Kl6Mn7"];

const hex = (text: string) => Buffer.from(text).toString("hex");
const base64 = (text: string) => Buffer.from(text).toString("base64");
const stripped = (key: string) => key.replace(/[-_]/g, "");

/** Each form of `key` the trial found unmasked, by name. */
function variantForms(key: string): Record<string, string> {
  const utf16be = [...key].map((char) => char.charCodeAt(0).toString(16).padStart(4, "0")).join("");
  return {
    "separators removed": stripped(key),
    "separators removed, upper case": stripped(key).toUpperCase(),
    "separators removed, lower case": stripped(key).toLowerCase(),
    "own separators swapped for spaces": key.replace(/[-_]/g, " "),
    "own separators swapped for dots": key.replace(/[-_]/g, "."),
    "dashes between its characters": [...key].join("-"),
    "dashes between, own separators removed": [...stripped(key)].join("-"),
    "spaces between, own separators removed": [...stripped(key)].join(" "),
    "bars between": [...key].join("|"),
    "slashes between": [...key].join("/"),
    "stars between": [...key].join("*"),
    "plus signs between": [...key].join("+"),
    "spaced dashes between": [...key].join(" - "),
    "underscores after every two": stripped(key).replace(/../g, "$&_"),
    "rot13": rot13(key),
    "rot13, upper case": rot13(key).toUpperCase(),
    "rot13, separators removed": stripped(rot13(key)),
    "reversed": reversed(key),
    "reversed, upper case": reversed(key).toUpperCase(),
    "reversed in hex": hex(reversed(key)),
    "rot13 in base64": base64(rot13(key)),
    "UTF-16 big-endian hex": utf16be,
    "UTF-16 big-endian hex, upper case": utf16be.toUpperCase(),
    "UTF-16 big-endian hex in words": utf16be.replace(/.{4}(?=.)/g, "$& "),
    "UTF-16 little-endian hex": Buffer.from(key, "utf16le").toString("hex"),
    "UTF-16 little-endian in base64": Buffer.from(key, "utf16le").toString("base64"),
    "\\u escapes": [...key].map((char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, "0")}`).join(""),
    "HTML decimal references": [...key].map((char) => `&#${char.charCodeAt(0)};`).join(""),
    "quoted-printable style 73=6B=2D": hex(key).toUpperCase().replace(/..(?=.)/g, "$&="),
    "quoted-printable =73=6B": hex(key).toUpperCase().replace(/../g, "=$&"),
    "quoted-printable, lower-case digits": hex(key).replace(/../g, "=$&"),
    "every byte percent-encoded": hex(key).replace(/../g, "%$&"),
    "base64 of base64": base64(base64(key)),
    "base64 of base64 of a Basic header": base64(base64(`user:${key}`)),
    "hex of base64": hex(base64(key)),
    "base64 of hex": base64(hex(key)),
    "hex of hex": hex(hex(key)),
    "percent-encoded base64 of base64": encodeURIComponent(base64(base64(`u:${key}`))),
  };
}

test("each form a trial got a key out in is masked, from its first character to its last", () => {
  for (const key of KEYS) {
    const redactor = new SecretRedactor([key]);
    for (const [name, form] of Object.entries(variantForms(key))) {
      const out = redactor.redact(`before: ${form} :after`);
      // What stays is at most the few characters an encoding mixes with the bytes around the key (a Basic header's `user:`).
      assert.match(out, /^before: .{0,12}\*\*\*.{0,8} :after$/s, `${key} ${name}: ${out}`);
    }
  }
});

function streamed(redactor: TurnRedactor, pieces: readonly string[]): string {
  const out: AgentEvent[] = [];
  for (const delta of pieces) out.push(...redactor.event({ type: "text-delta", delta }));
  out.push(...redactor.flush());
  return out.map((event) => (event.type === "text-delta" ? event.delta : "")).join("");
}

/**
 * Whether `shown` is the whole text's mask: exactly, or — for a form not held back from its first
 * character (rot13, reversed, UTF-16, two deep: their first letters end ordinary words) — with at
 * most HELD_RUN - 1 of its characters shown before the mask.
 */
function assertMaskedAsWhole(shown: string, whole: string, what: string): void {
  if (shown === whole) return;
  const [before, after] = whole.split("***") as [string, string];
  assert.ok(shown.startsWith(before) && shown.endsWith(after), `${what}: ${shown}`);
  assert.match(shown.slice(before.length, shown.length - after.length), /^.{1,3}\*\*\*$/, `${what}: ${shown}`);
}

test("each form streamed, split at any character or a character at a time, is masked as in the whole text", () => {
  for (const key of KEYS.slice(0, 2)) {
    const secrets = new SecretRedactor([key]);
    for (const [name, form] of Object.entries(variantForms(key))) {
      const text = `Here it is: ${form} — done.`;
      const whole = secrets.redact(text);
      assert.equal(whole.split("***").length, 2, `${name}: ${whole}`);
      for (let cut = 1; cut < text.length; cut++) assertMaskedAsWhole(streamed(new TurnRedactor(secrets), [text.slice(0, cut), text.slice(cut)]), whole, `${name}, cut at ${cut}`);
      assertMaskedAsWhole(streamed(new TurnRedactor(secrets), [...text]), whole, `${name}, a character at a time`);
    }
  }
  // The key's own forms (its separators dropped or swapped, its hex quoted-printable) are held from their first character: masked exactly as whole.
  const key = KEYS[1] as string;
  const secrets = new SecretRedactor([key]);
  for (const form of [stripped(key), key.replace(/-/g, " "), [...key].join("|"), hex(key).replace(/..(?=.)/g, "$&=")]) {
    const text = `Here it is: ${form} — done.`;
    for (let cut = 1; cut < text.length; cut++) assert.equal(streamed(new TurnRedactor(secrets), [text.slice(0, cut), text.slice(cut)]), "Here it is: *** — done.", `${form}, cut at ${cut}`);
  }
});

test("tool arguments, errors and session values carry no form: redactValue masks every string in them", () => {
  const key = KEYS[1] as string;
  const redactor = new SecretRedactor([key]);
  const value = { tool: "exec", args: { command: `echo ${rot13(key)} | tr a-z n-za-m`, env: [stripped(key), hex(hex(key))] }, error: { message: `bad key ${[...key].join("|")}` } };
  const masked = redactor.redactValue(value);
  assert.deepEqual(masked, { tool: "exec", args: { command: "echo *** | tr a-z n-za-m", env: ["***", "***"] }, error: { message: "bad key ***" } });
});

test("prose and code are not masked: the repository's docs and sources, knowing keys of every kind", () => {
  const redactor = new SecretRedactor([...KEYS, "sk-proj-Qw3rTy7uIoP1aSdF9gHjK2lZxC5vBnM8", "hearth-gw-token-8Kq2Lx9Pz4", "xoxb-2048-Mn4Kp8Qr", "ghp_Rt5Yh7Jk9Lm2Np4Qs6Tv8Wx0Za1Bc3De"]);
  const root = join(import.meta.dirname, "..", "..");
  const files: string[] = [join(root, "README.md")];
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (/\.(md|ts)$/.test(entry.name)) files.push(path);
    }
  };
  walk(join(root, "docs"));
  walk(join(root, "src"));
  assert.ok(files.length > 100);
  for (const file of files) {
    const text = readFileSync(file, "utf8");
    assert.equal(redactor.redact(text), text, file);
  }
  // Words whose letters line up with a key's skeleton across spaces, not where its own separators stand, are prose.
  const phrase = new SecretRedactor(["correcthorsebattery7"]);
  for (const text of ["correct horse battery 7", "correct-horse battery7", "c o r r e c t is how you spell it"]) assert.equal(phrase.redact(text), text);
});
