import assert from "node:assert/strict";
import { test } from "node:test";
import { finalText } from "../../src/channels/whatsapp/final-text.js";
import { toWhatsAppFormatting } from "../../src/channels/whatsapp/format.js";
import { splitMessage } from "../../src/channels/whatsapp/message-split.js";

/** Where the parts of a text split with nothing dropped between them end inside a grapheme (a character as a reader sees it). */
function cutsInsideCharacters(text: string, pieces: readonly string[]): number[] {
  const boundaries = new Set([...new Intl.Segmenter(undefined, { granularity: "grapheme" }).segment(text)].map((segment) => segment.index));
  const inside: number[] = [];
  let at = 0;
  for (const piece of pieces.slice(0, -1)) {
    at += piece.length;
    if (!boundaries.has(at)) inside.push(at);
  }
  return inside;
}

test("finalText strips reasoning and answer tags, never the words between", () => {
  assert.equal(finalText("Sure: <think>the words stay</think>Answer"), "Sure: the words stay Answer", "words the tags kept apart stay apart");
  assert.equal(finalText("Reasoning residue</think>\n\nThe answer."), "Reasoning residue\n\nThe answer.");
  assert.equal(finalText("<final>Done.</final>"), "Done.");
  assert.equal(finalText("<THINK >x</ think>"), "x");
  assert.equal(finalText("So <thinking>a</thinking> <answer>b</answer>"), "So a b");
  assert.equal(finalText("a < b and c > d"), "a < b and c > d", "comparisons are not tags");
});

test("finalText keeps reasoning tags an answer shows as Markdown code: they are words of the answer", () => {
  assert.equal(finalText("Use `<think>` and `</think>` tags."), "Use `<think>` and `</think>` tags.");
  assert.equal(finalText("Wrap it as ``<think>plan</think>``, then answer."), "Wrap it as ``<think>plan</think>``, then answer.");
  const fenced = "Like this:\n~~~\n<think>\nplan\n</think>\n<final>ok</final>\n~~~\nDone.";
  assert.equal(finalText(fenced), fenced);
  assert.equal(finalText("Bare <think>tags</think> go, `</think>` stays."), "Bare tags go, `</think>` stays.");
  assert.equal(finalText("A fence never closed is not trusted:\n```\n</think>x"), "A fence never closed is not trusted:\n```\nx");
  for (const shown of ["> Quoted:\n> ```\n> </think>\n> ```\nDone.", "> ```\n> </think>\nThe quote's end ends its fence.", "1. ```html\n   <think>x</think>\n   ```\n2. More.", "Indented:\n\n    <think>plan</think>\n\nDone."]) {
    assert.equal(finalText(shown), shown, "code by Markdown's block rules: quotes, list items, indentation");
  }
  assert.equal(finalText("> ```\n> x\n</think>y"), "> ```\n> x\ny", "after the quote's end the fence is over");
  assert.equal(finalText("`<tool_call>` and `<|im_end|>` in code still go"), "`` and `` in code still go", "only reasoning and answer tags are spared");
});

test("finalText strips untrusted-block markers (both forms) and tool-call tokens of every text format", () => {
  assert.equal(finalText('<<<untrusted-3fa9 source="forwarded message">>>\nquoted words\n<<<end-untrusted-3fa9>>>'), "quoted words");
  assert.equal(finalText("‹‹‹untrusted-ab12 x>>>kept"), "kept");
  assert.equal(finalText('<tool_call>{"name":"time"}</tool_call>'), '{"name":"time"}');
  assert.equal(finalText("<tool_call><function=exec><parameter=cmd>ls</parameter></function></tool_call>"), "ls");
  assert.equal(finalText('[TOOL_CALLS][{"name":"x"}]'), '[{"name":"x"}]');
  assert.equal(finalText('<|python_tag|>{"name":"x"}<|eom_id|>'), '{"name":"x"}');
  assert.equal(finalText('<minimax:tool_call><invoke name="time"></invoke></minimax:tool_call>ok'), "ok");
  assert.equal(finalText("<|im_end|>"), "");
});

test("finalText closes the gaps markers leave", () => {
  assert.equal(finalText("<think></think>\n\n\n\nHello  \n"), "Hello");
});

