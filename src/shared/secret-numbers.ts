/**
 * A value's bytes written out as numbers: lists and dumps in binary, octal, decimal or hex, one byte a
 * number or a word of two, four or eight bytes in either byte order, zero-padded or not, with or without
 * a dump's offsets.
 *
 *     [115, 107, 45, 97, …]                     Python's list(b"…"), JS Array.from(Buffer), od -An -tu1
 *     115;107;045 · 115|107|45 · 115.107-45     bytes joined by other separators, zero-padded or not
 *     ['0x73', '0x6b'] · ['0b1110011', …]       Python's lists of strings, prefixes kept
 *     0000000 163 153 055 141 …                 od -b, hexdump -b
 *     0000000 065563 066455 …                   od, od -to2, hexdump -o (two-byte words in octal)
 *     0000000 6b73 612d …                       od -x, hexdump (two-byte words, little-endian)
 *     0000000 30840 29472 …                     od -d, hexdump -d (two-byte words in decimal)
 *     0000000  1600745569  1031365995 …         od -td4, -tu4, -to4, -tu8 (four- and eight-byte words)
 *     0000000   s   k   -   a …                 od -c, hexdump -c (a character, an escape or an octal byte a cell)
 *     01110011 01101011 · 1110011 1101011       binary, padded to eight digits or not
 *     \163\153\55                                octal escapes, the leading zero dropped (backslashes between)
 *
 * A run of numbers is read in every base all its numbers fit (binary, octal, decimal), each number a
 * word of the fewest bytes that hold the run's largest, both byte orders; and in hex by its digits
 * (pairs, words as printed and reversed). Each reading's bytes are searched for the secret forms by the
 * matcher, and a match is masked on each line it spans, from its first number to its last. A run is
 * numbers with separators between (spaces, commas, semicolons, colons, bars, dots, slashes, underscores,
 * dashes, backslashes, quotes, line breaks,
 * a dump's offset at the start of a line), not touching letters or other digits: "in 2024, 12 people"
 * holds a run, but one whose bytes no key is made of. (Hex dumps with a character column, xxd and
 * hexdump -C: secret-dump.ts.)
 */
import { latin1 } from "./latin1.js";

/** One number of a run (or one cell of a character dump): where it stands, on which line of the run. */
export interface RunToken {
  start: number;
  end: number;
  /** Where its line begins in the text (a character dump's line is held from there in a stream). */
  lineStart: number;
}

/** A run read in one base and width: its bytes (latin1, one character each) and, for each, its number. */
export interface RunReading {
  bytes: string;
  token: number[];
}

export interface NumberRun {
  tokens: RunToken[];
  readings: RunReading[];
  /** Where the run ends in the text: past its last number, or past one cut short and left out of its readings. */
  end: number;
  /** Where a stream cut inside the run is held from: the number's start, or its line's (a character dump's line is read with its offset). */
  holdFromLine: boolean;
}

