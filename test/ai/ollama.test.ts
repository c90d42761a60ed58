import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import JSON5 from "json5";
import { HttpClient } from "../../src/ai/http/http-client.js";
import { createOllamaAdapter } from "../../src/ai/providers/ollama/index.js";
import { startFakeServer, type FakeServer, type Reply } from "../fakes/fake-server.js";
import { ollamaErrorMidStream, ollamaLines, ollamaModelNotFound, ollamaOverflow, ollamaRateLimited, ollamaStream, ollamaUnauthorized } from "../fakes/ollama-chat-stream.js";
import { modelSpec, run, runAdapterContract, textOf, type CommonSpec } from "./adapter-contract.js";

const toReply = (spec: CommonSpec): Reply =>
  ollamaStream({
    ...(spec.text !== undefined ? { text: spec.text } : {}),
    ...(spec.reasoning !== undefined ? { thinking: spec.reasoning } : {}),
    ...(spec.toolCalls ? { toolCalls: spec.toolCalls.map((call) => ({ id: call.id, name: call.name, arguments: toObject(call.arguments) })) } : {}),
    ...(spec.usage !== undefined ? { usage: spec.usage } : {}),
    ...(spec.chunkSize !== undefined ? { chunkSize: spec.chunkSize } : {}),
  });

/** Ollama sends arguments as an object; a model's broken JSON reaches the client as the string it wrote. */
function toObject(raw: string): Record<string, unknown> {
  try {
    return JSON5.parse(raw) as Record<string, unknown>;
  } catch {
    return raw as unknown as Record<string, unknown>;
  }
}

function conversation(body: Record<string, unknown>): string[] {
  return (body.messages as Record<string, unknown>[])
    .filter((message) => message.role !== "system")
    .flatMap((message) => {
      if (message.role === "tool") return [`tool: ${String(message.tool_call_id)} ${String(message.content)}`];
      const lines = message.content === "" ? [] : [`${String(message.role)}: ${String(message.content)}`];
      for (const call of (message.tool_calls as { id?: string; function: { name: string; arguments: unknown } }[] | undefined) ?? []) {
        lines.push(`assistant: call ${call.function.name}#${String(call.id)} ${JSON.stringify(call.function.arguments)}`);
      }
      return lines;
    });
}

runAdapterContract("ollama", {
  api: "ollama",
  path: "/api/chat",
  baseUrl: (url) => url,
  reply: toReply,
  overloadedMidStream: ollamaErrorMidStream("partial", "server busy, please try again.  maximum pending requests exceeded"),
  overflow: ollamaOverflow,
  modelNotFound: ollamaModelNotFound,
  auth: ollamaUnauthorized,
  rateLimited: ollamaRateLimited,
  keyHeader: (request) => String(request.headers.authorization ?? "").replace(/^Bearer /, "") || undefined,
  conversation,
  createAdapter: (http) => createOllamaAdapter({ http }),
  idleNoise: "\n",
  streamType: "application/x-ndjson",
});

