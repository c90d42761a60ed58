// A key's bytes written as numbers, by the real tools (od, hexdump, xxd, python3, node) and as C/shell
// octal escapes: decimal, octal and binary byte lists, two-byte words little-endian in hex and decimal, xxd -e's
// four-byte words, od -c's cells — the key at any offset of the bytes, so that it begins mid-line and
// spans lines. Masked whole and streamed through the gateway's TurnRedactor in any frames (the same
// text shown), no eight bytes of it readable after; a table of numbers, timestamps and these dumps of
// ordinary bytes come back exactly as written.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { test } from "node:test";
import type { AgentEvent } from "../../src/agent/agent-events.js";
import { TurnRedactor } from "../../src/gateway/turn-redactor.js";
import { SecretRedactor } from "../../src/shared/secret-redactor.js";

const KEY = "sk-ant-FAKEKEY1234567890abcdefXYZ";
/** What stands before the key in the bytes: at offset 0, mid-line, past the first line. */
const BEFORE = ["", "api_key=", "x".repeat(13), "y".repeat(20)];
const ORDINARY = "commit 9135343a1b2c3d4e deadbeef cafe 34567890abcdef0123456789 Hello world, this is an ordinary file.\n";

/** How a layout's numbers read back as bytes: base, bytes a number, little-endian; or a character dump's cells. */
type Reading = { base: number; width: number; little?: boolean; column?: boolean } | "cells";