/** Most digits a number has: an eight-byte word in binary. */
const MOST_DIGITS = 64;
/** A number (a byte as a character dump prints it aside), maybe after a backslash (an octal escape, its leading zero dropped or not) or with Python's prefix (`0x73`, `0o163`, `0b1110011`). */
const NUMBER = String.raw`(?<![0-9A-Za-z#&%+])(?:0[xXoO]|0[bB](?=[01]+(?![0-9A-Za-z])))?[0-9A-Fa-f]{1,${MOST_DIGITS}}(?![0-9A-Za-z])`;
/** Between two numbers: spaces, a comma, semicolon, colon, bar, dot, slash, underscore or dash (quotes around: a Python list of strings), a backslash, or a line break with a dump's offset and brackets (JS's wrapped array) beside it. */
// (No two runs of spaces and tabs meet but across a character between: `[ \t]*[ \t]*` backtracks in the square of a long run.)
const BETWEEN = String.raw`(?:['"]?[ \t]*[,;|:./_-][ \t]*['"]?|[ \t]+|\\|['"]?[ \t]*(?:[,;|][ \t]*)?\]?\r?\n[ \t]*(?:(?:[0-9A-Fa-f]{6,16}:|[0-7]{7}|[0-9A-Fa-f]{7})[ \t]*)?(?:\[[ \t]*)?['"]?)`;
const RUN = new RegExp(`${NUMBER}(?:${BETWEEN}${NUMBER})+`, "g");
/** A dump's offset where a line begins: seven digits (od, hexdump), or six or more with a colon. */
const OFFSET = /^[ \t]*(?:[0-9A-Fa-f]{6,16}:|[0-9A-Fa-f]{7}(?![0-9A-Fa-f]))/;
/** A number of a run: its prefix, if any, and its digits. */
const DIGITS = /(?:0[xXoO]|0[bB](?=[01]+(?![0-9A-Fa-f])))?([0-9A-Fa-f]+)/g;
/** Python's prefix of a number (`0x`, `0o`, `0b`) where a number ends. */
const PREFIX = /^0[xXoO]|^0[bB](?=[01]+$)/;
const BINARY = /^[01]+$/;
/** A line of od -c or hexdump -c: an offset, then cells of four characters (a character; `\n` and the like; an octal byte; a space). */
const CELL_LINE = /^([0-9A-Fa-f]{7})((?: {3}[^\s\\]| {2}\\[0abfnrtv\\]| [0-7]{3}| {4})+)[ \t]*$/;
const CELL_GATE = /(?:^|\n)[0-9A-Fa-f]{7} {3}/;
const CELL_ESCAPES: Readonly<Record<string, number>> = { "0": 0, a: 7, b: 8, f: 12, n: 10, r: 13, t: 9, v: 11, "\\": 92 };

/** The runs of numbers in `text`, and its character dumps, each with every reading of it. */
export function numberRuns(text: string): NumberRun[] {
  const runs: NumberRun[] = [];
  const lines = new LineStarts(text);
  RUN.lastIndex = 0;
  for (const run of text.matchAll(RUN)) {
    const found = numberRun({ text, at: run.index, source: run[0], lines });
    if (found) runs.push(found);
  }
  for (const run of cellRuns(text)) runs.push(run);
  return runs;
}

/**
 * Where the line of a place in a text begins, asked for places in the order they come: the text is
 * read once, however long its lines (a run of numbers on one line of a megabyte asks at each number).
 */
class LineStarts {
  private readUpTo = 0;
  private lineStart = 0;
  /** The first line break at or after `readUpTo` (-1: none). */
  private next: number;

  constructor(private readonly text: string) {
    this.next = text.indexOf("\n");
  }

  of(place: number): number {
    if (place < this.readUpTo) return this.text.lastIndexOf("\n", place - 1) + 1;
    while (this.next !== -1 && this.next < place) {
      this.lineStart = this.next + 1;
      this.next = this.text.indexOf("\n", this.lineStart);
    }
    this.readUpTo = place;
    return this.lineStart;
  }
}

/**
 * Whether `text` may end in a run of numbers (a cheap test before runAtEnd): its last word but
 * separators a number, or a character dump's line in it (whose cells may be any character).
 */
export function mayEndInRun(text: string): boolean {
  return numberEndingAt(text, text.length) !== undefined || mayHoldCells(text);
}

/**
 * The number that ends at `end` in `text`, but for separators after it (spaces, line breaks, commas,
 * brackets): hex digits, eight at most, not part of a word (`the`, `and`) or of another number — where
 * it starts and ends. Scanned back from `end`: a stream's every piece is looked at so.
 */
function numberEndingAt(text: string, end: number): [number, number] | undefined {
  let last = end;
  // A number's prefix alone where the text ends (`…, '0x`) is a number begun: its digits may come in the next piece.
  if (last >= 2 && /[xXoO]/.test(text.charAt(last - 1)) && text.charAt(last - 2) === "0" && (last === 2 || !NOT_BEFORE.test(text.charAt(last - 3)))) return [last - 2, last];
  while (last > 0 && isBetween(text.charCodeAt(last - 1))) last--;
  let start = last;
  while (start > 0 && start > last - MOST_DIGITS - 1 && isHexDigit(text.charCodeAt(start - 1))) start--;
  // Python's prefix before the digits (`0x73`; `0b…` is hex digits already) is the number's too.
  if (start >= 2 && /[xXoO]/.test(text.charAt(start - 1)) && text.charAt(start - 2) === "0") start -= 2;
  if (start === last || last - start > MOST_DIGITS + 2 || (start > 0 && NOT_BEFORE.test(text.charAt(start - 1)))) return undefined;
  return [start, last];
}

