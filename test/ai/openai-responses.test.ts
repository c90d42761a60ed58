import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { HttpClient } from "../../src/ai/http/http-client.js";
import { createOpenAIResponsesAdapter } from "../../src/ai/providers/openai-responses/index.js";
import { createOpenAICompletionsAdapter } from "../../src/ai/providers/openai-completions/index.js";
import { lmstudioOverflow, lmstudioModelNotFound, lmstudioUnexpectedEndpoint, openaiInvalidKey, openaiRateLimited } from "../fakes/error-bodies.js";
import { startFakeServer, type FakeServer, type Reply } from "../fakes/fake-server.js";
import { responsesFailed, responsesStream } from "../fakes/openai-responses-stream.js";
import { llamaCppOverflow, responsesInputProblem } from "../fakes/llamacpp-server.js";
import { modelSpec, run, runAdapterContract, textOf, type CommonSpec } from "./adapter-contract.js";

const sse = (frames: ReturnType<typeof responsesStream>): Reply => ({ kind: "sse", frames });
const reply = (spec: CommonSpec, flavor: "openai" | "lmstudio" = "lmstudio"): Reply =>
  sse(
    responsesStream({
      flavor,
      ...(spec.text !== undefined ? { text: spec.text } : {}),
      ...(spec.reasoning !== undefined ? { reasoning: spec.reasoning } : {}),
      ...(spec.toolCalls ? { toolCalls: spec.toolCalls.map((call) => ({ callId: call.id, name: call.name, arguments: call.arguments })) } : {}),
      ...(spec.usage !== undefined ? { usage: spec.usage } : {}),
      ...(spec.chunkSize !== undefined ? { chunkSize: spec.chunkSize } : {}),
    }),
  );

function conversation(body: Record<string, unknown>): string[] {
  return (body.input as Record<string, unknown>[]).map((item) => {
    if (item.type === "function_call") return `assistant: call ${String(item.name)}#${String(item.call_id)} ${String(item.arguments)}`;
    if (item.type === "function_call_output") return `tool: ${String(item.call_id)} ${String(item.output)}`;
    return `${String(item.role)}: ${typeof item.content === "string" ? item.content : JSON.stringify(item.content)}`;
  });
}

runAdapterContract("openai-responses (LM Studio)", {
  api: "openai-responses",
  path: "/v1/responses",
  baseUrl: (url) => `${url}/v1`,
  reply: (spec) => reply(spec),
  overloadedMidStream: sse([...responsesStream({ flavor: "lmstudio", text: "par", usage: null }).slice(0, 4), ...responsesFailed("The server is overloaded", "server_error")]),
  overflow: lmstudioOverflow,
  modelNotFound: lmstudioModelNotFound,
  auth: openaiInvalidKey,
  rateLimited: openaiRateLimited,
  keyHeader: (request) => String(request.headers.authorization ?? "").replace(/^Bearer /, "") || undefined,
  conversation,
  createAdapter: (http) => createOpenAIResponsesAdapter({ http }),
});

// llama.cpp's llama-server: the same protocol, with its stricter input rules (every item typed).
runAdapterContract("openai-responses (llama.cpp)", {
  api: "openai-responses",
  path: "/v1/responses",
  baseUrl: (url) => `${url}/v1`,
  reply: (spec) => reply(spec, "openai"),
  overloadedMidStream: sse([...responsesStream({ flavor: "openai", text: "par", usage: null }).slice(0, 4), ...responsesFailed("The server is overloaded", "server_error")]),
  overflow: llamaCppOverflow(1060, 1024),
  modelNotFound: lmstudioModelNotFound,
  auth: openaiInvalidKey,
  rateLimited: openaiRateLimited,
  keyHeader: (request) => String(request.headers.authorization ?? "").replace(/^Bearer /, "") || undefined,
  conversation,
  createAdapter: (http) => createOpenAIResponsesAdapter({ http }),
  refuse: (request) => {
    const problem = responsesInputProblem(request.body);
    return problem ? { kind: "json", status: 400, body: { error: { code: 400, message: problem, type: "invalid_request_error" } } } : undefined;
  },
});

