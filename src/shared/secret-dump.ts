/**
 * Hex dumps as `hexdump -C` and `xxd` print them: an offset, the bytes in hex (pairs, or groups of
 * four), and a column of the bytes as characters (`.` for those that show none). Each dump is read
 * twice: its groups as printed, and each group's bytes reversed (`xxd -e`: little-endian words).
 * Groups all of binary digits, eight to a byte, are read in base 2 (`xxd -b`). A value dumped
 * stands in it in pieces with offsets and characters between — neither its hex nor the value is in
 * the text in a row — so dumps are read apart: their bytes, gathered line by line, are searched for
 * the forms, and a match is masked on each line it spans, in the hex and in the characters.
 *
 *     00000000  73 6b 2d 61 6e 74 2d 61  70 69 30 33 2d 5a 59 58  |sk-ant-api03-ZYX|
 *     00000000: 736b 2d61 6e74 2d61 7069 3033 2d5a 5958  sk-ant-api03-ZYX
 */
import { latin1 } from "./latin1.js";

/**
 * A line that may be one of a dump (a cheap test first): an offset of seven hex digits or more, then
 * hex — after a line break (a pattern that begins with one is quick to scan for), or where the text begins.
 */
export const DUMP_LINE = String.raw`\n[ \t]*[0-9A-Fa-f]{7,16}:? {1,2}[0-9A-Fa-f]{2}`;
const DUMP_FIRST_LINE = /^[ \t]*[0-9A-Fa-f]{7,16}:? {1,2}[0-9A-Fa-f]{2}/;
const DUMP_LATER_LINE = new RegExp(DUMP_LINE);

/** Whether `text` may hold a dump: a line of it that begins as a dump's does. */
export function mayHoldDump(text: string): boolean {
  return beginsAsDump(text) || DUMP_LATER_LINE.test(text);
}

/** Whether the first line of `text` begins as a dump's does. */
export function beginsAsDump(text: string): boolean {
  return DUMP_FIRST_LINE.test(text);
}
const OFFSET = /^[ \t]*[0-9A-Fa-f]{7,16}:?(?= )/;
/** A group of bytes in hex: xxd prints 1 to 256 bytes a line (`-c`), grouped any number of bytes together (`-g`); xxd -e right-aligns a last group short of bytes (spaces before it). */
const HEX_GROUP = / {1,7}((?:[0-9A-Fa-f]{2}){1,256})(?= )/y;
/** The beginning of a dump's line at the end of a stream's text, which the next piece may complete. */
const DUMP_LINE_BEGUN = /(?:^|\n)([ \t]*(?:[0-9A-Fa-f]{1,6}|[0-9A-Fa-f]{7,16}:?(?: {1,2}[0-9A-Fa-f]{1,512})*(?: +\|?[^\n]{0,256})?))$/;

/** One byte of a dump: where its hex digits and its character are in the text. */
interface DumpByte {
  line: number;
  hexStart: number;
  hexEnd: number;
  /** Undefined on a line printed without a character column. */
  char: number | undefined;
}

interface DumpBlock {
  /** How its groups of hex are read: as printed (xxd, hexdump -C), or each group's bytes reversed (xxd -e: little-endian words). */
  order: "big" | "little";
  /** The bytes, one character each (latin1). */
  bytes: string;
  at: DumpByte[];
  /** Where each of its lines begins in the text. */
  lineStarts: number[];
}

/**
 * The dumps in `text` (from its line at `from` on): runs of lines that read as a dump's, each read both ways (its groups as
 * printed, then each reversed: little-endian words).
 */
