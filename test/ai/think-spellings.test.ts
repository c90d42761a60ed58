// Reasoning in the text in every spelling models use (src/ai/think-spellings.ts), cut every way across
// deltas: Seed-OSS's `<seed:think>`, Magistral's `[THINK]`, `<thinking>`, and gpt-oss's harmony channels.
// The old code knew only `<think>` and passed these through as answer text.
import assert from "node:assert/strict";
import { test } from "node:test";
import { reasoningInShownText } from "../../src/ai/think-shown.js";
import { TAG_SPELLINGS } from "../../src/ai/think-spellings.js";
import { expectSplit, run, splits } from "./think-split.js";

const OTHERS = TAG_SPELLINGS.filter((spelling) => spelling.open !== "<think>");

for (const { open, close } of OTHERS) {
  test(`${open}…${close} that opens the output is reasoning, from any model, however it is cut`, () => {
    for (const reasoner of [false, true]) {
      expectSplit(`${open}The user greets me.${close}\n\nHello there!`, reasoner, [
        { kind: "reasoning", text: "The user greets me." },
        { kind: "text", text: "Hello there!" },
      ]);
    }
  });

  test(`an orphan ${close} ends a reasoning model's held text (its template opened ${open} in the prompt)`, () => {
    expectSplit(`Counting syllables.\n${close}\n\nAutumn moon rises`, true, [
      { kind: "reasoning", text: "Counting syllables.\n" },
      { kind: "text", text: "Autumn moon rises" },
    ]);
    expectSplit(`${close}Only the answer.`, false, [{ kind: "text", text: "Only the answer." }]);
  });

  test(`${open} after a reasoning model's answer text opens a block that only its own ${close} ends`, () => {
    const other = TAG_SPELLINGS.find((spelling) => spelling.close !== close)?.close ?? "";
    expectSplit(`Sure. ${open}plan ${other} more${close} Done.`, true, [
      { kind: "text", text: "Sure. " },
      { kind: "reasoning", text: `plan ${other} more` },
      { kind: "text", text: "Done." },
    ]);
  });

  test(`${close} written as code in reasoning stays reasoning; ${open} and ${close} as code in an answer stay words`, () => {
    expectSplit(`${open}Use \`${close}\` to end.${close}Answer.`, false, [
      { kind: "reasoning", text: `Use \`${close}\` to end.` },
      { kind: "text", text: "Answer." },
    ]);
    const answer = `Write it so:\n\`\`\`\n${open}plan${close}\n\`\`\`\nDone.`;
    expectSplit(answer, true, [{ kind: "text", text: answer }]);
    expectSplit(answer, false, [{ kind: "text", text: answer }]);
    const prose = `Models write ${open}…${close} around reasoning.`;
    expectSplit(prose, false, [{ kind: "text", text: prose }]);
  });

  test(`a whole text that streamed is read for a real orphan ${close}`, () => {
    assert.deepEqual(reasoningInShownText(`Weighing it${close}\n\nThe answer.`, true), { reasoning: "Weighing it", tag: close, answer: "\n\nThe answer." });
    assert.equal(reasoningInShownText(`The tag "${close}" ends reasoning.`, true), undefined, "a mention in prose teaches nothing");
  });
}

const HARMONY = "<|channel|>analysis<|message|>The user greets me. Say hello.<|end|><|start|>assistant<|channel|>final<|message|>Hello there!<|return|>";

test("harmony output (gpt-oss, unparsed): the analysis channel is reasoning, the final channel the answer, however it is cut", () => {
  for (const reasoner of [false, true]) {
    expectSplit(HARMONY, reasoner, [
      { kind: "reasoning", text: "The user greets me. Say hello." },
      { kind: "text", text: "Hello there!" },
    ]);
  }
  expectSplit("<|start|>assistant<|channel|>final<|message|>Just the answer.", false, [{ kind: "text", text: "Just the answer." }]);
});

test("harmony: several analysis messages, a tool call on the commentary channel and a preamble", () => {
  const output =
    "<|channel|>analysis<|message|>Need the time.<|end|><|start|>assistant<|channel|>commentary<|message|>Let me check.<|end|>" +
    '<|start|>assistant<|channel|>commentary to=functions.time <|constrain|>json<|message|>{"zone":"UTC"}<|call|>' +
    "<|start|>assistant<|channel|>analysis<|message|>Got it.<|end|><|start|>assistant<|channel|>final<|message|>It is noon.<|return|>";
  for (const pieces of splits(output).slice(0, 400)) {
    assert.deepEqual(run(pieces, false), [
      { kind: "reasoning", text: "Need the time." },
      { kind: "text", text: "Let me check." },
      { kind: "reasoning", text: '{"zone":"UTC"}Got it.' },
      { kind: "text", text: "\n\nIt is noon." },
    ], JSON.stringify(pieces));
  }
});

