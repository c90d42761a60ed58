// OpenAI's allowed_tools (CallOptions.allowedTools): OpenAI's own API is sent every tool with the choice, so the
// prompt (and its cache) stays the same while the allowed set changes; any other server the allowed tools alone.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { completionsRequestBody } from "../../src/ai/providers/openai-completions/convert-messages.js";
import { responsesRequestBody } from "../../src/ai/providers/openai-responses/convert-input.js";
import type { CallOptions, Context } from "../../src/ai/types.js";
import { WireHistory } from "../../src/ai/wire-history.js";
import { modelSpec } from "./adapter-contract.js";

const parameters = { type: "object", properties: {} };
// A history that called a tool the allowed set leaves out.
const context: Context = {
  messages: [
    { role: "user", content: "Look it up" },
    { role: "assistant", content: [{ type: "tool-call", id: "call_1", name: "lookup", arguments: { q: "x" } }] },
    { role: "tool-result", toolCallId: "call_1", toolName: "lookup", content: "found", isError: false },
    { role: "user", content: "And the time?" },
  ],
  tools: [
    { name: "lookup", description: "Looks it up", parameters },
    { name: "clock", description: "The time", parameters },
  ],
} as Context;

function chatBody(baseUrl: string, options: CallOptions): Record<string, unknown> {
  const model = modelSpec("openai-completions", baseUrl, { local: !baseUrl.includes("openai.com") });
  return JSON.parse(completionsRequestBody(model, context, options, { parts: new WireHistory() }).chunks.join("")) as Record<string, unknown>;
}

function responsesBody(baseUrl: string, options: CallOptions): Record<string, unknown> {
  const model = modelSpec("openai-responses", baseUrl, { local: !baseUrl.includes("openai.com") });
  return JSON.parse(responsesRequestBody(model, context, options, { compat: {}, parts: new WireHistory() }).bytes.chunks.join("")) as Record<string, unknown>;
}

const names = (tools: unknown): string[] => (tools as { name?: string; function?: { name: string } }[]).map((tool) => tool.function?.name ?? tool.name ?? "");

describe("allowed_tools", () => {
  test("OpenAI's own API is sent every tool and the allowed set as the choice (Chat and Responses forms)", () => {
    const chat = chatBody("https://api.openai.com/v1", { allowedTools: ["clock"], toolChoice: { type: "required" } });
    assert.deepEqual(names(chat.tools), ["lookup", "clock"]);
    assert.deepEqual(chat.tool_choice, { type: "allowed_tools", allowed_tools: { mode: "required", tools: [{ type: "function", function: { name: "clock" } }] } });
    const responses = responsesBody("https://api.openai.com/v1", { allowedTools: ["clock"] });
    assert.deepEqual(names(responses.tools), ["lookup", "clock"]);
    assert.deepEqual(responses.tool_choice, { type: "allowed_tools", mode: "auto", tools: [{ type: "function", name: "clock" }] });
  });

  test("any other server is sent the allowed tools alone, with the history's call of another tool as it was", () => {
    const chat = chatBody("http://127.0.0.1:1/v1", { allowedTools: ["clock"], toolChoice: { type: "required" } });
    assert.deepEqual(names(chat.tools), ["clock"]);
    assert.equal(chat.tool_choice, "required");
    assert.match(JSON.stringify(chat.messages), /"name":"lookup"/);
    const responses = responsesBody("http://127.0.0.1:1/v1", { allowedTools: ["clock"] });
    assert.deepEqual(names(responses.tools), ["clock"]);
    assert.equal(responses.tool_choice, undefined);
    assert.match(JSON.stringify(responses.input), /"type":"function_call","call_id":"call_1","name":"lookup"/);
  });
});