test("Markdown becomes WhatsApp formatting; code is left as written", () => {
  assert.equal(toWhatsAppFormatting("**bold** and *italic* and __also bold__ and _kept_"), "*bold* and _italic_ and *also bold* and _kept_");
  assert.equal(toWhatsAppFormatting("# Title\n## Sub **x**"), "*Title*\n*Sub x*");
  assert.equal(toWhatsAppFormatting("- one\n* two\n  + nested\n1. first"), "• one\n• two\n  • nested\n1. first");
  assert.equal(toWhatsAppFormatting("~~gone~~"), "~gone~");
  assert.equal(toWhatsAppFormatting("see [the docs](https://example.com) or https://x.y"), "see the docs (https://example.com) or https://x.y");
  assert.equal(toWhatsAppFormatting("```ts\nconst a = **b** * c;\n```"), "```const a = **b** * c;```");
  assert.equal(toWhatsAppFormatting("use `**raw**` here"), "use `**raw**` here");
  assert.equal(toWhatsAppFormatting("2 * 3 * 4 = 24"), "2 * 3 * 4 = 24", "a lone multiplication is not italics");
});

test("long replies split at paragraph boundaries within the limit", () => {
  const a = "a".repeat(40);
  const b = "b".repeat(40);
  const c = "c".repeat(40);
  assert.deepEqual(splitMessage(`${a}\n\n${b}\n\n${c}`, 100), [`${a}\n\n${b}`, c]);
  assert.deepEqual(splitMessage(`${a}\n\n${b}`, 200), [`${a}\n\n${b}`]);
  const words = Array.from({ length: 30 }, (_, index) => `word${index}`).join(" ");
  const pieces = splitMessage(words, 50);
  assert.ok(pieces.every((piece) => piece.length <= 50), JSON.stringify(pieces));
  assert.equal(pieces.join(" "), words, "between words, nothing lost");
  assert.deepEqual(splitMessage("x".repeat(120), 50), ["x".repeat(50), "x".repeat(50), "x".repeat(20)]);
  assert.deepEqual(splitMessage("\n\n\n", 50), []);
});

test("finalText leaves a space where a removed marker stood between two words", () => {
  assert.equal(finalText("```\n```\n<think>RSN</think>ANS2"), "```\n```\nRSN ANS2");
  assert.equal(finalText("a</think><think>b"), "a b", "markers side by side leave one space");
  assert.equal(finalText("x<|im_end|>y"), "x y");
  assert.equal(finalText("Done.</think>\nNext"), "Done.\nNext", "no space where a word does not touch another");
});

test("finalText strips every spelling of reasoning tags and harmony headers, never the words between; code keeps them", () => {
  assert.equal(finalText("Sure: <seed:think>plan</seed:think>Answer"), "Sure: plan Answer");
  assert.equal(finalText("plan</seed:think>\n\nAnswer"), "plan\n\nAnswer");
  assert.equal(finalText("Sure: [THINK]plan[/THINK]Answer"), "Sure: plan Answer");
  assert.equal(finalText("<|channel|>analysis<|message|>plan<|end|><|start|>assistant<|channel|>final<|message|>Answer<|return|>"), "plan Answer", "channel names go with their headers");
  assert.equal(finalText('<|start|>assistant<|channel|>commentary to=functions.time <|constrain|>json<|message|>{"zone":"UTC"}<|call|>'), '{"zone":"UTC"}');
  assert.equal(finalText("Use `[THINK]` and `</seed:think>` tags; [links](x) stay."), "Use `[THINK]` and `</seed:think>` tags; [links](x) stay.");
});

test("a split closes and opens again the spans it cuts: a code block line by line, a word of emoji between characters, lone marks left as they are", () => {
  const code = `\`\`\`${Array.from({ length: 6 }, (_, index) => `const value${index} = compute(${index});`).join("\n")}\`\`\``;
  const pieces = splitMessage(code, 80);
  assert.ok(pieces.length > 1 && pieces.every((piece) => piece.startsWith("```") && piece.endsWith("```") && piece.length <= 80), JSON.stringify(pieces));
  assert.equal(pieces.map((piece) => piece.slice(3, -3)).join("\n"), code.slice(3, -3), "every line, once");
  // Never inside a character as a reader sees it: a surrogate pair, a ZWJ sequence at an odd offset, a flag, a letter and its accent.
  for (const [text, limit] of [["😀".repeat(40), 50], [`ab${"👨‍👩‍👧".repeat(120)}`, 203], [`a${"🇫🇷".repeat(90)}`, 201], ["e\u0301".repeat(120), 200]] as const) {
    const pieces = splitMessage(text, limit);
    assert.ok(pieces.length > 1 && pieces.every((piece) => piece.length <= limit), JSON.stringify(pieces.map((piece) => piece.length)));
    assert.equal(pieces.join(""), text, "every character, once, in order");
    assert.deepEqual(cutsInsideCharacters(text, pieces), [], `never inside a character: ${JSON.stringify(text.slice(0, 12))}`);
  }
  const lone = "_a ".repeat(100).trim();
  assert.equal(splitMessage(lone, 50).join(" "), lone, "marks that close nothing are words");
});

