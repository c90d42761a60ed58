import type { StreamedLine } from "./think-line.js";
import { partialSuffix } from "./think-tag-kind.js";
import { closeStart, type TagSpelling } from "./think-spellings.js";

/**
 * A tag found on the line, or where one may be still arriving ("pending"; `blankFrom`: its start is
 * whole and only spaces or tabs follow from there, which a loose tag may have before its last character).
 */
export type Found = { at: number; length: number; loose: boolean } | { at: number; pending: true; blankFrom?: number };
export type FoundTag = Extract<Found, { length: number }>;

/** The first closing tag in `line` from `from` of any of the spellings (see findSpelledTag). */
export function findTag(line: StreamedLine, from: number, options: { complete: boolean; spellings: readonly TagSpelling[] }): Found | undefined {
  let first: Found | undefined;
  for (const spelling of options.spellings) {
    const found = findSpelledTag(line, from, { complete: options.complete, spelling });
    if (found && (!first || found.at < first.at)) first = found;
  }
  return first;
}

/**
 * The next closing tag of `spelling` in `line` from `from`: `</think>`, or loose with spaces or tabs
 * before its last character (`</think >`). "pending": a tag may be arriving at the end of an
 * incomplete line (from where it would start).
 */
function findSpelledTag(line: StreamedLine, from: number, options: { complete: boolean; spelling: TagSpelling }): Found | undefined {
  const start = closeStart(options.spelling);
  const last = options.spelling.close.slice(-1);
  let at = line.nextOccurrence(start, from);
  while (at >= 0) {
    let end = at + start.length;
    while (line.charAt(end) === " " || line.charAt(end) === "\t") end++;
    if (line.charAt(end) === last) return { at, length: end + 1 - at, loose: end > at + start.length };
    if (end === line.length && !options.complete) return { at, pending: true, blankFrom: at + start.length };
    at = line.nextOccurrence(start, at + 1);
  }
  if (options.complete) return undefined;
  const partial = partialSuffix(line.slice(Math.max(0, line.length - (start.length - 1))), start);
  return partial > 0 ? { at: line.length - partial, pending: true } : undefined;
}
