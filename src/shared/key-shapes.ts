import { foldCompatibility, unfoldedEnd, unfoldedStart, type FoldedText } from "./compatibility-fold.js";
import { REDACTED } from "./redacted.js";

/**
 * Tokens that are keys by their shape, whoever's they are: OpenAI/Anthropic/OpenRouter `sk-…` (with a
 * digit, so prose such as "sk-learn-tutorial-for-beginners" stays), GitHub `ghp_…` and `github_pat_…`, Slack `xox…-`, AWS
 * `AKIA…`, and `Bearer <token>`. Each is described once here; the whole-text mask (a regular expression
 * made from the description) and the streamed one (key-shape-stream.ts, which reads the same
 * description a piece at a time) come from it, so a text masked whole and the same text streamed in
 * pieces cut anywhere read the same.
 *
 * Contract: a shape is its `head` (one set of characters a place: `s`, `k`, `-`), then for a kept head
 * a `gap` of one or more characters shown as written (`Bearer` then spaces), then its `body`: a run of
 * its characters, `min` or more (all of the run is masked), or exactly `min` with `exact`; with `digit`,
 * one of its first `digitWithin` characters is a digit. It begins where the character before is no
 * letter, digit or underscore (a regular expression's `\b`: "ask-…" is no key). A character is read
 * as the one ASCII character it folds to, if it folds to one (compatibility-fold.ts: `ｓｋ－…`, `𝐬𝐤-…`,
 * `ⓢⓚ-…` are keys), and those characters are masked. Its first character
 * is a letter, and none of a kept head's later characters or gap's begins a shape (what the stream
 * relies on to show a kept head before its token is read).
 */
export interface KeyShape {
  head: readonly string[];
  gap?: string | undefined;
  body: string;
  min: number;
  exact?: boolean | undefined;
  digit?: boolean | undefined;
}

/**
 * The most characters a stream holds back for a key shape: longer than any provider's key (OpenAI's
 * project keys, the longest, are 164). A token is a key only if its digit comes within that many
 * characters from its first, so a run with none (prose of dashes and letters) is let go there.
 */
export const LONGEST_KEY = 256;

/**
 * The shapes, in two stages applied one after the other as the whole-text mask always has: the keys
 * first, then `Bearer <token>` in what is left (a key after "Bearer" is masked as a key; a token
 * that only begins like one is not read across a key masked inside it).
 */
export const KEY_SHAPE_STAGES: readonly KeyShapeStage[] = [
  {
    caseless: false,
    shapes: [
      // sk-…, sk-ant-…, sk-or-…, sk-proj-…: the provider's word is part of the run.
      { head: ["s", "k", "-"], body: "A-Za-z0-9_-", min: 16, digit: true },
      { head: ["g", "h", "pousr", "_"], body: "A-Za-z0-9", min: 20 },
      // GitHub's fine-grained tokens: github_pat_, 22 characters, _, 59 more.
      { head: ["g", "i", "t", "h", "u", "b", "_", "p", "a", "t", "_"], body: "A-Za-z0-9_", min: 30 },
      { head: ["x", "o", "x", "abposr", "-"], body: "A-Za-z0-9-", min: 10 },
      { head: ["A", "K", "I", "A"], body: "0-9A-Z", min: 16, exact: true },
    ],
  },
  {
    // On one line: a header never breaks there (a dump's next offset is no token). A digit in the token: "Bearer authentication" in prose stays.
    caseless: true,
    shapes: [{ head: ["B", "e", "a", "r", "e", "r"], gap: " \t", body: "A-Za-z0-9._~+/=-", min: 8, digit: true }],
  },
];

export interface KeyShapeStage {
  caseless: boolean;
  shapes: readonly KeyShape[];
}

/** Every key-shaped token masked; a kept head (`Bearer `) stays. */
export function maskKeyShapes(text: string): string {
  const folded = foldCompatibility(text, { singleOnly: true });
  if (folded !== undefined) return maskFoldedShapes(text, folded);
  if (text.length < SHORTEST_SHAPE) return text;
  let out = text;
  for (const [index, pattern] of STAGE_PATTERNS.entries()) {
    const stage = KEY_SHAPE_STAGES[index] as KeyShapeStage;
    const count = stage.shapes.length;
    out = out.replace(pattern, (...match: unknown[]) => `${match.slice(1, 1 + count).find((head) => typeof head === "string") ?? ""}${REDACTED}`);
  }
  return out;
}

/**
 * The shapes masked in a text with compatibility forms, read in its fold (one character for one: what a
 * stream reads too), the characters of the text itself masked. Each stage reads the fold with the earlier
 * stages' masks in it, as the plain mask does.
 */
