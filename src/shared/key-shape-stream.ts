import { characterBefore, endsInHalfPair, foldedCodeAt, unitsAt } from "./compatibility-fold.js";
import { digitWithin, KEY_SHAPE_STAGES, setCharacters, type KeyShape, type KeyShapeStage } from "./key-shapes.js";
import { REDACTED } from "./redacted.js";

/**
 * The key shapes (key-shapes.ts) masked in a text that comes in pieces: what is shown of the pieces,
 * joined, is exactly `maskKeyShapes` of the text joined. The end of a piece that could be the start of a
 * key shape is held back until the next piece decides it, and no longer: it goes out as soon as it can
 * no longer be one (`s` then `un`), and at the end of the stream. A key decided, its mask goes out at
 * once and the key's further characters are dropped as they come; a kept head (`Bearer `) is shown at
 * once, its token held. What is held is never longer than LONGEST_KEY. A character is read as the ASCII
 * character it folds to (compatibility-fold.ts), as the whole-text mask reads it; a piece cut inside a
 * surrogate pair (`𝐬` is two code units) holds its first half until the next piece completes it.
 */
export class KeyShapeStream {
  private readonly stages: ShapeStageStream[] = READERS.map((reader) => new ShapeStageStream(reader));
  /** The first half of a surrogate pair a piece ended in, or "". */
  private halfPair = "";

  /** What may be shown of `piece` now (the text so far masked, less what is held back). */
  push(piece: string): string {
    let text = this.halfPair + piece;
    this.halfPair = endsInHalfPair(text) ? text.slice(-1) : "";
    if (this.halfPair !== "") text = text.slice(0, -1);
    for (const stage of this.stages) text = stage.push(text);
    return text;
  }

  /** The rest, once nothing more comes (`piece`: the stream's last); ready for a new stream after. */
  end(piece = ""): string {
    let text = this.halfPair + piece;
    this.halfPair = "";
    for (const stage of this.stages) text = stage.end(text);
    return text;
  }

  /** Forgets what is held (a stream dropped: a fallback's fresh answer replaces it). */
  reset(): void {
    this.halfPair = "";
    for (const stage of this.stages) stage.reset();
  }

  /** How many characters are held back now. */
  get heldLength(): number {
    return this.stages.reduce((sum, stage) => sum + stage.heldLength, this.halfPair.length);
  }
}

interface ShapeReader {
  shape: KeyShape;
  head: Uint8Array[];
  gap: Uint8Array | undefined;
  body: Uint8Array;
  digitWithin: number;
}

interface StageReader {
  readers: readonly ShapeReader[];
  /** The characters a shape of the stage begins with (a lookup table). */
  first: Uint8Array;
}

type Reading = { kind: "none" } | { kind: "open"; bodyFrom?: number | undefined } | { kind: "key"; bodyFrom: number; end: number; goesOn: boolean };

const NONE: Reading = { kind: "none" };
const OPEN: Reading = { kind: "open" };

/** One stage's shapes over a stream (the stages run one after the other, as the whole-text mask's do). */
class ShapeStageStream {
  private held = "";
  /** The character before `held` in the stream (both halves of a surrogate pair): a shape begins only after one that is no letter, digit or underscore. */
  private before = "";
  /** Inside a key masked already whose characters go on: its shape (they are dropped until another comes). */
  private inKey: ShapeReader | undefined;
  /** A kept head shown (`Bearer `) whose token is still to be read: its shape (more of its gap may come). */
  private afterHead: ShapeReader | undefined;

  constructor(private readonly stage: StageReader) {}

  get heldLength(): number {
    return this.held.length;
  }

  push(piece: string): string {
    return this.read(this.held + piece, false);
  }

  end(piece: string): string {
    const out = this.read(this.held + piece, true);
    this.reset();
    return out;
  }

  reset(): void {
    this.held = "";
    this.before = "";
    this.inKey = undefined;
    this.afterHead = undefined;
  }

  private read(text: string, ended: boolean): string {
    // Most pieces hold no shape's first character after a boundary: shown as they are.
    if (!this.inKey && !this.afterHead && nextStart(this.stage, text, 0, this.before) === -1) return this.hold(text, text.length, text);
    let out = "";
    let at = 0;
    if (this.inKey) {
      at = runEnd(this.inKey.body, text, 0);
      if (at === text.length && !ended) return this.hold(text, at, out);
      this.inKey = undefined;
    }
    if (this.afterHead) {
      const reader = this.afterHead;
      const gapEnd = reader.gap ? runEnd(reader.gap, text, at) : at;
      out += text.slice(at, gapEnd);
      at = gapEnd;
      if (at === text.length && !ended) return this.hold(text, at, out);
      const reading = readBody(reader, text, at, ended);
      if (reading.kind === "open") return this.hold(text, at, out);
      this.afterHead = undefined;
      if (reading.kind === "key") {
        out += REDACTED;
        at = reading.end;
        if (reading.goesOn) {
          this.inKey = reader;
          return this.hold(text, text.length, out);
        }
      }
      // Not a token: its characters are read as any others are (a shape may begin among them).
    }
    let from = at;
    for (;;) {
      const start = nextStart(this.stage, text, from, this.before);
      if (start === -1) return this.hold(text, text.length, out + text.slice(at));
      from = start + 1;
      for (const reader of this.stage.readers) {
        const reading = readShape(reader, text, start, ended);
        if (reading.kind === "none") continue;
        if (reading.kind === "open") {
          // A kept head is shown once its gap has begun; its token is held.
          const shownTo = reading.bodyFrom ?? start;
          if (reading.bodyFrom !== undefined) this.afterHead = reader;
          return this.hold(text, shownTo, out + text.slice(at, shownTo));
        }
        out += `${text.slice(at, reader.gap === undefined ? start : reading.bodyFrom)}${REDACTED}`;
        at = reading.end;
        from = at;
        if (reading.goesOn) {
          this.inKey = reader;
          return this.hold(text, text.length, out);
        }
        break;
      }
    }
  }

