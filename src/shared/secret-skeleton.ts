import type { MappedNormalForm } from "./secret-normal-form.js";

/**
 * The skeleton of a text: its normal form (escapes decoded, separators dropped: secret-normal-form.ts)
 * with every character but an ASCII letter or digit dropped too, so a key whose own separators were
 * removed, swapped, or joined by others (`s|k|f`, `s * k * f`, `sk_fa_ke`) reads as the key's skeleton
 * (secret-variants.ts). Case is kept: base64 forms are matched in it as written.
 */

/** The skeleton of a normal form (no map back: to learn whether anything matches at all, cheaply). */
export function skeletonText(normal: string): string {
  return normal.replace(NOT_ALPHANUMERIC, "");
}

const NOT_ALPHANUMERIC = /[^A-Za-z0-9]+/g;

/** The skeleton of a mapped normal form, each character still mapped to the span of the text it comes from. */
export function mappedSkeleton(mapped: MappedNormalForm): MappedNormalForm {
  const { text } = mapped;
  // A normal form of letters and digits alone (a word, a key) is its own skeleton.
  if (ALPHANUMERIC.test(text)) return mapped;
  let kept = "";
  const starts: number[] = [];
  const ends: number[] = [];
  let runStart = -1;
  for (let index = 0; index < text.length; index++) {
    const code = text.charCodeAt(index);
    if (!((code >= 0x30 && code <= 0x39) || (code >= 0x41 && code <= 0x5a) || (code >= 0x61 && code <= 0x7a))) {
      if (runStart >= 0) kept += text.slice(runStart, index);
      runStart = -1;
      continue;
    }
    if (runStart < 0) runStart = index;
    starts.push(mapped.starts[index] as number);
    ends.push(mapped.ends[index] as number);
  }
  if (runStart >= 0) kept += text.slice(runStart);
  return { text: kept, starts, ends };
}

const ALPHANUMERIC = /^[A-Za-z0-9]*$/;
