import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { HttpClient } from "../../src/ai/http/http-client.js";
import { createOpenAICompletionsAdapter } from "../../src/ai/providers/openai-completions/index.js";
import { llamaCppNKeep, llamaCppOverflow, openaiInvalidKey, openaiModelNotFound, openaiRateLimited, vllmOverflow } from "../fakes/error-bodies.js";
import { serializeSseFrame, startFakeServer, type FakeServer, type Reply } from "../fakes/fake-server.js";
import { completionsStream, completionsStreamError, type CompletionsSpec } from "../fakes/openai-completions-stream.js";
import { modelSpec, run, runAdapterContract, textOf, type CommonSpec } from "./adapter-contract.js";

const sse = (frames: ReturnType<typeof completionsStream>): Reply => ({ kind: "sse", frames });
const toSpec = (spec: CommonSpec): CompletionsSpec => ({
  ...(spec.text !== undefined ? { text: spec.text } : {}),
  ...(spec.reasoning !== undefined ? { reasoning: spec.reasoning } : {}),
  ...(spec.toolCalls ? { toolCalls: spec.toolCalls, finishReason: "tool_calls" as const } : {}),
  ...(spec.usage !== undefined ? { usage: spec.usage } : {}),
  ...(spec.chunkSize !== undefined ? { chunkSize: spec.chunkSize } : {}),
});

function conversation(body: Record<string, unknown>): string[] {
  return (body.messages as Record<string, unknown>[])
    .filter((message) => message.role !== "system")
    .flatMap((message) => {
      if (message.role === "tool") return [`tool: ${String(message.tool_call_id)} ${String(message.content)}`];
      const lines = [`${String(message.role)}: ${String(message.content)}`];
      for (const call of (message.tool_calls as Record<string, Record<string, unknown>>[] | undefined) ?? []) {
        lines.push(`assistant: call ${String(call.function?.name)}#${String(call.id)} ${String(call.function?.arguments)}`);
      }
      return lines;
    });
}

runAdapterContract("openai-completions", {
  api: "openai-completions",
  path: "/v1/chat/completions",
  baseUrl: (url) => `${url}/v1`,
  reply: (spec) => sse(completionsStream(toSpec(spec))),
  overloadedMidStream: sse([...completionsStream({ text: "partial", usage: null }).slice(0, 2), completionsStreamError("The server is overloaded", "server_error")]),
  overflow: vllmOverflow,
  modelNotFound: openaiModelNotFound,
  auth: openaiInvalidKey,
  rateLimited: openaiRateLimited,
  keyHeader: (request) => String(request.headers.authorization ?? "").replace(/^Bearer /, "") || undefined,
  conversation,
  createAdapter: (http) => createOpenAICompletionsAdapter({ http }),
});

