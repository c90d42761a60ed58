// Inline code spans of a line read as it streams (StreamedCodeSpans) say what insideCodeSpan says of the
// line so far, at every position, whatever the pieces: backtick runs split across pieces, spans closed by
// a later run of the same length only, a run never matched literal once the line is complete.
import assert from "node:assert/strict";
import { test } from "node:test";
import { insideCodeSpan, StreamedCodeSpans } from "../../src/shared/markdown-code.js";

/** Lines of backtick runs (one to four long) among words, as code spans and stray backticks are written. */
function lines(): string[] {
  const parts = ["`", "``", "```", "````", "a", " ", "b c", "<", "x`y"];
  const out: string[] = ["", "plain words", "`code`", "``a`b``", "a ` b", "`a`` b`", "``` not a fence ```", "`one` and `two` ``three``"];
  let state = 7;
  for (let index = 0; index < 400; index++) {
    let line = "";
    const count = 1 + (index % 9);
    for (let part = 0; part < count; part++) {
      state = (state * 1103515245 + 12345) % 2147483648;
      line += parts[state % parts.length];
    }
    out.push(line);
  }
  return out;
}

/** Every position that is not a backtick, in the streamed reader and in insideCodeSpan, once each piece is in (and once the line is complete). */
function compare(line: string, size: number): string[] {
  const spans = new StreamedCodeSpans();
  const wrong: string[] = [];
  let sofar = "";
  const check = (complete: boolean): void => {
    for (let at = 0; at < sofar.length; at++) {
      if (sofar[at] === "`") continue;
      const expected = insideCodeSpan(sofar, at, complete);
      const actual = spans.at(at, complete);
      if (actual !== expected) wrong.push(`${JSON.stringify(sofar)} at ${at} (complete: ${complete}, pieces of ${size}): ${actual}, not ${expected}`);
    }
  };
  for (let start = 0; start < line.length; start += size) {
    const piece = line.slice(start, start + size);
    spans.append(piece);
    sofar += piece;
    check(false);
  }
  check(true);
  return wrong;
}

test("a line's code spans read as it streams agree with insideCodeSpan at every position, in pieces of 1 to 4 and whole", () => {
  const wrong: string[] = [];
  for (const line of lines()) for (const size of [1, 2, 3, 4, Math.max(1, line.length)]) wrong.push(...compare(line, size));
  assert.deepEqual(wrong.slice(0, 5), []);
});

test("a span closes only on a run of its own length; a run never matched is literal once the line is complete", () => {
  const spans = new StreamedCodeSpans();
  spans.append("a `` b ` c");
  assert.equal(spans.at(5, false), "unknown", "the `` run may still be matched");
  spans.append(" `` d");
  assert.equal(spans.at(5, false), "inside");
  assert.equal(spans.at(12, false), "outside");
  const unmatched = new StreamedCodeSpans();
  unmatched.append("x ``` y `z` w");
  assert.equal(unmatched.at(8, false), "unknown");
  assert.equal(unmatched.at(8, true), "outside", "the ``` run is literal: the span after it is read anew");
  assert.equal(unmatched.at(9, true), "inside");
  const growing = new StreamedCodeSpans();
  growing.append("`a` b ``");
  growing.append("`c```");
  assert.equal(growing.at(4, true), "outside");
  assert.equal(growing.at(9, true), "inside", "``` written across two pieces is one run, which the last one matches");
});
