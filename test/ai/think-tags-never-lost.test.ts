// No word of the answer is lost to how the reasoning's end is read: when the output ends and the
// reading chosen leaves no answer while some </think> was seen (code, escaped, behind '>', loose), a
// tag is taken for the real close; a real tag is never behind a quote's '>' nor right after a list
// marker; a <think> inside the reasoning opens a nested block. Every case is streamed split at every
// character boundary (two pieces, three around every special character) and in chunks of 1 to 8.
import assert from "node:assert/strict";
import { test } from "node:test";
import { MarkdownBlocks } from "../../src/shared/markdown-blocks.js";
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

test("a reasoning model's text written before a <think> that opens mid-output is answer, and only the tagged part is reasoning", () => {
  const cases: [string, { kind: "text" | "reasoning"; text: string }[]][] = [
    ["Sure. <think>plan</think> Done.", [{ kind: "text", text: "Sure. " }, { kind: "reasoning", text: "plan" }, { kind: "text", text: "Done." }]],
    ["Sure.\n\n<think>\nplan\n</think>\n\nDone.", [{ kind: "text", text: "Sure.\n\n" }, { kind: "reasoning", text: "\nplan\n" }, { kind: "text", text: "Done." }]],
    ["Sure.<think>plan</think> Done.", [{ kind: "text", text: "Sure." }, { kind: "reasoning", text: "plan" }, { kind: "text", text: " Done." }]],
    ["Sure `x`. <think>a <think> b</think> c</think>Done.", [{ kind: "text", text: "Sure `x`. " }, { kind: "reasoning", text: "a <think> b</think> c" }, { kind: "text", text: "Done." }]],
    ["Sure. <think>a</think> Done <think>b</think> end", [{ kind: "text", text: "Sure. " }, { kind: "reasoning", text: "a" }, { kind: "text", text: "Done <think>b</think> end" }]],
    ["Sure.\n```\nx\n```\n<think>\n`</think>` in code\n</think>\nDone.", [{ kind: "text", text: "Sure.\n```\nx\n```\n" }, { kind: "reasoning", text: "\n`</think>` in code\n" }, { kind: "text", text: "Done." }]],
  ];
  for (const [output, expected] of cases) {
    expectSplit(output, true, expected);
    // From a model not known to reason, tags after the answer began are words (an answer about them: issue 9).
    expectSplit(output, false, [{ kind: "text", text: output }]);
  }
});

test("a reasoning model's <think> after a fenced </think> is weighed at the end: it opens a block unless the fenced tag reads better as the close", () => {
  expectSplit("Sure:\n```\n</think>\n```\nok <think>plan</think> Done.", true, [
    { kind: "text", text: "Sure:\n```\n</think>\n```\nok " },
    { kind: "reasoning", text: "plan" },
    { kind: "text", text: "Done." },
  ]);
  // The reasoning left a fence open; the answer shows the tags in a code block of its own.
  expectSplit("RSN\n```python\nprint(1)\n</think>\n\nThe user wants X.\n```\n<think>plan</think>\n```\nDone.", true, [
    { kind: "reasoning", text: "RSN\n```python\nprint(1)\n" },
    { kind: "text", text: "The user wants X.\n```\n<think>plan</think>\n```\nDone." },
  ]);
});

test("a <think> after answer text that never closes, or that the answer writes as code, is words of the answer", () => {
  for (const answer of ["Use the <think> tag to open reasoning.", "Sure:\n```\n<think>a</think>\n```\nDone.", "Sure. `<think>a</think>` Done.", "Sure. \\<think>a\\</think> Done.", "Sure.\n> <think>a</think>\nDone."]) {
    for (const reasoner of [true, false]) expectSplit(answer, reasoner, [{ kind: "text", text: answer }]);
  }
});