describe("openai-completions: reasoning however the server sends it", () => {
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

  test("a stream that begins with a byte order mark, and characters cut between network chunks, are read whole", async () => {
    const text = "Grüße aus 東京 🚀";
    // The first frame carries text (no role-only chunk first): a mark read as part of its line would lose it.
    const frames = completionsStream({ text, chunkSize: 3, usage: { input: 2, output: 6 } }).slice(1);
    const body = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(frames.map(serializeSseFrame).join(""))]);
    // The mark alone, then the rest cut after the first byte of each multi-byte character: each arrives in two pieces.
    const cuts = [3, ...[...body.keys()].filter((at) => at > 3 && (body[at - 1] as number) >= 0xc0), body.length];
    const chunks = cuts.slice(1).map((end, index) => body.subarray(cuts[index], end));
    server.setHandler(() => ({ kind: "raw", chunks: [body.subarray(0, 3), ...chunks], frameDelayMs: 5 }));
    const outcome = await run(createOpenAICompletionsAdapter({ http }), modelSpec("openai-completions", server.baseUrl));
    assert.equal(outcome.failure, undefined, outcome.failure?.message);
    assert.equal(outcome.text, text);
    assert.equal(outcome.end?.usage.output, 6);
  });

  const variants: [CompletionsSpec["reasoningField"], number, string][] = [
    ["reasoning_content", 8, "model-x"],
    ["reasoning", 8, "model-x"],
    ["think-tags", 3, "model-x"],
    ["think-tags", 1, "model-x"],
    ["orphan-think", 3, "minimax-m2.1-gs32"],
    ["orphan-think", 1, "minimax-m2.1-gs32"],
  ];
  for (const [field, chunkSize, id] of variants) {
    test(`${field} in chunks of ${chunkSize} (${id}): reasoning apart, text clean`, async () => {
      server.setHandler(() => sse(completionsStream({ reasoning: "The user says hi. I will greet.", text: "Hello! How can I help?", reasoningField: field, chunkSize, usage: { input: 9, output: 30 } })));
      const outcome = await run(createOpenAICompletionsAdapter({ http }), modelSpec("openai-completions", server.baseUrl, { id }));
      assert.equal(outcome.text, "Hello! How can I help?");
      assert.equal(outcome.reasoning, "The user says hi. I will greet.");
      assert.equal(textOf(outcome.end), "Hello! How can I help?");
      assert.ok(!JSON.stringify(outcome.events).includes("think>"), "no tag anywhere");
    });
  }

  test("an orphan </think> from a model not known to reason: the first answer streams as text (nothing shown is taken back) and its message holds the reasoning apart; the next is split", async () => {
    const adapter = createOpenAICompletionsAdapter({ http });
    const model = modelSpec("openai-completions", server.baseUrl, { id: "some-new-model" });
    server.setHandler(() => sse(completionsStream({ reasoning: "Thinking first.", text: "Final answer.", reasoningField: "orphan-think", chunkSize: 4, usage: { input: 1, output: 1 } })));
    const first = await run(adapter, model);
    assert.equal(first.text, "Thinking first.</think>Final answer.");
    assert.equal(textOf(first.end), "Final answer.");
    assert.equal(first.end?.reasoningFromText, true);
    const next = await run(adapter, model);
    assert.equal(next.text, "Final answer.");
    assert.equal(next.reasoning, "Thinking first.");
    const configured = await run(adapter, modelSpec("openai-completions", server.baseUrl, { id: "some-new-model", reasoning: true }));
    assert.equal(configured.text, "Final answer.", "configured to reason: held back, then split at the tag");
    assert.equal(configured.reasoning, "Thinking first.");
  });

  test("tool calls split across chunks, several at once", async () => {
    server.setHandler(() =>
      sse(
        completionsStream({
          toolCalls: [
            { id: "call_a", name: "get_time", arguments: '{"tz":"UTC"}' },
            { id: "call_b", name: "notes_read", arguments: "{}" },
          ],
          finishReason: "tool_calls",
          chunkSize: 2,
          usage: { input: 3, output: 3 },
        }),
      ),
    );
    const outcome = await run(createOpenAICompletionsAdapter({ http }), modelSpec("openai-completions", server.baseUrl));
    const calls = outcome.events.flatMap((event) => (event.type === "tool-call" ? [[event.call.id, event.call.name, event.call.arguments]] : []));
    assert.deepEqual(calls, [
      ["call_a", "get_time", { tz: "UTC" }],
      ["call_b", "notes_read", {}],
    ]);
  });

  test("an error chunk after the first token is the server's failure (another candidate may answer), named once", async () => {
    const frames = completionsStream({ text: "Partial", usage: null }).filter((frame) => frame.data !== "[DONE]");
    server.setHandler(() => sse([...frames.slice(0, 2), { data: JSON.stringify({ error: { message: "the model crashed mid-answer" } }) }]));
    const outcome = await run(createOpenAICompletionsAdapter({ http }), modelSpec("openai-completions", server.baseUrl));
    assert.equal(outcome.failure?.kind, "server-error");
    assert.equal(outcome.failure?.message, "test/model-x: POST /chat/completions reported an error mid-answer: the model crashed mid-answer");
  });

  test("a server that ends without [DONE] but with a finish_reason still completes", async () => {
    server.setHandler(() => sse(completionsStream({ text: "fine", usage: null }).filter((frame) => frame.data !== "[DONE]")));
    const outcome = await run(createOpenAICompletionsAdapter({ http }), modelSpec("openai-completions", server.baseUrl));
    assert.equal(textOf(outcome.end), "fine");
  });

  for (const [server_, reply] of [
    ["llama.cpp", llamaCppOverflow],
    ["LM Studio's llama.cpp engine (n_keep)", llamaCppNKeep],
  ] as const) {
    test(`${server_} overflow wording is context-overflow`, async () => {
      server.setHandler(() => reply);
      const outcome = await run(createOpenAICompletionsAdapter({ http }), modelSpec("openai-completions", server.baseUrl));
      assert.equal(outcome.failure?.kind, "context-overflow");
    });
  }

  test("the request: system first, max_tokens, stream usage, tools as functions; OpenAI itself gets max_completion_tokens", async () => {
    server.requests.length = 0;
    server.setHandler(() => sse(completionsStream({ text: "ok", usage: { input: 1, output: 1 } })));
    await run(createOpenAICompletionsAdapter({ http }), modelSpec("openai-completions", server.baseUrl, { input: ["text", "image"] }), {
      systemPrompt: "S",
      messages: [{ role: "user", content: [{ type: "text", text: "look" }, { type: "image", mediaType: "image/png", data: "AAAA" }] }],
      tools: [{ name: "t", description: "d", parameters: { type: "object" } }],
    });
    const body = server.requests[0]?.body as Record<string, unknown>;
    assert.deepEqual((body.messages as unknown[])[0], { role: "system", content: "S" });
    assert.deepEqual((body.messages as unknown[])[1], { role: "user", content: [{ type: "text", text: "look" }, { type: "image_url", image_url: { url: "data:image/png;base64,AAAA" } }] });
    assert.equal(body.max_tokens, 8192);
    assert.deepEqual(body.stream_options, { include_usage: true });
    assert.deepEqual(body.tools, [{ type: "function", function: { name: "t", description: "d", parameters: { type: "object" } } }]);
  });
});
