// Proxy mode never drops a request field silently: each field a client sets is carried to the model in
// its API's own form (stop → stop / stop_sequences / options.stop; tool_choice → each API's shape), a
// candidate whose API has no place for it is skipped (said in x-hearth-attempts and x-hearth-notice),
// none that can is a 400 naming the field, a field hearth refuses is a 400 that names it, and a field it
// does not know (a server's own extension) is not sent on and the reply says so — through the real HTTP API, with the official `openai` SDK, against fakes that record what
// each upstream received.
import assert from "node:assert/strict";
import { after, before, beforeEach, describe, test } from "node:test";
import OpenAI from "openai";
import { anthropicStream } from "../fakes/anthropic-messages-stream.js";
import { type FakeServer, type Handler } from "../fakes/fake-server.js";
import { ollamaStream } from "../fakes/ollama-chat-stream.js";
import { completionsStream } from "../fakes/openai-completions-stream.js";
import { responsesStream } from "../fakes/openai-responses-stream.js";
import { fourUpstreams, openAiOverGateway, type UpstreamName } from "../helpers/openai-over-gateway.js";
import { testGateway, type TestGateway } from "../helpers/test-gateway.js";
import { lastBody } from "./openai-setup.js";

const tools: OpenAI.ChatCompletionFunctionTool[] = [
  { type: "function", function: { name: "lookup", description: "look a word up", parameters: { type: "object", properties: { word: { type: "string" } } } } },
  { type: "function", function: { name: "clock", description: "the time", parameters: { type: "object", properties: {} } } },
];
const responsesTools: OpenAI.Responses.FunctionTool[] = tools.map((tool) => ({ type: "function", name: tool.function.name, description: tool.function.description ?? null, parameters: tool.function.parameters ?? null, strict: false }));
const hi: OpenAI.ChatCompletionMessageParam[] = [{ role: "user", content: "Hi" }];

const answers: Record<string, Handler> = {
  completions: () => ({ kind: "sse", frames: completionsStream({ text: "from completions", usage: { input: 3, output: 2 } }) }),
  responses: () => ({ kind: "sse", frames: responsesStream({ text: "from responses", usage: { input: 3, output: 2 } }) }),
  anthropic: () => ({ kind: "sse", frames: anthropicStream({ text: "from anthropic", usage: { input: 3, output: 2 } }) }),
  ollama: (request) => (request.path === "/api/chat" ? ollamaStream({ text: "from ollama", usage: { input: 3, output: 2 } }) : { kind: "json", status: 404, body: { error: "not found" } }),
};

