import { dumpBlocks, dumpLineBegunAt, dumpSpans, unfinishedLineBytes } from "./secret-dump.js";
import { loneNumberAtEnd, mayEndInRun, numberDigits, numberRuns, readingsOf, runAtEnd, runSpans, type RunReading, type RunToken } from "./secret-numbers.js";
import { SecretPrefilter } from "./secret-prefilter.js";
import { decodeEscapes, escapeBegunAt, joinedRunBegun, mappedNormalForm, normalForm, type MappedNormalForm } from "./secret-normal-form.js";
import { mappedSkeleton, skeletonText } from "./secret-skeleton.js";

/**
 * Finds where the forms of known secrets are in a text, in its normal form (secret-normal-form.ts:
 * escapes decoded, separators dropped), and says where each is in the text itself, first character
 * to last. A match that spans separators is taken only where the text is
 * - spaced out or joined: every piece of it between separators one or two characters long
 *   (`s k - a b c`, `s-k-a-b-c`, `de:ad:be:ef`, `0x73, 0x6b`), or up to four hex digits (`736b 2d61`),
 *   in eight pieces or more;
 * - wrapped: every separator inside it a line break, with the next line's indentation, and 8
 *   characters of it or more on one side of each (base64 every 64 or 76 characters, `fold -w 8`, a
 *   PEM block) — or, narrower, in three lines or more, every line but its first and last as wide as
 *   the widest, three characters or more (`fold -w 4`);
 * - or the value itself, separators and all (a pass phrase with spaces).
 * The forms are looked for in the text's skeleton too (its letters and digits alone:
 * secret-skeleton.ts), taken there on the same terms — spaced out, joined by any characters
 * (`s|k|f`, `s - k - f`, `73=6B=2D`), wrapped — or unbroken but where the value has separators of its
 * own (a key's skeleton, secret-variants.ts: `skfakeprov…`, `sk fakeprov Zq8…`).
 * Zero-width characters are no separators: nothing shows them, a form with them inside is unbroken.
 * So prose whose words happen to line up with a value ("correct horse" for a value "correcthorse…")
 * is not masked. (Hex dumps, whose offsets and character columns stand between a value's bytes, are
 * read apart: secret-dump.ts.)
 */

/** One form a secret is matched in, in normal form: caseless (the value, its hex) or exact (its base64 runs). */
export interface SecretForm {
  /** Lowercased when caseless. */
  text: string;
  caseless: boolean;
  /** Whether a stream's text that ends in its first characters is held back from them (base32's is not: a letter of its alphabet ends most words; see secret-partial-runs.ts). */
  held?: boolean;
  /** A skeleton's (secret-variants.ts): where its value has other characters between its letters and digits. Matched across separators that stand there alone, it is the value with its separators swapped or dropped. */
  bounds?: readonly number[];
  /** A variant's (secret-variants.ts): its bytes are not looked for written as numbers. */
  variant?: boolean;
}

/** The fewest characters of a wrapped form on one side of each line break in it: lines are 8 (`fold -w 8`), 64 or 76 characters. */
const WRAPPED_PIECE = 8;
/** The fewest lines of a form wrapped narrower than WRAPPED_PIECE (`fold -w 4`): all but the first and last as wide as the widest. */
const NARROW_LINES = 3;
/** The narrowest such lines: one or two characters a line is spaced out (eight pieces or more). */
const NARROW_WIDTH = 3;
/** A separator inside a wrapped form: line breaks (or their escapes, the backslash itself escaped or not: a JSON string inside one), each with the next line's indentation. */
const LINE_BREAK_GAP = /^(?:(?:\r|\n|\\+r|\\+n)[ \t]*)+$/;
const HEX_WORD = /^[0-9A-Fa-f]{1,4}$/;
const ALPHANUMERIC = /^[0-9a-z]+$/;

