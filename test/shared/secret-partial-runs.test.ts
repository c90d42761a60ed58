import assert from "node:assert/strict";
import { test } from "node:test";
import { PartialRuns, type PartialForm } from "../../src/shared/secret-partial-runs.js";

/** Every run of a form `window` characters or more in `text`, found the slow way: each start of the text against each offset of each form. */
function runsByHand(text: string, forms: readonly PartialForm[]): [number, number][] {
  const runs: [number, number][] = [];
  const same = (form: PartialForm, textChar: string, formChar: string) => (form.caseless ? textChar.toLowerCase() === formChar : textChar === formChar);
  for (const form of forms) {
    for (let start = 0; start < text.length; start++) {
      for (let offset = 0; offset < form.text.length; offset++) {
        let length = 0;
        while (start + length < text.length && offset + length < form.text.length && same(form, text.charAt(start + length), form.text.charAt(offset + length))) length++;
        if (length >= form.window) runs.push([start, start + length]);
      }
    }
  }
  return runs;
}

function covered(spans: readonly [number, number][], run: [number, number]): boolean {
  for (let at = run[0]; at < run[1]; at++) if (!spans.some(([start, end]) => start <= at && at < end)) return false;
  return true;
}

/** A small deterministic generator (a test that fails says which seed). */
function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (Math.imul(state, 1_103_515_245) + 12_345) >>> 0;
    return state / 2 ** 32;
  };
}

const KEY = "sk-proj-aBcDeF0123456789gHiJkLmNoPqRsTuVwXyZ";
const FORMS: PartialForm[] = [
  { text: KEY.toLowerCase(), caseless: true, window: 14 },
  // Written as is (base64 is matched in its own letter case): its capitals are characters a run may hold though no caseless form has them.
  { text: "QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVo+/w", caseless: false, window: 16 },
];

test("a run of a form is masked whatever stands around it: at every offset, bordered by characters no form has or inside a longer stretch of ones that some form has", () => {
  const runs = new PartialRuns(FORMS);
  const next = random(7);
  const noise = [" ", ", ", "\n", "(", "'", "zz", "-", "Q", "0", "é", "~~"];
  for (let round = 0; round < 400; round++) {
    const form = FORMS[round % FORMS.length] as PartialForm;
    const from = Math.floor(next() * (form.text.length - form.window));
    const to = from + form.window + Math.floor(next() * (form.text.length - from - form.window + 1));
    const piece = form.caseless && next() < 0.5 ? form.text.slice(from, to).toUpperCase() : form.text.slice(from, to);
    const before = Array.from({ length: Math.floor(next() * 6) }, () => noise[Math.floor(next() * noise.length)]).join("");
    const after = Array.from({ length: Math.floor(next() * 6) }, () => noise[Math.floor(next() * noise.length)]).join("");
    const text = `${"lorem ipsum ".repeat(Math.floor(next() * 3))}${before}${piece}${after} dolor`;
    const spans = runs.spans(text);
    for (const run of runsByHand(text, FORMS)) assert.ok(covered(spans, run), `round ${round}: ${JSON.stringify(text)} — the run ${JSON.stringify(text.slice(...run))} is not masked (spans ${JSON.stringify(spans)})`);
    assert.ok(covered(spans, [text.indexOf(piece), text.indexOf(piece) + piece.length]), `round ${round}: ${JSON.stringify(text)}`);
  }
});

test("a form's capitals, written as is, are part of a run: the run through them is masked whole", () => {
  const runs = new PartialRuns([{ text: "QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVo", caseless: false, window: 16 }]);
  const text = "Authorization: Basic xxQUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVo=";
  assert.deepEqual(runs.spans(text), [[text.indexOf("QUJD"), text.indexOf("=")]]);
  // Another letter case is not the form (base64 is read as written).
  assert.deepEqual(runs.spans(text.toLowerCase()), []);
});

test("text of words and short tokens holds no run, and no two runs are told where one is", () => {
  const runs = new PartialRuns(FORMS);
  assert.deepEqual(runs.spans("lorem ipsum dolor sit amet, consectetur adipiscing elit ".repeat(50)), []);
  assert.deepEqual(runs.spans("for (let i = 0; i < n; i++) { x = y + z * 2 - k / m; }\n".repeat(50)), []);
  const text = `key: ${KEY.slice(3)} and again ${KEY.slice(0, 20).toUpperCase()}.`;
  assert.deepEqual(runs.spans(text), [
    [5, 5 + KEY.length - 3],
    [text.indexOf(KEY.slice(0, 20).toUpperCase()), text.indexOf(KEY.slice(0, 20).toUpperCase()) + 20],
  ]);
});

// A form that repeats characters of its own (a key of a few characters over and over, its base64) has runs on several
// diagonals at once — the text against the form at different offsets — that overlap: one begun before another's start,
// or going on past its end. Each is a run of the form and masked whole, not the longest through a place alone.
const REPEATING: PartialForm[] = [
  { text: "5xjb5xjb5xjb5xjb5xjb", caseless: true, window: 16 },
  { text: "q88uq88uq88u0q88uq88uq88", caseless: true, window: 11 },
  { text: "TVNWd2xNU1Z3bE1TVndsTVNWd2xNU1Z3bE1T", caseless: false, window: 13 },
];

test("runs of a form that repeats characters of its own are masked whole however they overlap: two pieces of it side by side, any offsets and lengths, any neighbours", () => {
  const neighbours = ["", " ", "-", "é", "Q", "5"];
  for (const form of REPEATING) {
    const runs = new PartialRuns([form]);
    const pieces: string[] = [];
    for (let from = 0; from < form.text.length; from += 2) for (let to = from + 3; to <= form.text.length; to += 3) pieces.push(form.text.slice(from, to));
    let checked = 0;
    for (const [index, first] of pieces.entries()) {
      for (const second of pieces.slice(index % 3, index % 3 + 40)) {
        const neighbour = neighbours[(index + second.length) % neighbours.length] as string;
        const text = `${neighbour}${first}${second}${neighbour}`;
        const spans = runs.spans(text);
        for (const run of runsByHand(text, [form])) assert.ok(covered(spans, run), `${JSON.stringify(text)}: the run ${JSON.stringify(text.slice(...run))} is not masked (spans ${JSON.stringify(spans)})`);
        checked++;
      }
    }
    assert.ok(checked > 1000, String(checked));
  }
});

test("runs on two diagonals of a repeating form, one begun before the other and one going on past it, are both found", () => {
  const runs = new PartialRuns([REPEATING[0] as PartialForm]);
  // "b5xjb…jb" is the form from its 4th character (17 of them); "5xjb…5x" from its 1st (18): neither holds the other.
  const text = " b5xjb5xjb5xjb5xjb5x ";
  const spans = runs.spans(text);
  assert.ok(covered(spans, [1, 18]), JSON.stringify(spans));
  assert.ok(covered(spans, [2, 20]), JSON.stringify(spans));
  assert.ok(!covered(spans, [0, 1]) && !covered(spans, [20, 21]), JSON.stringify(spans));
});
