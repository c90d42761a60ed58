import { decodeEscapes, escapeBegunAt, mappedNormalForm, normalForm, type MappedNormalForm } from "./secret-normal-form.js";

/**
 * Finds where the forms of known secrets are in a text, in its normal form (secret-normal-form.ts:
 * escapes decoded, separators dropped), and says where each is in the text itself, first character
 * to last. A match that spans separators is taken only where the text is
 * - spaced out: every piece of it between separators one or two characters long (`s k - a b c`,
 *   `de:ad:be:ef`), or up to four hex digits (`736b 2d61`), in eight pieces or more — six whole words;
 * - wrapped: every separator inside it a line break, with the next line's indentation, and 8
 *   characters of it or more on one side of each (base64 every 64 or 76 characters, `fold -w 8`, a
 *   PEM block);
 * - or the value itself, separators and all (a pass phrase with spaces).
 * So prose whose words happen to line up with a value ("correct horse" for a value "correcthorse…")
 * is not masked.
 *
 * Cost: most text holds no escape, no run of six short words and no long word at a line break, and
 * then the forms are looked for in the text as it is (or, with such a line break, with line breaks
 * dropped); only text that may hide a form broken up is put in normal form and mapped back.
 */

/** One form a secret is matched in, in normal form: caseless (the value, its hex) or exact (its base64 runs). */
export interface SecretForm {
  /** Lowercased when caseless. */
  text: string;
  caseless: boolean;
}

/** Six words in a row of one or two characters, or of up to four hex digits: text that may hide a spaced-out form. */
const SPACED_OUT = /(?:^|[\s:])(?:[^\s:]{1,2}(?:[\s:]+[^\s:]{1,2}){5}|[0-9A-Fa-f]{1,4}(?:[\s:]+[0-9A-Fa-f]{1,4}){5})(?![^\s:])/;
/** An escape the normal form decodes, or a `\n` `\r` escape with a long word beside it (a wrapped form in a JSON string). */
const ESCAPED = /%[0-9A-Fa-f]{2}|\\(?:u[0-9A-Fa-f]{4}|x[0-9A-Fa-f]{2})|\\[nr](?<=[^\s:]{8}\\[nr])|\\[nr][ \t]*[^\s:]{8}/;
/** A line break with eight characters or more of one word right before it or right after it (and the indentation): text that may hide a wrapped form. */
const WRAPPED = /[\r\n](?<=[^\s:]{8}[\r\n])|[\r\n][ \t]*[^\s:]{8}/;
/** The fewest characters of a wrapped form on one side of each line break in it: lines are 8 (`fold -w 8`), 64 or 76 characters. */
const WRAPPED_PIECE = 8;
/** Line breaks with the next line's indentation (what wrapping adds). */
const LINE_BREAKS = /[\r\n]+[ \t]*/g;
/** A separator inside a wrapped form: line breaks (or their escapes), each with the next line's indentation. */
const LINE_BREAK_GAP = /^(?:(?:\r|\n|\\r|\\n)[ \t]*)+$/;
const HEX_WORD = /^[0-9A-Fa-f]{1,4}$/;

export class SecretMatcher {
  /** The caseless forms, any letter case; undefined while there are none. */
  private readonly caseless: RegExp | undefined;
  /** The base64 forms, letter case as encoded; undefined while there are none. */
  private readonly exact: RegExp | undefined;
  /** The values as written where that differs from their normal form (separators in them), any letter case. */
  private readonly written: RegExp | undefined;
  private readonly writtenValues: Set<string>;

  /**
   * `forms` longest first within each kind, so a secret that contains another is masked whole;
   * `written`: the values as written, escapes decoded, lowercased.
   */
  constructor(
    private readonly forms: readonly SecretForm[],
    written: readonly string[],
  ) {
    const caseless = forms.filter((form) => form.caseless).map((form) => form.text);
    const exact = forms.filter((form) => !form.caseless).map((form) => form.text);
    const withSeparators = written.filter((value) => normalForm(value) !== value);
    this.caseless = alternation(caseless, "gi");
    this.exact = alternation(exact, "g");
    this.written = alternation(withSeparators, "gi");
    this.writtenValues = new Set(written);
  }

  /** Where in `text` a form is: [start, end) spans, in order, not overlapping. */
  spans(text: string): [number, number][] {
    if (this.forms.length === 0) return [];
    const direct = this.directSpans(text);
    const escaped = (text.includes("%") || text.includes("\\")) && ESCAPED.test(text);
    if (!escaped && !SPACED_OUT.test(text)) {
      // Only line breaks can split a form here; with none inside one, it was found as it is.
      if ((!text.includes("\n") && !text.includes("\r")) || !WRAPPED.test(text)) return merge(direct);
      const unwrapped = text.replace(LINE_BREAKS, "");
      if (!matches(this.caseless, unwrapped) && !matches(this.exact, unwrapped)) return merge(direct);
    } else {
      const normal = normalForm(text);
      if (!matches(this.caseless, normal) && !matches(this.exact, normal)) return merge(direct);
    }
    return merge([...direct, ...this.normalSpans(text)]);
  }