/** A character dump's cells are three spaces and a character: a text without three spaces in a row has none. */
function mayHoldCells(text: string): boolean {
  return text.includes("   ") && CELL_GATE.test(text);
}

/** What may follow a run that goes on in a stream's next piece: a separator, quotes, the next number's prefix begun. */
const AFTER_RUN = /^\s*['"]?\s*[,;|:./_\\\]-]?\s*['"]?\s*(?:0[xXoO]?)?$/;

/** What may not stand right before a number (as NUMBER's look-behind says). */
const NOT_BEFORE = /[0-9A-Za-z#&%+]/;

/** A space, tab, line break, comma, semicolon, colon, bar, dot, slash, underscore, dash, backslash, bracket or quote: what may follow a run's last number. */
function isBetween(code: number): boolean {
  return code === 0x20 || code === 0x09 || code === 0x0a || code === 0x0d || code === 0x2c || code === 0x3b || code === 0x3a || code === 0x7c || code === 0x5c || code === 0x5b || code === 0x5d || code === 0x27 || code === 0x22 || code === 0x2e || code === 0x2f || code === 0x5f || code === 0x2d;
}

function isHexDigit(code: number): boolean {
  return (code >= 0x30 && code <= 0x39) || (code >= 0x41 && code <= 0x46) || (code >= 0x61 && code <= 0x66);
}

/** The run that reaches the end of `text` (but for separators), if one does: what a stream's next piece may go on. */
export function runAtEnd(text: string): NumberRun | undefined {
  // A number alone at the end (no number before it but separators) is no run: the regular expressions are spared.
  const last = numberEndingAt(text, text.length);
  if (!mayHoldCells(text) && (last === undefined || numberEndingAt(text, last[0]) === undefined)) return undefined;
  // Only the tail may hold it: a run's numbers are a few characters each, a key's at most a few hundred.
  const from = Math.max(0, text.lastIndexOf("\n", Math.max(0, text.length - 2048)));
  const tail = text.slice(from);
  const runs = numberRuns(tail).filter((run) => AFTER_RUN.test(tail.slice(run.end)));
  const found = runs.at(-1);
  if (!found) return undefined;
  return { ...found, end: found.end + from, tokens: found.tokens.map((token) => ({ start: token.start + from, end: token.end + from, lineStart: token.lineStart + from })) };
}

/** A number alone at the end of `text`, as a run of one (its readings those of one number, maybe none). */
export function loneNumberAtEnd(text: string): NumberRun | undefined {
  const found = numberEndingAt(text, text.length);
  if (!found) return undefined;
  const [start, end] = found;
  const digits = numberDigits(text.slice(start, end));
  const lineStart = text.lastIndexOf("\n", start - 1) + 1;
  // No reading yet is still a number a stream may be cutting short (`6b` of `6b73`): returned, to be held while it is the last.
  // A dump's offset alone on its line (its closing one, or the next line's begun) is no byte, as in a run (but seven binary digits may be one).
  const offset = !BINARY.test(digits) && text.slice(lineStart, start).trim() === "" && OFFSET.exec(text.slice(lineStart, end + 1))?.[0].trim().replace(/:$/, "") === digits;
  return { tokens: [{ start, end, lineStart }], readings: offset || digits === "" ? [] : readingsOf([digits]), end, holdFromLine: false };
}

/** A number's digits as written, without Python's prefix (`0x73` → `73`). */
export function numberDigits(written: string): string {
  return written.replace(PREFIX, "");
}

/** The run `source` at `at` in `text`: its numbers (offsets dropped) and its readings; undefined when no reading fits it. */
function numberRun(found: { text: string; at: number; source: string; lines: LineStarts }): NumberRun | undefined {
  const { text, at, source, lines } = found;
  const numbers: { token: RunToken; digits: string; offset: boolean }[] = [];
  let lineStart = lines.of(at);
  DIGITS.lastIndex = 0;
  for (const number of source.matchAll(DIGITS)) {
    const start = at + number.index;
    const newline = lines.of(start);
    let offset = false;
    if (newline > lineStart || numbers.length === 0) {
      lineStart = newline;
      // The first number on a line, if it is a dump's offset, is none of the bytes.
      const before = text.slice(lineStart, start + number[0].length + 1);
      offset = OFFSET.test(before) && OFFSET.exec(before)?.[0].trim().replace(/:$/, "") === number[0] && text.slice(lineStart, start).trim() === "";
    }
    numbers.push({ token: { start, end: start + number[0].length, lineStart }, digits: number[1] as string, offset });
  }
  // But in a run of binary digits alone a line's first number of seven is a byte (`1110011`, unpadded), not od's offset.
  const binary = numbers.every((each) => BINARY.test(each.digits));
  const bytes = binary ? numbers : numbers.filter((each) => !each.offset);
  const tokens = bytes.map((each) => each.token);
  const digits = bytes.map((each) => each.digits);
  // A run no reading fits may end in a number cut short (a stream's text so far: `0a5a\n0`, the next line's offset begun): read without it.
  let readings = readingsOf(digits);
  if (readings.length === 0) {
    tokens.pop();
    readings = readingsOf(digits.slice(0, -1));
  }
  return readings.length > 0 ? { tokens, readings, end: at + source.length, holdFromLine: false } : undefined;
}

/** Every reading a run of numbers fits: in each base all its digits fit (binary, octal, decimal), its numbers as words of the fewest bytes that hold them all, either byte order; and hex, read by its digits (pairs, or words of two, four or eight bytes). */
export function readingsOf(digits: readonly string[]): RunReading[] {
  const readings: RunReading[] = [];
  if (digits.length === 0) return readings;
  // One pass over the digits says which readings fit (a stream's every piece may come here: no pattern, no closure a number).
  // Hex is read by its digits, an odd number of them with the leading zero dropped (Python's hex(): `0xa5a`).
  const width = evenDigits(digits[0] as string).length;
  let highest = 0;
  let hex = width === 2 || width === 4 || width === 8 || width === 16;
  for (let index = 0; index < digits.length; index++) {
    const each = digits[index] as string;
    for (let at = 0; at < each.length; at++) {
      const code = each.charCodeAt(at);
      const digit = code <= 0x39 ? code - 0x30 : 10;
      if (digit > highest) highest = digit;
    }
    if (index < digits.length - 1 && evenDigits(each).length !== width) hex = false;
  }
  for (const base of [10, 8, 2]) if (highest < base) readings.push(...wordReadings(digits, base));
  // Hex: pairs, or words of two, four or eight bytes (the last maybe shorter: an odd byte out), read as printed and each word reversed.
  if (hex) {
    const even = digits.map(evenDigits);
    readings.push(hexBytes(even, false));
    if (width > 2) readings.push(hexBytes(even, true));
  }
  return readings;
}

/** Numbers of hex digits read by pairs, each number's bytes as printed or `reversed` (a little-endian word). */
function hexBytes(digits: readonly string[], reversed: boolean): RunReading {
  const codes: number[] = [];
  const token: number[] = [];
  for (let index = 0; index < digits.length; index++) {
    const each = digits[index] as string;
    const count = each.length / 2;
    for (let byte = 0; byte < count; byte++) {
      const at = (reversed ? count - 1 - byte : byte) * 2;
      codes.push(hexValue(each.charCodeAt(at)) * 16 + hexValue(each.charCodeAt(at + 1)));
      token.push(index);
    }
  }
  return { bytes: latin1(codes), token };
}

function hexValue(code: number): number {
  return code <= 0x39 ? code - 0x30 : (code | 0x20) - 0x57;
}

function evenDigits(digits: string): string {
  return digits.length % 2 === 0 ? digits : `0${digits}`;
}

/** Digits past which a number in a base may be more than a double holds exactly: read as a BigInt. */
const EXACT_DIGITS: Readonly<Record<number, number>> = { 2: 52, 8: 17, 10: 15 };
const BIG_PREFIX: Readonly<Record<number, string>> = { 2: "0b", 8: "0o", 10: "" };

/**
 * A run's numbers in `base` as words of one, two, four or eight bytes — the fewest that hold its
 * largest number (a word's high byte is never all zero but in its last) — little-endian (od, hexdump,
 * on this machine) and big-endian; none when a number needs more than eight bytes.
 */
function wordReadings(digits: readonly string[], base: number): RunReading[] {
  const words: number[][] = [];
  let most = 1;
  for (const each of digits) {
    const bytes = littleEndian(each, base);
    if (bytes.length > 8) return [];
    if (bytes.length > most) most = bytes.length;
    words.push(bytes);
  }
  const size = most <= 1 ? 1 : most <= 2 ? 2 : most <= 4 ? 4 : 8;
  const little = words.map((bytes) => (bytes.length === size ? bytes : [...bytes, ...Array.from({ length: size - bytes.length }, () => 0)]));
  // Big-endian, the last word is read as short as its number (a tail of fewer bytes than a word, as Python's int.from_bytes reads it).
  const big = little.map((bytes, index) => (index === little.length - 1 ? [...(words[index] as number[])] : [...bytes]).reverse());
  const reading = (order: number[][]): RunReading => {
    const codes: number[] = [];
    const token: number[] = [];
    order.forEach((bytes, index) => {
      for (const code of bytes) {
        codes.push(code);
        token.push(index);
      }
    });
    return { bytes: latin1(codes), token };
  };
  return size === 1 ? [reading(little)] : [reading(little), reading(big)];
}

/** The bytes of the number `digits` in `base`, least significant first, as few as hold it (one at least). */
function littleEndian(digits: string, base: number): number[] {
  const bytes: number[] = [];
  if (digits.length <= (EXACT_DIGITS[base] as number)) {
    let value = Number.parseInt(digits, base);
    do {
      bytes.push(value % 256);
      value = Math.floor(value / 256);
    } while (value > 0 && bytes.length <= 8);
    return bytes;
  }
  let value = BigInt(`${BIG_PREFIX[base] as string}${digits}`);
  do {
    bytes.push(Number(value & 0xffn));
    value >>= 8n;
  } while (value > 0n && bytes.length <= 8);
  return bytes;
}

/** The character dumps (od -c, hexdump -c) in `text`: runs of their lines, a byte a cell. */
function cellRuns(text: string): NumberRun[] {
  if (!CELL_GATE.test(text)) return [];
  const runs: NumberRun[] = [];
  let tokens: RunToken[] = [];
  let codes: number[] = [];
  const close = () => {
    if (tokens.length >= 2) runs.push({ tokens, readings: [{ bytes: latin1(codes), token: codes.map((_, index) => index) }], end: (tokens.at(-1) as RunToken).end, holdFromLine: true });
    tokens = [];
    codes = [];
  };
  let start = 0;
  while (start <= text.length) {
    const newline = text.indexOf("\n", start);
    const end = newline === -1 ? text.length : newline;
    const line = CELL_LINE.exec(text.slice(start, end).replace(/\r$/, ""));
    if (line) {
      const cells = line[2] as string;
      const first = start + (line[1] as string).length;
      for (let at = 0; at + 4 <= cells.length; at += 4) {
        const cell = cells.slice(at, at + 4);
        const body = cell.trimStart() === "" ? " " : cell.trimStart();
        const code = body.length === 1 ? body.charCodeAt(0) : body.charAt(0) === "\\" ? (CELL_ESCAPES[body.charAt(1)] as number) : Number.parseInt(body, 8);
        tokens.push({ start: first + at + 4 - body.length, end: first + at + 4, lineStart: start });
        codes.push(code);
      }
    } else close();
    if (newline === -1) break;
    start = newline + 1;
  }
  close();
  return runs;
}

/** The spans to mask for bytes `from` to `to` of a reading: on each line, its first number's start to its last's end. */
export function runSpans(run: NumberRun, reading: RunReading, from: number, to: number): [number, number][] {
  const spans: [number, number][] = [];
  for (let index = from; index < to; index++) {
    const token = run.tokens[reading.token[index] as number] as RunToken;
    const last = spans.at(-1);
    const previous = index > from ? (run.tokens[reading.token[index - 1] as number] as RunToken) : undefined;
    if (last && previous && previous.lineStart === token.lineStart) {
      last[0] = Math.min(last[0], token.start);
      last[1] = Math.max(last[1], token.end);
    } else spans.push([token.start, token.end]);
  }
  return spans;
}
