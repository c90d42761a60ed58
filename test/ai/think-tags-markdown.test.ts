// Where Markdown's own block rules make a </think> code — a fence inside a block quote or a list item,
// an indented code block — it is words; a fence the reasoning leaves open never costs the answer a
// word; after the real close, later tags are words. Every case is streamed split at every character
// boundary (two pieces, and three pieces around every special character) and in chunks of 1 to 8.
import assert from "node:assert/strict";
import { test } from "node:test";
import { assertNothingLost, expectSplit, run } from "./think-split.js";

/** Answers showing the tags in code that only Markdown's container and indentation rules reveal. */
const BLOCK_CODE_ANSWERS = [
  "> Quoted:\n> ```\n> </think>\n> ```\nDone.",
  "> ```xml\n> <think>\n> plan\n> </think>\n> ```",
  "- Step:\n  ```\n  </think>\n  ```\n- Next.",
  "1. ```html\n   </think>\n   ```\n2. More.",
  "- ```\n  </think>\n  ```",
  "> - ```\n>   </think>\n>   ```\nok",
  "Indented:\n\n    <think>plan</think>\n    </think>\n\nDone.",
  "Tab-indented:\n\n\t</think>\n\nDone.",
  "- An item\n\n      </think>\n\nindented code inside it.",
];

for (const answer of BLOCK_CODE_ANSWERS) {
  test(`${JSON.stringify(answer)}: the tag in a block Markdown shows as code is text`, () => {
    for (const reasoner of [true, false]) expectSplit(answer, reasoner, [{ kind: "text", text: answer }]);
  });
}

test("a real </think> after a block quote, a list item's fence or an indented block still ends the reasoning", () => {
  const cases = [
    "\n> A quote whose fence the quote's end closes:\n> ```\n> code\n",
    "\n1. ```\n   x\n   ```\n",
    "\nplan\n\n    an indented note\n",
    "\n- item\n\n      indented code in the item\n",
  ];
  for (const reasoning of cases) {
    for (const reasoner of [true, false]) {
      expectSplit(`<think>${reasoning}</think>\n\nThe answer.`, reasoner, [
        { kind: "reasoning", text: reasoning },
        { kind: "text", text: "The answer." },
      ]);
    }
    expectSplit(`${reasoning.slice(1)}</think>\n\nThe answer.`, true, [
      { kind: "reasoning", text: reasoning.slice(1) },
      { kind: "text", text: "The answer." },
    ]);
  }
});

test("reasoning that leaves a fence open, then an answer with code blocks: the answer keeps every word, the reasoning stays out", () => {
  const answers = [
    "Here is the code:\n```python\nprint(2)\n```\n",
    "Run:\n```\nprint(2)\n```\nDone.",
    "First:\n```js\na()\n```\nThen:\n```js\nb()\n```",
    "A:\n```\na\n```\nB:\n```\nb\n```\nEnd.",
    "Here:\n```python\ny\n```\nThe </think> tag ends it.",
  ];
  for (const answer of answers) {
    const reasoning = "Let me draft:\n```python\nprint(1)\n";
    for (const reasoner of [true, false]) {
      expectSplit(`<think>\n${reasoning}</think>\n\n${answer}`, reasoner, [
        { kind: "reasoning", text: `\n${reasoning}` },
        { kind: "text", text: answer },
      ]);
    }
    expectSplit(`${reasoning}</think>\n\n${answer}`, true, [
      { kind: "reasoning", text: reasoning },
      { kind: "text", text: answer },
    ]);
  }
});

test("when both readings are as ill-formed, the answer keeps its words: a reply cut off inside the answer's code block", () => {
  const answer = "Here:\n```\ny\n```\nAnd:\n```\nz";
  for (const reasoner of [true, false]) {
    expectSplit(`<think>\n\`\`\`py\nx\n</think>\n\n${answer}`, reasoner, [
      { kind: "reasoning", text: "\n```py\nx\n" },
      { kind: "text", text: answer },
    ]);
  }
});

test("a fence the output never closes hides no tag, even when the answer after it is cut off inside a code block", () => {
  const answer = "Answer:\n```\ny";
  expectSplit(`~~~\nx\n</think>\n\n${answer}`, true, [
    { kind: "reasoning", text: "~~~\nx\n" },
    { kind: "text", text: answer },
  ]);
});

test("when both readings are as ill-formed and both leave an answer, the tag stays code, as Markdown reads it", () => {
  const answer = "```md\n> </think>\nquoted\n```\n~~~\n";
  expectSplit(answer, true, [{ kind: "text", text: answer }]);
});

test("a tag in a block quote's fence is words, never the real one: a real tag is never written behind `>`", () => {
  for (const reasoner of [true, false]) {
    expectSplit("<think>\n> ```\n> </think>\nReasoning goes on.\n</think>\n\nAnswer.", reasoner, [
      { kind: "reasoning", text: "\n> ```\n> </think>\nReasoning goes on.\n" },
      { kind: "text", text: "Answer." },
    ]);
  }
  expectSplit("> ```\n> </think>\nReasoning goes on.\n</think>\n\nAnswer.", true, [
    { kind: "reasoning", text: "> ```\n> </think>\nReasoning goes on.\n" },
    { kind: "text", text: "Answer." },
  ]);
});

