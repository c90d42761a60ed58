// A property test of the reasoning split, over thousands of random replies (think-fuzz-text.ts) in every
// spelling and none, from a model known to reason and one not, cut into random deltas: the answer comes
// out as it went in, the reasoning too, text with no reasoning untouched, and the streamed split equals
// the split of the whole text at once. Seeded: a failure names its seed and case, and reproduces.
import assert from "node:assert/strict";
import { test } from "node:test";
import { reasoningInShownText } from "../../src/ai/think-shown.js";
import type { Segment } from "../../src/ai/think-tags.js";
import { randomDeltas, randomReply, seeded, SHAPES, type Reply } from "./think-fuzz-text.js";
import { run } from "./think-split.js";

const SEED = 20261204;
const CASES = 4000;

const joined = (segments: readonly Segment[], kind: Segment["kind"]): string =>
  segments.filter((segment) => segment.kind === kind).map((segment) => segment.text).join("");

function problems(reply: Reply, deltas: readonly string[]): string[] {
  const whole = run([reply.output], reply.reasoner);
  const streamed = run(deltas, reply.reasoner);
  const found: string[] = [];
  if (joined(whole, "text") !== reply.answer) found.push(`the answer: ${JSON.stringify(joined(whole, "text"))}`);
  if (joined(whole, "reasoning") !== reply.reasoning) found.push(`the reasoning: ${JSON.stringify(joined(whole, "reasoning"))}`);
  if (JSON.stringify(streamed) !== JSON.stringify(whole)) found.push(`streamed ${JSON.stringify(streamed)} but whole ${JSON.stringify(whole)}`);
  // The whole text that streamed, read once it is complete (think-shown.ts).
  // Strict for a model not known to reason; a reasoning model's text has its tags as code only.
  if (reply.shape === "plain" && reasoningInShownText(reply.output, !reply.reasoner) !== undefined) found.push("the whole-text reader found reasoning in text with none");
  if (reply.shape === "orphan") {
    const shown = reasoningInShownText(reply.output, false);
    if (shown?.reasoning !== reply.reasoning || shown.answer.trimStart() !== reply.answer) found.push(`the whole-text reader: ${JSON.stringify(shown)}`);
  }
  return found;
}

test("random replies in every spelling, cut into random deltas, keep every word of the answer and of the reasoning", () => {
  const failures: string[] = [];
  const shapes = new Map<string, number>();
  for (let index = 0; index < CASES; index++) {
    const random = seeded(SEED + index);
    const reply = randomReply(random);
    const deltas = randomDeltas(random, reply.output);
    shapes.set(reply.shape, (shapes.get(reply.shape) ?? 0) + 1);
    const found = problems(reply, deltas);
    if (found.length > 0 && failures.length < 5) {
      failures.push(`case ${index} (seed ${SEED + index}), ${reply.shape}, reasoner: ${reply.reasoner}\n  output: ${JSON.stringify(reply.output)}\n  deltas: ${JSON.stringify(deltas)}\n  ${found.join("\n  ")}`);
    }
  }
  for (const shape of SHAPES) assert.ok((shapes.get(shape) ?? 0) > CASES / SHAPES.length / 2, `too few cases of ${shape}: the generator lost a shape`);
  assert.deepEqual(failures, []);
});

test("the property test fails where the split loses words: a splitter that drops the last delta is caught", () => {
  const random = seeded(SEED);
  let caught = false;
  for (let index = 0; index < 50 && !caught; index++) {
    const reply = randomReply(random);
    const deltas = randomDeltas(random, reply.output);
    if (deltas.length > 1) caught = problems(reply, deltas.slice(0, -1)).length > 0 || problems({ ...reply, output: reply.output.slice(0, -1) }, deltas).length > 0;
  }
  assert.ok(caught);
});
