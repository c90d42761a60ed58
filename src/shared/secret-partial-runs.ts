/**
 * Pieces of a secret: a run of a form's characters (the key as written, its hex, a base64 or base32
 * run) that is not the whole form — the key with its first or last characters cut off (`cut -c5-`, a
 * log that truncates, an upstream error that echoes `…k-ant-api03-AbCd…`, a key split over two lines
 * with one half elsewhere). A run is masked where it stands in the text unbroken (any letter case for
 * a caseless form), at any offset of the form, once it is `window` characters long or more: long
 * enough to be a real leak, and far too long for ordinary text to be one by chance (partialWindow).
 *
 * Cost: each form's runs are not tried at each start. A run stands within a stretch of the text made
 * only of characters some form has (any letter case for a caseless form's), as long as the shortest
 * window or longer: such stretches are found first, skipping the shortest window's length at a time
 * where a character no form has stands there (prose and code break at every space and most
 * punctuation, so most text has none). Within a stretch, every GRAM characters of every form go in a
 * hash table (and a bit set before it), and the stretch is looked at only every `step` characters —
 * the shortest window less GRAM, plus one — so any run as long as a window holds one of those places
 * with a whole GRAM of it after; a hit is checked against the form and stretched both ways. Every
 * run through a place is taken and no place is skipped after one: a form that repeats characters of
 * its own (a key of a few characters over and over, its base64) has runs that overlap, each masked
 * whole. A run already found is not stretched again at the next place on it, nor one that could
 * reach no further than the runs found there. Most places miss the bit set, a few operations each.
 */

/** A form and the fewest characters of it in a row that are masked. */
export interface PartialForm {
  /** Lowercased when caseless. */
  text: string;
  caseless: boolean;
  window: number;
}

/** Characters hashed at each place looked at. */
const GRAM = 6;
/** The fewest characters of a form a stream's text may end in for it to be held back (see begunAt). */
export const HELD_RUN = 4;
/** Bits of the bit set in front of the hash table (2^18: 32 kB, a few thousand grams a secret). */
const FILTER_BITS = 18;

/** Bits a run must carry to be masked (see partialWindow). */
const LEAK_BITS = 72;
/** The most characters a window takes: 16 characters of a key are a leak whatever its length. */
const WIDEST_WINDOW = 16;

/**
 * The fewest characters in a row of `value` that are masked: as many as carry LEAK_BITS bits, by the
 * value's own entropy (Shannon's, of its characters: about 5.7 bits a character for a provider's
 * random key, 4 for hex, 3 to 4 for words), 16 at most. So a random key's run is masked from 13 to 16
 * characters on — some 75 to 95 bits of it, far more than ordinary text shares with it by chance —
 * and a value of words (`correcthorsebattery`) only from 16: a word of it written alone
 * (`correcthorse`) is no leak. A value no longer than its window is masked whole only.
 */
export function partialWindow(value: string): number {
  const counts = new Map<string, number>();
  for (const char of value) counts.set(char, (counts.get(char) ?? 0) + 1);
  let bits = 0;
  for (const count of counts.values()) bits -= (count / value.length) * Math.log2(count / value.length);
  return bits === 0 ? value.length : Math.min(WIDEST_WINDOW, Math.ceil(LEAK_BITS / bits));
}

export class PartialRuns {
  private readonly grams = new Map<number, { form: number; at: number }[]>();
  private readonly filter = new Int32Array(1 << (FILTER_BITS - 5));
  /** Every HELD_RUN characters in a row of every form, folded: what a stream's text may end in and be held. */
  private readonly heldGrams = new Set<string>();
  private readonly folded: string[];
  /** The characters some form has (both letter cases of a caseless form's letters): ASCII by code, the others in a set. */
  private readonly ascii = new Uint8Array(128);
  private readonly wide = new Set<number>();
  private readonly step: number;
  private readonly shortest: number;
  private readonly longest: number;

