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
    ["c.json5:3:3: syntax error: invalid character 'b'", "  3 |   b: 2", "    |   ^", "hint: a comma is missing after the value that ends at 2:6 (or a `}` to close the `{` opened at 1:1)."].join("\n"),
  );
});

test("a file that ends early says a bracket is missing", () => {
  const message = configErrorText(() => parseJson5('{\n  models: {\n    mode: "merge",\n', "c.json5"));
  assert.match(message, /^c\.json5:4:1: syntax error: invalid end of input/);
  assert.match(message, /hint: the file ends while these are still open: `\{` at 1:1, `\{` at 2:11; add `\}\}` where they end\./);
});

// t18 #10: `contextWindow: 32k` was told that text values need quotes; the fix is the number.
test("a count with a unit (32k, 1.5M) is answered with the number to write, not with quotes", () => {
  const message = configErrorText(() => parseJson5("{\n  contextWindow: 32k,\n}", "c.json5"));
  assert.match(message, /^c\.json5:2:20: syntax error: invalid character 'k'/);
  assert.match(message, /hint: the number at 2:18–2:20 has a unit \(k\), which JSON5 does not read: write 32768 \(32 × 1024, as token counts go\), or the exact number you meant\./);
  assert.doesNotMatch(message, /need quotes/);
  assert.match(configErrorText(() => parseJson5("{ maxTokens: 8K }", "c.json5")), /write 8192 \(8 × 1024/);
  assert.match(configErrorText(() => parseJson5("{ contextWindow: 1.5M }", "c.json5")), /write 1572864 \(1\.5 × 1048576/);
});

test("an unquoted text value asks for quotes", () => {
  const message = configErrorText(() => parseJson5("{ api: openai-responses }", "c.json5"));
  assert.match(message, /^c\.json5:1:8: syntax error: invalid character 'o'/);
  assert.match(message, /text values need quotes/);
});

test("an extra closing bracket is pointed at", () => {
  const message = configErrorText(() => parseJson5('{ "a": 1 }}', "c.json5"));
  assert.match(message, /^c\.json5:1:11: syntax error: invalid character '\}'/);
  assert.match(message, /hint: an extra `\}` at 1:11: nothing is open here \(the config ended at 1:10\); delete it\./);
});

function hintOf(text: string): string {
  return configErrorText(() => parseJson5(text, "c.json5"))
    .split("\n")
    .filter((line) => line.startsWith("hint:"))
    .join("\n");
}

test("text after the config's closing } is named as such, not as a missing comma", () => {
  const message = configErrorText(() => parseJson5('{\n  models: { mode: "merge" },\n}\n**Setup checklist**\n', "c.json5"));
  assert.match(message, /^c\.json5:4:1: syntax error: invalid character '\*'/);
  assert.match(message, /hint: text after the end of the config \(4:1\): the config ended at 3:1; delete what follows, or move it inside\./);
  assert.doesNotMatch(message, /comma/);
  assert.equal(hintOf("{ a: 1 } x"), "hint: text after the end of the config (1:10): the config ended at 1:8; delete what follows, or move it inside.");
  // A pasted line that looks like NAME=value after the config is text after the end too, not a .env file.
  assert.match(hintOf("{ a: 1 }\nFOO=bar"), /text after the end of the config \(2:1\)/);
  // Typographic quotes after the end: the problem is the text being there at all.
  assert.match(hintOf("{ a: 1 }\n“quoted”"), /text after the end of the config/);
});

test("each hint holds only where its premise is true", () => {
  // A closing bracket of the other kind names the bracket that is open.
  assert.equal(hintOf("{ a: [1, 2 }"), "hint: this `}` does not match the `[` opened at 1:6, which is still open: close that one with `]` first, or delete this `}`.");
  assert.equal(hintOf("{ a: [1, 2], }]"), "hint: an extra `]` at 1:15: nothing is open here (the config ended at 1:14); delete it.");
  // Missing comma only after a complete value inside an object or array.
  assert.equal(hintOf("{ a: { b: 1 } c: 2 }"), "hint: a comma is missing after the value that ends at 1:13 (or a `}` to close the `{` opened at 1:1).");
  assert.equal(hintOf("[1 2]"), "hint: a comma is missing after the value that ends at 1:2 (or a `]` to close the `[` opened at 1:1).");
  // After a key the missing thing is a colon, not a comma.
  assert.equal(hintOf("{ a b: 1 }"), "hint: a `:` is missing after the key that ends at 1:3.");
  assert.equal(hintOf("{ a }"), "hint: the key that ends at 1:3 has no `:` and value.");
  assert.equal(hintOf("{ a: }"), "hint: a value is missing after the `:` at 1:4.");
  assert.equal(hintOf("{ a: 1,, }"), "hint: two commas in a row (1:7 and 1:8): delete one.");
  assert.equal(hintOf("{ ,a: 1 }"), "hint: a key is missing before this comma.");
  // The whole word is marked, not the character after it.
  assert.match(hintOf("{ a: tru }"), /^hint: the unquoted word at 1:6–1:8 is not a value: text values need quotes/);
  assert.match(hintOf("{ a: 12x }"), /^hint: the unquoted word at 1:6–1:8 is not a value/);
  // The file's words are never echoed in a hint: an unquoted key stays out of it (the excerpt masks it).
  assert.doesNotMatch(hintOf("{ apiKey: sk-proj-abcdefghijklmnopqrstuvwxyz0123 }"), /sk-proj|abcdef/);
  assert.doesNotMatch(hintOf("{ sk-proj-abcdefghijklmnop: 1 }"), /sk-proj|abcdef/);
  assert.doesNotMatch(hintOf("{ sk-proj-abcdefghijklmnop: 1 }"), /like "/, "a key-shaped word is never shown quoted either");
  assert.match(hintOf("{ sk-proj-abcdefghijklmnop: 1 }"), /^hint: a key with `-` in it needs quotes \(a key without them/);
  assert.match(hintOf("{ 1: 2 }"), /^hint: a key is a name/);
  // A bare key with a character JSON5 does not allow in one: said as a key to quote, shown quoted, the whole word marked.
  assert.equal(hintOf('{\n  providers: {\n    lm-studio: { api: "ollama" } } }'), 'hint: a key with `-` in it needs quotes, like "lm-studio": (a key without them is letters, digits, _ and $, not starting with a digit); this key is at 3:5–3:13.');
  assert.equal(hintOf("{ lmstudio-local: { alias: 'Minimax' } }"), 'hint: a key with `-` in it needs quotes, like "lmstudio-local": (a key without them is letters, digits, _ and $, not starting with a digit); this key is at 1:3–1:16.');
  assert.match(hintOf("{ gpu+cpu: 1 }"), /^hint: a key with `\+` in it needs quotes, like "gpu\+cpu":/);
  // "The file ends before every bracket is closed" only when one is open; an unclosed string or comment is named.
  assert.equal(hintOf('{ a: "x\n" }'), "hint: the string that starts at 1:6 is not closed on its line: add the closing quote.");
  assert.equal(hintOf('{ a: "x'), "hint: the string that starts at 1:6 is not closed on its line: add the closing quote.");
  assert.equal(hintOf("{ a: 1 /* open"), "hint: the /* comment that starts at 1:8 is not closed: add */ where it should end.");
  assert.equal(hintOf("// only a comment\n"), "hint: the file holds no config: a hearth config is one { … } object.");
  assert.equal(hintOf("hello"), "hint: a hearth config is one { … } object: the file must start with {.");
  // Brackets, colons and commas inside strings and comments are text.
  assert.equal(hintOf('{ a: "}", /* ] */ b: \'{[\' // }\n}}'), "hint: an extra `}` at 2:2: nothing is open here (the config ended at 2:1); delete it.");
});

test("JSON5 comments, trailing commas and unquoted keys are fine; plain JSON is fine", () => {
  assert.deepEqual(parseJson5("// c\n{ a: [1, 2,], /* x */ 'b': 'c', }", "c.json5"), { a: [1, 2], b: "c" });
  assert.deepEqual(parseJson5('{"a": {"b": true}}', "c.json"), { a: { b: true } });
});
