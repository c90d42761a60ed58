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
 */

/**
 * The 256-code-point blocks that hold every code point whose NFKC is other ASCII text (a test scans
 * all of Unicode to prove it): scanned once, when the module loads, into FOLDS.
 */
const FOLD_BLOCKS = [
  0x00, 0x01, 0x02, 0x03, 0x1d, 0x1f, 0x20, 0x21, 0x24, 0x2a, 0x2c, 0x30, 0x32, 0x33, 0xa7, 0xfb, 0xfe, 0xff, 0x107, 0x1cc, 0x1d4, 0x1d5,
  0x1d6, 0x1d7, 0x1f1, 0x1fb,
];

/** Each code point past ASCII that folds to ASCII, and what it folds to (a constant table, built once). */
const FOLDS: ReadonlyMap<number, string> = new Map(
  FOLD_BLOCKS.flatMap((block) => Array.from({ length: 0x100 }, (_, low) => (block << 8) | low)).flatMap((code) => {
    if (code < 0x80 || (code >= 0xd800 && code <= 0xdfff)) return [];
    const character = String.fromCodePoint(code);
    const folded = character.normalize("NFKC");
    return folded !== character && isAscii(folded) ? [[code, folded] as const] : [];
  }),
);

/** A text folded, with, for each of its characters, the span of the original text it comes from. */
export interface FoldedText {
  text: string;
  /** Where in the original text character i of `text` begins. */
  starts: number[];
  /** Where in the original text character i of `text` ends (past both code units of a surrogate pair). */
  ends: number[];
}

/**
 * `text` with its compatibility forms folded to ASCII; undefined when nothing in it folds (most text:
 * ASCII, or letters of other scripts). `singleOnly`: only forms that fold to one character (what a
 * stream reads a character at a time: key-shape-stream.ts).
 */
export function foldCompatibility(text: string, options: { singleOnly?: boolean } = {}): FoldedText | undefined {
  if (isAscii(text)) return undefined;
  const singleOnly = options.singleOnly ?? false;
  let folded = "";
  let runStart = 0;
  let changed = false;
  const starts: number[] = [];
  const ends: number[] = [];
  let at = 0;
  while (at < text.length) {
    const code = text.codePointAt(at) as number;
    const width = code > 0xffff ? 2 : 1;
    const fold = code < 0x80 ? undefined : FOLDS.get(code);
    if (fold === undefined || (singleOnly && fold.length > 1)) {
      for (let unit = 0; unit < width; unit++) {
        starts.push(at + unit);
        ends.push(at + unit + 1);
      }
    } else {
      folded += text.slice(runStart, at) + fold;
      runStart = at + width;
      changed = true;
      for (let unit = 0; unit < fold.length; unit++) {
        starts.push(at);
        ends.push(at + width);
      }
    }
    at += width;
  }
  if (!changed) return undefined;
  return { text: folded + text.slice(runStart), starts, ends };
}

/** Spans of a folded text as spans of its original: each from its first character's start to its last's end. */
export function unfoldSpans(folded: FoldedText, spans: readonly [number, number][]): [number, number][] {
  return spans.map(([start, end]) => [folded.starts[start] as number, folded.ends[end - 1] as number]);
}

/** An index of a folded text (a place to cut) as one of its original: the start of the character it is in; its length past the end. */
export function unfoldIndex(folded: FoldedText, index: number, originalLength: number): number {
  return index >= folded.text.length ? originalLength : (folded.starts[index] as number);
}

/**
 * The ASCII character code the character at `at` reads as: its own for ASCII, what it folds to for a
 * form that folds to one ASCII character, else its first code unit (past ASCII: no shape's).
 */
export function foldedCodeAt(text: string, at: number): number {
  const unit = text.charCodeAt(at);
  if (unit < 0x80) return unit;
  const fold = FOLDS.get(text.codePointAt(at) as number);
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

/** Every code point folded to ASCII, for the test that proves FOLD_BLOCKS holds them all. */
export function foldedCodePoints(): number[] {
  return [...FOLDS.keys()];
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