export function dumpBlocks(text: string, from = 0): DumpBlock[] {
  if (!mayHoldDump(from === 0 ? text : text.slice(from))) return [];
  const blocks: DumpBlock[] = [];
  const little: DumpBlock[] = [];
  let block: { big: DumpByte[]; little: DumpByte[]; codes: number[]; reversed: number[]; lineStarts: number[]; words: boolean } | undefined;
  const close = () => {
    if (!block) return;
    blocks.push({ order: "big", bytes: latin1(block.codes), at: block.big, lineStarts: block.lineStarts });
    if (block.words) little.push({ order: "little", bytes: latin1(block.reversed), at: block.little, lineStarts: block.lineStarts });
    block = undefined;
  };
  let start = from;
  while (start <= text.length) {
    const newline = text.indexOf("\n", start);
    const end = newline === -1 ? text.length : newline;
    const parsed = dumpLine(text.slice(start, end).replace(/\r$/, ""), start);
    if (parsed) {
      block ??= { big: [], little: [], codes: [], reversed: [], lineStarts: [], words: false };
      const line = block.lineStarts.length;
      block.lineStarts.push(start);
      parsed.forEach((byte, index) => {
        block?.codes.push(byte.code);
        block?.big.push({ line, hexStart: byte.hexStart, hexEnd: byte.hexEnd, char: byte.char });
        // Little-endian: the byte at this place is the one as far from its group's end as this is from its start; the character column is in that order already.
        const mirror = parsed[byte.groupStart + byte.groupEnd - 1 - index] as (typeof parsed)[number];
        block?.reversed.push(mirror.code);
        block?.little.push({ line, hexStart: mirror.hexStart, hexEnd: mirror.hexEnd, char: byte.char });
        if (byte.groupEnd - byte.groupStart > 1 && block) block.words = true;
      });
    } else close();
    if (newline === -1) break;
    start = newline + 1;
  }
  close();
  return [...blocks, ...little];
}

/** The spans to mask for bytes `from` to `to` of a block: on each line, their hex and their characters. */
export function dumpSpans(block: DumpBlock, from: number, to: number): [number, number][] {
  const spans: [number, number][] = [];
  let first = from;
  for (let index = from; index < to; index++) {
    const byte = block.at[index] as DumpByte;
    const next = block.at[index + 1];
    if (index + 1 < to && next && next.line === byte.line) continue;
    // Read little-endian, a line's bytes stand in its hex out of order: from the first of them in the text to the last.
    const line = block.at.slice(first, index + 1);
    spans.push([Math.min(...line.map((each) => each.hexStart)), Math.max(...line.map((each) => each.hexEnd))]);
    const head = block.at[first] as DumpByte;
    if (head.char !== undefined && byte.char !== undefined) spans.push([head.char, byte.char + 1]);
    first = index + 1;
  }
  return spans;
}

/** Where a dump's line begins at the end of `text`, unfinished: the next piece of a stream may complete it. */
export function dumpLineBegunAt(text: string): number | undefined {
  // Only the last line may be one begun, and only while it may still be one: no more bytes or characters than a dump's line has.
  const lineStart = text.lastIndexOf("\n") + 1;
  const line = text.slice(lineStart);
  if (shownCharacters(line) > MOST_LINE_CHARACTERS || bytesBegun(line) > MOST_LINE_BYTES + MOST_LINE_BYTES / 2) return undefined;
  // Indentation alone may be a dump line's beginning: its offset comes next.
  if (line !== "" && shownCharacters(line) === 0) return lineStart;
  const from = Math.max(0, lineStart - 1);
  const begun = DUMP_LINE_BEGUN.exec(from === 0 ? text : text.slice(from));
  if (!begun) return undefined;
  return from + begun.index + begun[0].length - (begun[1] as string).length;
}

/**
 * The fewest bytes the groups of an unfinished dump line may read as (a binary group eight digits a
 * byte, another two): past what a line holds and its column read as hex, it is no dump's line.
 */
function bytesBegun(line: string): number {
  const head = OFFSET.exec(line);
  if (!head) return 0;
  let bytes = 0;
  const group = /( {1,7})([0-9A-Fa-f]+)/y;
  group.lastIndex = head[0].length;
  for (let found = group.exec(line); found; found = group.exec(line)) {
    const each = found[2] as string;
    bytes += each.length % 8 === 0 && /^[01]+$/.test(each) ? each.length / 8 : Math.floor(each.length / 2);
  }
  return bytes;
}