function maskFoldedShapes(text: string, folded: FoldedText): string {
  if (folded.text.length < SHORTEST_SHAPE || !STAGE_PATTERNS.some((pattern) => matches(pattern, folded.text))) return text;
  const masked: [number, number][] = [];
  // The stage's text, and for each of its characters the span of `text` it stands for.
  let current = {
    text: folded.text,
    starts: Array.from({ length: folded.text.length }, (_, index) => unfoldedStart(folded, index)),
    ends: Array.from({ length: folded.text.length }, (_, index) => unfoldedEnd(folded, index)),
  };
  for (const [index, pattern] of STAGE_PATTERNS.entries()) {
    const count = (KEY_SHAPE_STAGES[index] as KeyShapeStage).shapes.length;
    const bodies: [number, number][] = [];
    for (const match of current.text.matchAll(pattern)) {
      const head = match.slice(1, 1 + count).find((each) => typeof each === "string") ?? "";
      bodies.push([match.index + head.length, match.index + match[0].length]);
    }
    if (bodies.length === 0) continue;
    const next = { text: "", starts: [] as number[], ends: [] as number[] };
    const keep = (from: number, to: number) => {
      next.text += current.text.slice(from, to);
      for (let index = from; index < to; index++) {
        next.starts.push(current.starts[index] as number);
        next.ends.push(current.ends[index] as number);
      }
    };
    let at = 0;
    for (const [start, end] of bodies) {
      const span: [number, number] = [current.starts[start] as number, current.ends[end - 1] as number];
      masked.push(span);
      keep(at, start);
      next.text += REDACTED;
      for (let index = 0; index < REDACTED.length; index++) {
        next.starts.push(span[0]);
        next.ends.push(span[1]);
      }
      at = end;
    }
    keep(at, current.text.length);
    current = next;
  }
  let out = "";
  let at = 0;
  for (const [start, end] of masked.sort((a, b) => a[0] - b[0])) {
    if (start < at) continue;
    out += `${text.slice(at, start)}${REDACTED}`;
    at = end;
  }
  return out + text.slice(at);
}

/** Whether `pattern` (global) matches anywhere in `text`. */
function matches(pattern: RegExp, text: string): boolean {
  pattern.lastIndex = 0;
  const found = pattern.test(text);
  pattern.lastIndex = 0;
  return found;
}

/** How many of a shape's first body characters its digit must be among (a kept head is shown at once: its token alone is held). */
export function digitWithin(shape: KeyShape): number {
  return shape.gap === undefined ? LONGEST_KEY - shape.head.length : LONGEST_KEY;
}

/** The characters of a set written as a regular expression's class is (`A-Za-z0-9_-`: ranges, then characters; a last `-` is one). */
export function setCharacters(set: string): string {
  let out = "";
  for (let at = 0; at < set.length; at++) {
    const first = set.charCodeAt(at);
    if (set[at + 1] === "-" && at + 2 < set.length) {
      for (let code = first; code <= set.charCodeAt(at + 2); code++) out += String.fromCharCode(code);
      at += 2;
    } else out += set[at];
  }
  return out;
}

const escaped = (characters: string): string => characters.replace(/[\\\]^-]/g, "\\$&");

/** One shape as a regular expression: a kept head and its gap in a group (put back before the mask). */
function shapeSource(shape: KeyShape): string {
  const head = shape.head.map((set) => `[${escaped(setCharacters(set))}]`).join("");
  const kept = shape.gap === undefined ? head : `(${head}[${escaped(setCharacters(shape.gap))}]+)`;
  const body = `[${shape.body}]`;
  const digit = shape.digit ? `(?=${body}{0,${digitWithin(shape) - 1}}\\d)` : "";
  return `${kept}${digit}${body}{${shape.min}${shape.exact ? "" : ","}}`;
}

/** Each stage's expression. A shape with no kept head has an empty group, so every shape's group is at the same place. */
const STAGE_PATTERNS = KEY_SHAPE_STAGES.map(
  (stage) =>
    new RegExp(
      `\\b(?:${stage.shapes.map((shape) => (shape.gap === undefined ? `()${shapeSource(shape)}` : shapeSource(shape))).join("|")})`,
      stage.caseless ? "gi" : "g",
    ),
);

/** The fewest characters a shape takes: a shorter text holds none. */
const SHORTEST_SHAPE = Math.min(...KEY_SHAPE_STAGES.flatMap((stage) => stage.shapes.map((shape) => shape.head.length + (shape.gap === undefined ? 0 : 1) + shape.min)));
