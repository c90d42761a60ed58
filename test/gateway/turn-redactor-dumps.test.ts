// A key's hex dump (hexdump -C, xxd in any -c/-g layout, -u), the key at any offset of the dumped bytes
// so that it begins mid-line and spans lines, streamed through the gateway's TurnRedactor in pieces of
// 1..16 characters and in the frames a model server sends (a token or a line at a time): what the
// listener is shown, joined, is the whole text's redaction, and holds no piece of the key.
import assert from "node:assert/strict";
import { test } from "node:test";
import type { AgentEvent } from "../../src/agent/agent-events.js";
import { TurnRedactor } from "../../src/gateway/turn-redactor.js";
import { SecretRedactor } from "../../src/shared/secret-redactor.js";
import { hexdumpC, hexOf, xxdLayout } from "../helpers/secret-forms.js";

const KEY = "sk-ant-FAKEKEY1234567890abcdefXYZ";
/** What stands before the key in the bytes dumped: at offset 0, mid-line, past the first line. */
const BEFORE = ["", "api_key=", "Authorization: Bearer ", "x".repeat(13), "y".repeat(20)];

const LAYOUTS: Record<string, (text: string) => string> = { "hexdump -C": hexdumpC };
for (let columns = 4; columns <= 32; columns++) LAYOUTS[`xxd -c ${columns}`] = (text) => xxdLayout(text, { columns, group: 2 });
for (const [columns, group] of [[16, 1], [16, 4], [16, 8], [24, 3], [8, 1], [12, 4], [32, 8]] as const) {
  LAYOUTS[`xxd -c ${columns} -g ${group}`] = (text) => xxdLayout(text, { columns, group });
}
LAYOUTS["xxd -u -c 8"] = (text) => xxdLayout(text, { columns: 8, group: 2, upper: true });
LAYOUTS["xxd -u"] = (text) => xxdLayout(text, { columns: 16, group: 2, upper: true });

/** The frames a model server sends: a line at a time, or a token at a time (words, runs of up to three digits, spaces, punctuation). */
const FRAMES: Record<string, (text: string) => string[]> = {
  lines: (text) => text.match(/[^\n]*\n|[^\n]+$/g) ?? [],
  tokens: (text) => text.match(/\s+|[A-Za-z]+|[0-9]{1,3}|./g) ?? [],
};
for (let size = 1; size <= 16; size++) {
  FRAMES[`${size} characters`] = (text) => Array.from({ length: Math.ceil(text.length / size) }, (_, index) => text.slice(index * size, index * size + size));
}

function shown(secrets: SecretRedactor, deltas: readonly string[]): string {
  const redactor = new TurnRedactor(secrets);
  const out: AgentEvent[] = [];
  for (const delta of deltas) out.push(...redactor.event({ type: "text-delta", delta }));
  out.push(...redactor.flush());
  return out.map((event) => (event.type === "text-delta" ? event.delta : "")).join("");
}

/** A piece of the key eight characters or more shown: as written, or its bytes in hex (the dump's hex read with the offsets and columns dropped line by line). */
function pieceShown(text: string): string | undefined {
  const lower = text.toLowerCase();
  const hexRun = text
    .split("\n")
    .map((line) => line.replace(/^\s*[0-9a-f]{8}:?/i, "").replace(/ {2,}\|?[^|]*\|?$|\s{2}\S.*$/, "").replace(/[^0-9a-f]/gi, ""))
    .join("")
    .toLowerCase();
  const hex = hexOf(KEY);
  for (let at = 0; at + 8 <= KEY.length; at++) {
    if (lower.includes(KEY.slice(at, at + 8).toLowerCase())) return KEY.slice(at, at + 8);
    if (hexRun.includes(hex.slice(at * 2, at * 2 + 16))) return hex.slice(at * 2, at * 2 + 16);
  }
  return undefined;
}