/**
 * The readings of an unfinished dump line (one `dumpLineBegunAt` found): its whole bytes so far, one
 * character each (latin1) — all its groups of hex, last; and, first, as xxd's character column may have
 * begun and read as hex too (`  3456`), the groups before its last gap of two spaces or more. No bytes
 * yet: one empty reading.
 */
export function unfinishedLineBytes(line: string, options: { order: "big" | "little"; ended: boolean } = { order: "big", ended: false }): string[] {
  const { order, ended } = options;
  const head = OFFSET.exec(line);
  if (!head) return [""];
  let beforeGap: string | undefined;
  let bytes = "";
  const group = /( {1,2})([0-9A-Fa-f]+)/y;
  group.lastIndex = head[0].length;
  for (let found = group.exec(line); found; found = group.exec(line)) {
    if ((found[1] as string).length > 1 && bytes !== "") beforeGap = bytes;
    const digits = found[2] as string;
    // Little-endian, a group the line ends in may be cut short while the stream goes on: its first bytes are its last digits, still to come.
    if (order === "little" && !ended && found.index + found[0].length === line.length) break;
    let bytesOfGroup = "";
    for (let at = 0; at + 1 < digits.length; at += 2) bytesOfGroup += String.fromCharCode(Number.parseInt(digits.slice(at, at + 2), 16));
    bytes += order === "little" ? [...bytesOfGroup].reverse().join("") : bytesOfGroup;
  }
  return beforeGap === undefined ? [bytes] : [beforeGap, bytes];
}

/**
 * The bytes of a dump's line (`line` at `offset` in the text), or undefined when it is none: an
 * offset, hex in groups, and a character column as long as the bytes are many (between `|`s or
 * not), or none.
 */
function dumpLine(line: string, offset: number): LineByte[] | undefined {
  if (shownCharacters(line) > MOST_LINE_CHARACTERS) return undefined;
  const head = OFFSET.exec(line);
  if (!head) return undefined;
  const groups: { start: number; digits: string }[] = [];
  const padded = `${line} `;
  HEX_GROUP.lastIndex = head[0].length;
  for (let group = HEX_GROUP.exec(padded); group; group = HEX_GROUP.exec(padded)) {
    groups.push({ start: group.index + group[0].length - (group[1] as string).length, digits: group[1] as string });
  }
  // The character column may read as hex too (`34567890`, `cafe`): a reading with a column exactly as
  // long as the bytes are many is taken first (the last groups tried as its beginning), then one without
  // a column, then one with words after the column (a space between).
  // Groups of binary digits, eight to a byte (xxd -b), are read in base 2 first (the groups after them, if any, the character column's).
  const binary = groups.findIndex((group) => group.digits.length % 8 !== 0 || !/^[01]+$/.test(group.digits));
  const readings = binary === 0 ? [{ digits: 2 as const, groups }] : [{ digits: 8 as const, groups: binary === -1 ? groups : groups.slice(0, binary) }, { digits: 2 as const, groups }];
  for (const { digits, groups: read } of readings) {
    for (const reading of ["column", "none", "loose"] as const) {
      const bytes = lineBytes(line, offset, read, { reading, digits });
      if (bytes) return bytes;
    }
  }
  return undefined;
}

/**
 * The most characters but spaces and tabs a line read as a dump's has: xxd prints 256 bytes a line at
 * the most (`-c 256`), in binary (`-b`) eight digits a byte, then its offset and its 256 characters —
 * about 2,320. A longer line is none (text that only looks like one, `00000000 00000000 …` for a page,
 * is read in time linear in it); indentation and the gaps of a layout do not count.
 */
const MOST_LINE_CHARACTERS = 4096;

