import assert from "node:assert/strict";
import { test } from "node:test";
import { ThinkTagSplitter, type Segment } from "../../src/ai/think-tags.js";
import { runWith, splits } from "./think-split.js";

/** Feeds the text in pieces of `size` characters and returns the merged segments. */
function split(text: string, size: number, reasoner = false): { segments: Segment[] } {
  const splitter = new ThinkTagSplitter(reasoner);
  const out: Segment[] = [];
  const add = (segments: Segment[]): void => {
    for (const segment of segments) {
      const last = out[out.length - 1];
      if (last && last.kind === segment.kind) last.text += segment.text;
      else out.push({ ...segment });
    }
  };
  for (let index = 0; index < text.length; index += size) add(splitter.push(text.slice(index, index + size)));
  add(splitter.finish());
  return { segments: out };
}

for (const size of [1, 2, 3, 5, 7, 1000]) {
  test(`<think> blocks split across chunks of ${size} characters`, () => {
    assert.deepEqual(split("<think>The user greets me.</think>\n\nHello there!", size).segments, [
      { kind: "reasoning", text: "The user greets me." },
      { kind: "text", text: "Hello there!" },
    ]);
  });

  test(`an orphan </think> (MiniMax M2.1 in LM Studio) in chunks of ${size}`, () => {
    assert.deepEqual(split("The user wants a haiku. Let me count syllables.</think>Autumn moon rises", size, true).segments, [
      { kind: "reasoning", text: "The user wants a haiku. Let me count syllables." },
      { kind: "text", text: "Autumn moon rises" },
    ]);
  });
}

test("plain text with no tags passes through, including lone < characters", () => {
  assert.deepEqual(split("a < b and <b>bold</b> <thin", 3).segments, [{ kind: "text", text: "a < b and <b>bold</b> <thin" }]);
});

test("a think block in the middle of text is text: models put reasoning at the start", () => {
  assert.deepEqual(split("First. <think>hmm</think>Second.", 4).segments, [{ kind: "text", text: "First. <think>hmm</think>Second." }]);
});

test("reasoning held back may mention <think> as code without leaking into the answer (a bare one after text opens a block)", () => {
  assert.deepEqual(split("The user asks what `<think>` tags are. I will explain.</think>They mark reasoning.", 3, true).segments, [
    { kind: "reasoning", text: "The user asks what `<think>` tags are. I will explain." },
    { kind: "text", text: "They mark reasoning." },
  ]);
});

test("after reasoning closed once, a literal </think> in the answer is text", () => {
  assert.deepEqual(split("<think>plan</think>Use the </think> tag to close.", 4).segments, [
    { kind: "reasoning", text: "plan" },
    { kind: "text", text: "Use the </think> tag to close." },
  ]);
});

test("from a model not known to reason, an orphan </think> is text: nothing shown is taken back", () => {
  const text = `${"x".repeat(300)}</think>answer`;
  assert.deepEqual(split(text, 10).segments, [{ kind: "text", text }]);
});

test("models known to reason hold text until </think> however long", () => {
  const reasoning = "y".repeat(5000);
  const result = split(`${reasoning}</think>answer`, 10, true);
  assert.deepEqual(result.segments, [
    { kind: "reasoning", text: reasoning },
    { kind: "text", text: "answer" },
  ]);
});

test("an unclosed <think> at the end stays reasoning", () => {
  assert.deepEqual(split("<think>still thinking", 3).segments, [{ kind: "reasoning", text: "still thinking" }]);
});

test("text held back that never meets a tag is flushed as text at the end", () => {
  assert.deepEqual(split("short answer", 2, true).segments, [{ kind: "text", text: "short answer" }]);
});

test("only the first </think> after the start ends reasoning; later tags of either kind are text", () => {
  for (const reasoner of [false, true]) {
    assert.deepEqual(split("<think>a</think>b <think>c</think> d", 1, reasoner).segments, [
      { kind: "reasoning", text: "a" },
      { kind: "text", text: "b <think>c</think> d" },
    ]);
  }
});

test("reasoning on its own channel first: the text is the answer, tags in it included", () => {
  const splitter = new ThinkTagSplitter(true);
  splitter.structuredReasoningSeen();
  assert.deepEqual([...splitter.push("\nThe </think> tag"), ...splitter.finish()], [{ kind: "text", text: "The </think> tag" }]);
});

test("a </think> that starts the output closes an empty block from any model: only the tag goes", () => {
  for (const reasoner of [false, true]) {
    for (const size of [1, 2, 3, 100]) {
      assert.deepEqual(split("\n</think>\n\nThe answer, with </think> in it.", size, reasoner).segments, [{ kind: "text", text: "The answer, with </think> in it." }]);
    }
  }
  assert.deepEqual(split("</b> is a closing tag", 1).segments, [{ kind: "text", text: "</b> is a closing tag" }]);
});

test("whitespace before reasoning on its own channel goes, never after the answer", () => {
  for (const reasoner of [false, true]) {
    const splitter = new ThinkTagSplitter(reasoner);
    const segments = [...splitter.push("\n\n")];
    splitter.structuredReasoningSeen();
    segments.push(...splitter.push("Answer."), ...splitter.finish());
    assert.deepEqual(segments, [{ kind: "text", text: "Answer." }]);
  }
});

test("a piece passed through as text (passThrough, the reply builder's way) splits as pushing it would, however the reply is cut", () => {
  const texts = [
    "Hello there, this is a plain answer with a < and a </think> later on.",
    "<think>The user greets me.</think>\n\nHello there! And <think>not a block</think> now.",
    "The user wants a haiku.</think>Autumn moon rises",
    "   \n<think>\n</think>\n\nAn answer after an empty block, </think> as text.",
  ];
  let passed = 0;
  for (const text of texts) {
    for (const reasoner of [false, true]) {
      for (const pieces of splits(text)) {
        assert.deepEqual(runWith(pieces, reasoner, { passThrough: true }), runWith(pieces, reasoner, { passThrough: false }), JSON.stringify({ pieces, reasoner }));
        passed++;
      }
    }
  }
  // Pieces did pass through: a splitter past the start of a plain answer takes them so.
  const splitter = new ThinkTagSplitter(false);
  splitter.push("Hello there, ");
  assert.equal(splitter.passThrough("friend"), "friend");
  assert.ok(passed > 100);
});
