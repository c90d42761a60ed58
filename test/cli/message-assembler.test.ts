import assert from "node:assert/strict";
import { test } from "node:test";
import { MessageAssembler } from "../../src/cli/message-assembler.js";

/** Feeds lines (`[text, pasted]`) and returns the messages, then what the end of input flushes. */
function assemble(lines: readonly (readonly [string, boolean])[]): { messages: string[]; rest: string | undefined } {
  const assembler = new MessageAssembler();
  const messages = lines.map(([line, pasted]) => assembler.push(line, pasted)).filter((message): message is string => message !== undefined);
  return { messages, rest: assembler.flush() };
}

test("lines that arrive inside a paste join the line Enter then completes, verbatim", () => {
  assert.deepEqual(assemble([["def f():", true], ['    """doc"""', true], ["    return 1 \\", true], ["    pass", false]]).messages, ['def f():\n    """doc"""\n    return 1 \\\n    pass']);
  assert.deepEqual(assemble([["one", true], ["two", true], ["", false]]).messages, ["one\ntwo"], "Enter on an empty line after a paste sends it, without an empty last line");
});

test("a trailing backslash continues; a triple-quote block spans lines, blank ones included", () => {
  assert.deepEqual(assemble([["a \\", false], ["b\\", false], ["c", false]]).messages, ["a \nb\nc"]);
  assert.deepEqual(assemble([['"""', false], ["x", false], ["", false], ["y", false], ['"""', false]]).messages, ["x\n\ny"]);
  assert.deepEqual(assemble([['"""first', false], ['last"""', false]]).messages, ["first\nlast"]);
  assert.deepEqual(assemble([['"""one line"""', false]]).messages, ["one line"]);
});

test("the end of input flushes what was being written; discard forgets it", () => {
  assert.deepEqual(assemble([['"""', false], ["unclosed", false]]), { messages: [], rest: "unclosed" });
  assert.deepEqual(assemble([["plain", false]]), { messages: ["plain"], rest: undefined });
  const assembler = new MessageAssembler();
  assembler.push("half \\", false);
  assert.equal(assembler.continuing, true);
  assembler.discard();
  assert.equal(assembler.continuing, false);
  assert.equal(assembler.push("fresh", false), "fresh");
});