  constructor(private readonly forms: readonly PartialForm[]) {
    const usable = forms.filter((form) => form.window >= GRAM && form.text.length >= form.window);
    this.forms = usable;
    this.folded = usable.map((form) => fold(form.text));
    this.shortest = Math.min(...usable.map((form) => form.window));
    this.longest = Math.max(0, ...usable.map((form) => form.text.length));
    this.step = Number.isFinite(this.shortest) ? this.shortest - GRAM + 1 : 1;
    usable.forEach((form, index) => {
      const text = this.folded[index] as string;
      for (let at = 0; at + GRAM <= text.length; at++) {
        const hash = gramHash(text, at);
        const bit = filterBit(hash);
        this.filter[bit >>> 5] = (this.filter[bit >>> 5] as number) | (1 << (bit & 31));
        const list = this.grams.get(hash);
        if (list) list.push({ form: index, at });
        else this.grams.set(hash, [{ form: index, at }]);
      }
      for (let at = 0; at + HELD_RUN <= text.length; at++) this.heldGrams.add(text.slice(at, at + HELD_RUN));
      // As the form is compared (runAt): a caseless form's characters folded, in either case; the others as written.
      for (let at = 0; at < form.text.length; at++) {
        const code = form.caseless ? foldCode(form.text.charCodeAt(at)) : form.text.charCodeAt(at);
        this.admit(code);
        if (form.caseless && code >= 0x61 && code <= 0x7a) this.admit(code & ~0x20);
      }
    });
  }

  private admit(code: number): void {
    if (code < 128) this.ascii[code] = 1;
    else this.wide.add(code);
  }

  /** Whether some form has this character (a run holds no other). */
  private some(code: number): boolean {
    return code < 128 ? this.ascii[code] === 1 : this.wide.has(code);
  }

  /** Where in `text` runs of the forms stand, each `window` characters or more: [start, end) spans, each a run whole (they may touch, overlap or hold one another; not sorted: mergeSpans). */
  spans(text: string): [number, number][] {
    const found: [number, number][] = [];
    if (this.forms.length === 0 || text.length < this.shortest) return found;
    const need = this.shortest;
    // `start` follows a character no form has (or is the text's start): a stretch may begin there.
    let start = 0;
    while (start + need <= text.length) {
      let missing = -1;
      for (let at = start + need - 1; at >= start; at--) {
        if (!this.some(text.charCodeAt(at))) {
          missing = at;
          break;
        }
      }
      if (missing >= 0) {
        start = missing + 1;
        continue;
      }
      let stop = start + need;
      while (stop < text.length && this.some(text.charCodeAt(stop))) stop++;
      this.stretchSpans(text, { start, stop, found });
      start = stop + 1;
    }
    return found;
  }

  /** The runs within text[start, stop), a stretch of characters some form has, pushed to `found`. */
  private stretchSpans(text: string, stretch: { start: number; stop: number; found: [number, number][] }): void {
    const { stop, found } = stretch;
    // The end of the run found on each diagonal (a form, and where the text stands against it): a place on it before that end is in that run again.
    let ends: Map<number, number> | undefined;
    // What the runs found last cover, joined: a run that cannot reach past it (its form's length from where it would begin) masks nothing more.
    let coveredFrom = 0;
    let coveredTo = -1;
    for (let place = stretch.start; place + GRAM <= stop; place += this.step) {
      const hash = gramHash(text, place);
      const bit = filterBit(hash);
      if (((this.filter[bit >>> 5] as number) & (1 << (bit & 31))) === 0) continue;
      const candidates = this.grams.get(hash);
      if (!candidates) continue;
      // Every run through the place is taken, not the longest alone, and no place is skipped after one: a form that repeats
      // a few characters of its own (or shares them with another form) has runs that overlap, one through a place with
      // another, or begun before a run's end and going on past it — each a run of the form, masked whole.
      for (const { form, at } of candidates) {
        const diagonal = (place - at) * this.forms.length + form;
        if (ends !== undefined && (ends.get(diagonal) ?? -1) >= place + GRAM) continue;
        if (coveredFrom <= Math.max(stretch.start, place - at) && Math.min(stop, place - at + (this.forms[form] as PartialForm).text.length) <= coveredTo) continue;
        const run = this.runAt(text, { place, form, at });
        if (!run) continue;
        found.push(run);
        (ends ??= new Map()).set(diagonal, run[1]);
        if (run[0] <= coveredTo && run[1] >= coveredFrom) {
          coveredFrom = Math.min(coveredFrom, run[0]);
          coveredTo = Math.max(coveredTo, run[1]);
        } else [coveredFrom, coveredTo] = run;
      }
    }
  }

