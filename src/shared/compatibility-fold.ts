import { LOOKALIKE_CODES, LOOKALIKE_FOLDS } from "./lookalike-table.js";

/**
 * Compatibility forms folded to ASCII, as Unicode's NFKC folds them: fullwidth ASCII (`ｓｋ－ｐｒｏｊ`),
 * mathematical alphanumerics (`𝐬𝐤`, `𝓼𝓴`, `𝟘`), circled and enclosed letters and digits (`ⓢⓚ`,
 * `🅂🄺`), superscripts and subscripts that fold (`ˢᵏ`, `²`, `ₐ`), letterlike symbols (`ℎ`, `K` the
 * Kelvin sign), ligatures (`ﬁ`), roman numerals, squared units (`㎏`) and segmented digits (`🯱`).
 * A secret written in one of them reads as the secret; the redactor matches in the folded text and
 * masks the characters of the text itself (a fold can change a text's length: `𝐬` is two UTF-16
 * code units, `ﬁ` folds to two letters), and the key shapes read a character by what it folds to.
 *
 * Only folds whose result is ASCII are taken: a key's characters are ASCII, and a fold to other
 * letters (`ǅ` to `Dž`) or to marks (`¨`) changes no key. Folded code point by code point (NFKC's
 * composition of a letter with a following mark joins nothing ASCII).
 *
 * And the forms NFKC keeps that still read as a key's characters: the look-alikes of ASCII letters,
 * digits, `-` and `_` in Unicode's confusables data (Cyrillic and Greek `ѕк`, `Ԛ`, `ԝ`, `Ε`, the hyphen
 * `‐` and the dashes), the small capitals (`ꜱᴋ-ᴘʀᴏᴊ`) as their letters (lookalike-table.ts), and the tag
 * characters (U+E0020–U+E007E, invisible: each an ASCII character plus 0xE0000) as their ASCII. Only the
 * matching reads the fold: text in Russian or Greek that holds no key goes out as written.
 */

/**
 * The ranges of code points (first, last, …) that hold every code point whose NFKC is other ASCII text,
 * with a few between that fold to nothing ASCII (a test scans all of Unicode to prove none is missing).
 * A character is folded only where it stands in one; a constant, not a table built when the module
 * loads (scanning blocks of Unicode costs a CLI's start milliseconds).
 */
const FOLD_RANGES: readonly number[] = [
  0xa0, 0xba, 0x132, 0x133, 0x17f, 0x17f, 0x1c7, 0x1cc, 0x1f1, 0x1f3, 0x2b0, 0x2b8, 0x2e1, 0x2e3, 0x37e, 0x37e, 0x1d2c, 0x1d65, 0x1d9c, 0x1da0,
  0x1dbb, 0x1dbb, 0x1fef, 0x1fef, 0x2000, 0x200a, 0x2024, 0x2049, 0x205f, 0x205f, 0x2070, 0x20a8, 0x2100, 0x2149, 0x2160, 0x217f, 0x2460, 0x24ea,
  0x2a74, 0x2a76, 0x2c7c, 0x2c7d, 0x3000, 0x3000, 0x3250, 0x325f, 0x32b1, 0x32cf, 0x3371, 0x33dd, 0x33ff, 0x33ff, 0xa7f1, 0xa7f4, 0xfb00, 0xfb06,
  0xfb29, 0xfb29, 0xfe10, 0xfe19, 0xfe30, 0xfe6b, 0xff01, 0xff5e, 0x107a5, 0x107a5, 0x1ccd6, 0x1ccf9, 0x1d400, 0x1d6a3, 0x1d7ce, 0x1d7ff, 0x1f100,
  0x1f14f, 0x1f16a, 0x1f16c, 0x1f190, 0x1f190, 0x1fbf0, 0x1fbf9,
];

/** The tag characters: each folds to the ASCII character 0xE0000 below it (`\u{E0073}` to `s`). */
const FIRST_TAG = 0xe0020;
const LAST_TAG = 0xe007e;
const TAG_OFFSET = 0xe0000;

/**
 * Which 64-code-point chunks FOLD_RANGES, the look-alikes and the tag characters touch, by `code >> 6`:
 * most code points past ASCII (CJK, most of a script's letters) are let go by one look (an index of the
 * constant tables, written once).
 */
const FOLD_CHUNKS: Uint8Array = (() => {
  const chunks = new Uint8Array((LAST_TAG >> 6) + 1);
  for (let at = 0; at < FOLD_RANGES.length; at += 2) chunks.fill(1, (FOLD_RANGES[at] as number) >> 6, ((FOLD_RANGES[at + 1] as number) >> 6) + 1);
  for (const code of LOOKALIKE_CODES) chunks[code >> 6] = 1;
  chunks.fill(1, FIRST_TAG >> 6, (LAST_TAG >> 6) + 1);
  return chunks;
})();

