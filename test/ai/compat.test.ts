// Request shapes a server or chat template cannot take: set in config, or learned from the server's
// own refusal (then the request goes once more in the shape it takes, and later calls keep it).
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { HttpClient } from "../../src/ai/http/http-client.js";
import { createOllamaAdapter } from "../../src/ai/providers/ollama/index.js";
import { createOpenAICompletionsAdapter } from "../../src/ai/providers/openai-completions/index.js";
import type { Context } from "../../src/ai/types.js";
import { startFakeServer, type FakeServer, type RecordedRequest } from "../fakes/fake-server.js";
import { ollamaStream } from "../fakes/ollama-chat-stream.js";
import { completionsStream } from "../fakes/openai-completions-stream.js";
import { modelSpec, run, textOf } from "./adapter-contract.js";

const context: Context = {
  systemPrompt: "You are hearth.",
  messages: [{ role: "user", content: [{ type: "text", text: "What is in this picture?" }, { type: "image", mediaType: "image/png", data: "iVBORw0KGgo=" }] }],
  tools: [{ name: "time", description: "The time", parameters: { type: "object", properties: {} } }],
};
const ok = { kind: "sse" as const, frames: completionsStream({ text: "Fine.", usage: { input: 5, output: 2 } }) };
const body = (request: RecordedRequest | undefined): Record<string, unknown> => request?.body as Record<string, unknown>;
const messages = (request: RecordedRequest | undefined): Record<string, unknown>[] => body(request).messages as Record<string, unknown>[];