test("finalText takes out the reasoning blocks that open the answer with their words, in any case or spacing (t22 #2)", () => {
  // The splitter takes out the spellings servers write; a model steered into other ones sent its reasoning words to WhatsApp.
  assert.equal(finalText("<THINK>SECRET-D</THINK>Answer-D"), "Answer-D");
  assert.equal(finalText("<think >SECRET-E</think >Answer-E"), "Answer-E");
  assert.equal(finalText("<think\n>SECRET-F</think>Answer-F"), "Answer-F");
  assert.equal(finalText("  <Thinking>a</ Thinking>\n[think]b[/Think]\n<reasoning>c</reasoning>\n\nAnswer"), "Answer", "one block after another, before the answer");
  assert.equal(finalText("<THINK>a <THINK>nested</THINK> still a</THINK>Answer"), "Answer", "a block closes at the close that balances it");
  assert.equal(finalText("<think>plan</think>The answer. <THINK>later</THINK> words stay"), "The answer. later words stay", "after the answer began, only the tags go");
  // Never the whole answer: a block never closed, or one with nothing after it, keeps its words.
  assert.equal(finalText("<THINK>only words"), "only words");
  assert.equal(finalText("<THINK>the whole answer</THINK>"), "the whole answer");
  assert.equal(finalText("`<THINK>` is how it opens"), "`<THINK>` is how it opens", "a tag shown as code is a word");
});

test("finalText balances a leading block only with tags of its own spelling, in one pass over any number of blocks (review s27 #11)", () => {
  assert.equal(finalText("<think>a <thinking> quoted</think>Answer"), "Answer", "another spelling's tag inside the block is a word of it");
  assert.equal(finalText("[THINK]a </think> b[/THINK]Answer"), "Answer");
  assert.equal(finalText(`${"<THINK>x</THINK>".repeat(32_000)}Answer`), "Answer", "bench/sections/whatsapp-text.ts times it");
  assert.equal(finalText(`${"<THINK>x</THINK>\n".repeat(3)}`), "x", "the last block would leave no answer: its words stay");
});

test("finalText matches tag names whole: a word that only begins like a reasoning or answer tag is the answer's (review s27 #5)", () => {
  assert.equal(finalText("<thinking-cap>Put it on</thinking-cap> and think."), "<thinking-cap>Put it on</thinking-cap> and think.");
  assert.equal(finalText("<think-tank>ideas</think-tank>"), "<think-tank>ideas</think-tank>");
  assert.equal(finalText("<reasoning-step>one</reasoning-step> <answer_key>b</answer_key>"), "<reasoning-step>one</reasoning-step> <answer_key>b</answer_key>");
  assert.equal(finalText("<think/>Answer"), "Answer", "a tag closed in itself is still one");
  assert.equal(finalText('<reasoning effort="low">plan</reasoning>Answer'), "Answer", "attributes after a space");
});

test("a run with no space is cut at the script's word or sentence boundaries, never inside a character (review s27 #1)", () => {
  const thai = "ที่นี่มีน้ำใจ".repeat(60);
  const thaiPieces = splitMessage(thai, 201);
  assert.equal(thaiPieces.join(""), thai);
  assert.deepEqual(cutsInsideCharacters(thai, thaiPieces), [], "no vowel or tone mark starts a message apart from its letter");
  assert.ok(thaiPieces.every((piece) => !/^\p{M}/u.test(piece)), JSON.stringify(thaiPieces.map((piece) => piece.slice(0, 3))));
  const chinese = `ab${"这是一个很长的句子。".repeat(60)}`;
  const chinesePieces = splitMessage(chinese, 205);
  assert.equal(chinesePieces.join(""), chinese);
  assert.ok(chinesePieces.slice(0, -1).every((piece) => piece.endsWith("。")), `a sentence's end in reach is where it is cut: ${JSON.stringify(chinesePieces.map((piece) => piece.slice(-3)))}`);
});
