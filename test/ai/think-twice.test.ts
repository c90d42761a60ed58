// t22 #3: a model that thinks twice — a block that opens right after another ended, before any answer,
// only whitespace between — gave its second block to WhatsApp as the answer ("SECRET-P2 Answer-P": the
// splitter read every tag after the first block as words, and the channel's last guard took the tags
// out, the reasoning between them left). Every block before the answer is reasoning, in every spelling,
// after an orphan close too; however the output is streamed. A tag after the answer began stays a word.
import assert from "node:assert/strict";
import { test } from "node:test";
import { expectSplit, run } from "./think-split.js";

test("a block right after a block, before the answer, is reasoning too, however it is streamed", () => {
  for (const reasoner of [true, false]) {
    expectSplit("<think>plan A</think><think>plan B</think>The answer.", reasoner, [
      { kind: "reasoning", text: "plan Aplan B" },
      { kind: "text", text: "The answer." },
    ]);
    expectSplit("<think>plan A</think>\n\n<seed:think>plan B</seed:think>\n\n[THINK]plan C[/THINK]\nThe answer.", reasoner, [
      { kind: "reasoning", text: "plan Aplan Bplan C" },
      { kind: "text", text: "The answer." },
    ]);
    expectSplit("</think>\n<think>plan</think>\nThe answer.", reasoner, [
      { kind: "reasoning", text: "plan" },
      { kind: "text", text: "The answer." },
    ]);
  }
  // A model known to reason, its opening tag in the prompt: the orphan close, then a second block.
  expectSplit("plan A</think>\n<think>plan B</think>The answer.", true, [
    { kind: "reasoning", text: "plan Aplan B" },
    { kind: "text", text: "The answer." },
  ]);
});

test("a tag after the answer began is a word; a block left open after another is the answer's words, its tag with them (review s27 #9)", () => {
  for (const reasoner of [true, false]) {
    expectSplit("<think>plan</think>The answer. <think>not a block</think> more.", reasoner, [
      { kind: "reasoning", text: "plan" },
      { kind: "text", text: "The answer. <think>not a block</think> more." },
    ]);
    // A second block is held until its close: never closed, it was the answer opening with a tag word — no answer is swallowed whole.
    expectSplit("<think>plan A</think>\n<think>plan B", reasoner, [
      { kind: "reasoning", text: "plan A" },
      { kind: "text", text: "<think>plan B" },
    ]);
    expectSplit("<think>plan</think>\n<think> tags wrap my reasoning, and I use them.", reasoner, [
      { kind: "reasoning", text: "plan" },
      { kind: "text", text: "<think> tags wrap my reasoning, and I use them." },
    ]);
    expectSplit("<think>plan</think>\n[THINK] is Mistral's tag.", reasoner, [
      { kind: "reasoning", text: "plan" },
      { kind: "text", text: "[THINK] is Mistral's tag." },
    ]);
    expectSplit("<think>plan</think>\n<thinking> is another spelling.", reasoner, [
      { kind: "reasoning", text: "plan" },
      { kind: "text", text: "<thinking> is another spelling." },
    ]);
    expectSplit("<think>plan</think>\n<thi", reasoner, [
      { kind: "reasoning", text: "plan" },
      { kind: "text", text: "<thi" },
    ]);
  }
});

test("a block never closed that opens the output stays reasoning: the model wrote the tag where its template opens reasoning", () => {
  for (const reasoner of [true, false]) expectSplit("<think>plan cut by the token limit", reasoner, [{ kind: "reasoning", text: "plan cut by the token limit" }]);
});

test("the orphan close, then a block never closed: the block is the answer's words (review s27 #9)", () => {
  expectSplit("plan</think>\n<think>The tag opens reasoning.", true, [
    { kind: "reasoning", text: "plan" },
    { kind: "text", text: "<think>The tag opens reasoning." },
  ]);
});

test("thousands of blocks before the answer are read one after another, not by a call nested per block (review s27 #14)", () => {
  const blocks = "<think>a</think>".repeat(20_000);
  for (const reasoner of [true, false]) {
    assert.deepEqual(run([`${blocks}Answer`], reasoner), [
      { kind: "reasoning", text: "a".repeat(20_000) },
      { kind: "text", text: "Answer" },
    ]);
  }
  // A reasoning model's leading text with a fenced close, weighed at the end: the blocks after it are read at finish.
  const output = `plan\n\`\`\`\n</think>\n${"<think>a</think>".repeat(4_000)}Answer`;
  const pieces: string[] = [];
  for (let start = 0; start < output.length; start += 40) pieces.push(output.slice(start, start + 40));
  const segments = run(pieces, true);
  assert.deepEqual(segments.at(-1), { kind: "text", text: "Answer" });
  assert.equal(segments.filter((segment) => segment.kind === "text").length, 1, JSON.stringify(segments.slice(0, 3)));
});