/** The characters of a line but spaces and tabs. */
function shownCharacters(line: string): number {
  let count = 0;
  for (let at = 0; at < line.length; at++) {
    const code = line.charCodeAt(at);
    if (code !== 0x20 && code !== 0x09) count++;
  }
  return count;
}
/** The most bytes a dump's line holds (xxd `-c 256`). */
const MOST_LINE_BYTES = 256;

/** A byte of a dump's line, and where the bytes of its group of hex begin and end among the line's. */
interface LineByte {
  code: number;
  hexStart: number;
  hexEnd: number;
  char: number | undefined;
  groupStart: number;
  groupEnd: number;
}

/** `how`: which reading of the character column is tried, and how many digits make a byte (2 in hex, 8 in binary). */
function lineBytes(line: string, offset: number, groups: readonly { start: number; digits: string }[], how: { reading: "column" | "none" | "loose"; digits: 2 | 8 }): LineByte[] | undefined {
  const { reading, digits: width } = how;
  // Each way of reading is tested in a few steps, not by slicing the rest of the line: the bytes before each group, once.
  const before: number[] = [0];
  for (const group of groups) before.push((before.at(-1) as number) + group.digits.length / width);
  const lastShown = lastNonSpace(line);
  // `.` of the column's pattern stops at these: a column with one after the hex is no column.
  const stopper = Math.max(line.lastIndexOf("\r"), line.lastIndexOf("\u2028"), line.lastIndexOf("\u2029"));
  for (let count = groups.length; count > 0; count--) {
    const byteCount = before[count] as number;
    if (byteCount > MOST_LINE_BYTES) continue;
    const last = groups[count - 1] as { start: number; digits: string };
    const hexEnd = last.start + last.digits.length;
    let charsAt: number | undefined;
    if (hexEnd > lastShown) {
      if (reading !== "none") continue;
      charsAt = undefined;
    } else if (reading !== "none" && line.charAt(hexEnd) === " " && line.charAt(hexEnd + 1) === " " && stopper < hexEnd) {
      // Two spaces or more, then the column: between `|`s (hexdump -C) as many characters as bytes, then the closing `|`; else (xxd) as many, and no more.
      // (xxd's column may begin with spaces of its own: ` Bearer sk-…`, its last characters are the bytes'.)
      let spaces = hexEnd;
      while (line.charAt(spaces) === " ") spaces++;
      const barred = line.charAt(spaces) === "|";
      let from = barred ? spaces + 1 : spaces;
      if (!barred && line.length - hexEnd >= byteCount + 2 && firstNonSpace(line, hexEnd) >= line.length - byteCount) from = line.length - byteCount;
      const length = line.length - from;
      const fits = barred ? line.charAt(from + byteCount) === "|" : length === byteCount || (reading === "loose" && length > byteCount && /\s/.test(line.charAt(from + byteCount)));
      if (!fits) continue;
      charsAt = from;
    } else continue;
    const bytes: LineByte[] = [];
    for (const group of groups.slice(0, count)) {
      const groupStart = bytes.length;
      const groupEnd = groupStart + group.digits.length / width;
      for (let at = 0; at < group.digits.length; at += width) {
        bytes.push({ code: Number.parseInt(group.digits.slice(at, at + width), width === 2 ? 16 : 2), hexStart: offset + group.start + at, hexEnd: offset + group.start + at + width, char: charsAt === undefined ? undefined : offset + charsAt + bytes.length, groupStart, groupEnd });
      }
    }
    return bytes;
  }
  return undefined;
}

/** Where the last character of `line` that `trim()` keeps is (-1: none). */
function lastNonSpace(line: string): number {
  let at = line.length - 1;
  while (at >= 0 && /\s/.test(line.charAt(at))) at--;
  return at;
}

/** Where the first character from `from` on that `trim()` keeps is (`line.length`: none). */
function firstNonSpace(line: string, from: number): number {
  let at = from;
  while (at < line.length && /\s/.test(line.charAt(at))) at++;
  return at;
}