/** The reserved code points among the mathematical letters (their letters stand among the letterlike symbols: `ℎ`, `ℬ`, `ℭ`, …). */
const MATH_LETTER_HOLES: ReadonlySet<number> = new Set([
  0x1d455, 0x1d49d, 0x1d4a0, 0x1d4a1, 0x1d4a3, 0x1d4a4, 0x1d4a7, 0x1d4a8, 0x1d4ad, 0x1d4ba, 0x1d4bc, 0x1d4c4, 0x1d506, 0x1d50b, 0x1d50c, 0x1d515,
  0x1d51d, 0x1d53a, 0x1d53f, 0x1d545, 0x1d547, 0x1d548, 0x1d549, 0x1d551,
]);

/** What the code point `code` (past ASCII) folds to, if ASCII text other than itself: its compatibility fold, else the ASCII character it looks like. */
function foldOf(code: number): string | undefined {
  if (FOLD_CHUNKS[code >> 6] !== 1) return undefined;
  return compatibilityFoldOf(code) ?? lookalikeFoldOf(code);
}

/**
 * What NFKC folds `code` to, if ASCII text other than itself. The forms text is full of (fullwidth
 * letters and digits and the ideographic space in Japanese and Chinese, the no-break space,
 * mathematical and circled letters) by their layout; the rest by NFKC itself.
 */
function compatibilityFoldOf(code: number): string | undefined {
  if (code >= 0xff01 && code <= 0xff5e) return String.fromCharCode(code - 0xfee0);
  if (code === 0xa0 || code === 0x3000 || (code >= 0x2000 && code <= 0x200a)) return " ";
  // Mathematical letters: A-Z then a-z in each of thirteen styles, but for the holes; digits: 0-9 in each of five.
  if (code >= 0x1d400 && code <= 0x1d6a3) return MATH_LETTER_HOLES.has(code) ? undefined : letterAt((code - 0x1d400) % 52);
  if (code >= 0x1d7ce && code <= 0x1d7ff) return String.fromCharCode(0x30 + ((code - 0x1d7ce) % 10));
  if (code >= 0x24b6 && code <= 0x24e9) return letterAt(code - 0x24b6);
  if (!inFoldRanges(code)) return undefined;
  const character = String.fromCodePoint(code);
  const folded = character.normalize("NFKC");
  if (folded === character) return undefined;
  for (let at = 0; at < folded.length; at++) if (folded.charCodeAt(at) >= 0x80) return undefined;
  return folded;
}

/** The ASCII character `code` is a look-alike of (lookalike-table.ts) or a tag character of; a binary search of the table. */
function lookalikeFoldOf(code: number): string | undefined {
  if (code >= FIRST_TAG && code <= LAST_TAG) return String.fromCharCode(code - TAG_OFFSET);
  let low = 0;
  let high = LOOKALIKE_CODES.length - 1;
  while (low <= high) {
    const middle = (low + high) >> 1;
    const found = LOOKALIKE_CODES[middle] as number;
    if (code < found) high = middle - 1;
    else if (code > found) low = middle + 1;
    else return LOOKALIKE_FOLDS.charAt(middle);
  }
  return undefined;
}

/** The letter at `index` of A-Z then a-z. */
function letterAt(index: number): string {
  return String.fromCharCode(index < 26 ? 0x41 + index : 0x61 + index - 26);
}

/** Whether `code` stands in one of FOLD_RANGES (a binary search over their first code points). */
function inFoldRanges(code: number): boolean {
  if (code < (FOLD_RANGES[0] as number) || code > (FOLD_RANGES[FOLD_RANGES.length - 1] as number)) return false;
  let low = 0;
  let high = FOLD_RANGES.length / 2 - 1;
  while (low <= high) {
    const middle = (low + high) >> 1;
    if (code < (FOLD_RANGES[middle * 2] as number)) high = middle - 1;
    else if (code > (FOLD_RANGES[middle * 2 + 1] as number)) low = middle + 1;
    else return true;
  }
  return false;
}

/** A text folded, with, where its length differs from the original's, the span of the original each of its characters comes from. */
export interface FoldedText {
  text: string;
  /** Where in the original text character i of `text` begins; undefined when each stands where it stood (each fold one code unit for one). */
  starts: number[] | undefined;
  /** Where in the original text character i of `text` ends (past both code units of a surrogate pair); undefined with `starts`. */
  ends: number[] | undefined;
}

/**
 * `text` with its compatibility forms folded to ASCII; undefined when nothing in it folds (most text:
 * ASCII, or letters of other scripts, read without a copy made). `singleOnly`: only forms that fold to
 * one character (what a stream reads a character at a time: key-shape-stream.ts).
 */
