// The wire fakes read by the official SDKs' own stream parsers and accumulators (openai, @anthropic-ai/sdk),
// so the fakes are checked against the clients real servers are written for, not only against themselves.
import assert from "node:assert/strict";
import Anthropic from "@anthropic-ai/sdk";
import OpenAI from "openai";
import { after, before, describe, test } from "node:test";
import { anthropicStream } from "./anthropic-messages-stream.js";
import { startFakeServer, type FakeServer, type SseFrame } from "./fake-server.js";
import { completionsStream } from "./openai-completions-stream.js";
import { responsesStream } from "./openai-responses-stream.js";

describe("the wire fakes, read by the official SDKs", () => {
  let server: FakeServer;
  let frames: readonly SseFrame[] = [];
  before(async () => {
    server = await startFakeServer(() => ({ kind: "sse", frames }));
  });
  after(async () => {
    await server.close();
  });
  const openai = (): OpenAI => new OpenAI({ baseURL: server.baseUrl, apiKey: "sk-test", maxRetries: 0 });
  const anthropic = (): Anthropic => new Anthropic({ baseURL: server.url, apiKey: "sk-ant-test", maxRetries: 0 });

  test("chat completions: text and usage, chunk by chunk and accumulated", async () => {
    frames = completionsStream({ text: "Hello there, friend.", usage: { input: 12, output: 5 } });
    const chunks = [];
    for await (const chunk of await openai().chat.completions.create({ model: "m", messages: [{ role: "user", content: "hi" }], stream: true })) chunks.push(chunk);
    assert.equal(chunks.map((chunk) => chunk.choices[0]?.delta.content ?? "").join(""), "Hello there, friend.");
    assert.equal(chunks.at(-1)?.usage?.prompt_tokens, 12);
    assert.equal(chunks.find((chunk) => chunk.choices[0]?.finish_reason)?.choices[0]?.finish_reason, "stop");
    const stream = openai().chat.completions.stream({ model: "m", messages: [{ role: "user", content: "hi" }] });
    const final = await stream.finalChatCompletion();
    assert.equal(final.choices[0]?.message.content, "Hello there, friend.");
    assert.deepEqual(final.usage && [final.usage.prompt_tokens, final.usage.completion_tokens], [12, 5]);
  });

  test("chat completions: a tool call split over chunks is put together by the SDK", async () => {
    frames = completionsStream({ toolCalls: [{ id: "call_1", name: "read_file", arguments: '{"path":"notes/today.md"}' }], finishReason: "tool_calls", usage: { input: 20, output: 9 } });
    const final = await openai().chat.completions.stream({ model: "m", messages: [{ role: "user", content: "read it" }] }).finalChatCompletion();
    const call = final.choices[0]?.message.tool_calls?.[0];
    assert.equal(call?.type === "function" ? call.function.name : undefined, "read_file");
    assert.equal(call?.type === "function" ? call.function.arguments : undefined, '{"path":"notes/today.md"}');
    assert.equal(final.choices[0]?.finish_reason, "tool_calls");
  });

  for (const flavor of ["openai", "lmstudio"] as const) {
    test(`responses (${flavor}): every event typed as the SDK knows it, and the final response whole`, async () => {
      frames = responsesStream({ flavor, text: "The answer is 42.", reasoningSummary: flavor === "openai" ? "Thinking it over." : undefined, reasoning: flavor === "lmstudio" ? "Thinking it over." : undefined, usage: { input: 30, output: 8 } });
      const types: string[] = [];
      for await (const event of await openai().responses.create({ model: "m", input: "question", stream: true })) types.push(event.type);
      assert.equal(types[0], "response.created");
      assert.equal(types.at(-1), "response.completed");
      assert.ok(types.includes("response.output_text.delta"));
      const stream = openai().responses.stream({ model: "m", input: "question" });
      const final = await stream.finalResponse();
      assert.equal(final.output_text, "The answer is 42.");
      assert.equal(final.usage?.input_tokens, 30);
      const reasoning = final.output.find((item) => item.type === "reasoning");
      const said = reasoning?.type === "reasoning" ? [...reasoning.summary.map((part) => part.text), ...(reasoning.content ?? []).map((part) => part.text)].join("") : "";
      assert.equal(said, "Thinking it over.");
    });
  }

  test("responses: a function call's arguments arrive whole in the final response", async () => {
    frames = responsesStream({ toolCalls: [{ callId: "call_9", name: "web_search", arguments: '{"query":"hearth"}' }], usage: { input: 5, output: 5 } });
    const final = await openai().responses.stream({ model: "m", input: "search" }).finalResponse();
    const call = final.output.find((item) => item.type === "function_call");
    assert.equal(call?.type === "function_call" ? call.arguments : undefined, '{"query":"hearth"}');
    assert.equal(call?.type === "function_call" ? call.call_id : undefined, "call_9");
  });

  test("anthropic messages: thinking, text and a tool use, accumulated by the SDK's MessageStream", async () => {
    frames = anthropicStream({ thinking: "Let me look.", text: "Looking it up.", toolUses: [{ id: "toolu_1", name: "read_file", input: { path: "a.md" } }], stopReason: "tool_use", usage: { input: 40, output: 12 } });
    const events: string[] = [];
    for await (const event of await anthropic().messages.create({ model: "claude-x", max_tokens: 100, messages: [{ role: "user", content: "hi" }], stream: true })) events.push(event.type);
    assert.equal(events[0], "message_start");
    assert.equal(events.at(-1), "message_stop");
    const message = await anthropic().messages.stream({ model: "claude-x", max_tokens: 100, messages: [{ role: "user", content: "hi" }] }).finalMessage();
    assert.deepEqual(
      message.content.map((block) => block.type),
      ["thinking", "text", "tool_use"],
    );
    const [thinking, text, tool] = message.content;
    assert.equal(thinking?.type === "thinking" ? thinking.thinking : undefined, "Let me look.");
    assert.equal(text?.type === "text" ? text.text : undefined, "Looking it up.");
    assert.deepEqual(tool?.type === "tool_use" ? tool.input : undefined, { path: "a.md" });
    assert.equal(message.stop_reason, "tool_use");
    assert.equal(message.usage.output_tokens, 12);
  });
});