const tool = (command: string, ...args: string[]) => (bytes: string) => execFileSync(command, args, { input: bytes }).toString();
/** What python3 prints of `expression`, the bytes as `data`. */
const python = (expression: string) => (bytes: string) => execFileSync("python3", ["-c", `import sys; data = sys.stdin.buffer.read(); print(${expression})`], { input: bytes }).toString();
const LAYOUTS: Record<string, { print: (bytes: string) => string; reading: Reading }> = {
  "od -c": { print: tool("od", "-c"), reading: "cells" },
  "hexdump -c": { print: tool("hexdump", "-c"), reading: "cells" },
  "od -b": { print: tool("od", "-b"), reading: { base: 8, width: 1 } },
  "od -An -to1": { print: tool("od", "-An", "-to1"), reading: { base: 8, width: 1 } },
  "hexdump -b": { print: tool("hexdump", "-b"), reading: { base: 8, width: 1 } },
  "od -tu1": { print: tool("od", "-tu1"), reading: { base: 10, width: 1 } },
  "od -An -tu1": { print: tool("od", "-An", "-tu1"), reading: { base: 10, width: 1 } },
  "od -An -tx1": { print: tool("od", "-An", "-tx1"), reading: { base: 16, width: 1 } },
  "od -x": { print: tool("od", "-x"), reading: { base: 16, width: 2, little: true } },
  "od -An -x": { print: tool("od", "-An", "-x"), reading: { base: 16, width: 2, little: true } },
  hexdump: { print: tool("hexdump"), reading: { base: 16, width: 2, little: true } },
  "hexdump -x": { print: tool("hexdump", "-x"), reading: { base: 16, width: 2, little: true } },
  "od -d": { print: tool("od", "-d"), reading: { base: 10, width: 2, little: true } },
  "hexdump -d": { print: tool("hexdump", "-d"), reading: { base: 10, width: 2, little: true } },
  "xxd -e": { print: tool("xxd", "-e"), reading: { base: 16, width: 4, little: true, column: true } },
  "xxd -p": { print: tool("xxd", "-p"), reading: { base: 16, width: 1 } },
  "xxd -b": { print: tool("xxd", "-b"), reading: { base: 2, width: 1, column: true } },
  "xxd -b -c 4": { print: tool("xxd", "-b", "-c", "4"), reading: { base: 2, width: 1, column: true } },
  "binary, eight digits a byte": { print: (bytes) => [...Buffer.from(bytes)].map((byte) => byte.toString(2).padStart(8, "0")).join(" "), reading: { base: 2, width: 1 } },
  "python3 list(b'…')": { print: (bytes) => execFileSync("python3", ["-c", "import sys; print(list(sys.stdin.buffer.read()))"], { input: bytes }).toString(), reading: { base: 10, width: 1 } },
  "node Array.from(Buffer)": { print: (bytes) => execFileSync(process.execPath, ["-e", "console.log(Array.from(require('fs').readFileSync(0)))"], { input: bytes }).toString(), reading: { base: 10, width: 1 } },
  "decimal, spaces between": { print: (bytes) => [...Buffer.from(bytes)].join(" "), reading: { base: 10, width: 1 } },
  // Two-byte words in octal (od's default), four- and eight-byte words in decimal, octal and hex.
  od: { print: tool("od"), reading: { base: 8, width: 2, little: true } },
  "od -to2": { print: tool("od", "-to2"), reading: { base: 8, width: 2, little: true } },
  "od -An -to2": { print: tool("od", "-An", "-to2"), reading: { base: 8, width: 2, little: true } },
  "hexdump -o": { print: tool("hexdump", "-o"), reading: { base: 8, width: 2, little: true } },
  "od -td2": { print: tool("od", "-td2"), reading: { base: 10, width: 2, little: true } },
  "od -td4": { print: tool("od", "-td4"), reading: { base: 10, width: 4, little: true } },
  "od -tu4": { print: tool("od", "-tu4"), reading: { base: 10, width: 4, little: true } },
  "od -An -tu4": { print: tool("od", "-An", "-tu4"), reading: { base: 10, width: 4, little: true } },
  "od -to4": { print: tool("od", "-to4"), reading: { base: 8, width: 4, little: true } },
  "od -tx4": { print: tool("od", "-tx4"), reading: { base: 16, width: 4, little: true } },
  "od -tu8": { print: tool("od", "-tu8"), reading: { base: 10, width: 8, little: true } },
  "od -td8": { print: tool("od", "-td8"), reading: { base: 10, width: 8, little: true } },
  "od -to8": { print: tool("od", "-to8"), reading: { base: 8, width: 8, little: true } },
  "od -tx8": { print: tool("od", "-tx8"), reading: { base: 16, width: 8, little: true } },
  // python3's bytes joined by other separators, unpadded and zero-padded, and two-byte words big-endian.
  "python3 ';'.join(str(b))": { print: python("';'.join(str(b) for b in data)"), reading: { base: 10, width: 1 } },
  "python3 '|'.join(str(b))": { print: python("'|'.join(str(b) for b in data)"), reading: { base: 10, width: 1 } },
  "python3 ':'.join(str(b))": { print: python("':'.join(str(b) for b in data)"), reading: { base: 10, width: 1 } },
  "python3 '.'.join(str(b))": { print: python("'.'.join(str(b) for b in data)"), reading: { base: 10, width: 1 } },
  "python3 '-'.join(str(b))": { print: python("'-'.join(str(b) for b in data)"), reading: { base: 10, width: 1 } },
  "python3 '_'.join(str(b))": { print: python("'_'.join(str(b) for b in data)"), reading: { base: 10, width: 1 } },
  "python3 '/'.join(str(b))": { print: python("'/'.join(str(b) for b in data)"), reading: { base: 10, width: 1 } },
  "python3 bin(b)[2:]": { print: python("' '.join(bin(b)[2:] for b in data)"), reading: { base: 2, width: 1 } },
  "python3 oct(b)[2:], tabs": { print: python("'\\t'.join(oct(b)[2:] for b in data)"), reading: { base: 8, width: 1 } },
  "python3 '\\%o' escapes (\\163\\153\\55…)": { print: python("''.join('\\\\%o' % b for b in data)"), reading: { base: 8, width: 1 } },
  "python3 '%03d'": { print: python("' '.join('%03d' % b for b in data)"), reading: { base: 10, width: 1 } },
  "python3 '%05d' of big-endian two-byte words": { print: python("', '.join('%05d' % int.from_bytes(data[i:i + 2], 'big') for i in range(0, len(data), 2))"), reading: { base: 10, width: 2 } },
  "python3 big-endian four-byte words, '|' between": { print: python("'|'.join(str(int.from_bytes(data[i:i + 4], 'big')) for i in range(0, len(data), 4))"), reading: { base: 10, width: 4 } },
  // Python's lists of strings, its prefixes (0b, 0o, 0x) kept, and hex() of little-endian words (unpadded: `0xa5a`).
  "python3 [bin(b)]": { print: python("[bin(b) for b in data]"), reading: { base: 2, width: 1 } },
  "python3 [oct(b)]": { print: python("[oct(b) for b in data]"), reading: { base: 8, width: 1 } },
  "python3 [hex(b)]": { print: python("[hex(b) for b in data]"), reading: { base: 16, width: 1 } },
  "python3 [str(b)]": { print: python("[str(b) for b in data]"), reading: { base: 10, width: 1 } },
  "python3 hex() of little-endian two-byte words": { print: python("', '.join(hex(int.from_bytes(data[i:i + 2], 'little')) for i in range(0, len(data), 2))"), reading: { base: 16, width: 2, little: true } },
  "octal escapes ($'\\163\\153…')": { print: (bytes) => `$'${[...Buffer.from(bytes)].map((byte) => `\\${byte.toString(8).padStart(3, "0")}`).join("")}'`, reading: { base: 8, width: 1 } },
};