export function foldCompatibility(text: string, options: { singleOnly?: boolean } = {}): FoldedText | undefined {
  if (isAscii(text)) return undefined;
  const singleOnly = options.singleOnly ?? false;
  let folded = "";
  let runStart = 0;
  let changed = false;
  let starts: number[] | undefined;
  let ends: number[] | undefined;
  let at = 0;
  while (at < text.length) {
    if (text.charCodeAt(at) < 0x80) {
      at++;
      continue;
    }
    const code = text.codePointAt(at) as number;
    const width = code > 0xffff ? 2 : 1;
    const fold = foldOf(code);
    if (fold === undefined || (singleOnly && fold.length > 1)) {
      at += width;
      continue;
    }
    if (starts === undefined && fold.length !== width) {
      // The first fold that moves what follows: until here each character stood where it stands.
      starts = Array.from({ length: at }, (_, index) => index);
      ends = Array.from({ length: at }, (_, index) => index + 1);
    } else if (starts !== undefined && ends !== undefined) {
      for (let index = runStart; index < at; index++) {
        starts.push(index);
        ends.push(index + 1);
      }
    }
    folded += text.slice(runStart, at) + fold;
    if (starts !== undefined && ends !== undefined) {
      for (let unit = 0; unit < fold.length; unit++) {
        starts.push(at);
        ends.push(at + width);
      }
    }
    changed = true;
    at += width;
    runStart = at;
  }
  if (!changed) return undefined;
  if (starts !== undefined && ends !== undefined) {
    for (let index = runStart; index < text.length; index++) {
      starts.push(index);
      ends.push(index + 1);
    }
  }
  return { text: folded + text.slice(runStart), starts, ends };
}

/** Where character `index` of a folded text begins in its original. */
export function unfoldedStart(folded: FoldedText, index: number): number {
  return folded.starts === undefined ? index : (folded.starts[index] as number);
}

/** Where character `index` of a folded text ends in its original. */
export function unfoldedEnd(folded: FoldedText, index: number): number {
  return folded.ends === undefined ? index + 1 : (folded.ends[index] as number);
}

/** Spans of a folded text as spans of its original: each from its first character's start to its last's end. */
export function unfoldSpans(folded: FoldedText, spans: readonly [number, number][]): [number, number][] {
  return spans.map(([start, end]) => [unfoldedStart(folded, start), unfoldedEnd(folded, end - 1)]);
}

/** An index of a folded text (a place to cut) as one of its original: the start of the character it is in; its length past the end. */
export function unfoldIndex(folded: FoldedText, index: number, originalLength: number): number {
  return index >= folded.text.length ? originalLength : unfoldedStart(folded, index);
}

/**
 * The ASCII character code the character at `at` reads as: its own for ASCII, what it folds to for a
 * form that folds to one ASCII character, else its first code unit (past ASCII: no shape's).
 */
export function foldedCodeAt(text: string, at: number): number {
  const unit = text.charCodeAt(at);
  if (unit < 0x80) return unit;
  const fold = foldOf(text.codePointAt(at) as number);
  return fold !== undefined && fold.length === 1 ? fold.charCodeAt(0) : unit;
}

/** How many code units the character at `at` takes: 2 for a surrogate pair, else 1. */
export function unitsAt(text: string, at: number): number {
  const unit = text.charCodeAt(at);
  return unit >= 0xd800 && unit <= 0xdbff && at + 1 < text.length && isLowSurrogate(text.charCodeAt(at + 1)) ? 2 : 1;
}

/** Where the character ending at `end` begins (one code unit back, two for a surrogate pair). */
export function characterBefore(text: string, end: number): number {
  return end >= 2 && isLowSurrogate(text.charCodeAt(end - 1)) && isHighSurrogate(text.charCodeAt(end - 2)) ? end - 2 : end - 1;
}

/** Whether `text` ends in the first half of a surrogate pair (a stream's piece cut inside a character: the next piece completes it). */
export function endsInHalfPair(text: string): boolean {
  return text.length > 0 && isHighSurrogate(text.charCodeAt(text.length - 1));
}

/** Every code point NFKC folds to ASCII and what it folds to, for the test that proves FOLD_RANGES hold them all and each fold is NFKC's. */
export function compatibilityFoldedCodePoints(): [number, string][] {
  const found: [number, string][] = [];
  for (let at = 0; at < FOLD_RANGES.length; at += 2) {
    for (let code = FOLD_RANGES[at] as number; code <= (FOLD_RANGES[at + 1] as number); code++) {
      const fold = compatibilityFoldOf(code);
      if (fold !== undefined) found.push([code, fold]);
    }
  }
  return found;
}

function isHighSurrogate(unit: number): boolean {
  return unit >= 0xd800 && unit <= 0xdbff;
}

function isLowSurrogate(unit: number): boolean {
  return unit >= 0xdc00 && unit <= 0xdfff;
}

/** Whether every character of `text` is ASCII: its UTF-8 is as long as its UTF-16 only then (counted in the runtime: faster than a regular expression or a loop, on short text and long). */
function isAscii(text: string): boolean {
  return Buffer.byteLength(text, "utf8") === text.length;
}

/** Every look-alike and tag character and what it folds to, for the tests. */
export function lookalikeCodePoints(): [number, string][] {
  const found: [number, string][] = LOOKALIKE_CODES.map((code, index) => [code, LOOKALIKE_FOLDS.charAt(index)]);
  for (let code = FIRST_TAG; code <= LAST_TAG; code++) found.push([code, String.fromCharCode(code - TAG_OFFSET)]);
  return found;
}