describe("openai-responses: protocol specifics", () => {
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
  const adapter = () => createOpenAIResponsesAdapter({ http });

  test("OpenAI's reasoning summaries are reasoning; cached tokens are counted apart", async () => {
    server.setHandler(() => sse(responsesStream({ flavor: "openai", reasoningSummary: "Thinking about it.", text: "Done.", usage: { input: 1200, output: 40, cached: 1000, reasoning: 30 } })));
    const outcome = await run(adapter(), modelSpec("openai-responses", server.baseUrl, { local: false }));
    assert.equal(outcome.reasoning, "Thinking about it.");
    assert.equal(outcome.text, "Done.");
    assert.deepEqual(outcome.end?.usage, { input: 200, output: 40, cacheRead: 1000, cacheWrite: 0, reasoning: 30, estimated: false });
  });

  test("llama.cpp reports an answer cut at max_output_tokens as completed: the output count at the limit means cut off", async () => {
    server.setHandler(() => sse(responsesStream({ flavor: "openai", text: "Once upon a", usage: { input: 40, output: 5 } })));
    const cut = await run(adapter(), modelSpec("openai-responses", server.baseUrl), undefined, { maxTokens: 5 });
    assert.equal(cut.end?.stopReason, "length");
    const whole = await run(adapter(), modelSpec("openai-responses", server.baseUrl), undefined, { maxTokens: 6 });
    assert.equal(whole.end?.stopReason, "stop");
  });

  test("the request carries instructions, tools, max_output_tokens and the model's params", async () => {
    server.requests.length = 0;
    server.setHandler(() => reply({ text: "ok", usage: { input: 1, output: 1 } }));
    await run(adapter(), modelSpec("openai-responses", server.baseUrl, { params: { temperature: 0.3 } }), {
      systemPrompt: "Be brief.",
      messages: [{ role: "user", content: "hi" }],
      tools: [{ name: "t", description: "d", parameters: { type: "object", properties: {} } }],
    });
    const body = server.requests[0]?.body as Record<string, unknown>;
    assert.equal(body.model, "model-x");
    assert.equal(body.instructions, "Be brief.");
    assert.equal(body.max_output_tokens, 8192);
    assert.equal(body.store, false);
    assert.equal(body.temperature, 0.3);
    assert.deepEqual(body.tools, [{ type: "function", name: "t", description: "d", parameters: { type: "object", properties: {} }, strict: false }]);
  });

  // A local /v1/responses is sent text.format and, for llama.cpp's sake (it reads only that), response_format beside it:
  // the adapter cannot tell the server's kind, so the other local servers must take the field they do not read.
  const person = { asked: "response_format" as const, type: "json_schema" as const, name: "person", schema: { type: "object", properties: { name: { type: "string" } }, required: ["name"] } };
  const refusal = (message: string, param: string): Reply => ({ kind: "json", status: 400, body: { error: { message, type: "invalid_request_error", param, code: "invalid_request" } } });
  const localShapes: Record<string, (body: Record<string, unknown>) => Reply | undefined> = {
    // LM Studio checks text.format as a schema (zod): required once `text` is given (lmstudio-bug-tracker#1576), json_schema or
    // text only, no key it does not know ("Unrecognized key(s) in object"); a top-level field it does not read is left alone.
    "LM Studio": (body) => {
      const text = body.text as { format?: Record<string, unknown> } | undefined;
      if (text === undefined) return undefined;
      const format = text.format;
      if (format === undefined) return refusal("Required", "text.format");
      if (format.type !== "json_schema" && format.type !== "text") return refusal("'text.format.type' must be 'json_schema' or 'text'", "text.format.type");
      const unknown = Object.keys(format).filter((name) => !["type", "name", "schema", "strict", "description"].includes(name));
      if (unknown.length > 0) return refusal(`Unrecognized key(s) in object: ${unknown.map((name) => `'${name}'`).join(", ")}`, "text.format");
      if (format.type === "json_schema" && (typeof format.name !== "string" || typeof format.schema !== "object")) return refusal("Required", "text.format.schema");
      return undefined;
    },
    // Ollama decodes the body into its request struct (Go's encoding/json: a field it lacks is skipped) and takes text.format's schema.
    Ollama: (body) => {
      const format = (body.text as { format?: Record<string, unknown> } | undefined)?.format;
      if (format !== undefined && !["text", "json_object", "json_schema"].includes(String(format.type))) return refusal(`unsupported text.format type: ${String(format.type)}`, "text.format.type");
      if (format?.type === "json_schema" && typeof format.schema !== "object") return refusal("text.format.schema is required", "text.format.schema");
      return undefined;
    },
  };
  for (const [kind, refuses] of Object.entries(localShapes)) {
    test(`structured output to ${kind}'s /v1/responses: the request, response_format beside text.format, is taken`, async () => {
      server.requests.length = 0;
      server.setHandler((request) => refuses(request.body as Record<string, unknown>) ?? reply({ text: '{"name":"Ann"}', usage: { input: 3, output: 2 } }));
      const outcome = await run(adapter(), modelSpec("openai-responses", server.baseUrl), undefined, { timeouts: { connectMs: 1000, firstByteMs: 400, idleMs: 400 }, responseFormat: person });
      assert.equal(outcome.failure, undefined, JSON.stringify(outcome.failure));
      assert.equal(outcome.text, '{"name":"Ann"}');
      const body = server.requests[0]?.body as Record<string, unknown>;
      assert.deepEqual(body.text, { format: { type: "json_schema", name: "person", schema: person.schema } });
      assert.deepEqual(body.response_format, { type: "json_schema", json_schema: { name: "person", schema: person.schema } });
      // The fake refuses what the server refuses: a request without text.format, or with a key it does not know there.
      assert.equal(refuses({ text: { format: { type: "json_schema", name: "p", schema: {}, response_format: {} } } })?.kind ?? "taken", kind === "LM Studio" ? "json" : "taken");
      assert.equal(refuses({ text: { format: { type: "xml" } } })?.kind, "json");
    });
  }

  test("an incomplete response (max_output_tokens) stops with length", async () => {
    server.setHandler(() => sse(responsesStream({ flavor: "lmstudio", text: "cut sho", status: "incomplete", usage: { input: 1, output: 8 } })));
    const outcome = await run(adapter(), modelSpec("openai-responses", server.baseUrl));
    assert.equal(outcome.end?.stopReason, "length");
    assert.equal(textOf(outcome.end), "cut sho");
  });

  test("MiniMax's orphan </think> in Responses output text is still reasoning", async () => {
    server.setHandler(() => sse(responsesStream({ flavor: "lmstudio", text: "I should greet back.</think>\n\nHello!", chunkSize: 3, usage: { input: 1, output: 1 } })));
    const outcome = await run(adapter(), modelSpec("openai-responses", server.baseUrl, { id: "minimax-m2.1-gs32" }));
    assert.equal(outcome.text, "Hello!");
    assert.equal(outcome.reasoning, "I should greet back.");
    assert.equal(textOf(outcome.end), "Hello!");
  });

  for (const status of [404, 200] as const) {
    test(`a server without /v1/responses (${status}, as LM Studio before 0.3.29) fails as no-endpoint, says the status it sent and what to set`, async () => {
      server.setHandler(() => lmstudioUnexpectedEndpoint("POST", "/v1/responses", status));
      const outcome = await run(adapter(), modelSpec("openai-responses", server.baseUrl));
      assert.equal(outcome.failure?.kind, "no-endpoint");
      assert.match(outcome.failure?.message ?? "", new RegExp(`POST /v1/responses answered ${status}: Unexpected endpoint or method\\. \\(POST /v1/responses\\)`));
      assert.match(outcome.failure?.message ?? "", /no Responses API .*set api: "openai-completions"/);
    });
  }

  test("LM Studio's 200 'Unexpected endpoint' for a baseUrl that ends in /chat/completions names the baseUrl, not the api (with either api)", async () => {
    server.setHandler((request) => lmstudioUnexpectedEndpoint("POST", request.path, 200));
    const base = `${server.baseUrl}/chat/completions`;
    const responses = await run(adapter(), modelSpec("openai-responses", base));
    assert.equal(responses.failure?.kind, "no-endpoint");
    assert.match(responses.failure?.message ?? "", /POST \/v1\/chat\/completions\/responses answered 200: Unexpected endpoint/);
    assert.match(responses.failure?.message ?? "", new RegExp(`the baseUrl's path is probably wrong \\(its path ends in "/chat/completions", an endpoint appended to it on every call\\): set the provider's baseUrl to "${server.baseUrl.replace(/[.]/g, "\\.")}"`));
    assert.doesNotMatch(responses.failure?.message ?? "", /openai-completions/);
    const completions = await run(createOpenAICompletionsAdapter({ http: new HttpClient() }), modelSpec("openai-completions", base));
    assert.equal(completions.failure?.kind, "no-endpoint");
    assert.match(completions.failure?.message ?? "", /POST \/v1\/chat\/completions\/chat\/completions answered 200: .*set the provider's baseUrl to "http:\/\/127\.0\.0\.1:\d+\/v1"/);
    assert.doesNotMatch(completions.failure?.message ?? "", /set api/, "never the advice the user already followed");
  });

  test("a bare host (no /v1) is named as the baseUrl to fix; a 200 JSON that is no error is a server error with its words", async () => {
    server.setHandler((request) => lmstudioUnexpectedEndpoint("POST", request.path, 200));
    const bare = server.baseUrl.replace(/\/v1$/, "");
    const outcome = await run(adapter(), modelSpec("openai-responses", bare));
    assert.match(outcome.failure?.message ?? "", /POST \/responses answered 200: .*it has no path.*set the provider's baseUrl to "http:\/\/127\.0\.0\.1:\d+\/v1"/);
    server.setHandler(() => ({ kind: "json", body: { status: "ok" } }));
    const other = await run(adapter(), modelSpec("openai-responses", server.baseUrl));
    assert.equal(other.failure?.kind, "server-error");
    assert.match(other.failure?.message ?? "", /answered 200 with JSON instead of a stream: \{"status":"ok"\}/);
  });
});