describe("proxy mode: every request field is carried, skipped for with a notice, or refused by name", () => {
  let servers: Record<"completions" | "responses" | "anthropic" | "ollama", FakeServer>;
  let gateway: TestGateway;
  let client: OpenAI;
  let close: () => Promise<void>;
  before(async () => {
    servers = await fourUpstreams(answers as Record<UpstreamName, Handler>);
    // The default agent's fallbacks (a proxied request's, after the model it names): a Responses model, then an Anthropic one.
    gateway = await testGateway(`{
      agents: { defaults: { model: { primary: "llama/l", fallbacks: ["resp/r", "claude/c"] }, models: { "resp/r": { alias: "Resp" }, "claude/c": { alias: "Claude" }, "llama/l": { alias: "Llama" } } } },
      models: { mode: "replace", providers: {
        llama: { baseUrl: "${servers.completions.baseUrl}", api: "openai-completions", models: [{ id: "l", contextWindow: 32000, maxTokens: 1000 }] },
        resp: { baseUrl: "${servers.responses.baseUrl}", api: "openai-responses", models: [{ id: "r", contextWindow: 32000, maxTokens: 1000 }] },
        claude: { baseUrl: "${servers.anthropic.url}", api: "anthropic-messages", apiKey: "test-anthropic-key", models: [{ id: "c", contextWindow: 32000, maxTokens: 1000 }, { id: "t", contextWindow: 32000, maxTokens: 4000, reasoning: true }] },
        olla: { baseUrl: "${servers.ollama.url}", api: "ollama", models: [{ id: "o", contextWindow: 32000, maxTokens: 1000 }] },
      } },
    }`);
    ({ client, close } = await openAiOverGateway(gateway, Object.values(servers)));
  });
  after(() => close());
  beforeEach(() => {
    for (const server of Object.values(servers)) server.requests.length = 0;
  });

  test("chat completions upstream: stop, seed, top_p, the penalties, tool_choice and parallel_tool_calls arrive as sent", async () => {
    const reply = await client.chat.completions.create({ model: "llama/l", messages: hi, stop: ["."], seed: 7, top_p: 0.5, frequency_penalty: 0.25, presence_penalty: -0.5, tools, tool_choice: "required", parallel_tool_calls: false });
    assert.equal(reply.choices[0]?.message.content, "from completions");
    const sent = lastBody(servers.completions);
    assert.deepEqual(
      { stop: sent.stop, seed: sent.seed, top_p: sent.top_p, frequency_penalty: sent.frequency_penalty, presence_penalty: sent.presence_penalty, tool_choice: sent.tool_choice, parallel_tool_calls: sent.parallel_tool_calls },
      { stop: ["."], seed: 7, top_p: 0.5, frequency_penalty: 0.25, presence_penalty: -0.5, tool_choice: "required", parallel_tool_calls: false },
    );
    await client.chat.completions.create({ model: "llama/l", messages: hi, stop: "END", tools, tool_choice: { type: "function", function: { name: "clock" } } });
    assert.deepEqual([lastBody(servers.completions).stop, lastBody(servers.completions).tool_choice], [["END"], { type: "function", function: { name: "clock" } }]);
  });

  test("anthropic upstream: stop → stop_sequences, tool_choice → any / tool, parallel_tool_calls false → disable_parallel_tool_use", async () => {
    const reply = await client.chat.completions.create({ model: "Claude", messages: hi, stop: ["."], top_p: 0.9, tools, tool_choice: "required" });
    assert.equal(reply.choices[0]?.message.content, "from anthropic");
    let sent = lastBody(servers.anthropic);
    assert.deepEqual({ stop_sequences: sent.stop_sequences, top_p: sent.top_p, tool_choice: sent.tool_choice, stop: sent.stop }, { stop_sequences: ["."], top_p: 0.9, tool_choice: { type: "any" }, stop: undefined });
    await client.chat.completions.create({ model: "Claude", messages: hi, tools, tool_choice: { type: "function", function: { name: "lookup" } }, parallel_tool_calls: false });
    sent = lastBody(servers.anthropic);
    assert.deepEqual(sent.tool_choice, { type: "tool", name: "lookup", disable_parallel_tool_use: true });
  });

  test("anthropic refuses a forced tool call while thinking: a thinking Claude is skipped for it, one without reasoning asked takes it", async () => {
    const { data, response } = await client.chat.completions.create({ model: "claude/t", messages: hi, reasoning_effort: "low", tools, tool_choice: "required" }).withResponse();
    assert.equal(data.choices[0]?.message.content, "from responses");
    const attempts = JSON.parse(response.headers.get("x-hearth-attempts") ?? "[]") as { model: string; outcome: string }[];
    assert.deepEqual(attempts.map((attempt) => `${attempt.model} ${attempt.outcome}`), ["claude/t skipped-fields", "resp/r ok"]);
    assert.equal(servers.anthropic.requests.length, 0);
    await client.chat.completions.create({ model: "claude/t", messages: hi, tools, tool_choice: "required" });
    assert.deepEqual([lastBody(servers.anthropic).tool_choice, lastBody(servers.anthropic).thinking], [{ type: "any" }, undefined]);
    // Nor a temperature but 1 while thinking (the adapter leaves it out then): skipped, never sent without it.
    const warm = await client.chat.completions.create({ model: "claude/t", messages: hi, reasoning_effort: "low", temperature: 0.2 }).withResponse();
    assert.equal(warm.data.choices[0]?.message.content, "from responses");
    assert.equal(lastBody(servers.responses).temperature, 0.2);
    assert.equal(
      decodeURIComponent(warm.response.headers.get("x-hearth-notice") ?? ""),
      "answered by Resp — claude/t (local server) cannot take the request's temperature 0.2 (with thinking)\nreasoning low asked: Resp is not configured to reason (reasoning: true in its models entry), so no reasoning effort was sent to it",
    );
  });

  test("values that ask for nothing (top_p 1, penalties 0: OpenAI's defaults, which clients send) skip no model and are not refused in agent mode", async () => {
    const defaults = { top_p: 1, frequency_penalty: 0, presence_penalty: 0, parallel_tool_calls: false };
    for (const model of ["olla/o", "claude/c", "Resp"]) {
      const { response } = await client.chat.completions.create({ model, messages: hi, ...defaults }).withResponse();
      const attempts = JSON.parse(response.headers.get("x-hearth-attempts") ?? "[]") as { model: string; outcome: string }[];
      assert.deepEqual(attempts.map((attempt) => attempt.outcome), ["ok"], `${model}: ${JSON.stringify(attempts)}`);
    }
    // parallel_tool_calls: false with no tools asks nothing of the server either.
    assert.equal(lastBody(servers.responses).parallel_tool_calls, undefined);
    const agent = await client.chat.completions.create({ model: "hearth", messages: hi, ...defaults });
    assert.ok(agent.choices[0]?.message.content);
  });

  test("temperature: OpenAI's range (0–2) or a 400; above 1, which Anthropic's range ends at, an Anthropic model is skipped, never sent it", async () => {
    const error = await client.chat.completions.create({ model: "llama/l", messages: hi, temperature: 3 }).then(
      () => assert.fail("temperature 3 was accepted"),
      (failure: unknown) => failure,
    );
    assert.ok(error instanceof OpenAI.BadRequestError, String(error));
    assert.equal(error.param, "temperature");
    const before = servers.anthropic.requests.length;
    const { data, response } = await client.chat.completions.create({ model: "claude/c", messages: hi, temperature: 1.8 }).withResponse();
    assert.equal(data.choices[0]?.message.content, "from responses");
    assert.deepEqual((JSON.parse(response.headers.get("x-hearth-attempts") ?? "[]") as { model: string; outcome: string }[]).map((attempt) => `${attempt.model} ${attempt.outcome}`), ["claude/c skipped-fields", "resp/r ok"]);
    assert.equal(servers.anthropic.requests.length, before, "Anthropic was not sent a temperature it refuses");
    assert.equal(decodeURIComponent(response.headers.get("x-hearth-notice") ?? ""), "answered by Resp — Claude (local server) cannot take the request's temperature 1.8 (above 1)", "the notice names the field and its value");
    await client.chat.completions.create({ model: "claude/c", messages: hi, temperature: 0.7 });
    assert.equal(lastBody(servers.anthropic).temperature, 0.7);
  });

  test("two reply limits that disagree are a 400 naming them; a thinking Claude under a reply limit too small to think answers without thinking", async () => {
    const error = await client.chat.completions.create({ model: "llama/l", messages: hi, max_tokens: 10, max_completion_tokens: 20 }).then(
      () => assert.fail("two limits were accepted"),
      (failure: unknown) => failure,
    );
    assert.ok(error instanceof OpenAI.BadRequestError, String(error));
    assert.match(error.message, /max_tokens is 10 and max_completion_tokens is 20: give one reply limit/);
    await client.chat.completions.create({ model: "llama/l", messages: hi, max_tokens: 20, max_completion_tokens: 20 });
    await client.chat.completions.create({ model: "claude/t", messages: hi, reasoning_effort: "low", max_tokens: 30 });
    const sent = lastBody(servers.anthropic);
    assert.deepEqual([sent.max_tokens, sent.thinking], [30, undefined], "Anthropic refuses a thinking budget that is not below max_tokens");
  });

  test("ollama upstream: stop, seed, top_p and the penalties go in options", async () => {
    const reply = await client.chat.completions.create({ model: "olla/o", messages: hi, stop: ["."], seed: 3, top_p: 0.8, frequency_penalty: 1, presence_penalty: 1 });
    assert.equal(reply.choices[0]?.message.content, "from ollama");
    const options = lastBody(servers.ollama).options as Record<string, unknown>;
    assert.deepEqual({ stop: options.stop, seed: options.seed, top_p: options.top_p, frequency_penalty: options.frequency_penalty, presence_penalty: options.presence_penalty }, { stop: ["."], seed: 3, top_p: 0.8, frequency_penalty: 1, presence_penalty: 1 });
  });

  test("responses endpoint and upstream: tool_choice named, parallel_tool_calls false and top_p arrive in the Responses shape", async () => {
    const reply = await client.responses.create({ model: "Resp", input: "Hi", tools: responsesTools, tool_choice: { type: "function", name: "clock" }, parallel_tool_calls: false, top_p: 0.3 });
    assert.equal(reply.output_text, "from responses");
    const sent = lastBody(servers.responses);
    assert.deepEqual({ tool_choice: sent.tool_choice, parallel_tool_calls: sent.parallel_tool_calls, top_p: sent.top_p }, { tool_choice: { type: "function", name: "clock" }, parallel_tool_calls: false, top_p: 0.3 });
  });

  test("a candidate whose API has no stop is skipped, never sent the request without it: the next answers with it, and the reply says so", async () => {
    const { data, response } = await client.chat.completions.create({ model: "Resp", messages: hi, stop: ["."] }).withResponse();
    assert.equal(data.choices[0]?.message.content, "from anthropic");
    assert.equal(servers.responses.requests.filter((request) => request.method === "POST").length, 0, "the Responses model was never sent the request without its stop");
    assert.deepEqual(lastBody(servers.anthropic).stop_sequences, ["."]);
    const attempts = JSON.parse(response.headers.get("x-hearth-attempts") ?? "[]") as { model: string; outcome: string }[];
    assert.deepEqual(attempts.map((attempt) => `${attempt.model} ${attempt.outcome}`), ["resp/r skipped-fields", "claude/c ok"]);
    assert.equal(decodeURIComponent(response.headers.get("x-hearth-notice") ?? ""), "answered by Claude — Resp (local server) cannot take the request's stop");
  });

  test("no candidate can take a field (seed: neither Responses nor Anthropic has one): a 400 unsupported_parameter naming it, streamed or not, and no call", async () => {
    for (const stream of [false, true]) {
      const error = await client.chat.completions.create({ model: "Resp", messages: hi, seed: 42, stream }).then(
        () => assert.fail("a request no model can take as sent was answered"),
        (failure: unknown) => failure,
      );
      assert.ok(error instanceof OpenAI.BadRequestError, String(error));
      assert.equal(error.code, "unsupported_parameter");
      assert.equal(error.param, "seed");
      assert.match(error.message, /resp\/r: its API \(openai-responses\) has no seed; claude\/c: its API \(anthropic-messages\) has no seed/);
    }
    assert.equal(servers.responses.requests.length + servers.anthropic.requests.length, 0);
  });

  test("ollama has no tool_choice: a request that requires a tool call goes to the next candidate that has one", async () => {
    const { data, response } = await client.chat.completions.create({ model: "olla/o", messages: hi, tools, tool_choice: "required" }).withResponse();
    assert.equal(data.choices[0]?.message.content, "from responses");
    assert.equal(lastBody(servers.responses).tool_choice, "required");
    assert.deepEqual((JSON.parse(response.headers.get("x-hearth-attempts") ?? "[]") as { outcome: string }[]).map((attempt) => attempt.outcome), ["skipped-fields", "ok"]);
  });

  test("fields hearth does not carry are refused by name before any call; fields whose loss the client cannot see are accepted", async () => {
    const refused: [string, Record<string, unknown>][] = [
      ["logprobs", { logprobs: true }],
      ["top_logprobs", { top_logprobs: 3 }],
      ["modalities", { modalities: ["text", "audio"] }],
      ["logit_bias", { logit_bias: { "50256": -100 } }],
      ["n", { n: 2 }],
      ["tool_choice", { tools, tool_choice: { type: "function", function: { name: "missing" } } }],
      ["tool_choice", { tool_choice: "required" }],
    ];
    for (const [param, fields] of refused) {
      const error = await client.chat.completions.create({ model: "llama/l", messages: hi, ...fields } as OpenAI.ChatCompletionCreateParamsNonStreaming).then(
        () => assert.fail(`${param} was accepted`),
        (failure: unknown) => failure,
      );
      assert.ok(error instanceof OpenAI.BadRequestError, `${param}: ${String(error)}`);
      assert.equal(error.param, param);
      assert.match(error.message, new RegExp(`^400 ${param}: `));
    }
    const responsesRefused: [string, Record<string, unknown>][] = [
      ["background", { background: true }],
      ["conversation", { conversation: "conv_1" }],
      ["truncation", { truncation: "auto" }],
      ["include", { include: ["message.output_text.logprobs"] }],
      ["stop", { stop: ["."] }],
    ];
    for (const [param, fields] of responsesRefused) {
      const error = await client.responses.create({ model: "llama/l", input: "Hi", ...fields } as OpenAI.Responses.ResponseCreateParamsNonStreaming).then(
        () => assert.fail(`${param} was accepted`),
        (failure: unknown) => failure,
      );
      assert.ok(error instanceof OpenAI.BadRequestError, `${param}: ${String(error)}`);
      assert.equal(error.param, param);
    }
    assert.equal(servers.completions.requests.length, 0, "no refused request reached a model");
    const accepted = await client.chat.completions.create({ model: "llama/l", messages: hi, store: true, metadata: { app: "x" }, service_tier: "auto", modalities: ["text"], logprobs: false, parallel_tool_calls: true, tool_choice: "auto" });
    assert.equal(accepted.choices[0]?.message.content, "from completions");
    const sent = lastBody(servers.completions);
    assert.deepEqual([sent.parallel_tool_calls, sent.tool_choice, sent.store], [undefined, undefined, undefined], "the defaults ask nothing of the server");
  });

  test("a field named as Object.prototype's members (constructor, toString, __proto__) is one hearth does not know like any other: not sent on, said, never a 500", async () => {
    // Sent as raw JSON: the SDK would not put a __proto__ key on the wire.
    const body = (path: string, model: string) => `{"model":"${model}",${path === "chat/completions" ? `"messages":[{"role":"user","content":"hi"}]` : `"input":"Hi"`},"constructor":1,"toString":"x","valueOf":2,"hasOwnProperty":3,"__proto__":{"a":1}}`;
    for (const path of ["chat/completions", "responses"]) {
      for (const model of ["llama/l", "hearth"]) {
        const reply = await fetch(`${client.baseURL}/${path}`, { method: "POST", headers: { "content-type": "application/json", authorization: "Bearer test-key" }, body: body(path, model) });
        const text = await reply.text();
        assert.equal(reply.status, 200, `${path} ${model}: ${text}`);
        assert.match(decodeURIComponent(reply.headers.get("x-hearth-notice") ?? ""), /not sent on: constructor, toString, valueOf, hasOwnProperty, __proto__ — fields hearth does not know/, `${path} ${model}`);
      }
    }
    const sent = lastBody(servers.completions);
    assert.deepEqual(Object.keys(sent).filter((key) => ["constructor", "toString", "valueOf", "hasOwnProperty", "__proto__"].includes(key)), [], "not sent on");
  });

  test("a field hearth does not know (top_k, min_p: clients made for llama.cpp send them) is not sent on, and every reply says so", async () => {
    const said = /^not sent on: top_k, min_p — fields hearth does not know \(docs\/openai-api\.md, Request fields, lists those it carries\)$/;
    const extras = { top_k: 40, min_p: 0.05 } as Record<string, unknown>;
    const { data, response } = await client.chat.completions.create({ model: "llama/l", messages: hi, ...extras } as OpenAI.ChatCompletionCreateParamsNonStreaming).withResponse();
    assert.equal(data.choices[0]?.message.content, "from completions");
    const sent = lastBody(servers.completions);
    assert.deepEqual([sent.top_k, sent.min_p], [undefined, undefined], "not sent on");
    assert.match(decodeURIComponent(response.headers.get("x-hearth-notice") ?? ""), said);
    // Responses: in metadata.hearth_notice as well; agent mode the same.
    const responses = await client.responses.create({ model: "llama/l", input: "Hi", ...extras } as OpenAI.Responses.ResponseCreateParamsNonStreaming);
    assert.match(String((responses.metadata as Record<string, string> | null)?.hearth_notice ?? ""), /not sent on: top_k, min_p/);
    const agent = await client.chat.completions.create({ model: "hearth", messages: hi, ...extras } as OpenAI.ChatCompletionCreateParamsNonStreaming).withResponse();
    assert.match(decodeURIComponent(agent.response.headers.get("x-hearth-notice") ?? ""), /not sent on: top_k, min_p/);
    // A stream says it as a `: hearth:` comment.
    const streamed = await fetch(`${client.baseURL}/chat/completions`, { method: "POST", headers: { "content-type": "application/json", authorization: "Bearer test-key" }, body: JSON.stringify({ model: "llama/l", messages: hi, stream: true, ...extras }) });
    assert.match(await streamed.text(), /^: hearth: not sent on: top_k, min_p — /m);
  });

  test("agent mode takes no sampling or tool fields of its own: refused naming proxy mode", async () => {
    const fieldsOf: [string, Partial<OpenAI.ChatCompletionCreateParamsNonStreaming>][] = [["stop", { stop: ["."] }], ["seed", { seed: 1 }], ["top_p", { top_p: 0.5 }]];
    for (const [param, fields] of fieldsOf) {
      const error = await client.chat.completions.create({ model: "hearth", messages: hi, ...fields }).then(
        () => assert.fail(`${param} was accepted in agent mode`),
        (failure: unknown) => failure,
      );
      assert.ok(error instanceof OpenAI.BadRequestError, String(error));
      assert.equal(error.param, param);
      assert.match(error.message, /an agent answers with its own settings .* name a model \(proxy mode/);
    }
  });

  // t16 #2: OpenAI's allowed_tools choice (in the SDK's types for both endpoints) was a 400 "got an object".
  test("tool_choice allowed_tools: only the listed tools go to the model, with its mode as the choice (both endpoints, every API)", async () => {
    const names = (list: unknown): string[] => (list as { name?: string; function?: { name: string } }[]).map((tool) => tool.function?.name ?? tool.name ?? "");
    await client.chat.completions.create({ model: "llama/l", messages: hi, tools, tool_choice: { type: "allowed_tools", allowed_tools: { mode: "required", tools: [{ type: "function", function: { name: "clock" } }] } } });
    let sent = lastBody(servers.completions);
    assert.deepEqual([names(sent.tools), sent.tool_choice], [["clock"], "required"]);
    await client.responses.create({ model: "Resp", input: "Hi", tools: responsesTools, tool_choice: { type: "allowed_tools", mode: "auto", tools: [{ type: "function", name: "lookup" }] } });
    sent = lastBody(servers.responses);
    assert.deepEqual([names(sent.tools), sent.tool_choice], [["lookup"], undefined]);
    await client.chat.completions.create({ model: "Claude", messages: hi, tools, tool_choice: { type: "allowed_tools", allowed_tools: { mode: "required", tools: [{ type: "function", function: { name: "lookup" } }] } } });
    sent = lastBody(servers.anthropic);
    assert.deepEqual([names(sent.tools), sent.tool_choice], [["lookup"], { type: "any" }]);
    // A history that called a tool the allowed set now leaves out: the call and its result still go, as written, beside the allowed tool alone.
    const earlier: OpenAI.ChatCompletionMessageParam[] = [
      { role: "user", content: "Look it up" },
      { role: "assistant", content: null, tool_calls: [{ id: "call_1", type: "function", function: { name: "lookup", arguments: '{"q":"x"}' } }] },
      { role: "tool", tool_call_id: "call_1", content: "found" },
      { role: "user", content: "And the time?" },
    ];
    const answered = await client.chat.completions.create({ model: "llama/l", messages: earlier, tools, tool_choice: { type: "allowed_tools", allowed_tools: { mode: "auto", tools: [{ type: "function", function: { name: "clock" } }] } } });
    assert.ok(answered.choices[0]);
    sent = lastBody(servers.completions);
    assert.deepEqual(names(sent.tools), ["clock"]);
    const history = sent.messages as { role: string; tool_calls?: { function: { name: string } }[]; tool_call_id?: string }[];
    assert.deepEqual(history.map((message) => [message.role, message.tool_calls?.[0]?.function.name ?? message.tool_call_id ?? ""]), [["user", ""], ["assistant", "lookup"], ["tool", "call_1"], ["user", ""]]);
    const refused = await client.chat.completions
      .create({ model: "llama/l", messages: hi, tools, tool_choice: { type: "allowed_tools", allowed_tools: { mode: "auto", tools: [{ type: "function", function: { name: "nope" } }] } } })
      .then(() => undefined, (error: unknown) => error as InstanceType<typeof OpenAI.APIError>);
    assert.equal(refused?.status, 400);
    assert.match(refused?.message ?? "", /tool_choice\.allowed_tools\.tools\[0\]: names the function "nope", which is not among the request's tools/);
  });
});