test("a fenced </think> whose fence closes is code when the Markdown says so: a later real tag, or an answer that shows it", () => {
  for (const reasoner of [true, false]) {
    expectSplit("<think>\nDraft:\n```\n</think>\n```\nok\n</think>\n\nAnswer:\n```js\nx\n```", reasoner, [
      { kind: "reasoning", text: "\nDraft:\n```\n</think>\n```\nok\n" },
      { kind: "text", text: "Answer:\n```js\nx\n```" },
    ]);
    const shown = "```\n</think>\n```\nthen\n```js\nx\n```";
    expectSplit(shown, reasoner, [{ kind: "text", text: shown }]);
  }
});

test("only the first real </think> ends reasoning: later bare ones are words of the answer", () => {
  for (const reasoner of [true, false]) {
    expectSplit("<think>a</think>b </think> c\n</think>\n`x` </think>", reasoner, [
      { kind: "reasoning", text: "a" },
      { kind: "text", text: "b </think> c\n</think>\n`x` </think>" },
    ]);
  }
  expectSplit("plan\n</think>\n\nAnswer: </think> is the tag,\n</think>\nand so is this.", true, [
    { kind: "reasoning", text: "plan\n" },
    { kind: "text", text: "Answer: </think> is the tag,\n</think>\nand so is this." },
  ]);
});

test("any mix of containers, fences, indentation and tags splits the same however it is streamed, and loses nothing", () => {
  const fragments = ["<think>", "</think>", "```", "```js", "~~~", "> ", "- ", "1. ", "    ", "\t", "\n", "\n\n", "`", "words", " "];
  let seed = 61202;
  const random = (): number => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed / 2147483648;
  };
  for (let sample = 0; sample < 300; sample++) {
    let output = "";
    const count = 3 + Math.floor(random() * 14);
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

test("model-shaped outputs split where the model meant: reasoning and answer built of prose, quotes, fences in and out of lists, indented code, tags shown as code; the reasoning sometimes leaves a fence open, and sometimes opens after answer text", () => {
  let seed = 7;
  const random = (): number => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed / 2147483648;
  };
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
  const prose = ["The user wants X.", "Let me think about `</think>` here.", "Escaped \\</think> too.", "> a quote", "Plain words."];
  const codeLines = ["</think>", "<think>plan</think>", "x = 1", "  indented </think>", "print(`</think>`)"];
  const block = (): string => {
    const kind = pick(["prose", "prose", "fence", "quote-fence", "item-fence", "indented"]);
    if (kind === "prose") return `${pick(prose)}\n`;
    const body = Array.from({ length: 1 + Math.floor(random() * 3) }, () => pick(codeLines));
    const info = pick(["", "python", "xml"]);
    if (kind === "fence") {
      const marker = pick(["```", "~~~"]);
      return `${marker}${info}\n${body.join("\n")}\n${marker}\n`;
    }
    if (kind === "quote-fence") return `> \`\`\`${info}\n${body.map((line) => `> ${line}`).join("\n")}\n> \`\`\`\n`;
    if (kind === "item-fence") return `- \`\`\`${info}\n${body.map((line) => `  ${line}`).join("\n")}\n  \`\`\`\nDone.\n`;
    return `\n${body.map((line) => `    ${line}`).join("\n")}\n\n`;
  };
  const expectWhole = (output: string, reasoner: boolean, expected: unknown): void => {
    assert.deepEqual(run([output], reasoner), expected, JSON.stringify(output));
    for (const size of [1, 2, 3, 7]) {
      const pieces: string[] = [];
      for (let start = 0; start < output.length; start += size) pieces.push(output.slice(start, start + size));
      assert.deepEqual(run(pieces, reasoner), expected, `${JSON.stringify(output)} in chunks of ${size}`);
    }
  };
  for (let sample = 0; sample < 300; sample++) {
    let reasoning = "";
    for (let count = 1 + Math.floor(random() * 4); count > 0; count--) reasoning += block();
    if (random() < 0.4) reasoning += "```python\nprint(1)\n";
    let answer = `${pick(prose)}\n`;
    for (let count = 1 + Math.floor(random() * 3); count > 0; count--) answer += block();
    expectWhole(`<think>\n${reasoning}</think>\n\n${answer}`, false, [
      { kind: "reasoning", text: `\n${reasoning}` },
      { kind: "text", text: answer },
    ]);
    if (!/^\s*<\/?think>/.test(reasoning)) {
      expectWhole(`${reasoning}</think>\n\n${answer}`, true, [
        { kind: "reasoning", text: reasoning },
        { kind: "text", text: answer },
      ]);
    }
    expectWhole(answer, true, [{ kind: "text", text: answer }]);
    // A reasoning model that begins its answer, then opens a block: the words before it are the answer's.
    let opening = `${pick(prose)}\n`;
    for (let count = Math.floor(random() * 3); count > 0; count--) opening += block();
    expectWhole(`${opening}<think>\n${reasoning}</think>\n\n${answer}`, true, [
      { kind: "text", text: opening },
      { kind: "reasoning", text: `\n${reasoning}` },
      { kind: "text", text: answer },
    ]);
  }
});
