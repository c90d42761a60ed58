import { base64Runs, base64RunsOf } from "./secret-encodings.js";
import { normalForm } from "./secret-normal-form.js";

/**
 * The forms of a key that a reader undoes in a moment but that are none of its encodings character by
 * character: what a model or a server asked to "spell the key differently" writes. Each is a form the
 * matcher knows, so the mask needs no list of spellings:
 *
 * - its skeleton: its ASCII letters and digits alone, lowercased. The text's skeleton (every other
 *   character dropped, escapes decoded: secret-skeleton.ts) is matched too, so the key with its dashes
 *   and underscores removed (`skfakeprov…`), other separators put between its characters (`s|k|f`,
 *   `s - k - f`, `sk_fa_ke`), or its own separators swapped for others (`sk fakeprov Zq8…`) reads as
 *   the skeleton. Where in the text it may be taken: secret-matcher.ts;
 * - rot13 and reversed: each a value in its own right, with its normal form, skeleton, hex and base64;
 * - its UTF-16 (`0073006b…` big-endian, `73006b00…` little-endian, in hex; the little-endian in base64,
 *   as Windows' and .NET's tools write it; `\u0073` escapes are decoded in the normal form already);
 * - two encodings deep: hex and base64 of its hex and of its base64 runs (`base64(base64(key))`, a
 *   Basic header base64-encoded again, a hex dump of a base64 line). Percent-encoding of any of these
 *   is decoded by the normal form.
 *
 * Only for a key (keyLike): a value with white space or a path is matched as written. A value of
 * words gains no false match from its skeleton: the skeleton is taken across separators only where
 * they stand where the value's own do or between pieces of one or two characters (secret-matcher.ts).
 */
export interface VariantForms {
  /**
   * Each form, lowercased when caseless (base64's are matched as written). Each is a piece too: a
   * run of it as long as the key's window takes in it is masked (secret-partial-runs.ts). Only the
   * key's own skeleton is held back in a stream from its first character where the text is unbroken
   * (as the key is): the others' first letters end ordinary words, so there a stream is held from
   * their HELD_RUN-th character and a run begun in what was shown is masked from the next piece on,
   * as for base32. Spaced out (`f x - s n x`), every form is held from its first character
   * (secret-matcher.ts: spacedBegunAt).
   */
  forms: { text: string; caseless: boolean; held: boolean }[];
  /** The skeletons, each with the places where the value (or variant) it is of has other characters between its letters and digits. */
  skeletons: { text: string; bounds: number[] }[];
}

/** Whether `secret` is a key, not a phrase or a path (a path-valued variable such as GIT_ASKPASS would mask every path it begins). */
export function isKeyLike(secret: string): boolean {
  return !/\s/.test(secret) && !/^[~.]*\//.test(secret) && !secret.includes("://");
}

/** Letters A-Z/a-z rotated by 13; everything else as is. */
export function rot13(text: string): string {
  return text.replace(/[A-Za-z]/g, (char) => {
    const base = char <= "Z" ? 0x41 : 0x61;
    return String.fromCharCode(((char.charCodeAt(0) - base + 13) % 26) + base);
  });
}

/** The text's characters in reverse order (by code point). */
export function reversed(text: string): string {
  return [...text].reverse().join("");
}

/** The value's ASCII letters and digits alone, lowercased, and where it has other characters between them (indices into the skeleton). */
export function skeletonOf(value: string): { text: string; bounds: number[] } {
  let text = "";
  const bounds: number[] = [];
  for (const char of value) {
    if (/[A-Za-z0-9]/.test(char)) text += char.toLowerCase();
    else if (text !== "" && bounds.at(-1) !== text.length) bounds.push(text.length);
  }
  return { text, bounds: bounds.filter((bound) => bound < text.length) };
}

/** The fewest letters and digits a skeleton has to be matched: as many as a value masked as written. */
const SHORTEST_SKELETON = 12;

/** The variant forms of a key (see VariantForms); none for a value that is no key. */
export function variantForms(secret: string): VariantForms {
  const forms: VariantForms = { forms: [], skeletons: [] };
  if (!isKeyLike(secret)) return forms;
  const hex = (bytes: Buffer) => bytes.toString("hex");
  const caseless = (texts: string[]) => forms.forms.push(...texts.map((text) => ({ text, caseless: true, held: false })));
  const exact = (texts: string[]) => forms.forms.push(...texts.map((text) => ({ text, caseless: false, held: false })));
  for (const [index, value] of [secret, rot13(secret), reversed(secret)].entries()) {
    const skeleton = skeletonOf(value);
    if (skeleton.text.length >= SHORTEST_SKELETON) {
      forms.skeletons.push(skeleton);
      forms.forms.push({ text: skeleton.text, caseless: true, held: index === 0 });
    }
    // The value itself: its normal form, hex and base64 are the redactor's own forms.
    if (index === 0) continue;
    caseless([normalForm(value).toLowerCase(), hex(Buffer.from(value, "utf8"))]);
    exact(base64Runs(value));
  }
  const utf16le = Buffer.from(secret, "utf16le");
  caseless([hex(utf16le), hex(Buffer.from(utf16le).swap16())]);
  exact(base64RunsOf(utf16le));
  // Two deep: hex and base64 of its hex, and of each of its base64 runs (the standard alphabet's: the URL-safe differ only where those have `+` or `/`).
  const firsts = [hex(Buffer.from(secret, "utf8")), ...base64Runs(secret).filter((run) => !/[-_]/.test(run))];
  for (const first of new Set(firsts)) {
    const bytes = Buffer.from(first, "latin1");
    caseless([hex(bytes)]);
    exact(base64RunsOf(bytes));
  }
  return forms;
}
