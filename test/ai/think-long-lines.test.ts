// The reasoning split of one very long line (minified JSON, a base64 blob, a structured output written on one
// line): a tag at its very start, in its middle or at its end, in every spelling, a tag cut across two deltas
// at every offset, and what the start of a line decides of a tag far along it (a quote's `>`, a list item's
// marker, a fence's opening run, a code span opened far before) split exactly as they were before the
// splitter read lines in linear time — streamed in deltas of 3 and of 20 characters and given whole.
import assert from "node:assert/strict";
import { test } from "node:test";
import { ThinkHabits } from "../../src/ai/think-habits.js";
import { TAG_SPELLINGS } from "../../src/ai/think-spellings.js";
import type { Segment } from "../../src/ai/think-tags.js";
import { modelSpec } from "./adapter-contract.js";
import { run } from "./think-split.js";

/** 200,000 characters of one line of JSON: `<`, `[`, `]`, `>` and backslashes in it, no tag, backtick or newline. */
const LINE = (() => {
  const records: string[] = [];
  for (let index = 0; records.join(",").length < 200_000; index++) {
    records.push(`{"id":${index},"b64":"${Buffer.from(`record ${index * 7919}`).toString("base64")}","note":"a < b [${index}] > c \\\\ d"}`);
  }
  return `[${records.join(",")}]`.slice(0, 200_000);
})();
/** The line's two halves, each ending in a character no tag's meaning hangs on. */
const FIRST = LINE.slice(0, 100_000);
const SECOND = LINE.slice(100_000);

function deltas(text: string, size: number): string[] {
  const out: string[] = [];
  for (let start = 0; start < text.length; start += size) out.push(text.slice(start, start + size));
  return out;
}

/** The split of `text` streamed in deltas of 3 and of 20 characters, and given whole: each must be `expected`. */
function expectLongSplit(text: string, reasoner: boolean, expected: Segment[]): void {
  for (const size of [3, 20, text.length]) {
    const segments = run(deltas(text, size), reasoner);
    assert.equal(segments.length, expected.length, `reasoner: ${reasoner}, deltas of ${size}: ${JSON.stringify(segments.map((segment) => [segment.kind, segment.text.length, segment.text.slice(0, 40)]))}`);
    segments.forEach((segment, index) => {
      const wanted = expected[index] as Segment;
      assert.equal(segment.kind, wanted.kind, `reasoner: ${reasoner}, deltas of ${size}, segment ${index}`);
      assert.ok(segment.text === wanted.text, `reasoner: ${reasoner}, deltas of ${size}, segment ${index}: ${segment.text.length} characters ${JSON.stringify(segment.text.slice(0, 40))}…${JSON.stringify(segment.text.slice(-40))}, not ${wanted.text.length} ${JSON.stringify(wanted.text.slice(0, 40))}…${JSON.stringify(wanted.text.slice(-40))}`);
    });
  }
}

const reasoning = (text: string): Segment => ({ kind: "reasoning", text });
const text = (value: string): Segment => ({ kind: "text", text: value });

test("a block at the very start of a 200k line, in every spelling: the line is reasoning, what follows the close the answer", () => {
  for (const spelling of TAG_SPELLINGS) {
    for (const reasoner of [false, true]) {
      expectLongSplit(`${spelling.open}${LINE}${spelling.close}answer`, reasoner, [reasoning(LINE), text("answer")]);
      expectLongSplit(`${spelling.open}plan${spelling.close}${LINE}`, reasoner, [reasoning("plan"), text(LINE)]);
      expectLongSplit(`${spelling.open}${LINE}`, reasoner, [reasoning(LINE)]);
    }
  }
});

test("a reasoning model's orphan close in the middle or at the very end of a 200k line ends its reasoning; for any other model it is words", () => {
  for (const spelling of TAG_SPELLINGS) {
    expectLongSplit(`${FIRST}${spelling.close}${SECOND}`, true, [reasoning(FIRST), text(SECOND)]);
    expectLongSplit(`${LINE}${spelling.close}`, true, [reasoning(LINE)]);
    expectLongSplit(`${FIRST}${spelling.close}${SECOND}`, false, [text(`${FIRST}${spelling.close}${SECOND}`)]);
  }
  expectLongSplit(LINE, true, [text(LINE)]);
  expectLongSplit(LINE, false, [text(LINE)]);
});

test("a reasoning model's block opened after answer text on a 200k line, in every spelling, is reasoning; never closed, its tag was words", () => {
  for (const spelling of TAG_SPELLINGS) {
    expectLongSplit(`Sure. ${spelling.open}${LINE}${spelling.close} Done.`, true, [text("Sure. "), reasoning(LINE), text("Done.")]);
    expectLongSplit(`${FIRST}${spelling.open}plan${spelling.close}${SECOND}`, true, [text(FIRST), reasoning("plan"), text(SECOND)]);
    expectLongSplit(`${FIRST}${spelling.open}${SECOND}`, true, [text(`${FIRST}${spelling.open}${SECOND}`)]);
  }
});

