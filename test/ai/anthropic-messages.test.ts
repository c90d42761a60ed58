import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { HttpClient } from "../../src/ai/http/http-client.js";
import { createAnthropicMessagesAdapter } from "../../src/ai/providers/anthropic-messages/index.js";
import type { AssistantMessage } from "../../src/ai/types.js";
import { anthropicAuth, anthropicOverloaded, anthropicPromptTooLong, anthropicRateLimited } from "../fakes/error-bodies.js";
import { startFakeServer, type FakeServer, type Reply } from "../fakes/fake-server.js";
import { anthropicStream, anthropicStreamError, type AnthropicSpec } from "../fakes/anthropic-messages-stream.js";
import { modelSpec, run, runAdapterContract, type CommonSpec } from "./adapter-contract.js";

const sse = (frames: ReturnType<typeof anthropicStream>): Reply => ({ kind: "sse", frames });
const toSpec = (spec: CommonSpec): AnthropicSpec => ({
  ...(spec.text !== undefined ? { text: spec.text } : {}),
  ...(spec.reasoning !== undefined ? { thinking: spec.reasoning } : {}),
  ...(spec.toolCalls ? { toolUses: spec.toolCalls.map((call) => ({ id: call.id, name: call.name, input: safeParse(call.arguments) })) } : {}),
  ...(spec.usage ? { usage: spec.usage } : {}),
  ...(spec.chunkSize !== undefined ? { chunkSize: spec.chunkSize } : {}),
});

/** Anthropic streams tool input as JSON of an object; a malformed one is written raw. */
function safeParse(text: string): object {
  try {
    return JSON.parse(text) as object;
  } catch {
    return { __raw: text };
  }
}

/** anthropicStream, with a malformed tool input streamed raw (as a weak upstream would), or with usage removed. */
function reply(spec: CommonSpec): Reply {
  let frames = anthropicStream(toSpec(spec));
  const raw = spec.toolCalls?.find((call) => "__raw" in safeParse(call.arguments));
  if (raw) {
    const jsonDeltas = frames.filter((frame) => frame.data.includes("input_json_delta") && !frame.data.includes('"partial_json":""'));
    const first = jsonDeltas[0];
    frames = frames.filter((frame) => !jsonDeltas.includes(frame) || frame === first);
    if (first) first.data = JSON.stringify({ type: "content_block_delta", index: 0, delta: { type: "input_json_delta", partial_json: raw.arguments } });
  }
  if (spec.usage === null) {
    frames = frames.map((frame) => {
      const event = JSON.parse(frame.data) as Record<string, unknown>;
      if (event.type === "message_start") delete (event.message as Record<string, unknown>).usage;
      if (event.type === "message_delta") delete event.usage;
      return { ...frame, data: JSON.stringify(event) };
    });
  }
  return sse(frames);
}

function conversation(body: Record<string, unknown>): string[] {
  return (body.messages as { role: string; content: Record<string, unknown>[] }[]).flatMap((message) =>
    message.content.map((block) => {
      if (block.type === "tool_use") return `assistant: call ${String(block.name)}#${String(block.id)} ${JSON.stringify(block.input)}`;
      if (block.type === "tool_result") return `tool: ${String(block.tool_use_id)} ${String(block.content)}`;
      return `${message.role}: ${String(block.text)}`;
    }),
  );
}

runAdapterContract("anthropic-messages", {
  api: "anthropic-messages",
  path: "/v1/messages",
  baseUrl: (url) => url,
  reply,
  overloadedMidStream: sse([...anthropicStream({ text: "partial answer here" }).slice(0, 4), ...anthropicStreamError("overloaded_error", "Overloaded")]),
  overflow: anthropicPromptTooLong,
  modelNotFound: {
    kind: "json",
    status: 404,
    body: { type: "error", error: { type: "not_found_error", message: "model: claude-nope" } },
  },
  auth: anthropicAuth,
  rateLimited: anthropicRateLimited,
  keyHeader: (request) => (typeof request.headers["x-api-key"] === "string" ? request.headers["x-api-key"] : undefined),
  conversation,
  createAdapter: (http) => createAnthropicMessagesAdapter({ http }),
});