test("harmony: a preamble and the answer are two paragraphs, never words run together (t22 #6)", () => {
  for (const between of ["", "<|start|>assistant<|channel|>analysis<|message|>Think.<|end|>"]) {
    const output = `<|channel|>commentary<|message|>Let me look.<|end|>${between}<|start|>assistant<|channel|>final<|message|>It is noon.<|return|>`;
    for (const pieces of splits(output).slice(0, 300)) {
      const text = run(pieces, false).filter((segment) => segment.kind === "text").map((segment) => segment.text).join("");
      assert.equal(text, "Let me look.\n\nIt is noon.", JSON.stringify(pieces));
    }
  }
});

test("harmony: the tokens the answer mentions (in code, mid-text) stay words; a cut-off analysis stays reasoning", () => {
  const answer = "Messages end with `<|end|>` then the next one starts; `<|return|>` ends the reply.";
  expectSplit(`<|channel|>analysis<|message|>Explain.<|end|><|start|>assistant<|channel|>final<|message|>${answer}<|return|>`, false, [
    { kind: "reasoning", text: "Explain." },
    { kind: "text", text: answer },
  ]);
  expectSplit("<|channel|>analysis<|message|>Still thinking about", false, [{ kind: "reasoning", text: "Still thinking about" }]);
  const notHarmony = "<|channel|> is a token\nof gpt-oss.";
  expectSplit(notHarmony, false, [{ kind: "text", text: notHarmony }]);
});

test("harmony: an answer that only opens with a token, on one line, is words; a header the end cut off goes", () => {
  for (const answer of ["<|channel|> is a token of gpt-oss.", "<|start|> begins a message", "<|channel|>final is where the answer goes"]) {
    for (const reasoner of [false, true]) expectSplit(answer, reasoner, [{ kind: "text", text: answer }]);
  }
  for (const cut of ["<|channel|>analysis<|mess", "<|start|>assistant<|channel|>fin", "<|channel|>commentary to=functions.time <|constrain|>json"]) {
    expectSplit(cut, false, []);
  }
  expectSplit("<|channel|>analysis<|message|>Plan.<|end|><|start|>assistant<|channel|>final<|message|>Done.<|end|><|start|>assistant", false, [
    { kind: "reasoning", text: "Plan." },
    { kind: "text", text: "Done." },
  ]);
});

test("an orphan </think> beside a straight quote or emphasis mark: a mark inside a word or a bullet opens nothing (reviews s26 #2, s26-2 #2)", () => {
  // The reasoning's last line holds an apostrophe, a snake_case name or a bullet: none is an open quote or emphasis, so the answer's opening mark opens the answer.
  assert.deepEqual(reasoningInShownText("The user wants a story. I'll write one.</think>'Hello,' said the cat.", true), { reasoning: "The user wants a story. I'll write one.", tag: "</think>", answer: "'Hello,' said the cat." });
  assert.deepEqual(reasoningInShownText("Check the user_id field then answer.</think>_Note:_ the field is fine.", true), { reasoning: "Check the user_id field then answer.", tag: "</think>", answer: "_Note:_ the field is fine." });
  assert.deepEqual(reasoningInShownText("* then write the summary</think>**Summary:** all good.", true), { reasoning: "* then write the summary", tag: "</think>", answer: "**Summary:** all good." });
  // An answer about the tag, its quote opened after a contraction: a mention, kept whole.
  assert.equal(reasoningInShownText("Don't write '</think>' on its own: the parser reads it as the end of reasoning.", true), undefined);
  assert.equal(reasoningInShownText('Close it with "</think>" and go on.', true), undefined);
  assert.equal(reasoningInShownText("Use **</think>** to close.", true), undefined);
  // A word that begins with a mark ('em, '90s, _id) opens nothing either; a mention right after a word is still wrapped.
  assert.deepEqual(reasoningInShownText("I'll tell 'em a story.</think>'Hello,' said the cat.", true), { reasoning: "I'll tell 'em a story.", tag: "</think>", answer: "'Hello,' said the cat." });
  assert.deepEqual(reasoningInShownText("Look up the _id field.</think>_Done._", true), { reasoning: "Look up the _id field.", tag: "</think>", answer: "_Done._" });
  assert.equal(reasoningInShownText('The parser ends"</think>" there.', true), undefined);
  assert.equal(reasoningInShownText("In French, L'</think>' reads oddly.", true), undefined);
  assert.equal(reasoningInShownText('Set x="</think> and go on.', true), undefined);
  // The reasoning's own quote closed right before the tag: still the tag that ends it.
  assert.deepEqual(reasoningInShownText('I should say "hi"</think>Hi there!', true), { reasoning: 'I should say "hi"', tag: "</think>", answer: "Hi there!" });
});
