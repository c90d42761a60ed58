// Tool calls written as text, on very long lines (a model writing minified JSON, a file's content as a
// call's argument, a base64 blob): lines of 100k and 1M characters with no call, with look-alike markers
// in their middle, as a call's argument, and followed by a call; streamed in deltas of 3 and 20
// characters and given whole (a reply that is not streamed), each giving exactly the same text and calls.
import assert from "node:assert/strict";
import { test } from "node:test";
import { TextToolCallExtractor, type TextPiece } from "../../src/ai/text-tool-calls.js";

/** One line of `length` characters of JSON, no newline; `note` is written in every record. */
function jsonLine(length: number, note: string): string {
  const records: string[] = [];
  let total = 0;
  for (let index = 0; total < length; index++) {
    const record = `{"id":${index},"name":"item ${index}","note":"${note}","ok":true}`;
    records.push(record);
    total += record.length + 1;
  }
  return `[${records.join(",")}]`.slice(0, length);
}

/** Markers of every format, as prose and code quote them: in the middle of the line, never at its start. */
const LOOK_ALIKES = 'x < y; see <tool_call>{\\"name\\": \\"a\\"}</tool_call> or <function=b> or [TOOL_CALLS] or <|python_tag|> here';

interface Extracted {
  text: string;
  calls: { name: string; rawArguments: string }[];
}

function extract(output: string, deltaSize: number): Extracted {
  const extractor = new TextToolCallExtractor();
  const pieces: TextPiece[] = [];
  for (let start = 0; start < output.length; start += deltaSize) pieces.push(...extractor.push(output.slice(start, start + deltaSize)));
  pieces.push(...extractor.finish());
  return {
    text: pieces.map((piece) => (piece.kind === "text" ? piece.text : "")).join(""),
    calls: pieces.flatMap((piece) => (piece.kind === "call" ? [{ name: piece.name, rawArguments: piece.rawArguments }] : [])),
  };
}

/** `output` streamed in deltas of 3 and of 20 characters and given whole: each must give `expected` (compared without printing a megabyte). */
function expectExtracted(output: string, expected: Extracted, what: string): void {
  for (const size of [3, 20, output.length]) {
    const got = extract(output, size);
    assert.ok(got.text === expected.text, `${what}, deltas of ${size}: text of ${got.text.length} characters ${JSON.stringify(got.text.slice(0, 60))}…, not ${expected.text.length} ${JSON.stringify(expected.text.slice(0, 60))}…`);
    assert.equal(got.calls.length, expected.calls.length, `${what}, deltas of ${size}: calls ${JSON.stringify(got.calls.map((call) => call.name))}`);
    got.calls.forEach((call, index) => {
      const wanted = expected.calls[index];
      assert.equal(call.name, wanted?.name, `${what}, deltas of ${size}, call ${index}`);
      assert.ok(call.rawArguments === wanted?.rawArguments, `${what}, deltas of ${size}, call ${index}: arguments of ${call.rawArguments.length} characters, not ${wanted?.rawArguments.length}`);
    });
  }
}

for (const length of [100_000, 1_000_000]) {
  const plain = jsonLine(length, "x < y [i] \\\\ z");
  const lookAlikes = jsonLine(length, LOOK_ALIKES);

  test(`a ${length}-character line with no call, plain or full of look-alike markers, is text as written`, () => {
    expectExtracted(plain, { text: plain, calls: [] }, "plain");
    expectExtracted(lookAlikes, { text: lookAlikes, calls: [] }, "look-alikes");
    expectExtracted(`Here it is:\n${lookAlikes}\nDone.`, { text: `Here it is:\n${lookAlikes}\nDone.`, calls: [] }, "look-alikes between lines");
  });

  test(`a ${length}-character line as a call's argument, in every format, is one call with the line intact`, () => {
    // A closing tag ends a call wherever it is, and Mistral v11 calls are cut at each `[TOOL_CALLS]` (as the servers' own parsers
    // read them): those carry a line without look-alikes.
    const closed = JSON.stringify({ content: plain });
    expectExtracted(`Writing it.\n<tool_call>\n{"name": "write", "arguments": ${closed}}\n</tool_call>`, { text: "Writing it.\n", calls: [{ name: "write", rawArguments: closed }] }, "Hermes");
    const content = JSON.stringify({ content: lookAlikes });
    expectExtracted(`[TOOL_CALLS][{"name": "write", "arguments": ${content}}]`, { text: "", calls: [{ name: "write", rawArguments: content }] }, "Mistral v3");
    expectExtracted(`[TOOL_CALLS]write[ARGS]${closed}`, { text: "", calls: [{ name: "write", rawArguments: closed }] }, "Mistral v11");
    expectExtracted(`<|python_tag|>{"name": "write", "parameters": ${content}}<|eom_id|>`, { text: "", calls: [{ name: "write", rawArguments: content }] }, "Llama");
    expectExtracted(`<tool_call>\n<function=write>\n<parameter=content>\n${plain}\n</parameter>\n</function>\n</tool_call>`, { text: "", calls: [{ name: "write", rawArguments: JSON.stringify({ content: plain }) }] }, "Qwen3-Coder");
  });

  test(`a ${length}-character line of prose, then a call on its own line, is the prose and the call`, () => {
    expectExtracted(`${lookAlikes}\n<tool_call>{"name": "time", "arguments": {}}</tool_call>`, { text: `${lookAlikes}\n`, calls: [{ name: "time", rawArguments: "{}" }] }, "call after the line");
    const kept = `<tool_call>{"name": "time", "arguments": {}}</tool_call>\n${plain}`;
    expectExtracted(kept, { text: kept, calls: [] }, "call before the line is an example: text");
  });
}

test("a call whose arguments are cut off inside a run of 20,000 blank lines is still a call, its arguments as written", () => {
  const output = `<|python_tag|>{"name": "write", "parameters": {"content": "a${"\n".repeat(20_000)}`;
  const got = extract(output, output.length);
  assert.equal(got.calls.length, 1);
  assert.equal(got.calls[0]?.name, "write");
  assert.equal(got.calls[0]?.rawArguments, '{"content": "a');
});

test("calls separated by newlines and blank lines holding spaces are each a call", () => {
  const output = '<|python_tag|>{"name": "a", "parameters": {}}\n \t\n  {"name": "b", "parameters": {"x": 1}}';
  for (const size of [1, 5, output.length]) {
    assert.deepEqual(extract(output, size), {
      text: "",
      calls: [
        { name: "a", rawArguments: "{}" },
        { name: "b", rawArguments: '{"x":1}' },
      ],
    });
  }
});
