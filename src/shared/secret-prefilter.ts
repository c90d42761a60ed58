import { beginsAsDump, mayHoldDump } from "./secret-dump.js";
import { decodeEscapes } from "./secret-normal-form.js";

/**
 * A cheap test that proves a text holds none of a set of secret forms, as they are or broken up
 * (escaped, spaced out, joined, wrapped): the secret matcher looks further only into text that may
 * hold one. Most text — prose, code of many short tokens, a delta of a stream — is let go after one
 * regular-expression scan, which skips from one of a few rare characters to the next, instead of
 * being put in normal form character by character.
 *
 * Why it is sound: wherever a form stands in a text's normal form (secret-normal-form.ts), each two
 * characters of it in a row stand in the text with its escapes decoded, in that order, with nothing
 * between them but what the skeleton drops (secret-skeleton.ts): any character but a letter or a
 * digit — white space, line breaks and indentation, `:`, `-`, `.`, `_`, `|`, zero-width characters. So the test picks, for each form, one
 * pair of its characters in a row — the one whose first character is rarest in prose and code — and
 * looks for it in any letter case with separators and joiners between. A text with a zero-width
 * character, an escape (decoded), a hex dump's line (secret-dump.ts) or a line with a dump's offset
 * is looked at further; and, in a second scan, one with the pair's bytes written as numbers
 * (secret-numbers.ts). Every
 * value has a hex form, so a C list of its bytes (`0x73, 0x6b`) is found by that form's pair, the
 * list left as written.
 */

/** Characters from the rarest in prose and code to the commonest (letter case aside). */
const RARITY = "qzj@~^|#$!?*%&+9876543kvxwybgfhmpuc/ld_.-21ornisate0";
/**
 * What the skeleton drops (secret-skeleton.ts): any character but a letter or a digit — the normal
 * form's separators and joiners among them — and `\n` `\r` `\t` escapes (a backslash run taken whole:
 * no two ways to read one, no backtracking); and what stands between two bytes of a C byte list
 * (`, 0x`) or a Python list of hex strings (`', '0x`): the list of a value's bytes holds its hex form
 * so, which the test finds without decoding the list.
 */
const BETWEEN = String.raw`(?:[^0-9A-Za-z\\]|\\+(?!\\)[nrt]?|0[xX])*`;
const INVISIBLE = String.raw`[\u200b-\u200d\u2060\ufeff]`;
/** What may begin an escape the normal form decodes (secret-normal-form.ts): a text with none has none. */
const ESCAPE_BEGINNING = String.raw`%[0-9A-Fa-f]{2}|\\+(?:[ux][0-9A-Fa-f]|[0-3][0-7]{2})|&(?:#|[A-Za-z]{2,8};)`;

/** A line of a dump that begins with an offset (od, hexdump: seven digits) — its numbers may stand for bytes whichever the base. */
const OFFSET_LINE = String.raw`\n[ \t]*[0-9A-Fa-f]{7}[ \t]`;
const OFFSET_LINE_TEST = new RegExp(OFFSET_LINE);
/** What a dump's line (secret-dump.ts) and a line with a dump's offset (OFFSET_LINE) both begin with: one alternative for the two in the gate (`rest`). */
const LINE_OF_HEX = String.raw`\n[ \t]*[0-9A-Fa-f]{7}`;
const FIRST_OFFSET_LINE = /^[ \t]*[0-9A-Fa-f]{7}[ \t]/;
/** What stands between two numbers of a list (secret-numbers.ts): spaces and line breaks, a comma, semicolon, colon, bar, dot, slash, underscore, dash or backslash, a bracket, quotes, Python's prefix (`0b`). */
const BETWEEN_NUMBERS = String.raw`(?:[\s,;|:./_\\[\]'"-]|0[xXoObB])+`;

export class SecretPrefilter {
  /** Each form's pair, any letter case; undefined while there are no forms. */
  private readonly pairs: RegExp | undefined;
  /** Each form's pair written as numbers (a scan apart: in one pattern with the rest, the scan no longer skips from one rare character to the next). */
  private readonly numbers: RegExp | undefined;
  /**
   * A zero-width character, the beginning of an escape, or a line that begins as a dump's: text without any of these, the pairs, or the
   * pairs as numbers holds no form. A scan apart from the pairs': in one pattern with them, the scan no longer skips
   * from one rare character to the next (on 11 kB of prose, two scans take a fifth of one).
   */
  private readonly rest = new RegExp([INVISIBLE, ESCAPE_BEGINNING, LINE_OF_HEX].join("|"), "i");
  private readonly invisible = new RegExp(INVISIBLE);