test("a tag cut across two deltas at every offset, far along a 200k line, splits as a whole one", () => {
  for (const spelling of TAG_SPELLINGS) {
    for (const tag of [spelling.close, `${spelling.close.slice(0, -1)}  ${spelling.close.slice(-1)}`]) {
      const output = `${spelling.open}${LINE}${tag}answer`;
      const cutAt = spelling.open.length + LINE.length;
      for (let offset = 0; offset <= tag.length; offset++) {
        const pieces = [...deltas(output.slice(0, cutAt + offset), 4096), ...deltas(output.slice(cutAt + offset), 4096)];
        assert.deepEqual(run(pieces, false), [reasoning(LINE), text("answer")], `${JSON.stringify(tag)} cut after ${offset} characters`);
      }
    }
    const orphan = `${FIRST}${spelling.close}${SECOND}`;
    for (let offset = 0; offset <= spelling.close.length; offset++) {
      const pieces = [...deltas(orphan.slice(0, FIRST.length + offset), 4096), ...deltas(orphan.slice(FIRST.length + offset), 4096)];
      assert.deepEqual(run(pieces, true), [reasoning(FIRST), text(SECOND)], `${spelling.close} cut after ${offset} characters`);
    }
    const opened = `Sure. ${spelling.open}${LINE}${spelling.close} Done.`;
    for (let offset = 0; offset <= spelling.open.length; offset++) {
      const pieces = ["Sure. ", `${spelling.open.slice(0, offset)}`, `${spelling.open.slice(offset)}${LINE.slice(0, 5)}`, ...deltas(opened.slice(`Sure. ${spelling.open}`.length + 5), 4096)];
      assert.deepEqual(run(pieces, true), [text("Sure. "), reasoning(LINE), text("Done.")], `${spelling.open} cut after ${offset} characters`);
    }
  }
});

test("what the start of a 200k line makes of a tag far along it: behind a quote's `>`, after a list item's marker, on a fence's opening line, in a code span opened far before", () => {
  expectLongSplit(`> ${FIRST}</think>${SECOND}`, true, [text(`> ${FIRST}</think>${SECOND}`)]);
  expectLongSplit(`- </think>${LINE}`, true, [text(`- </think>${LINE}`)]);
  expectLongSplit(`- item ${FIRST}</think>${SECOND}`, true, [reasoning(`- item ${FIRST}`), text(SECOND)]);
  expectLongSplit(`para\n\n    ${FIRST}</think>${SECOND}`, true, [text(`para\n\n    ${FIRST}</think>${SECOND}`)]);
  expectLongSplit(`\`\`\`${FIRST}</think>${SECOND}\n\`\`\`\nanswer`, true, [text(`\`\`\`${FIRST}</think>${SECOND}\n\`\`\`\nanswer`)]);
  expectLongSplit(`<think>\`\`\`${FIRST}</think>${SECOND}\n\`\`\`\n</think>answer`, false, [reasoning(`\`\`\`${FIRST}</think>${SECOND}\n\`\`\`\n`), text("answer")]);
  expectLongSplit(`a \` b </think>${LINE} \`\nanswer`, true, [text(`a \` b </think>${LINE} \`\nanswer`)]);
  expectLongSplit(`a \` b </think>${LINE}\nanswer`, true, [reasoning("a ` b "), text(`${LINE}\nanswer`)]);
  expectLongSplit(`<think>a \` b </think>${LINE} \`</think>answer`, false, [reasoning(`a \` b </think>${LINE} \``), text("answer")]);
  expectLongSplit(`${FIRST}\\</think>${SECOND}`, true, [text(`${FIRST}\\</think>${SECOND}`)]);
  // 20,000 bare opening tags nest: the close is words, yet taken at the end, as no answer would be left otherwise.
  expectLongSplit(`<think>${"<think> ".repeat(20_000)}${LINE}</think>answer`, false, [reasoning(`${"<think> ".repeat(20_000)}${LINE}`), text("answer")]);
  expectLongSplit(`<think>plan</think${" ".repeat(100_000)}>answer`, false, [reasoning("plan"), text("answer")]);
  expectLongSplit(`${" ".repeat(100_000)}<think>plan</think>answer`, false, [reasoning("plan"), text("answer")]);
});

test("harmony channels around 200k lines: the analysis is reasoning, the final channel the answer", () => {
  const output = `<|channel|>analysis<|message|>${FIRST}<|end|><|start|>assistant<|channel|>final<|message|>${SECOND}`;
  expectLongSplit(output, false, [reasoning(FIRST), text(SECOND)]);
  expectLongSplit(output, true, [reasoning(FIRST), text(SECOND)]);
});

test("the habits on a 200k line: a model not known to reason streams it at once, and a real orphan close at its end shows the reasoning it began with", () => {
  const model = modelSpec("openai-completions", "http://127.0.0.1:1", { id: "plain-model" });
  const splitter = new ThinkHabits().splitterFor(model);
  const streamed: Segment[] = [];
  for (const delta of deltas(`${LINE}</think>answer`, 3)) streamed.push(...splitter.push(delta));
  streamed.push(...splitter.finish());
  splitter.ended?.("complete");
  assert.equal(streamed.map((segment) => segment.text).join(""), `${LINE}</think>answer`);
  assert.ok(streamed.every((segment) => segment.kind === "text"));
  const shown = splitter.shownReasoning?.();
  assert.equal(shown?.reasoning === LINE, true);
  assert.deepEqual({ tag: shown?.tag, answer: shown?.answer }, { tag: "</think>", answer: "answer" });
});