for (const [layout, dump] of Object.entries(LAYOUTS)) {
  test(`${layout} of a key at any offset, streamed in any frames, is masked as the whole text is and shows no piece of it`, () => {
    const secrets = new SecretRedactor([KEY]);
    for (const before of BEFORE) {
      const text = `Here it is:\n${dump(`${before}${KEY}\n`)}\ndone.`;
      const whole = secrets.redact(text);
      assert.ok(whole.includes("***"), `${layout}, after ${JSON.stringify(before)}: ${whole}`);
      assert.equal(pieceShown(whole), undefined, `${layout}, after ${JSON.stringify(before)}: ${whole}`);
      for (const [frames, split] of Object.entries(FRAMES)) {
        const out = shown(secrets, split(text));
        assert.equal(out, whole, `${layout}, after ${JSON.stringify(before)}, ${frames}`);
      }
    }
  });
}

test("the frames of the trial (an xxd of the key, a line at a time) show none of it", () => {
  const secrets = new SecretRedactor([KEY]);
  const deltas = ["XXDKEY ", "echo:\n", ...FRAMES.lines?.(`${xxdLayout(KEY, { columns: 16, group: 2 })}\n\n`) ?? [], "end"];
  const out = shown(secrets, deltas);
  assert.equal(pieceShown(out), undefined, out);
  assert.equal(out, secrets.redact(deltas.join("")));
});

test("a key dumped twice, the second beginning on the line where the first ends, is masked both times in any frames", () => {
  const secrets = new SecretRedactor([KEY]);
  for (const [layout, dump] of Object.entries(LAYOUTS)) {
    const text = `Here:\n${dump(`api_key=${KEY} again ${KEY}\n`)}\ndone.`;
    const whole = secrets.redact(text);
    assert.equal(pieceShown(whole), undefined, `${layout}: ${whole}`);
    for (const [frames, split] of Object.entries(FRAMES)) assert.equal(shown(secrets, split(text)), whole, `${layout}, ${frames}`);
  }
});

test("a line of words that only look like a dump's (a page of `AAAAAAAA `) streams out as it comes; a dump after it is still masked", () => {
  const secrets = new SecretRedactor([KEY]);
  const redactor = new TurnRedactor(secrets);
  const deltas = Array.from({ length: 3000 }, () => "AAAAAAAA ");
  let released = 0;
  const out: AgentEvent[] = [];
  for (const delta of deltas) {
    const events = redactor.event({ type: "text-delta", delta });
    if (events.length > 0) released++;
    out.push(...events);
  }
  // Held while the line may still be a dump's (no longer than xxd's longest), then each piece goes out as it comes.
  assert.ok(released >= deltas.length - 130, `${released} of ${deltas.length} pieces went out as they came`);
  const tail = `\nand the key:\n${hexdumpC(`api_key=${KEY}\n`)}\ndone.`;
  for (const delta of FRAMES["5 characters"]?.(tail) ?? []) out.push(...redactor.event({ type: "text-delta", delta }));
  out.push(...redactor.flush());
  const text = out.map((event) => (event.type === "text-delta" ? event.delta : "")).join("");
  assert.equal(text, secrets.redact(deltas.join("") + tail));
  assert.equal(pieceShown(text), undefined, text.slice(-400));
  assert.ok(text.startsWith("AAAAAAAA ".repeat(2900)), "every word of the page is shown");
});

test("a dump of more bytes than a call's arguments can hold (200 kB), and a page of 70,000 dump-like words, are read without a fault", () => {
  const secrets = new SecretRedactor([KEY]);
  const dump = hexdumpC(`${"x".repeat(200_000)}api_key=${KEY}\n`);
  const masked = secrets.redact(dump);
  assert.equal(pieceShown(masked.slice(-2000)), undefined, masked.slice(-600));
  assert.ok(masked.includes("***"));
  const page = "00000000 ".repeat(70_000);
  assert.equal(secrets.redact(page), page);
  assert.equal(secrets.partialFrom(page, { streamEnded: true }), page.length);
});