  /**
   * `asNumbers`: the forms whose bytes are looked for written as numbers too (a key's own; a
   * variant's bytes as numbers — secret-variants.ts — is a transformation on a transformation, and
   * each form's number patterns are dozens of alternatives: a few hundred forms would make that scan
   * a thousand times slower).
   */
  constructor(forms: readonly string[], asNumbers: readonly string[] = forms) {
    const long = forms.filter((form) => form.length >= 2);
    if (long.length === 0) return;
    const pairs = rarestPairs(long);
    this.pairs = new RegExp(pairs.join("|"), "i");
    this.numbers = new RegExp([...new Set(asNumbers.filter((form) => form.length >= 2).flatMap(numberPairs))].join("|") || "(?!)");
  }

  /** Whether `text` may hold a form, as it is or broken up; false proves it holds none. */
  mayHold(text: string): boolean {
    if (!this.pairs || !this.numbers) return false;
    // A dump's line where the text begins is tested apart: a pattern that may match at the start of text alone would slow the scan.
    if (this.pairs.test(text) || this.numbers.test(text) || beginsAsDump(text) || FIRST_OFFSET_LINE.test(text)) return true;
    if (!this.rest.test(text)) return false;
    if (this.invisible.test(text) || mayHoldDump(text) || OFFSET_LINE_TEST.test(text)) return true;
    const decoded = decodeEscapes(text);
    return decoded !== text && this.pairs.test(decoded);
  }
}

/** Where in `form` its pair begins: the character rarest in prose and code; in a form of hex (pairs of digits), the first digit of a byte — the two stand together however the bytes are grouped or ordered (od -x, hexdump, xxd -e print words little-endian). */
function pairAt(form: string): number {
  const hex = form.length % 2 === 0 && /^[0-9a-f]+$/i.test(form);
  let best = 0;
  let bestRank = Number.MAX_SAFE_INTEGER;
  for (let at = 0; at + 1 < form.length; at += hex ? 2 : 1) {
    // A character not ranked (past ASCII, say) is rarer than any.
    const rank = RARITY.indexOf(form.charAt(at).toLowerCase());
    if (rank < bestRank) {
      best = at;
      bestRank = rank;
    }
  }
  return best;
}

/**
 * The forms' pairs as patterns: each first character (letter case aside) with what the normal form
 * drops after it and any of the second characters it is paired with — one alternative a first
 * character, so that many forms (base32's five runs a secret) keep the scan skipping from one rare
 * character to the next.
 */
function rarestPairs(forms: readonly string[]): string[] {
  const seconds = new Map<string, Set<string>>();
  for (const form of forms) {
    const at = pairAt(form);
    const first = form.charAt(at).toLowerCase();
    seconds.set(first, (seconds.get(first) ?? new Set()).add(form.charAt(at + 1).toLowerCase()));
  }
  return [...seconds].map(([first, after]) => `${escapeRegExp(first)}${BETWEEN}[${[...after].map((char) => char.replace(/[\]\\^-]/g, "\\$&")).join("")}]`);
}

/**
 * A form's pair, its bytes written as numbers (secret-numbers.ts), either letter case: decimal,
 * octal and binary, zero-padded or not, with spaces, commas, semicolons, colons, bars, dots, slashes,
 * underscores, dashes or backslashes between
 * (`115, 107`, `163 153`, `\163\153`, `\55`, `01110011 01101011`, `115;107`); as a two-byte word
 * in decimal or octal (od -d, od's default: the pair's first byte a word's first, or its second with
 * the next byte; little-endian or big); and, whatever the pair, as wider words: a number of nine
 * digits or more next to another (four- and eight-byte words in decimal or octal, words in binary).
 */
function numberPairs(form: string): string[] {
  const at = pairAt(form);
  const cases = (index: number): number[] => {
    if (index >= form.length) return [];
    const char = form.charAt(index);
    return [...new Set([char, char.toLowerCase(), char.toUpperCase()].map((each) => each.charCodeAt(0)))].filter((code) => code < 0x100);
  };
  const [first, second, third] = [cases(at), cases(at + 1), cases(at + 2)];
  if (first.length === 0 || second.length === 0) return [];
  // Zero-padded or not: a number's digits as written unpadded, after any zeros (the first needs none: the pattern may match anywhere).
  const numbers = (codes: number[], base: number) => `(?:${codes.map((code) => code.toString(base)).join("|")})`;
  const pairs = (low: number[], high: number[]) => low.flatMap((one) => high.flatMap((other) => [one + other * 256, one * 256 + other]));
  const words = [...pairs(first, second), ...pairs(second, third)];
  return [
    ...[10, 8, 2].map((base) => `${numbers(first, base)}${BETWEEN_NUMBERS}0*${numbers(second, base)}`),
    ...[10, 8].map((base) => `(?:${words.map((word) => word.toString(base)).join("|")})`),
    `[0-9]{9}${BETWEEN_NUMBERS}[0-9]`,
  ];
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/-]/g, "\\$&");
}