/**
 * The bytes a text shows, read as `reading` says (apart from the redactor's own reading): a dump's
 * offsets dropped, a masked number breaking the bytes; for a character dump, its characters.
 */
function bytesShown(text: string, reading: Reading): string {
  const lines = text.split("\n").map((line) => line.replace(/^\s*(?:[0-9a-f]{6,}:|[0-9a-f]{7}(?=\s|$))/i, ""));
  if (reading === "cells") return lines.map((line) => line.replace(/\s/g, "")).join("");
  // xxd -p: one run of hex, wrapped; octal escapes: one run of them. A character column (xxd): after the line's last gap of two spaces or more.
  const numbers = lines
    .map((line) => (reading.column === true ? line.replace(/ {2,}(?!.* {2,}).*$/, "") : line))
    .join(" ").replace(/^\$'|'$/g, "").split(/[\s,;|:./_[\]\\'"-]+/).filter((each) => each !== "");
  const digits = reading.width === 1 && reading.base === 16 ? numbers.flatMap((each) => (/^[0-9a-f]+$/i.test(each) ? each.match(/../g) ?? [] : [each])) : numbers;
  return digits
    .map((each) => {
      const prefix = reading.base === 16 ? /^0x/i : reading.base === 8 ? /^0o/i : reading.base === 2 ? /^0b/i : /^(?!)/;
      each = each.replace(prefix, "");
      if (!/^[0-9a-f]+$/i.test(each)) return "\u0100";
      const value = [...each.toLowerCase()].reduce((sum, digit) => sum * BigInt(reading.base) + BigInt(Number.parseInt(digit, 16)), 0n);
      const bytes = Array.from({ length: reading.width }, (_, index) => Number((value >> BigInt(8 * (reading.width - 1 - index))) & 0xffn));
      return String.fromCharCode(...(reading.little === true ? bytes.reverse() : bytes));
    })
    .join("");
}

/** A piece of the key eight characters long shown, read as the layout's bytes or as written on a line. */
function pieceShown(text: string, reading: Reading): string | undefined {
  const bytes = bytesShown(text, reading).toLowerCase();
  const lines = text.split("\n").map((line) => line.replace(/\s/g, "").toLowerCase());
  for (let at = 0; at + 8 <= KEY.length; at++) {
    const piece = KEY.slice(at, at + 8).toLowerCase();
    if (bytes.includes(piece) || lines.some((line) => line.includes(piece))) return piece;
  }
  return undefined;
}

/** The frames a model server sends: a line at a time, a token at a time, or so many characters. */
const FRAMES: Record<string, (text: string) => string[]> = {
  lines: (text) => text.match(/[^\n]*\n|[^\n]+$/g) ?? [],
  tokens: (text) => text.match(/\s+|[A-Za-z]+|[0-9]{1,3}|./g) ?? [],
};
for (const size of [1, 2, 3, 5, 7, 16]) {
  FRAMES[`${size} characters`] = (text) => Array.from({ length: Math.ceil(text.length / size) }, (_, index) => text.slice(index * size, index * size + size));
}

function streamed(secrets: SecretRedactor, deltas: readonly string[]): string {
  const redactor = new TurnRedactor(secrets);
  const out: AgentEvent[] = [];
  for (const delta of deltas) out.push(...redactor.event({ type: "text-delta", delta }));
  out.push(...redactor.flush());
  return out.map((event) => (event.type === "text-delta" ? event.delta : "")).join("");
}

test("the readings of this test see the key in each layout unmasked (so a leak would be seen)", () => {
  for (const [layout, { print, reading }] of Object.entries(LAYOUTS)) {
    assert.ok(pieceShown(print(`api_key=${KEY}\n`), reading) !== undefined, layout);
  }
});

for (const [layout, { print, reading }] of Object.entries(LAYOUTS)) {
  test(`${layout} of a key at any offset is masked, whole and streamed in any frames alike, no eight bytes of it left`, () => {
    const secrets = new SecretRedactor([KEY, "another-known-secret-value"]);
    for (const before of BEFORE) {
      const text = `Here it is:\n${print(`${before}${KEY}\n`)}\ndone.`;
      const whole = secrets.redact(text);
      assert.ok(whole.includes("***"), `${layout}, after ${JSON.stringify(before)}: ${whole}`);
      assert.equal(pieceShown(whole, reading), undefined, `${layout}, after ${JSON.stringify(before)}:\n${whole}`);
      for (const [frames, split] of Object.entries(FRAMES)) {
        assert.equal(streamed(secrets, split(text)), whole, `${layout}, after ${JSON.stringify(before)}, ${frames}`);
      }
    }
  });
}

test("a key's bytes as numbers in a line of prose, after other numbers, are masked and the rest is left", () => {
  const secrets = new SecretRedactor([KEY]);
  const decimal = [...Buffer.from(KEY)].join(", ");
  assert.equal(secrets.redact(`Counts 3, 14, 15, 92 and then bytes: ${decimal} - end.`), "Counts 3, 14, 15, 92 and then bytes: *** - end.");
  const octal = [...Buffer.from(KEY)].map((byte) => `\\${byte.toString(8).padStart(3, "0")}`).join("");
  assert.equal(secrets.redact(`printf '${octal}\\n'`), "printf '***\\n'");
});

test("numbers that are no key — a table, timestamps, a list, these dumps of ordinary bytes — come back as written, whole and streamed", () => {
  const secrets = new SecretRedactor([KEY, "another-known-secret-value"]);
  const texts = [
    "id  count  ms\n1   115    107\n2   45     97\n3   110    116\n4   45     70\n5   65     75\n",
    "2026-12-02 16:51:53 started\n2026-12-02T16:51:54.123Z 200 12 ms\n12:30:45 up 3 days,  4:05,  2 users,  load average: 0.15, 0.10, 0.05\n",
    "-rw-r--r-- 1 user user 4096 Dec  2 16:51 file.txt\ndrwxr-xr-x 2 user user 4096 Dec  2 16:51 dir\n",
    "[1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20]\n",
    // The key's first bytes, the rest never coming: let go once the text goes on.
    "CSV: 115,107,45,97,110\n127.0.0.1 10.0.0.255 192.168.1.100\n",
    // Tables with semicolons and bars, zero-padded numbers, times and big numbers (words of four and eight bytes, were they a key's).
    "id;count;ms\n1;115;107\n2;45;97\n3;110;116\n4;45;70\n",
    "| id | count | ms  |\n|----|-------|-----|\n| 001 | 115 | 107 |\n| 002 | 045 | 097 |\n| 003 | 110 | 116 |\n",
    "a|b|c\n115|107|045\n097|110|116\nend of table\n",
    "invoice 000115 000107 000045 000097; batch 0042;0043;0044\n12:30:45 08:15:00 23:59:59\n",
    "sizes: 1733150113 1733150114 1733150115 18446744073709551615 9007199254740993\n",
    "flags 0101 1100 0011 1110011 1101011 set\n",
    "v1.2.3 on 2026/12/02, build 2026-12-02_115-107, snake_case_12_34, 10.0.0.1/24, ratio 3.14159\n",

    `${[...Buffer.from(ORDINARY)].join(", ")}\n`,
    ...Object.entries(LAYOUTS).map(([layout, { print }]) => `${layout}:\n${print(ORDINARY)}\n`),
  ];
  for (const text of texts) {
    assert.equal(secrets.redact(text), text);
    for (const [frames, split] of Object.entries(FRAMES)) assert.equal(streamed(secrets, split(text)), text, `${frames}: ${text}`);
  }
});

test("a key whose letters and hex no list of numbers holds is found by its bytes as numbers (the cheap first test looks for those too)", () => {
  const key = "zebra-quokka-zygote-42";
  const secrets = new SecretRedactor([key]);
  const bytes = [...Buffer.from(key)];
  for (const list of [bytes.join(", "), bytes.map((byte) => byte.toString(8).padStart(3, "0")).join(" "), `[${[...Buffer.from(key.toUpperCase())].join(",")}]`]) {
    assert.equal(secrets.redact(`bytes: ${list} end`), `bytes: ${list.startsWith("[") ? "[***]" : "***"} end`, list);
  }
  // Unpadded and zero-padded, other separators, words of two, four and eight bytes (no offsets: nothing else says "dump").
  const python = (expression: string) => execFileSync("python3", ["-c", `import sys; data = sys.stdin.buffer.read(); print(${expression}, end='')`], { input: key }).toString();
  const lists = [
    python("';'.join(str(b) for b in data)"),
    python("'|'.join('%03d' % b for b in data)"),
    python("' '.join(bin(b)[2:] for b in data)"),
    python("''.join('\\\\%o' % b for b in data)"),
    python("[bin(b) for b in data]"),
    python("[oct(b) for b in data]"),
    python("[hex(b) for b in data]"),
    ...[["-to2"], ["-tu4"], ["-to4"], ["-tu8"]].map((args) => execFileSync("od", ["-An", "-w64", ...args], { input: key }).toString().trim()),
  ];
  for (const list of lists) {
    assert.equal(secrets.redact(`bytes: ${list} end`), `bytes: ${list.startsWith("\\") ? "\\***" : list.startsWith("[") ? "['***']" : "***"} end`, list);
  }
});