  /**
   * Where a form may be starting at the end of `text` (its first characters there, in normal form,
   * the rest still to come in the next piece of a stream — or an escape begun there): the index to
   * hold text back from; `text.length` when the text cannot end inside a form.
   */
  partialFrom(text: string): number {
    if (this.forms.length === 0) return text.length;
    const begun = escapeBegunAt(text);
    const body = begun === undefined ? text : text.slice(0, begun);
    const mapped = mappedNormalForm(body);
    const normal = mapped.text;
    let from = normal.length;
    for (const form of this.forms) {
      const head = form.text.charCodeAt(0);
      const upperHead = form.caseless ? form.text.charAt(0).toUpperCase().charCodeAt(0) : head;
      // Only where the form's first character is: the rest of the text must be the form's beginning.
      for (let index = Math.max(0, normal.length - form.text.length + 1); index < from; index++) {
        const code = normal.charCodeAt(index);
        if (code !== head && code !== upperHead && !(form.caseless && code > 0x7f)) continue;
        const rest = normal.slice(index);
        if (form.text.startsWith(form.caseless ? rest.toLowerCase() : rest)) {
          from = index;
          break;
        }
      }
    }
    let held = from === normal.length ? body.length : (mapped.starts[from] as number);
    if (begun !== undefined) held = Math.min(held, begun);
    if (held === text.length) return held;
    // Never inside a form already whole there (a form may end where another may begin): hold it whole, masked once what follows is known.
    for (const [start, end] of this.spans(text).reverse()) if (start < held && held < end) held = start;
    return held;
  }

  /** The forms (and values as written) where they stand in the text unbroken. */
  private directSpans(text: string): [number, number][] {
    const spans: [number, number][] = [];
    for (const pattern of [this.caseless, this.exact, this.written]) {
      if (!pattern) continue;
      // A test first: most text holds none, and matchAll costs more than a test to say so.
      if (!matches(pattern, text)) continue;
      for (const match of text.matchAll(pattern)) spans.push([match.index, match.index + match[0].length]);
    }
    return spans;
  }

  /** The forms found in the text's normal form, mapped back, where what they span is spaced out, wrapped or the value. */
  private normalSpans(text: string): [number, number][] {
    const mapped = mappedNormalForm(text);
    const spans: [number, number][] = [];
    for (const pattern of [this.caseless, this.exact]) {
      if (!pattern) continue;
      pattern.lastIndex = 0;
      for (const match of mapped.text.matchAll(pattern)) {
        const start = match.index;
        const end = start + match[0].length;
        if (!this.isFormThere(text, mapped, start, end)) continue;
        spans.push([mapped.starts[start] as number, mapped.ends[end - 1] as number]);
      }
    }
    return spans;
  }

  /** Whether the normal form's characters `start` to `end` stand in the text unbroken, spaced out, wrapped, or as the value written. */
  private isFormThere(text: string, mapped: MappedNormalForm, start: number, end: number): boolean {
    const joined = (index: number) => mapped.ends[index - 1] === mapped.starts[index];
    const gaps: number[] = [];
    for (let index = start + 1; index < end; index++) if (!joined(index)) gaps.push(index);
    if (gaps.length === 0) return true;
    // Wrapped: every separator in it line breaks, with WRAPPED_PIECE characters of it or more on one side of each.
    const bounds = [start, ...gaps, end];
    const wrapped = gaps.every((gap, at) => LINE_BREAK_GAP.test(text.slice(mapped.ends[gap - 1], mapped.starts[gap])) && ((bounds[at + 1] as number) - (bounds[at] as number) >= WRAPPED_PIECE || (bounds[at + 2] as number) - (bounds[at + 1] as number) >= WRAPPED_PIECE));
    if (wrapped) return true;
    const span = text.slice(mapped.starts[start], mapped.ends[end - 1]);
    if (this.writtenValues.has(decodeEscapes(span).toLowerCase())) return true;
    // Spaced out: its pieces between separators short, and six of them at least whole words (as SPACED_OUT asks).
    const pieces: string[] = [];
    let piece = "";
    for (let index = start; index < end; index++) {
      if (index > start && !joined(index)) {
        pieces.push(piece);
        piece = "";
      }
      piece += mapped.text.charAt(index);
    }
    pieces.push(piece);
    return pieces.length >= 8 && (pieces.every((each) => each.length <= 2) || pieces.every((each) => HEX_WORD.test(each)));
  }
}

function alternation(texts: readonly string[], flags: string): RegExp | undefined {
  return texts.length === 0 ? undefined : new RegExp(texts.map(escapeRegExp).join("|"), flags);
}

/** Whether `pattern` (global) matches anywhere in `text`. */
function matches(pattern: RegExp | undefined, text: string): boolean {
  if (!pattern) return false;
  pattern.lastIndex = 0;
  const found = pattern.test(text);
  pattern.lastIndex = 0;
  return found;
}

/** The spans in order, overlapping ones joined. */
function merge(spans: [number, number][]): [number, number][] {
  spans.sort((a, b) => a[0] - b[0] || b[1] - a[1]);
  const out: [number, number][] = [];
  for (const span of spans) {
    const last = out[out.length - 1];
    if (last && span[0] < last[1]) last[1] = Math.max(last[1], span[1]);
    else out.push([span[0], span[1]]);
  }
  return out;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