describe("compat switches", () => {
  let server: FakeServer;
  let http: HttpClient;
  before(async () => {
    server = await startFakeServer(() => ok);
    http = new HttpClient();
  });
  after(async () => {
    http.destroy();
    await server.close();
  });

  test("set in config: no tools, no system role, string content only, the reply-limit field named", async () => {
    server.setHandler(() => ok);
    server.requests.length = 0;
    const model = modelSpec("openai-completions", server.baseUrl, {
      input: ["text", "image"],
      compat: { supportsTools: false, supportsSystemRole: false, stringContentOnly: true, maxTokensField: "max_completion_tokens" },
    });
    const outcome = await run(createOpenAICompletionsAdapter({ http }), model, context, { maxTokens: 100 });
    assert.equal(textOf(outcome.end), "Fine.");
    const sent = body(server.requests[0]);
    assert.equal(sent.tools, undefined);
    assert.equal(sent.max_completion_tokens, 100);
    assert.equal(sent.max_tokens, undefined);
    assert.deepEqual(messages(server.requests[0]), [
      { role: "user", content: "You are hearth.\n\nWhat is in this picture?\n[image (image/png) left out: this server takes text only]" },
    ]);
  });

  test("a template that refuses the system role (llama.cpp's 500 for Gemma) is asked again without one, and remembered", async () => {
    server.requests.length = 0;
    server.setHandler((request) =>
      messages(request).some((message) => message.role === "system")
        ? { kind: "json", status: 500, body: { error: { code: 500, message: "System role not supported", type: "server_error" } } }
        : ok,
    );
    const adapter = createOpenAICompletionsAdapter({ http });
    const model = modelSpec("openai-completions", server.baseUrl, { id: "gemma-2-9b-it" });
    const text: Context = { systemPrompt: "Be brief.", messages: [{ role: "user", content: "hi" }] };
    const first = await run(adapter, model, text);
    assert.equal(textOf(first.end), "Fine.", first.failure?.message);
    assert.equal(server.requests.length, 2);
    assert.deepEqual(messages(server.requests[1]), [{ role: "user", content: "Be brief.\n\nhi" }]);
    const second = await run(adapter, model, text);
    assert.equal(textOf(second.end), "Fine.");
    assert.equal(server.requests.length, 3, "learned: one request, in the shape the server takes");
  });

  test("a server that takes string content only: the same history is sent again in that shape, though its messages' wire form was kept", async () => {
    server.requests.length = 0;
    server.setHandler(() => ok);
    const adapter = createOpenAICompletionsAdapter({ http });
    const history: Context = {
      messages: [
        { role: "user", content: "What time is it?" },
        { role: "assistant", content: [{ type: "tool-call", id: "c1", name: "time", arguments: {}, rawArguments: "{}" }], model: "m/m", api: "openai-completions", stopReason: "tool-use", usage: { input: 1, output: 1, cacheRead: 0, cacheWrite: 0, reasoning: 0, estimated: false }, cost: 0 },
        { role: "tool-result", toolCallId: "c1", toolName: "time", content: "noon", isError: false },
      ],
    };
    const model = modelSpec("openai-completions", server.baseUrl);
    // Sent first in the usual shape, so the adapter keeps these messages' wire form with content null.
    await run(adapter, model, history);
    assert.equal(messages(server.requests[0])[1]?.content, null);
    // Then the server (a Python one, say) takes string content only: an assistant turn of tool calls only must carry "", not null.
    server.setHandler((request) =>
      messages(request).some((message) => message.content === null) ? { kind: "json", status: 400, body: { error: { message: "content must be a string", type: "invalid_request_error" } } } : ok,
    );
    server.requests.length = 0;
    const outcome = await run(adapter, model, history);
    assert.equal(textOf(outcome.end), "Fine.", outcome.failure?.message);
    assert.equal(server.requests.length, 2);
    assert.deepEqual(messages(server.requests[1])[1], { role: "assistant", content: "", tool_calls: [{ id: "c1", type: "function", function: { name: "time", arguments: "{}" } }] });
  });

  test("a refusal that names nothing hearth can change is reported once, not retried", async () => {
    server.requests.length = 0;
    server.setHandler(() => ({ kind: "json", status: 400, body: { error: { message: "temperature must be between 0 and 2", type: "invalid_request_error" } } }));
    const outcome = await run(createOpenAICompletionsAdapter({ http }), modelSpec("openai-completions", server.baseUrl), context);
    assert.equal(outcome.failure?.kind, "bad-request");
    assert.equal(server.requests.length, 1);
  });

  test("Ollama's 'does not support tools': the turn is answered without tools", async () => {
    server.requests.length = 0;
    server.setHandler((request) =>
      body(request).tools ? { kind: "json", status: 400, body: { error: "registry.ollama.ai/library/gemma:2b does not support tools" } } : ollamaStream({ text: "No tools needed." }),
    );
    const outcome = await run(createOllamaAdapter({ http }), modelSpec("ollama", server.url, { id: "gemma:2b" }), { messages: [{ role: "user", content: "hi" }], tools: context.tools });
    assert.equal(textOf(outcome.end), "No tools needed.", outcome.failure?.message);
    assert.equal(body(server.requests[1]).tools, undefined);
  });

  test("an image in the history goes to a text-only model as a note, never as an image part", async () => {
    server.setHandler(() => ok);
    server.requests.length = 0;
    const outcome = await run(createOpenAICompletionsAdapter({ http }), modelSpec("openai-completions", server.baseUrl, { input: ["text"] }), { messages: context.messages });
    assert.equal(textOf(outcome.end), "Fine.");
    assert.deepEqual(messages(server.requests[0])[0]?.content, [
      { type: "text", text: "What is in this picture?" },
      { type: "text", text: "[image (image/png) left out: this model reads text only]" },
    ]);
    server.requests.length = 0;
    await run(createOpenAICompletionsAdapter({ http }), modelSpec("openai-completions", server.baseUrl, { input: ["text", "image"] }), { messages: context.messages });
    assert.equal((messages(server.requests[0])[0]?.content as { type: string }[])[1]?.type, "image_url", "a model that reads images gets the image");
  });

  test("OpenAI's 'use max_completion_tokens' switches the field for that model", async () => {
    server.requests.length = 0;
    server.setHandler((request) =>
      "max_tokens" in body(request)
        ? { kind: "json", status: 400, body: { error: { message: "Unsupported parameter: 'max_tokens' is not supported with this model. Use 'max_completion_tokens' instead.", type: "invalid_request_error", param: "max_tokens", code: "unsupported_parameter" } } }
        : ok,
    );
    const outcome = await run(createOpenAICompletionsAdapter({ http }), modelSpec("openai-completions", server.baseUrl), { messages: [{ role: "user", content: "hi" }] }, { maxTokens: 64 });
    assert.equal(textOf(outcome.end), "Fine.", outcome.failure?.message);
    assert.equal(body(server.requests[1]).max_completion_tokens, 64);
  });
});