describe("anthropic-messages: protocol specifics", () => {
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

  test("thinking comes back signed on the next turn; cache usage is counted; version header sent", async () => {
    server.setHandler(() => sse(anthropicStream({ thinking: "Let me think.", signature: "sig-abc", text: "Answer.", usage: { input: 100, output: 20, cacheRead: 50, cacheWrite: 10 } })));
    const adapter = createAnthropicMessagesAdapter({ http });
    const model = modelSpec("anthropic-messages", server.url, { local: false, reasoning: true });
    const first = await run(adapter, model);
    assert.equal(first.reasoning, "Let me think.");
    assert.deepEqual(first.end?.usage, { input: 100, output: 20, cacheRead: 50, cacheWrite: 10, reasoning: 0, estimated: false });
    const reasoning = first.end?.content.find((part) => part.type === "reasoning");
    assert.equal(reasoning?.type === "reasoning" ? reasoning.signature : undefined, "sig-abc");

    server.requests.length = 0;
    await run(adapter, model, { systemPrompt: "S", messages: [{ role: "user", content: "q" }, first.end as AssistantMessage, { role: "user", content: "more" }] });
    const request = server.requests[0];
    assert.equal(request?.headers["anthropic-version"], "2023-06-01");
    const body = request?.body as { system: unknown; messages: { role: string; content: unknown[] }[] };
    assert.deepEqual(body.system, [{ type: "text", text: "S", cache_control: { type: "ephemeral" } }]);
    assert.deepEqual(body.messages[1]?.content, [
      { type: "thinking", thinking: "Let me think.", signature: "sig-abc" },
      { type: "text", text: "Answer." },
    ]);
  });

  test("a redacted_thinking block and the thinking block after it stay apart, each with its own data", async () => {
    const frames = [
      { event: "message_start", data: JSON.stringify({ type: "message_start", message: { id: "m", type: "message", role: "assistant", content: [], model: "x", usage: { input_tokens: 5, output_tokens: 1 } } }) },
      { event: "content_block_start", data: JSON.stringify({ type: "content_block_start", index: 0, content_block: { type: "redacted_thinking", data: "ENCRYPTED" } }) },
      { event: "content_block_stop", data: JSON.stringify({ type: "content_block_stop", index: 0 }) },
      { event: "content_block_start", data: JSON.stringify({ type: "content_block_start", index: 1, content_block: { type: "thinking", thinking: "" } }) },
      { event: "content_block_delta", data: JSON.stringify({ type: "content_block_delta", index: 1, delta: { type: "thinking_delta", thinking: "visible thought" } }) },
      { event: "content_block_delta", data: JSON.stringify({ type: "content_block_delta", index: 1, delta: { type: "signature_delta", signature: "SIG" } }) },
      { event: "content_block_stop", data: JSON.stringify({ type: "content_block_stop", index: 1 }) },
      { event: "content_block_start", data: JSON.stringify({ type: "content_block_start", index: 2, content_block: { type: "text", text: "" } }) },
      { event: "content_block_delta", data: JSON.stringify({ type: "content_block_delta", index: 2, delta: { type: "text_delta", text: "Answer." } }) },
      { event: "content_block_stop", data: JSON.stringify({ type: "content_block_stop", index: 2 }) },
      { event: "message_delta", data: JSON.stringify({ type: "message_delta", delta: { stop_reason: "end_turn" }, usage: { output_tokens: 9 } }) },
      { event: "message_stop", data: JSON.stringify({ type: "message_stop" }) },
    ];
    server.setHandler(() => sse(frames));
    const outcome = await run(createAnthropicMessagesAdapter({ http }), modelSpec("anthropic-messages", server.url, { local: false }));
    assert.deepEqual(outcome.end?.content, [
      { type: "reasoning", text: "", redacted: "ENCRYPTED" },
      { type: "reasoning", text: "visible thought", signature: "SIG" },
      { type: "text", text: "Answer." },
    ]);
  });

  test("an answer that breaks after message_start keeps the prompt's counted tokens (the output is estimated)", async () => {
    server.setHandler(() => sse([...anthropicStream({ text: "partial answer here", usage: { input: 20, output: 9, cacheRead: 7 } }).slice(0, 4), ...anthropicStreamError("overloaded_error", "Overloaded")]));
    const outcome = await run(createAnthropicMessagesAdapter({ http }), modelSpec("anthropic-messages", server.url, { local: false }));
    assert.equal(outcome.failure?.kind, "overloaded");
    const last = outcome.events.at(-1);
    assert.ok(last?.type === "response-error");
    assert.equal(last.partial.usage.input, 20, "message_start's input_tokens, not an estimate");
    assert.equal(last.partial.usage.cacheRead, 7);
    assert.equal(last.partial.usage.estimated, true, "the output is an estimate: message_start's output_tokens is not the answer's");
    assert.ok(last.partial.usage.output > 1, String(last.partial.usage.output));
  });

  test("529 overloaded is overloaded", async () => {
    server.setHandler(() => anthropicOverloaded);
    const outcome = await run(createAnthropicMessagesAdapter({ http }), modelSpec("anthropic-messages", server.url));
    assert.equal(outcome.failure?.kind, "overloaded");
    assert.equal(outcome.failure?.status, 529);
  });

  test("a base URL that already ends in /v1 is not doubled", async () => {
    server.requests.length = 0;
    server.setHandler(() => sse(anthropicStream({ text: "ok" })));
    await run(createAnthropicMessagesAdapter({ http }), modelSpec("anthropic-messages", `${server.url}/v1`));
    assert.equal(server.requests[0]?.path, "/v1/messages");
  });

  test("consecutive tool results merge into one user turn", async () => {
    server.requests.length = 0;
    server.setHandler(() => sse(anthropicStream({ text: "ok" })));
    await run(createAnthropicMessagesAdapter({ http }), modelSpec("anthropic-messages", server.url), {
      messages: [
        { role: "user", content: "go" },
        {
          role: "assistant",
          content: [
            { type: "tool-call", id: "a", name: "x", arguments: {}, rawArguments: "{}" },
            { type: "tool-call", id: "b", name: "y", arguments: {}, rawArguments: "{}" },
          ],
          model: "test/model-x",
          api: "anthropic-messages",
          stopReason: "tool-use",
          usage: { input: 0, output: 0, cacheRead: 0, cacheWrite: 0, reasoning: 0, estimated: false },
          cost: 0,
        },
        { role: "tool-result", toolCallId: "a", toolName: "x", content: "1", isError: false },
        { role: "tool-result", toolCallId: "b", toolName: "y", content: "boom", isError: true },
      ],
    });
    const body = server.requests[0]?.body as { messages: { role: string; content: unknown[] }[] };
    assert.equal(body.messages.length, 3);
    assert.deepEqual(body.messages[2], {
      role: "user",
      content: [
        { type: "tool_result", tool_use_id: "a", content: "1", is_error: false },
        { type: "tool_result", tool_use_id: "b", content: "boom", is_error: true },
      ],
    });
  });
});
