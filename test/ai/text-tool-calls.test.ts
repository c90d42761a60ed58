// Tool calls local models write as text, in the shapes they really write them (the templates'
// own examples: Hermes-2-Pro / Qwen2.5 `<tool_call>` JSON, Qwen3-Coder XML, Mistral `[TOOL_CALLS]`
// in the v3 and v11 tokenizer forms, Llama 3.1 `<|python_tag|>` JSON), split at every boundary.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { HttpClient } from "../../src/ai/http/http-client.js";
import { createOpenAICompletionsAdapter } from "../../src/ai/providers/openai-completions/index.js";
import { TextToolCallExtractor, type TextPiece } from "../../src/ai/text-tool-calls.js";
import type { Context } from "../../src/ai/types.js";
import { startFakeServer, type FakeServer } from "../fakes/fake-server.js";
import { completionsStream } from "../fakes/openai-completions-stream.js";
import { modelSpec, run, textOf } from "./adapter-contract.js";

const cases: { format: string; output: string; text: string; calls: { name: string; arguments: unknown }[] }[] = [
  {
    format: "Hermes / Qwen <tool_call> JSON",
    output: 'Let me check.\n<tool_call>\n{"name": "web_fetch", "arguments": {"url": "https://example.com/a?b=<c>"}}\n</tool_call>',
    text: "Let me check.\n",
    calls: [{ name: "web_fetch", arguments: { url: "https://example.com/a?b=<c>" } }],
  },
  {
    format: "Qwen two calls in a row",
    output: '<tool_call>\n{"name": "time", "arguments": {}}\n</tool_call>\n<tool_call>\n{"name": "memory", "arguments": {"action": "read"}}\n</tool_call>',
    text: "\n",
    calls: [
      { name: "time", arguments: {} },
      { name: "memory", arguments: { action: "read" } },
    ],
  },
  {
    format: "Qwen3-Coder XML",
    output: "<tool_call>\n<function=exec>\n<parameter=command>\ngit\n</parameter>\n<parameter=args>\n[\"status\", \"--short\"]\n</parameter>\n</function>\n</tool_call>",
    text: "",
    calls: [{ name: "exec", arguments: { command: "git", args: ["status", "--short"] } }],
  },
  {
    format: "Qwen3-Coder XML without the wrapper",
    output: "Sure.\n<function=time>\n<parameter=timezone>\nEurope/Paris\n</parameter>\n</function>",
    text: "Sure.\n",
    calls: [{ name: "time", arguments: { timezone: "Europe/Paris" } }],
  },
  {
    format: "Mistral [TOOL_CALLS] JSON array (v3)",
    output: '[TOOL_CALLS][{"name": "time", "arguments": {"timezone": "UTC"}}, {"name": "memory", "arguments": {"action": "read"}}]',
    text: "",
    calls: [
      { name: "time", arguments: { timezone: "UTC" } },
      { name: "memory", arguments: { action: "read" } },
    ],
  },
  {
    format: "Mistral [TOOL_CALLS]NAME[ARGS] (v11)",
    output: '[TOOL_CALLS]time[ARGS]{"timezone": "UTC"}[TOOL_CALLS]memory[ARGS]{"action": "read"}',
    text: "",
    calls: [
      { name: "time", arguments: { timezone: "UTC" } },
      { name: "memory", arguments: { action: "read" } },
    ],
  },
  {
    format: "Llama 3.1 <|python_tag|>",
    output: '<|python_tag|>{"name": "time", "parameters": {"timezone": "Asia/Tokyo"}}<|eom_id|>',
    text: "",
    calls: [{ name: "time", arguments: { timezone: "Asia/Tokyo" } }],
  },
];

function extract(chunks: readonly string[]): { text: string; calls: { name: string; arguments: unknown }[] } {
  const extractor = new TextToolCallExtractor();
  const pieces: TextPiece[] = [...chunks.flatMap((chunk) => extractor.push(chunk)), ...extractor.finish()];
  return {
    text: pieces.map((piece) => (piece.kind === "text" ? piece.text : "")).join(""),
    calls: pieces.flatMap((piece) => (piece.kind === "call" ? [{ name: piece.name, arguments: JSON.parse(piece.rawArguments) as unknown }] : [])),
  };
}

