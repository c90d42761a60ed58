import assert from "node:assert/strict";
import { test } from "node:test";
import { parseJson5 } from "../../src/config/parse-json5.js";
import { configErrorText } from "../helpers/config.js";

test("typographic quotes get their own message naming the character and the fix", () => {
  const text = '{\n  agents: {\n    defaults: { model: { primary: “lmstudio/minimax-m2.1-gs32” } },\n  },\n  models: { mode: “merge” },\n}\n';
  assert.equal(
    configErrorText(() => parseJson5(text, "/home/u/.hearth/hearth.json5")),
    [
      "/home/u/.hearth/hearth.json5:3:35: syntax error: invalid character '“'",
      "  3 |     defaults: { model: { primary: “lmstudio/minimax-m2.1-gs32” } },",
      "    |                                   ^",
      'hint: this is a typographic quote, the left double quotation mark “ (U+201C), which web pages and word processors put in place of plain quotes. JSON5 needs plain " or \'.',
      'fix: replace every “ ” ‘ ’ in the file with a plain " (your editor\'s find-and-replace does it). The file has them on lines 3, 5.',
    ].join("\n"),
  );
});

test("single typographic quotes are named too", () => {
  const message = configErrorText(() => parseJson5("{ apiKey: ‘lmstudio’ }", "c.json5"));
  assert.match(message, /^c\.json5:1:11: syntax error: invalid character '‘'/);
  assert.match(message, /left single quotation mark ‘ \(U\+2018\)/);
});

test("typographic quotes inside a plain-quoted string are just text", () => {
  assert.deepEqual(parseJson5('{ name: "Joe’s “local” model" }', "c.json5"), { name: "Joe’s “local” model" });
});

test("a missing comma points at the next key with a hint", () => {
  const message = configErrorText(() => parseJson5('{\n  a: 1\n  b: 2\n}', "c.json5"));
  assert.equal(
    message,
    ["c.json5:3:3: syntax error: invalid character 'b'", "  3 |   b: 2", "    |   ^", "hint: a comma is probably missing at the end of the previous value."].join("\n"),
  );
});

test("a file that ends early says a bracket is missing", () => {
  const message = configErrorText(() => parseJson5('{\n  models: {\n    mode: "merge",\n', "c.json5"));
  assert.match(message, /^c\.json5:4:1: syntax error: invalid end of input/);
  assert.match(message, /a closing \} or \] is missing/);
});

test("an unquoted text value asks for quotes", () => {
  const message = configErrorText(() => parseJson5("{ api: openai-responses }", "c.json5"));
  assert.match(message, /^c\.json5:1:8: syntax error: invalid character 'o'/);
  assert.match(message, /text values need quotes/);
});

test("an extra closing bracket is pointed at", () => {
  const message = configErrorText(() => parseJson5('{ "a": 1 }}', "c.json5"));
  assert.match(message, /^c\.json5:1:11: syntax error: invalid character '\}'/);
  assert.match(message, /closing bracket/);
});

test("JSON5 comments, trailing commas and unquoted keys are fine; plain JSON is fine", () => {
  assert.deepEqual(parseJson5("// c\n{ a: [1, 2,], /* x */ 'b': 'c', }", "c.json5"), { a: [1, 2], b: "c" });
  assert.deepEqual(parseJson5('{"a": {"b": true}}', "c.json"), { a: { b: true } });
});
