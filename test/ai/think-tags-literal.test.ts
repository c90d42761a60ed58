// A model that writes the think tags as words of its answer (inline code, a fenced block, escaped)
// keeps every word, and a real reasoning block — one whose reasoning mentions the tags included — is
// still split out whole. Every case is streamed split at every character boundary (two pieces, and
// three pieces around every tag and backtick) and in chunks of 1 to 8 characters.
import assert from "node:assert/strict";
import { test } from "node:test";
import { assertNothingLost, expectSplit, run } from "./think-split.js";

/** Answers that talk about the tags, from a model that sent no reasoning: every word is text, whatever the model. */
const LITERAL_ANSWERS = [
  "Use `<think>` and `</think>` tags.",
  "Wrap it as `<think>plan</think>` before the answer.",
  "Double backticks work too: ``</think>`` closes it.",
  "Spaced code: `` `</think>` `` is the closing tag.",
  "Reasoning models write:\n```\n<think>\nplan\n</think>\nanswer\n```\nThat is all.",
  "In XML:\n~~~xml\n</think>\n~~~\nDone.",
  "  ```text\n</think>\n  ```\nIndented fences count too.",
  "Type \\</think> to show the tag.",
  "The close tag, `</think>`, ends it.\nA second line with `code`.",
];

for (const answer of LITERAL_ANSWERS) {
  test(`${JSON.stringify(answer)}: the tag written as words of the answer is text`, () => {
    for (const reasoner of [true, false]) expectSplit(answer, reasoner, [{ kind: "text", text: answer }]);
  });
}

test("an orphan </think> ends held reasoning that mentions the tag as inline code", () => {
  expectSplit("The user asks about `</think>`.\n</think>\n\nIt closes the block.", true, [
    { kind: "reasoning", text: "The user asks about `</think>`.\n" },
    { kind: "text", text: "It closes the block." },
  ]);
});

test("a <think> block whose reasoning mentions </think> as inline code, escaped or in a fence is split out whole", () => {
  const reasoning = "\nThey ask about `</think>` and \\</think>. Draft:\n```\n<think>x</think>\n</think>\n```\nDone.\n";
  for (const reasoner of [true, false]) {
    expectSplit(`<think>${reasoning}</think>\n\nIt closes a reasoning block.`, reasoner, [
      { kind: "reasoning", text: reasoning },
      { kind: "text", text: "It closes a reasoning block." },
    ]);
  }
});

test("held reasoning with a fenced mention, then the real orphan </think>", () => {
  expectSplit("Draft:\n~~~\n</think>\n~~~\nok\n</think>\n\nAnswer.", true, [
    { kind: "reasoning", text: "Draft:\n~~~\n</think>\n~~~\nok\n" },
    { kind: "text", text: "Answer." },
  ]);
});

test("a real </think> is never words: after balanced inline code on its line, after a lone backtick, at a line start", () => {
  for (const reasoner of [true, false]) {
    expectSplit("<think>use `x` here</think>Answer with `y`.", reasoner, [
      { kind: "reasoning", text: "use `x` here" },
      { kind: "text", text: "Answer with `y`." },
    ]);
    expectSplit("<think>a ` b</think>answer\nmore `x`", reasoner, [
      { kind: "reasoning", text: "a ` b" },
      { kind: "text", text: "answer\nmore `x`" },
    ]);
    expectSplit("<think>a ` b\n</think>\n`c` d", reasoner, [
      { kind: "reasoning", text: "a ` b\n" },
      { kind: "text", text: "`c` d" },
    ]);
  }
  expectSplit("a ` b</think>answer", true, [
    { kind: "reasoning", text: "a ` b" },
    { kind: "text", text: "answer" },
  ]);
});

test("a fence the reasoning never closes does not hide the real </think>: the output ends with the fence open", () => {
  for (const reasoner of [true, false]) {
    expectSplit("<think>\n```python\nprint(1)\n</think>\n\nThe answer.", reasoner, [
      { kind: "reasoning", text: "\n```python\nprint(1)\n" },
      { kind: "text", text: "The answer." },
    ]);
  }
  expectSplit("```python\nprint(1)\n</think>\n\nThe answer.", true, [
    { kind: "reasoning", text: "```python\nprint(1)\n" },
    { kind: "text", text: "The answer." },
  ]);
});

test("any mix of tags, backticks, fences, escapes and newlines splits the same however it is streamed, and loses nothing", () => {
  const fragments = ["<think>", "</think>", "`", "``", "```", "~~~", "\n", "\\", "words ", " ", "x"];
  let seed = 20261202;
  const random = (): number => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed / 2147483648;
  };
  for (let sample = 0; sample < 400; sample++) {
    let output = "";
    const count = 2 + Math.floor(random() * 12);
    for (let index = 0; index < count; index++) output += fragments[Math.floor(random() * fragments.length)];
    for (const reasoner of [true, false]) {
      const whole = run([output], reasoner);
      const reasoning = whole.filter((segment) => segment.kind === "reasoning").map((segment) => segment.text).join("");
      const text = whole.filter((segment) => segment.kind === "text").map((segment) => segment.text).join("");
      const where = `${JSON.stringify(output)}, reasoner: ${reasoner}`;
      assertNothingLost(output, whole, where);
      // Blocks one after another before the answer (t22 #3) give their reasoning as one: the tags and the whitespace between them go.
      assert.ok(output.replace(/<\/think>\s*<think>/g, "").includes(reasoning), `the reasoning is a piece of the output: ${where}`);
      if (!output.includes("</think>") && !output.trimStart().startsWith("<think>")) assert.equal(text, output, `no block, nothing but text: ${where}`);
      for (let cut = 1; cut < output.length; cut++) assert.deepEqual(run([output.slice(0, cut), output.slice(cut)], reasoner), whole, `${where}, cut at ${cut}`);
      for (let size = 1; size <= 3; size++) {
        const pieces: string[] = [];
        for (let start = 0; start < output.length; start += size) pieces.push(output.slice(start, start + size));
        assert.deepEqual(run(pieces, reasoner), whole, `${where}, chunks of ${size}`);
      }
    }
  }
});