describe("tool calls written as text", () => {
  for (const { format, output, text, calls } of cases) {
    test(`${format}: whole, and split at every position`, () => {
      assert.deepEqual(extract([output]), { text, calls });
      for (let cut = 1; cut < output.length; cut++) assert.deepEqual(extract([output.slice(0, cut), output.slice(cut)]), { text, calls }, `cut at ${cut}`);
      assert.deepEqual(extract(Array.from(output)), { text, calls }, "one character at a time");
    });
  }

  test("ordinary text passes through untouched, including look-alikes", () => {
    const prose = "Compare a < b and use <tool> or [TOOL] tags; <function is a word here.";
    assert.deepEqual(extract(Array.from(prose)), { text: prose, calls: [] });
  });

  test("a marker with nothing callable inside goes out as the model wrote it", () => {
    const output = "The tag <tool_call>not json at all</tool_call> is what Hermes uses.";
    assert.deepEqual(extract([output]), { text: output, calls: [] });
  });

  test("a call cut off by the reply limit is still a call, its arguments the model's own", () => {
    const extractor = new TextToolCallExtractor();
    const pieces = [...extractor.push('<tool_call>\n{"name": "web_fetch", "arguments": {"url": "https://exa'), ...extractor.finish()];
    assert.deepEqual(pieces, [{ kind: "call", name: "web_fetch", rawArguments: '{"url": "https://exa' }]);
  });

  test("a marker left open with nothing callable is text, without a closing tag it never had", () => {
    const extractor = new TextToolCallExtractor();
    const pieces = [...extractor.push("Hermes opens calls with\n<tool_call> and"), ...extractor.finish()];
    assert.deepEqual(pieces, [{ kind: "text", text: "Hermes opens calls with\n" }, { kind: "text", text: "<tool_call> and" }]);
  });

  // Like think tags: a call is recognised only where models put one, at a line's start and at the end of the output.
  const keptAsText: { what: string; output: string }[] = [
    { what: "a call in the middle of a line", output: 'Example of the Hermes format: `<tool_call>{"name":"x"}</tool_call>` is how it looks. END-KEPT' },
    { what: "a call at a line's start, then prose", output: '<tool_call>\n{"name": "time", "arguments": {}}\n</tool_call>\nThat is how a call looks. END-KEPT' },
    { what: "two calls, then prose", output: 'Two calls:\n  <tool_call>{"name": "a"}</tool_call>\n<tool_call>{"name": "b"}</tool_call> and then more words. END-KEPT' },
    { what: "a call, then a marker that is no call", output: '<tool_call>{"name": "a"}</tool_call>\n<tool_call>not json</tool_call> END-KEPT' },
    { what: "a Qwen3-Coder function mid-line", output: "Write <function=time></function> to call it. END-KEPT" },
  ];
  for (const { what, output } of keptAsText) {
    test(`${what} is text, every word kept, however it is split`, () => {
      assert.deepEqual(extract([output]), { text: output, calls: [] });
      for (let cut = 1; cut < output.length; cut++) assert.deepEqual(extract([output.slice(0, cut), output.slice(cut)]), { text: output, calls: [] }, `cut at ${cut}`);
      assert.deepEqual(extract(Array.from(output)), { text: output, calls: [] }, "one character at a time");
    });
  }

  test("calls at the end, indented and followed by whitespace, are calls; the whitespace stays text", () => {
    const output = 'Checking.\n  <tool_call>{"name": "a", "arguments": {}}</tool_call><tool_call>{"name": "b", "arguments": {}}</tool_call>\n\n';
    const expected = { text: "Checking.\n  \n\n", calls: [{ name: "a", arguments: {} }, { name: "b", arguments: {} }] };
    assert.deepEqual(extract([output]), expected);
    for (let cut = 1; cut < output.length; cut++) assert.deepEqual(extract([output.slice(0, cut), output.slice(cut)]), expected, `cut at ${cut}`);
    assert.deepEqual(extract(Array.from(output)), expected, "one character at a time");
  });
});

describe("through an adapter: text calls become real tool calls, never text", () => {
  let server: FakeServer;
  let http: HttpClient;
  before(async () => {
    server = await startFakeServer(() => ({ kind: "json", body: {} }));
    http = new HttpClient();
  });
  after(async () => {
    http.destroy();
    await server.close();
  });
  const withTools: Context = {
    messages: [{ role: "user", content: "What time is it in Paris?" }],
    tools: [{ name: "time", description: "The time", parameters: { type: "object", properties: { timezone: { type: "string" } } } }],
  };

  test("streamed in small pieces: no text delta carries the call, the reply ends as tool-use", async () => {
    const output = 'One moment.\n<tool_call>\n{"name": "time", "arguments": {"timezone": "Europe/Paris"}}\n</tool_call>';
    server.setHandler(() => ({ kind: "sse", frames: completionsStream({ text: output, chunkSize: 3, usage: { input: 20, output: 30 } }) }));
    const outcome = await run(createOpenAICompletionsAdapter({ http }), modelSpec("openai-completions", server.baseUrl, { id: "qwen2.5-7b-instruct" }), withTools);
    assert.equal(outcome.text, "One moment.\n");
    assert.ok(!outcome.text.includes("tool_call"));
    const call = outcome.events.flatMap((event) => (event.type === "tool-call" ? [event.call] : []))[0];
    assert.equal(call?.name, "time");
    assert.deepEqual(call?.arguments, { timezone: "Europe/Paris" });
    assert.equal(outcome.end?.stopReason, "tool-use");
    assert.equal(textOf(outcome.end), "One moment.\n");
  });

  test("without tools offered, the same text is only text", async () => {
    const output = '<tool_call>{"name": "time", "arguments": {}}</tool_call>';
    server.setHandler(() => ({ kind: "sse", frames: completionsStream({ text: output, usage: { input: 1, output: 1 } }) }));
    const outcome = await run(createOpenAICompletionsAdapter({ http }), modelSpec("openai-completions", server.baseUrl), { messages: [{ role: "user", content: "show me the tag" }] });
    assert.equal(outcome.text, output);
    assert.equal(outcome.end?.stopReason, "stop");
  });
});