test("a fenced </think> whose fence closes is never the close that starts the answer inside the fence: the fence stays whole", () => {
  const cases: [string, string, string][] = [
    ["<think>RSN\n```\n</think>\n```\nANS1 words", "RSN\n```\n</think>\n```\n", "ANS1 words"],
    ["<think>RSN\n```\n</think>\n```\nANS1\n```js\nx\n```", "RSN\n```\n</think>\n```\n", "ANS1\n```js\nx\n```"],
    ["<think>RSN\n```\n</think>\ncode\n```\nANS1", "RSN\n```\n</think>\ncode\n```\n", "ANS1"],
    ["<think>RSN\n> ```\n> </think>\n> ```\nANS1", "RSN\n> ```\n> </think>\n> ```\n", "ANS1"],
    ["<think>RSN\n~~~\n\\</think>\n~~~\n\nANS1", "RSN\n~~~\n\\</think>\n~~~\n", "ANS1"],
  ];
  for (const [output, reasoning, answer] of cases) {
    for (const reasoner of [true, false]) expectSplit(output, reasoner, [{ kind: "reasoning", text: reasoning }, { kind: "text", text: answer }]);
  }
});

/** The Markdown read of `text`: a fence left open at its end, and its defects. */
function readMarkdown(text: string): { fenceOpen: boolean; defects: number } {
  const blocks = new MarkdownBlocks();
  for (const line of text.split("\n")) blocks.endLine(line);
  return { fenceOpen: blocks.fenceOpen, defects: blocks.defects };
}

test("an answer is never left with a fence open where the output as written closes every fence and words follow the last, however it is streamed", () => {
  const fragments = ["<think>", "</think>", "\n```\n", "\n~~~\n", "\n```js\n", "\n> ```\n", "\n> ", "\\", "`", "words ", "\n", "Sure. "];
  let seed = 1202;
  const random = (): number => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed / 2147483648;
  };
  let checked = 0;
  for (let sample = 0; sample < 20000 && checked < 300; sample++) {
    let output = "";
    const count = 3 + Math.floor(random() * 10);
    for (let index = 0; index < count; index++) output += fragments[Math.floor(random() * fragments.length)];
    const whole = readMarkdown(output);
    if (whole.fenceOpen || whole.defects > 0 || !output.includes("</think>") || !/```|~~~/.test(output)) continue;
    // Words after the last fence line: an answer can follow every fence (else one is left open rather than no answer).
    const lines = output.split("\n");
    const lastFence = lines.findLastIndex((line) => /^[ \t>-]*(```|~~~)/.test(line));
    if (!lines.slice(lastFence + 1).some((line) => line.trim() !== "")) continue;
    checked++;
    for (const reasoner of [true, false]) {
      const segments = run([output], reasoner);
      const last = segments[segments.length - 1];
      if (last?.kind !== "text") continue;
      const answer = readMarkdown(last.text);
      assert.ok(!answer.fenceOpen, `${JSON.stringify(output)} (reasoner: ${reasoner}): the answer ${JSON.stringify(last.text)} leaves a fence open`);
      for (let size = 1; size <= 3; size++) {
        const pieces: string[] = [];
        for (let start = 0; start < output.length; start += size) pieces.push(output.slice(start, start + size));
        assert.deepEqual(run(pieces, reasoner), segments, `${JSON.stringify(output)} (reasoner: ${reasoner}) in chunks of ${size}`);
      }
    }
  }
  assert.ok(checked >= 100, `only ${checked} outputs checked`);
});

test("after a real close that a fenced one before it was weighed against, an opening tag in the answer is words", () => {
  // The real </think> waits to the end beside the fenced one; the <think> after it once took the text
  // before it for the answer (the reasoning shown) and the answer's words for reasoning.
  for (const [open, close] of [["<think>", "</think>"], ["<seed:think>", "</seed:think>"], ["[THINK]", "[/THINK]"]] as const) {
    const reasoning = `plan\n\`\`\`\n${close}\n\`\`\`\nmore`;
    const answer = `The answer: write ${open}x${close} around it.`;
    expectSplit(`${reasoning}</think>\n\n${answer}`, true, [
      { kind: "reasoning", text: reasoning },
      { kind: "text", text: answer },
    ]);
  }
});