export class SecretMatcher {
  /** The caseless forms, any letter case; undefined while there are none. */
  private readonly caseless: RegExp | undefined;
  /** The base64 forms, letter case as encoded; undefined while there are none. */
  private readonly exact: RegExp | undefined;
  /** The values as written where that differs from their normal form (separators in them), any letter case. */
  private readonly written: RegExp | undefined;
  private readonly writtenValues: Set<string>;
  /** The skeletons' bounds, by the skeleton (lowercased). */
  private readonly bounds: ReadonlyMap<string, readonly number[]>;
  /** The forms by their first character (both letter cases of a caseless one), and the longest's length: where a stream may be cut inside one. */
  private readonly byHead = new Map<number, SecretForm[]>();
  /** The forms of letters and digits alone by their first character (both letter cases of a caseless one), held or not, and the longest's length: where a stream may be cut inside one spaced out (spacedBegunAt). */
  private readonly skeletonHeads = new Map<number, SecretForm[]>();
  private readonly skeletonLongest: number;
  private readonly longest: number;
  /** Proves, cheaply, that most text holds no form at all. */
  private readonly prefilter: SecretPrefilter;

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
    this.bounds = new Map(forms.flatMap((form) => (form.bounds ? [[form.text, form.bounds] as const] : [])));
    this.prefilter = new SecretPrefilter(
      forms.map((form) => form.text),
      forms.filter((form) => form.variant !== true).map((form) => form.text),
    );
    this.longest = Math.max(0, ...forms.filter((form) => form.held !== false).map((form) => form.text.length));
    const alphanumeric = forms.filter((form) => ALPHANUMERIC.test(form.text));
    this.skeletonLongest = Math.max(0, ...alphanumeric.map((form) => form.text.length));
    for (const form of forms) {
      const head = form.text.charAt(0);
      for (const variant of new Set(form.caseless ? [head, head.toUpperCase()] : [head])) {
        const code = variant.charCodeAt(0);
        if (form.held !== false) this.byHead.set(code, [...(this.byHead.get(code) ?? []), form]);
        if (alphanumeric.includes(form)) this.skeletonHeads.set(code, [...(this.skeletonHeads.get(code) ?? []), form]);
      }
    }
  }

  /**
   * Where in `text` a form is: [start, end) spans, in order, not overlapping.
   *
   * Cost: most text (prose, code of many short tokens, a delta of a stream) cannot hold a form, as
   * it is or broken up, which one scan proves (secret-prefilter.ts). Only text that may hold one is
   * searched, and put in normal form and mapped back only where the normal form holds one.
   */
  spans(text: string): [number, number][] {
    return mergeSpans(this.matchedSpans(text).flatMap((found) => found.spans));
  }

  /**
   * Each form found in `text`: its spans (a form dumped stands in one piece a line, the others in one),
   * and where the text that holds it begins (for a form dumped, the start of the line of its first piece).
   */
  private matchedSpans(text: string): FoundForm[] {
    if (this.forms.length === 0 || !this.prefilter.mayHold(text)) return [];
    const whole = (span: [number, number]): FoundForm => ({ spans: [span], from: span[0] });
    const direct = [...this.directSpans(text).map(whole), ...this.dumpedSpans(text), ...this.numberSpans(text)];
    const normal = normalForm(text);
    const found = matches(this.caseless, normal) || matches(this.exact, normal) ? [...direct, ...this.normalSpans(text).map(whole)] : direct;
    // The skeleton differs from the normal form only where the text has characters but letters and digits left (a skeleton's bounds are weighed in the normal form too).
    const bare = skeletonText(normal);
    if (bare === normal || (!matches(this.caseless, bare) && !matches(this.exact, bare))) return found;
    return [...found, ...this.skeletonSpans(text).map(whole)];
  }

  /**
   * Where a form may be starting at the end of `text` (its first characters there, in normal form,
   * the rest still to come in the next piece of a stream — or an escape begun there): the index to
   * hold text back from; `text.length` when the text cannot end inside a form.
   */
  partialFrom(text: string, options: { ended: boolean; midLine: boolean } = { ended: false, midLine: false }): number {
    const { ended, midLine } = options;
    if (this.forms.length === 0) return text.length;
    const begun = escapeBegunAt(text);
    const body = begun === undefined ? text : text.slice(0, begun);
    // A joined run's last joiner may be one (the run goes on) or a value's own character: both readings are looked at.
    const mapped = mappedNormalForm(body);
    let held = Math.min(this.formBegunAt(body, mapped), this.spacedBegunAt(body, { skeleton: mappedSkeleton(mapped), ended }));
    if (joinedRunBegun(body)) held = Math.min(held, this.formBegunAt(body, mappedNormalForm(body, true)));
    if (begun !== undefined) held = Math.min(held, begun);
    held = Math.min(held, this.dumpBegunAt(text, { ended, midLine }), this.numbersBegunAt(text, ended));
    if (held === text.length) return held;
    // Never inside a form already whole there (a form may end where another may begin): hold it whole, masked once what follows is known.
    // A form dumped is masked in pieces, one a line: the cut is kept out of the lines between its first piece and its last too.
    // Held from the start of the line of its first piece, where a dump's line can be read again.
    const found = this.matchedSpans(text);
    for (let moved = true; moved; ) {
      moved = false;
      for (const { spans, from } of found) {
        if (from < held && spans.some(([, end]) => end > held)) {
          held = from;
          moved = true;
        }
      }
    }
    return held;
  }

  /** Where in `body` a form's first characters stand at its end, in normal form (`mapped`): `body.length` when none do. */
  private formBegunAt(body: string, mapped: MappedNormalForm): number {
    const normal = mapped.text;
    // From the first place a form could begin and still be cut by the end, the first where one does.
    for (let index = Math.max(0, normal.length - this.longest + 1); index < normal.length; index++) {
      const code = normal.charCodeAt(index);
      const candidates = code > 0x7f ? this.forms : this.byHead.get(code);
      if (candidates && startsAny(candidates, normal.slice(index))) return mapped.starts[index] as number;
    }
    return body.length;
  }

  /**
   * Where in `body` a form of letters and digits begins at its end broken up, in its skeleton
   * (`skeleton`): spaced out — every piece from there to the end one or two characters, or hex of up
   * to four (`s|k|f`, `s - k`, `73=6B=`, `0073 006b`), any form, held or not (its first letters end no
   * word here) — or a skeleton broken only where its value has separators (`sk.fakeprov.Zq`); the
   * first piece standing apart. `body.length` when none does. Unbroken text is the normal form's
   * (formBegunAt). Once the stream has `ended`, only the forms held from their first character where
   * unbroken count: a variant's first few characters spaced out (`65 75` in a table, a reversed key's
   * hex begun) are shown, as they are unbroken.
   */
  private spacedBegunAt(body: string, options: { skeleton: MappedNormalForm; ended: boolean }): number {
    const { skeleton, ended } = options;
    const { text, starts, ends } = skeleton;
    // The pieces' starts, back from the end, and whether every piece from each on is short.
    const pieces: { start: number; short: boolean }[] = [];
    let end = text.length;
    let short = true;
    for (let index = text.length - 1; index >= 0 && index >= text.length - this.skeletonLongest; index--) {
      if (index > 0 && ends[index - 1] === starts[index]) continue;
      const piece = text.slice(index, end);
      short &&= piece.length <= 2 || HEX_WORD.test(piece);
      pieces.push({ start: index, short });
      end = index;
    }
    for (const { start, short: spaced } of pieces.reverse()) {
      const candidates = this.skeletonHeads.get(text.charCodeAt(start));
      if (!candidates) continue;
      const rest = text.slice(start);
      // What begins here is looked at first (cheap); the gaps only for a form that does.
      const lower = rest.toLowerCase();
      const begun = candidates.filter((form) => (!ended || form.held !== false) && form.text.startsWith(form.caseless ? lower : rest));
      if (begun.length === 0) continue;
      if (spaced) return starts[start] as number;
      const gaps = gapsOf(skeleton, start, text.length).map((gap) => gap - start);
      if (begun.some((form) => form.held !== false && form.bounds !== undefined && gaps.every((gap) => form.bounds?.includes(gap)))) return starts[start] as number;
    }
    return body.length;
  }

  /** The forms in the bytes of the text's hex dumps, masked on each line in hex and characters. */
  private dumpedSpans(text: string): FoundForm[] {
    const found: FoundForm[] = [];
    for (const block of dumpBlocks(text)) {
      for (const pattern of [this.caseless, this.exact]) {
        if (!pattern || !matches(pattern, block.bytes)) continue;
        for (const match of block.bytes.matchAll(pattern)) {
          const first = block.at[match.index] as { line: number };
          found.push({ spans: dumpSpans(block, match.index, match.index + match[0].length), from: block.lineStarts[first.line] as number });
        }
      }
    }
    return found;
  }

  /** The forms in the bytes of the text's runs of numbers (secret-numbers.ts), each reading of each, masked on each line from its first number to its last. */
  private numberSpans(text: string): FoundForm[] {
    const found: FoundForm[] = [];
    for (const run of numberRuns(text)) {
      for (const reading of run.readings) {
        for (const pattern of [this.caseless, this.exact]) {
          if (!pattern || !matches(pattern, reading.bytes)) continue;
          for (const match of reading.bytes.matchAll(pattern)) {
            const first = run.tokens[reading.token[match.index] as number] as RunToken;
            found.push({ spans: runSpans(run, reading, match.index, match.index + match[0].length), from: run.holdFromLine ? first.lineStart : first.start });
          }
        }
      }
    }
    return found;
  }

  /**
   * Where a run of numbers at the end of `text` may hold a form's beginning, in any of its readings:
   * from the number with its first byte (a character dump: that number's line). While the stream goes
   * on, its last number, if the text ends in it, may be cut short: it is held, and the run read without
   * it too; and the run may go on past a last line the next piece completes, so the text before that
   * line is looked at too. `text.length` when there is nothing to hold.
   */
  private numbersBegunAt(text: string, ended: boolean): number {
    let from = text.length;
    const lastLine = ended ? 0 : text.lastIndexOf("\n") + 1;
    for (let body = text; ; body = text.slice(0, lastLine)) {
      const begun = mayEndInRun(body) ? this.numberRunBegunAt(body, ended) : body.length;
      if (begun < body.length) from = Math.min(from, begun);
      if (lastLine === 0 || body.length === lastLine) return from;
    }
  }

  /** Where the run of numbers `body` ends in (numbersBegunAt) may hold a form's beginning; `body.length` when nowhere. */
  private numberRunBegunAt(body: string, ended: boolean): number {
    let from = body.length;
    const lone = loneNumberAtEnd(body);
    const cut = !ended && lone !== undefined && (lone.tokens[0] as RunToken).end === body.length ? (lone.tokens[0] as RunToken).start : undefined;
    if (cut !== undefined) from = Math.min(from, cut);
    // A number's prefix alone at the end (`…, '0x`): held, and what it may go on is what stands before it.
    if (cut !== undefined && numberDigits(body.slice(cut)) === "") return Math.min(from, this.numberRunBegunAt(body.slice(0, cut), ended));
    const run = runAtEnd(body) ?? lone;
    if (!run) return from;
    const hold = (token: RunToken) => (run.holdFromLine ? token.lineStart : token.start);
    const readings = [...run.readings];
    if (cut !== undefined && run.tokens.at(-1)?.start === cut) readings.push(...readingsOf(run.tokens.slice(0, -1).map((token) => numberDigits(body.slice(token.start, token.end)))));
    for (const reading of readings) {
      const starts = reading.token.map((index) => hold(run.tokens[index] as RunToken));
      // Once the stream has ended, a word's last byte alone is no key's beginning shown (`12345678` read as words ends in `N`): two bytes at least.
      if (ended && isWords(reading) && this.formBegunAt(reading.bytes, { text: reading.bytes, starts: [...reading.token.keys()], ends: [] }) >= reading.bytes.length - 1) continue;
      from = Math.min(from, this.formBegunAt(body, { text: reading.bytes, starts, ends: starts }));
    }
    return from;
  }

  /**
   * Where a dump at the end of `text` may hold a form's beginning, the rest to come: from the start of
   * the line with its first byte (the dump's bytes read on into an unfinished last line). An unfinished
   * line is held whole too while the stream goes on (read apart from its offset, the rest of it is no
   * dump's) — but once it has `ended`, only where its bytes may begin a key: else it holds nothing of
   * one. `text.length` when there is nothing to hold.
   */
  private dumpBegunAt(text: string, options: { ended: boolean; midLine: boolean }): number {
    const { ended, midLine } = options;
    // A text that goes on a line begun before it: its first line is none of a dump's (its offset, if any, was shown).
    const firstLine = midLine ? text.indexOf("\n") + 1 : 0;
    if (midLine && firstLine === 0) return text.length;
    const begun = dumpLineBegunAt(text.slice(firstLine));
    const begunAt = begun === undefined ? undefined : begun + firstLine;
    // Once the stream has ended, a last line that reads whole as a dump's is one, not a line begun.
    const unfinished = begunAt !== undefined && ended && dumpBlocks(text.slice(begunAt)).length > 0 ? undefined : begunAt;
    const before = unfinished ?? text.length;
    const blocks = dumpBlocks(text.slice(0, before), firstLine);
    let from = text.length;
    // Each way a dump's groups are read (as printed; each reversed, little-endian), its last block and unfinished line.
    for (const order of ["big", "little"] as const) {
      let bytes = "";
      let starts: number[] = [];
      const block = blocks.filter((each) => each.order === order).at(-1);
      if (block) {
        const lastStart = block.lineStarts.at(-1) as number;
        const lineEnd = text.indexOf("\n", lastStart);
        const lastChar = block.at.at(-1)?.char;
        const hexEnd = Math.max(...block.at.filter((byte) => byte.line === block.lineStarts.length - 1).map((byte) => byte.hexEnd));
        const trailing = text.slice(lastChar === undefined ? hexEnd : lastChar + 1, lineEnd === -1 ? text.length : lineEnd);
        // Only a dump that reaches the end (but for an unfinished line), nothing after its last line, goes on in the next piece.
        if (!(lineEnd !== -1 && lineEnd + 1 < before) && trailing.replace(/^\|/, "").trim() === "") {
          bytes = block.bytes;
          starts = block.at.map((byte) => block.lineStarts[byte.line] as number);
        }
      }
      // The unfinished line read each way it may be read (its character column may have begun, and read as hex).
      // Once the stream has ended the line is as whole as it gets: all its groups are its bytes.
      // While more may come, the dump's bytes are looked at without the unfinished line's too (its groups may yet read otherwise: binary, xxd -b).
      const readings = unfinished === undefined ? [""] : [...(ended ? [] : [""]), ...unfinishedLineBytes(text.slice(unfinished), { order, ended }).slice(ended ? -1 : 0)];
      for (const partial of readings) {
        const all = bytes + partial;
        if (all === "") continue;
        const at = [...starts, ...Array.from({ length: partial.length }, () => unfinished as number)];
        from = Math.min(from, this.formBegunAt(text, { text: all, starts: at, ends: at }));
        // A form whole only with the unfinished line's bytes (the line not read as a dump's yet) is held from its first byte's line, while more may come.
        if (partial === "" || ended) continue;
        for (const pattern of [this.caseless, this.exact]) {
          if (!pattern || !matches(pattern, all)) continue;
          for (const match of all.matchAll(pattern)) if (match.index + match[0].length > bytes.length) from = Math.min(from, at[match.index] as number);
        }
      }
    }
    if (from < text.length) return from;
    return unfinished !== undefined && !ended ? unfinished : text.length;
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
    return this.mappedSpans(text, mappedNormalForm(text));
  }

  /** The forms found in the text's skeleton, mapped back, where what they span is spaced out, wrapped, the value, or broken only where a skeleton's value has separators of its own. */
  private skeletonSpans(text: string): [number, number][] {
    return this.mappedSpans(text, mappedSkeleton(mappedNormalForm(text)));
  }

  /** The forms found in a mapped form of the text (its normal form, its skeleton) that are taken, as spans of the text itself. */
  private mappedSpans(text: string, mapped: MappedNormalForm): [number, number][] {
    const spans: [number, number][] = [];
    for (const pattern of [this.caseless, this.exact]) {
      if (!pattern) continue;
      pattern.lastIndex = 0;
      for (const match of mapped.text.matchAll(pattern)) {
        const start = match.index;
        const end = start + match[0].length;
        if (!this.isTaken(text, { mapped, start, end })) continue;
        spans.push([mapped.starts[start] as number, mapped.ends[end - 1] as number]);
      }
    }
    return spans;
  }

  /** Whether a form matched at `start` to `end` of a mapped form is taken: it stands there as isFormThere says, or it is a skeleton broken only where its value has separators of its own. */
  private isTaken(text: string, match: { mapped: MappedNormalForm; start: number; end: number }): boolean {
    const { mapped, start, end } = match;
    const bounds = this.bounds.get(mapped.text.slice(start, end).toLowerCase());
    if (bounds !== undefined && gapsOf(mapped, start, end).every((gap) => bounds.includes(gap - start))) return true;
    return this.isFormThere(text, mapped, start, end);
  }

  /** Whether the normal form's characters `start` to `end` stand in the text unbroken, spaced out, wrapped, or as the value written. */
  private isFormThere(text: string, mapped: MappedNormalForm, start: number, end: number): boolean {
    const joined = (index: number) => mapped.ends[index - 1] === mapped.starts[index];
    const gaps = gapsOf(mapped, start, end);
    if (gaps.length === 0) return true;
    const bounds = [start, ...gaps, end];
    const widths = bounds.slice(1).map((bound, at) => bound - (bounds[at] as number));
    if (gaps.every((gap) => LINE_BREAK_GAP.test(text.slice(mapped.ends[gap - 1], mapped.starts[gap])))) {
      // Wrapped: WRAPPED_PIECE characters of it or more on one side of each line break.
      if (gaps.every((_, at) => (widths[at] as number) >= WRAPPED_PIECE || (widths[at + 1] as number) >= WRAPPED_PIECE)) return true;
      // Wrapped narrower: lines of one width but where it begins and ends.
      const widest = Math.max(...widths);
      if (widths.length >= NARROW_LINES && widest >= NARROW_WIDTH && widths.slice(1, -1).every((width) => width === widest)) return true;
    }
    const span = text.slice(mapped.starts[start], mapped.ends[end - 1]);
    if (this.writtenValues.has(decodeEscapes(span).toLowerCase())) return true;
    // Spaced out or joined: its pieces between separators short, eight of them or more.
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

/** Whether one of `forms` begins with `rest` (what a text ends in): a caseless form in any letter case. */
function startsAny(forms: readonly SecretForm[], rest: string): boolean {
  const lower = rest.toLowerCase();
  return forms.some((form) => form.text.startsWith(form.caseless ? lower : rest));
}

/** Where, between `start` and `end` of a mapped form, its characters stand apart in the text (something dropped between): the index of the character after each gap. */
function gapsOf(mapped: MappedNormalForm, start: number, end: number): number[] {
  const gaps: number[] = [];
  for (let index = start + 1; index < end; index++) if (mapped.ends[index - 1] !== mapped.starts[index]) gaps.push(index);
  return gaps;
}

/** A form found in a text: where it is masked, and where the text that holds it begins. */
interface FoundForm {
  spans: [number, number][];
  from: number;
}

function alternation(texts: readonly string[], flags: string): RegExp | undefined {
  return texts.length === 0 ? undefined : new RegExp(texts.map(escapeRegExp).join("|"), flags);
}

/** Whether `pattern` (global) matches anywhere in `text`. */
/** Whether a reading of numbers is of words (more bytes than numbers). */
function isWords(reading: RunReading): boolean {
  return reading.bytes.length > (reading.token.at(-1) ?? -1) + 1;
}

function matches(pattern: RegExp | undefined, text: string): boolean {
  if (!pattern) return false;
  pattern.lastIndex = 0;
  const found = pattern.test(text);
  pattern.lastIndex = 0;
  return found;
}

/** The spans in order, overlapping ones joined. */
export function mergeSpans(spans: [number, number][]): [number, number][] {
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