describe("ollama: its native API, as Ollama speaks it", () => {
  let server: FakeServer;
  let http: HttpClient;
  before(async () => {
    server = await startFakeServer(() => toReply({ text: "ok" }));
    http = new HttpClient();
  });
  after(async () => {
    http.destroy();
    await server.close();
  });

  test("the context length goes in options.num_ctx, the reply limit in num_predict; a /v1 base URL still reaches /api/chat", async () => {
    server.requests.length = 0;
    const model = modelSpec("ollama", `${server.url}/v1`, { contextWindow: 65536, maxTokens: 2048, params: { keep_alive: "86400s" } });
    const outcome = await run(createOllamaAdapter({ http }), model, { messages: [{ role: "user", content: "hi" }] }, { maxTokens: 512 });
    assert.equal(textOf(outcome.end), "ok");
    const request = server.requests[0];
    assert.equal(request?.path, "/api/chat");
    const body = request?.body as Record<string, unknown>;
    assert.deepEqual(body.options, { num_ctx: 65536, num_predict: 512 });
    assert.equal(body.keep_alive, "86400s", "keep-warm travels as keep_alive");
    assert.equal(body.stream, true);
    assert.equal("think" in body, false, "a model not configured to reason is not asked to think");
  });

  test("a reasoning model is asked to think, its thinking comes apart from the text and goes back only to Ollama", async () => {
    server.setHandler(() => ollamaStream({ thinking: "The user greets me.", text: "Hello!", chunkSize: 3 }));
    server.requests.length = 0;
    const model = modelSpec("ollama", server.url, { reasoning: true });
    const adapter = createOllamaAdapter({ http });
    const outcome = await run(adapter, model);
    assert.equal(outcome.reasoning, "The user greets me.");
    assert.equal(outcome.text, "Hello!");
    assert.equal((server.requests[0]?.body as Record<string, unknown>).think, true);
    const off = await run(adapter, model, undefined, { reasoning: "off" });
    assert.equal(off.text, "Hello!");
    assert.equal((server.requests[1]?.body as Record<string, unknown>).think, false);
    assert.ok(outcome.end);
    const history = { messages: [{ role: "user" as const, content: "hi" }, outcome.end, { role: "user" as const, content: "again" }] };
    await run(adapter, model, history);
    const assistant = ((server.requests[2]?.body as Record<string, unknown>).messages as Record<string, unknown>[]).find((message) => message.role === "assistant");
    assert.deepEqual(assistant, { role: "assistant", content: "Hello!", thinking: "The user greets me." });
  });

  test("a model that writes <think> inline in content (older Ollama, some templates) still keeps reasoning apart", async () => {
    server.setHandler(() => ollamaStream({ text: "<think>Let me think.</think>The answer is 4.", chunkSize: 2 }));
    const outcome = await run(createOllamaAdapter({ http }), modelSpec("ollama", server.url, { id: "qwen3:8b" }));
    assert.equal(outcome.text, "The answer is 4.");
    assert.equal(outcome.reasoning, "Let me think.");
  });

  test("images go as base64 in `images`; tool results name their tool", async () => {
    server.setHandler(() => toReply({ text: "A cat." }));
    server.requests.length = 0;
    await run(createOllamaAdapter({ http }), modelSpec("ollama", server.url, { input: ["text", "image"] }), {
      messages: [{ role: "user", content: [{ type: "text", text: "What is this?" }, { type: "image", mediaType: "image/png", data: "iVBORw0KGgo=" }] }],
    });
    const message = ((server.requests[0]?.body as Record<string, unknown>).messages as Record<string, unknown>[])[0];
    assert.deepEqual(message, { role: "user", content: "What is this?", images: ["iVBORw0KGgo="] });
  });

  test("a reply cut at num_predict ends with stop reason length; the counts become usage", async () => {
    server.setHandler(() => ollamaStream({ text: "Once upon a time", doneReason: "length", usage: { input: 321, output: 16 } }));
    const outcome = await run(createOllamaAdapter({ http }), modelSpec("ollama", server.url));
    assert.equal(outcome.end?.stopReason, "length");
    assert.equal(outcome.end?.usage.input, 321);
    assert.equal(outcome.end?.usage.output, 16);
    assert.equal(outcome.end?.usage.estimated, false);
  });

  test("lines split anywhere across network chunks are joined", async () => {
    const whole = ollamaLines({ text: "Split across chunks.", chunkSize: 5 }).join("");
    const chunks = Array.from({ length: Math.ceil(whole.length / 7) }, (_, index) => whole.slice(index * 7, index * 7 + 7));
    server.setHandler(() => ({ kind: "raw", headers: { "content-type": "application/x-ndjson" }, chunks }));
    const outcome = await run(createOllamaAdapter({ http }), modelSpec("ollama", server.url));
    assert.equal(outcome.text, "Split across chunks.");
  });

  test("a prompt larger than num_ctx is not sent (Ollama would cut it in silence): a context overflow, before any request", async () => {
    server.requests.length = 0;
    const model = modelSpec("ollama", server.url, { contextWindow: 4096, maxTokens: 512 });
    const outcome = await run(createOllamaAdapter({ http }), model, { messages: [{ role: "user", content: "word ".repeat(20_000) }] });
    assert.equal(outcome.failure?.kind, "context-overflow");
    assert.match(outcome.failure?.message ?? "", /the prompt \(about [\d,]+ tokens\) is larger than the 4,096-token context test\/model-x is run with here \(num_ctx\): Ollama would cut it without a word, so it was not sent/);
    assert.equal(server.requests.length, 0, "nothing went to Ollama");
    // The model's own num_ctx (params.options) is the context it runs with: there the prompt fits and is sent.
    server.setHandler(() => toReply({ text: "ok" }));
    const roomy = modelSpec("ollama", server.url, { contextWindow: 4096, maxTokens: 512, params: { options: { num_ctx: 65536 } } });
    const sent = await run(createOllamaAdapter({ http }), roomy, { messages: [{ role: "user", content: "word ".repeat(20_000) }] });
    assert.equal(textOf(sent.end), "ok");
    assert.equal((server.requests[0]?.body as { options: { num_ctx: number } }).options.num_ctx, 65536);
  });

  test("a tool call without an id (older Ollama) gets one, and arguments given as an object are kept", async () => {
    server.setHandler(() => ollamaStream({ toolCalls: [{ name: "time", arguments: { timezone: "UTC" } }] }));
    const outcome = await run(createOllamaAdapter({ http }), modelSpec("ollama", server.url));
    const call = outcome.events.flatMap((event) => (event.type === "tool-call" ? [event.call] : []))[0];
    assert.equal(call?.name, "time");
    assert.deepEqual(call?.arguments, { timezone: "UTC" });
    assert.match(call?.id ?? "", /^call_/);
    assert.equal(outcome.end?.stopReason, "tool-use");
  });
});
