// A key's dump whose lines are long (xxd -b with many columns, or indented far) is masked when streamed
// as when whole (a review found the stream's hold shorter than a line's read), and whole however far it is
// indented (the line cap counts no spaces).
import assert from "node:assert/strict";
import { test } from "node:test";
import { TurnRedactor } from "../../src/gateway/turn-redactor.js";
import { SecretRedactor } from "../../src/shared/secret-redactor.js";
import { xxdLayout } from "../helpers/secret-forms.js";

const KEY = "sk-ant-FAKEKEY1234567890abcdefXYZ";

function xxdBinary(bytes: string, columns: number): string {
  let out = "";
  for (let at = 0; at < bytes.length; at += columns) {
    const chunk = bytes.slice(at, at + columns);
    const bits = [...chunk].map((char) => char.charCodeAt(0).toString(2).padStart(8, "0")).join(" ");
    out += `${at.toString(16).padStart(8, "0")}: ${bits.padEnd(columns * 9 - 1)}  ${chunk.replace(/[^\x20-\x7e]/g, ".")}\n`;
  }
  return out;
}

function streamed(secrets: SecretRedactor, text: string, size: number): string {
  const redactor = new TurnRedactor(secrets);
  let out = "";
  const take = (events: { type: string; delta?: string }[]) => {
    for (const event of events) if (event.type === "text-delta") out += event.delta;
  };
  for (let at = 0; at < text.length; at += size) take(redactor.event({ type: "text-delta", delta: text.slice(at, at + size) }) as { type: string; delta?: string }[]);
  take(redactor.flush() as { type: string; delta?: string }[]);
  return out;
}

const keyBits = [...KEY].map((char) => char.charCodeAt(0).toString(2).padStart(8, "0"));

test("xxd -b -c 120 of a key across two lines, streamed, shows none of its bits (whole, it is masked)", () => {
  const secrets = new SecretRedactor([KEY]);
  const text = `Here:\n${xxdBinary(`${"x".repeat(110)}${KEY}\n`, 120)}done.`;
  const whole = secrets.redact(text);
  const out = streamed(secrets, text, 5);
  assert.ok(!whole.includes(keyBits.slice(10, 18).join(" ")));
  assert.ok(!out.includes(keyBits.slice(10, 18).join(" ")), "the key's bytes 10..18 in binary are shown");
  assert.equal(out, whole);
});

test("an xxd of a key indented 1,200 spaces, streamed, is masked as whole", () => {
  const secrets = new SecretRedactor([KEY]);
  const dump = xxdLayout(KEY, { columns: 4, group: 2 }).split("\n").map((line) => `${" ".repeat(1200)}${line}`).join("\n");
  const text = `Here:\n${dump}\ndone.`;
  assert.equal(streamed(secrets, text, 7), secrets.redact(text));
});

test("an xxd of a key indented 5,000 spaces is masked whole", () => {
  const secrets = new SecretRedactor([KEY]);
  const dump = xxdLayout(KEY, { columns: 4, group: 2 }).split("\n").map((line) => `${" ".repeat(5000)}${line}`).join("\n");
  const hex = Buffer.from(KEY).toString("hex");
  const whole = secrets.redact(`Here:\n${dump}\ndone.`);
  const shownHex = whole.split("\n").map((line) => /: ([0-9a-f]{4}) ([0-9a-f]{4})/.exec(line)?.slice(1).join("") ?? "").join("");
  assert.ok(!shownHex.includes(hex.slice(0, 24)), "the key's hex is shown line by line");
});