  /**
   * Where a run of a form's characters, HELD_RUN of them or more, stands at the end of `text`: the
   * next piece of a stream may lengthen it into one masked. `text.length` when none does. Fewer
   * characters are not held (one or two of a key's alphabet end most words): a run whose first few a
   * stream has shown is masked from the next piece on all the same, read after them (`spans` of the
   * shown text and the next piece together).
   */
  begunAt(text: string): number {
    if (text.length < HELD_RUN || this.forms.length === 0) return text.length;
    if (!this.heldGrams.has(fold(text.slice(text.length - HELD_RUN)))) return text.length;
    let longest = 0;
    const tail = fold(text.slice(Math.max(0, text.length - this.longest)));
    const last = tail.slice(tail.length - HELD_RUN);
    for (const form of this.folded) {
      for (let at = form.indexOf(last); at !== -1; at = form.indexOf(last, at + 1)) {
        // The run ends at form[at + HELD_RUN - 1] = the text's last character: stretched back as far as both go.
        let length = HELD_RUN;
        while (length < tail.length && at + HELD_RUN - length - 1 >= 0 && tail.charCodeAt(tail.length - length - 1) === form.charCodeAt(at + HELD_RUN - length - 1)) length++;
        if (length > longest) longest = length;
      }
    }
    return longest >= HELD_RUN ? text.length - longest : text.length;
  }

  /** The run of form `form` through the GRAM characters at `place` (form's at `at`), stretched both ways; undefined when the characters differ or it is shorter than its window. */
  private runAt(text: string, where: { place: number; form: number; at: number }): [number, number] | undefined {
    const { place, at } = where;
    const form = this.forms[where.form] as PartialForm;
    const source = form.caseless ? (this.folded[where.form] as string) : form.text;
    const same = (textIndex: number, formIndex: number) => {
      const code = text.charCodeAt(textIndex);
      return (form.caseless ? foldCode(code) : code) === source.charCodeAt(formIndex);
    };
    for (let index = 0; index < GRAM; index++) if (!same(place + index, at + index)) return undefined;
    let before = 0;
    while (place - before - 1 >= 0 && at - before - 1 >= 0 && same(place - before - 1, at - before - 1)) before++;
    let after = GRAM;
    while (place + after < text.length && at + after < source.length && same(place + after, at + after)) after++;
    const start = place - before;
    const end = place + after;
    return end - start >= form.window ? [start, end] : undefined;
  }
}

function foldCode(code: number): number {
  return code >= 0x41 && code <= 0x5a ? code | 0x20 : code;
}

/** ASCII letters lowercased (what a caseless form's characters are compared in; one code unit for one). */
function fold(text: string): string {
  return text.replace(/[A-Z]+/g, (letters) => letters.toLowerCase());
}

function gramHash(text: string, at: number): number {
  let hash = 0;
  for (let index = at; index < at + GRAM; index++) hash = (Math.imul(hash, 0x01000193) ^ foldCode(text.charCodeAt(index))) | 0;
  return hash;
}

function filterBit(hash: number): number {
  return (hash ^ (hash >>> FILTER_BITS)) & ((1 << FILTER_BITS) - 1);
}