  /** Holds `text` from `from` on (the character before it kept to read what follows after); returns `shown`. */
  private hold(text: string, from: number, shown: string): string {
    if (from > 0) this.before = text.slice(characterBefore(text, from), from);
    this.held = from === text.length ? "" : text.slice(from);
    return shown;
  }
}

/**
 * Where, from `from` on, a shape of the stage may begin: one of their first characters after a
 * character that is no letter, digit or underscore (`before`: the one before `text[0]`); -1 for none.
 */
function nextStart(stage: StageReader, text: string, from: number, before: string): number {
  for (let at = from; at < text.length; at++) {
    // (The second half of a surrogate pair reads as no character: a character is looked at from its first.)
    const unit = text.charCodeAt(at);
    const code = unit < 128 ? unit : foldedCodeAt(text, at);
    if (code >= 128 || stage.first[code] !== 1) continue;
    const previous = at === 0 ? before : text.slice(characterBefore(text, at), at);
    if (!isWordCharacter(previous)) return at;
  }
  return -1;
}

/** A shape read at `start`: none there, not decided yet (the text ends inside what it could be), or a key (`goesOn`: its run reaches the end, and more of it may come). */
function readShape(reader: ShapeReader, text: string, start: number, ended: boolean): Reading {
  let at = start;
  for (const set of reader.head) {
    if (at === text.length) return ended ? NONE : OPEN;
    if (!inSet(set, foldedCodeAt(text, at))) return NONE;
    at += unitsAt(text, at);
  }
  if (reader.gap) {
    const gapEnd = runEnd(reader.gap, text, at);
    if (gapEnd === at) return at === text.length && !ended ? OPEN : NONE;
    if (gapEnd === text.length && !ended) return { kind: "open", bodyFrom: gapEnd };
    at = gapEnd;
  }
  const reading = readBody(reader, text, at, ended);
  return reading.kind === "open" ? { kind: "open", bodyFrom: reader.gap ? at : undefined } : reading;
}

function readBody(reader: ShapeReader, text: string, at: number, ended: boolean): Reading {
  const { shape } = reader;
  const end = runEnd(reader.body, text, at);
  // Characters, not code units (a surrogate pair is one).
  const length = characterCount(text, at, end);
  const open = end === text.length && !ended;
  if (shape.exact) return length >= shape.min ? { kind: "key", bodyFrom: at, end: pastCharacters(text, at, shape.min), goesOn: false } : open ? OPEN : NONE;
  const digitSeen = !shape.digit || hasDigit(text, at, pastCharacters(text, at, Math.min(length, reader.digitWithin)));
  if (length >= shape.min && digitSeen) return { kind: "key", bodyFrom: at, end, goesOn: open };
  // Still short, or no digit yet where one may still come.
  return open && length < reader.digitWithin ? OPEN : NONE;
}

function runEnd(set: Uint8Array, text: string, from: number): number {
  let at = from;
  while (at < text.length && inSet(set, foldedCodeAt(text, at))) at += unitsAt(text, at);
  return at;
}

function hasDigit(text: string, from: number, to: number): boolean {
  for (let at = from; at < to; at += unitsAt(text, at)) {
    const code = foldedCodeAt(text, at);
    if (code >= 48 && code <= 57) return true;
  }
  return false;
}

/** How many characters `text` has from `from` to `to` (a surrogate pair one). */
function characterCount(text: string, from: number, to: number): number {
  let count = 0;
  for (let at = from; at < to; at += unitsAt(text, at)) count++;
  return count;
}

/** Where `count` characters from `from` end. */
function pastCharacters(text: string, from: number, count: number): number {
  let at = from;
  for (let index = 0; index < count && at < text.length; index++) at += unitsAt(text, at);
  return at;
}

const inSet = (set: Uint8Array, code: number): boolean => code < 128 && set[code] === 1;

const WORD = table("A-Za-z0-9_", false);
const isWordCharacter = (character: string): boolean => character !== "" && inSet(WORD, foldedCodeAt(character, 0));

/** A set of ASCII characters as a lookup table (both letter cases for a caseless stage). */
function table(set: string, caseless: boolean): Uint8Array {
  const out = new Uint8Array(128);
  for (const character of setCharacters(set)) {
    for (const each of caseless ? [character.toLowerCase(), character.toUpperCase()] : [character]) {
      const code = each.charCodeAt(0);
      if (code < 128) out[code] = 1;
    }
  }
  return out;
}

function stageReader(stage: KeyShapeStage): StageReader {
  const readers = stage.shapes.map((shape) => ({
    shape,
    head: shape.head.map((set) => table(set, stage.caseless)),
    gap: shape.gap === undefined ? undefined : table(shape.gap, stage.caseless),
    body: table(shape.body, stage.caseless),
    digitWithin: digitWithin(shape),
  }));
  const first = new Uint8Array(128);
  for (const reader of readers) (reader.head[0] ?? first).forEach((member, code) => (first[code] = first[code] === 1 ? 1 : member));
  return { readers, first };
}

/** The stages' readers, made once: tables of constants, never written after. */
const READERS = KEY_SHAPE_STAGES.map(stageReader);
