// No word of the answer is lost to how the reasoning's end is read: when the output ends and the
// reading chosen leaves no answer while some </think> was seen (code, escaped, behind '>', loose), a
// tag is taken for the real close; a real tag is never behind a quote's '>' nor right after a list
// marker; a <think> inside the reasoning opens a nested block. Every case is streamed split at every
// character boundary (two pieces, three around every special character) and in chunks of 1 to 8.
import assert from "node:assert/strict";
import { test } from "node:test";
import { expectSplit, run, splits } from "./think-split.js";

test("an opened block that would swallow the whole answer ends at a tag written as words", () => {
  const cases: [string, string, string][] = [
    ["<think>RSN\n> ```\n> x</think>\nANS1 words", "RSN\n> ```\n> x", "ANS1 words"],
    ["<think>RSN `start </think>ANS1 and `ANS2 end", "RSN `start ", "ANS1 and `ANS2 end"],
    ["<think>RSN</think >\nANS1", "RSN", "ANS1"],
    ["<think>RSN</think\t>ANS1", "RSN", "ANS1"],
    ["<think>RSN \\</think>ANS1", "RSN \\", "ANS1"],
    ["<think>RSN\n- </think>\nANS1", "RSN\n- ", "ANS1"],
    ["<think>RSN\n\n    indented</think>\n\nANS1", "RSN\n\n    indented", "ANS1"],
  ];
  for (const [output, reasoning, answer] of cases) {
    for (const reasoner of [true, false]) expectSplit(output, reasoner, [{ kind: "reasoning", text: reasoning }, { kind: "text", text: answer }]);
  }
});

test("a tag written as words never ends the reasoning while a real one follows", () => {
  const output = "<think>RSN `</think>` and \\</think> and </think > too\n> </think>\nRSN2</think>\n\nANS1";
  for (const reasoner of [true, false]) {
    expectSplit(output, reasoner, [
      { kind: "reasoning", text: "RSN `</think>` and \\</think> and </think > too\n> </think>\nRSN2" },
      { kind: "text", text: "ANS1" },
    ]);
  }
});

test("the best formed reading wins: one that leaves the answer a fence open loses to a tag in the fence the reasoning left open", () => {
  const output = "<think>RSN `a </think>`\n```\nx\n> </think>\nANS1 words";
  for (const reasoner of [true, false]) {
    expectSplit(output, reasoner, [
      { kind: "reasoning", text: "RSN `a </think>`\n```\nx\n> " },
      { kind: "text", text: "ANS1 words" },
    ]);
  }
});

test("an answer of a reasoning model keeps its words when a </think> follows a quote's '>' or a list marker", () => {
  for (const answer of ["> <think>ANSQ quoted</think>\n\nANS1 plain", "ANS1 answer\n> </think>\nANS2 more", "ANS1 answer\n- </think>\n- ANS2 more", "ANS1\n1. </think>ANS2", "> > ANS1</think>ANS2"]) {
    for (const reasoner of [true, false]) expectSplit(answer, reasoner, [{ kind: "text", text: answer }]);
  }
});

test("a real </think> after a list item's words or a quote's lazy line still ends the reasoning", () => {
  for (const reasoning of ["1. Check X.", "> a quote\nlazy words", "- a\n- b\n"]) {
    expectSplit(`${reasoning}</think>\n\nANS1`, true, [{ kind: "reasoning", text: reasoning }, { kind: "text", text: "ANS1" }]);
    for (const reasoner of [true, false]) expectSplit(`<think>${reasoning}</think>\n\nANS1`, reasoner, [{ kind: "reasoning", text: reasoning }, { kind: "text", text: "ANS1" }]);
  }
});

test("a <think> inside the reasoning opens a nested block: its </think> is words", () => {
  for (const reasoner of [true, false]) {
    expectSplit("<think>RSN <think> i</think> RSN2</think>ANS1", reasoner, [
      { kind: "reasoning", text: "RSN <think> i</think> RSN2" },
      { kind: "text", text: "ANS1" },
    ]);
    expectSplit("<think>RSN says <think>\nplan\n</think>\n\nANS1", reasoner, [
      { kind: "reasoning", text: "RSN says <think>\nplan\n" },
      { kind: "text", text: "ANS1" },
    ]);
    expectSplit("<think>RSN `<think>` in code\n</think>\n\nANS1", reasoner, [
      { kind: "reasoning", text: "RSN `<think>` in code\n" },
      { kind: "text", text: "ANS1" },
    ]);
  }
});

test("among tags written as words equally well formed, the earliest is taken: the answer keeps more", () => {
  for (const reasoner of [true, false]) {
    expectSplit("<think>RSN `a </think>` b\n> </think>\nANS1", reasoner, [
      { kind: "reasoning", text: "RSN `a " },
      { kind: "text", text: "` b\n> </think>\nANS1" },
    ]);
  }
});

test("a </think> in a raw HTML block of the reasoning (<pre>) is words", () => {
  for (const reasoner of [true, false]) {
    expectSplit("<think>RSN\n<pre>\n</think>\n</pre>\nRSN2</think>ANS1", reasoner, [
      { kind: "reasoning", text: "RSN\n<pre>\n</think>\n</pre>\nRSN2" },
      { kind: "text", text: "ANS1" },
    ]);
  }
  expectSplit("RSN\n<pre>\n</think>\n</pre>\nRSN2</think>ANS1", true, [
    { kind: "reasoning", text: "RSN\n<pre>\n</think>\n</pre>\nRSN2" },
    { kind: "text", text: "ANS1" },
  ]);
});

test("outputs where a </think> was seen never end with an empty answer, however they are streamed", () => {
  const outputs = ["<think>RSN\n> ```\n> x</think>\nANS1", "<think>RSN `a </think>ANS1 `b", "<think>R</think >A", "RSN\n```\n</think>\n```\nANS1", "<think>R <think> i</think> R2</think>A"];
  for (const output of outputs) {
    for (const reasoner of [true, false]) {
      for (const pieces of splits(output)) {
        const answer = run(pieces, reasoner).filter((segment) => segment.kind === "text").map((segment) => segment.text).join("");
        assert.notEqual(answer.trim(), "", `${JSON.stringify(output)} (reasoner: ${reasoner}) split as ${JSON.stringify(pieces)}: no answer`);
      }
    }
  }
});
