// Markdown's block rules, line by line: what is code (fenced, in quotes and list items, indented), and
// the signs that text was not written as it reads (an opener inside a fence, a fence its quote cut off).
import assert from "node:assert/strict";
import { test } from "node:test";
import { codeRanges, MarkdownBlocks, readMarkdown, type LineKind } from "../../src/shared/markdown-blocks.js";

function kinds(text: string): { kinds: LineKind[]; defects: number; fenceOpen: boolean } {
  const blocks = new MarkdownBlocks();
  const out: LineKind[] = [];
  for (const line of text.split("\n")) {
    out.push(blocks.classify(line, true));
    blocks.endLine(line);
  }
  return { kinds: out, defects: blocks.defects, fenceOpen: blocks.fenceOpen };
}

test("fences in block quotes and list items, and indented code, are code; a quote's end ends its fence", () => {
  assert.deepEqual(kinds("> ```\n> x\n> ```\ny").kinds, ["opener", "quoted-fence", "quoted-fence", "text"]);
  assert.deepEqual(kinds("- ```\n  x\nunder-indented, still the item's fence\n  ```\ny").kinds, ["opener", "fence", "fence", "fence", "text"]);
  assert.deepEqual(kinds("1. item\n\n   ```\n   x\n   ```").kinds, ["text", "text", "opener", "fence", "fence"]);
  assert.deepEqual(kinds("para\n\n    code\n\tcode\n\nback").kinds, ["text", "text", "indented", "indented", "indented", "text"]);
  assert.deepEqual(kinds("para\n    continued, not code").kinds, ["text", "text"], "an indented line cannot interrupt a paragraph");
  assert.deepEqual(kinds("- item\n\n    the item's paragraph\n\n      code in the item").kinds, ["text", "text", "text", "text", "indented"]);
  assert.deepEqual(kinds("> quote\nlazy line\n> ```\nout").kinds, ["text", "text", "opener", "text"]);
});

test("raw HTML blocks (<pre>, <script>, <style>, <textarea>) run to the line holding their closing tag, or their container's end", () => {
  assert.deepEqual(kinds("para\n<pre>\nx\n</pre>\nafter").kinds, ["text", "html", "html", "html", "text"]);
  assert.deepEqual(kinds("<PRE class=a>x</pre>\nafter").kinds, ["html", "text"], "opened and closed on one line");
  assert.deepEqual(kinds("> <script>\n> x\nout").kinds, ["html", "html", "text"], "the quote's end ends it");
  assert.deepEqual(kinds("<prefix>\n<p>\n    <pre>").kinds, ["text", "text", "text"], "other tags, or indented four columns");
});

test("classifyLine: whether a line is a quote's, and where its content starts past its last marker", () => {
  const read = (line: string) => {
    const { quoted, afterMarker } = new MarkdownBlocks().classifyLine(line, true);
    return { quoted, afterMarker };
  };
  assert.deepEqual(read("plain </think>"), { quoted: false, afterMarker: -1 });
  assert.deepEqual(read("> </think>"), { quoted: true, afterMarker: 2 });
  assert.deepEqual(read("- </think>"), { quoted: false, afterMarker: 2 });
  assert.deepEqual(read("> 1.  x"), { quoted: true, afterMarker: 6 });
});

test("defects: an opener read inside a fence, a fence cut off by its quote's end, never a well-formed text", () => {
  assert.equal(kinds("```\na\n```js\nb\n```").defects, 1, "```js inside ``` was meant to open a fence");
  assert.equal(kinds("```\na\n- ```\nb\n```").defects, 1, "a list item's opener inside a fence");
  assert.equal(kinds("````md\n```js\nb\n```\n````").defects, 0, "a shorter inner fence is how nesting is written");
  assert.equal(kinds("> ```\n> a\nout").defects, 1, "the quote ended before the fence closed");
  const clean = kinds("> ```\n> a\n> ```\n- ```js\n  b\n  ```\n\n    c\n");
  assert.deepEqual([clean.defects, clean.fenceOpen], [0, false]);
  assert.equal(kinds("```\nopen").fenceOpen, true);
});

test("codeRanges: quote and list fences, indented code, inline spans; a fence left open is not trusted", () => {
  const text = "> ```\n> </think>\n> ```\n`a` b\n\n    c\n\n```\nopen";
  const shown = codeRanges(text).map((range) => text.slice(range.start, range.end));
  assert.deepEqual(shown, ["> ```\n> </think>\n> ```", "`a`", "    c"]);
});

test("readMarkdown reads a whole text on its own: a fence left open at its end, and its defects", () => {
  assert.equal(readMarkdown("Answer:\n```\nx").fenceOpen, true);
  assert.equal(readMarkdown("```\nx\n```\ndone").fenceOpen, false);
  assert.equal(readMarkdown("```\nANS\n```js\nx\n```").defects, 1, "an opener inside a fence: a fence's remainder read as the start of one");
  assert.equal(readMarkdown("> ```\n> x\nout").defects, 1, "a fence its quote's end cut off");
});
