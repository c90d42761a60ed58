// Proxy mode never builds a request a hosted provider refuses as invalid (hearth counts such a 400 as a
// bad request and falls back to nothing): Claude's rules on thinking in a tool loop, on temperature with
// top_p, on tool history; `strict` on function tools; tool-call ids that stay unique — through the real
// HTTP API, with the official `openai` SDK as the client, against fakes that record what each upstream got.
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

type Servers = Record<"completions" | "responses" | "anthropic" | "ollama", FakeServer>;
type Attempt = { model: string; outcome: string };

const weather: OpenAI.ChatCompletionFunctionTool = { type: "function", function: { name: "get_weather", description: "the weather", parameters: { type: "object", properties: { city: { type: "string" } }, required: ["city"], additionalProperties: false } } };

const answers: Record<keyof Servers, Handler> = {
  completions: () => ({ kind: "sse", frames: completionsStream({ text: "from completions", usage: { input: 3, output: 2 } }) }),
  responses: () => ({ kind: "sse", frames: responsesStream({ text: "from responses", usage: { input: 3, output: 2 } }) }),
  anthropic: () => ({ kind: "sse", frames: anthropicStream({ text: "from anthropic", usage: { input: 3, output: 2 } }) }),
  ollama: (request) => (request.path === "/api/chat" ? ollamaStream({ text: "from ollama", usage: { input: 3, output: 2 } }) : { kind: "json", status: 404, body: { error: "not found" } }),
};

const attemptsOf = (response: Response): string[] => (JSON.parse(response.headers.get("x-hearth-attempts") ?? "[]") as Attempt[]).map((attempt) => `${attempt.model} ${attempt.outcome}`);
const noticeOf = (response: Response): string => decodeURIComponent(response.headers.get("x-hearth-notice") ?? "");

/** The request's error, which must be a 400 (the SDK's BadRequestError). */
async function badRequest(call: Promise<unknown>): Promise<InstanceType<typeof OpenAI.BadRequestError>> {
  const error = await call.then(
    () => assert.fail("the request was accepted"),
    (failure: unknown) => failure,
  );
  assert.ok(error instanceof OpenAI.BadRequestError, String(error));
  return error;
}

describe("proxy mode: no request a hosted provider refuses as invalid", () => {
  let servers: Servers;
  let gateway: TestGateway;
  let client: OpenAI;
  let close: () => Promise<void>;
  before(async () => {
    servers = await fourUpstreams(answers as Record<UpstreamName, Handler>);
    gateway = await testGateway(`{
      // A proxied request's chain: the model it names, then the fallbacks (a Responses model, then a Claude).
      agents: { defaults: { model: { primary: "gpt/g", fallbacks: ["resp/r", "claude/claude-sonnet-4-5"] }, models: { "claude/claude-sonnet-4-5": { alias: "Sonnet" }, "claude/claude-sonnet-4-20250514": { alias: "Sonnet4" }, "resp/r": { alias: "Resp" }, "gpt/g": { alias: "GPT" }, "olla/o": { alias: "Olla" } } } },
      models: { mode: "replace", providers: {
        gpt: { baseUrl: "${servers.completions.baseUrl}", api: "openai-completions", models: [{ id: "g", contextWindow: 32000, maxTokens: 1000 }] },
        resp: { baseUrl: "${servers.responses.baseUrl}", api: "openai-responses", models: [{ id: "r", contextWindow: 32000, maxTokens: 1000 }] },
        claude: { baseUrl: "${servers.anthropic.url}", api: "anthropic-messages", apiKey: "test-anthropic-key", models: [{ id: "claude-sonnet-4-5", contextWindow: 32000, maxTokens: 4000, reasoning: true }, { id: "claude-sonnet-4-20250514", contextWindow: 32000, maxTokens: 4000, reasoning: true }] },
        olla: { baseUrl: "${servers.ollama.url}", api: "ollama", models: [{ id: "o", contextWindow: 32000, maxTokens: 1000 }] },
      } },
    }`);
    ({ client, close } = await openAiOverGateway(gateway, Object.values(servers)));
  });
  after(() => close());
  beforeEach(() => {
    for (const [name, server] of Object.entries(servers)) {
      server.requests.length = 0;
      server.setHandler(answers[name as keyof Servers]);
    }
  });

  test("temperature with top_p: a Claude that takes one of them (Sonnet 4.5) is skipped with a notice, never sent both; Sonnet 4 takes both", async () => {
    const { data, response } = await client.chat.completions.create({ model: "Sonnet", messages: [{ role: "user", content: "hi" }], temperature: 0.7, top_p: 0.9 }).withResponse();
    assert.equal(data.choices[0]?.message.content, "from responses");
    assert.deepEqual(attemptsOf(response), ["claude/claude-sonnet-4-5 skipped-fields", "resp/r ok"]);
    assert.equal(servers.anthropic.requests.length, 0, "Anthropic was not sent the pair it refuses");
    assert.equal(noticeOf(response), "answered by Resp — Sonnet (local server) cannot take the request's top_p 0.9 with temperature 0.7 (this model takes one of them)");
    assert.deepEqual([lastBody(servers.responses).temperature, lastBody(servers.responses).top_p], [0.7, 0.9]);
    // Either one alone goes to it; so does the pair to the Claude before 4.5.
    await client.chat.completions.create({ model: "Sonnet", messages: [{ role: "user", content: "hi" }], top_p: 0.9 });
    assert.deepEqual([lastBody(servers.anthropic).temperature, lastBody(servers.anthropic).top_p], [undefined, 0.9]);
    await client.chat.completions.create({ model: "Sonnet4", messages: [{ role: "user", content: "hi" }], temperature: 0.7, top_p: 0.9 });
    assert.deepEqual([lastBody(servers.anthropic).model, lastBody(servers.anthropic).temperature, lastBody(servers.anthropic).top_p], ["claude-sonnet-4-20250514", 0.7, 0.9]);
  });

  test("tool calls a server sent no id for get a unique one each (never call_0 twice); arguments that are no JSON go on as written, never as {}", async () => {
    servers.ollama.setHandler((request) => (request.path === "/api/chat" ? ollamaStream({ toolCalls: [{ name: "get_weather", arguments: { city: "Paris" } }] }) : { kind: "json", status: 404, body: { error: "not found" } }));
    const ask = (): Promise<OpenAI.ChatCompletion> => client.chat.completions.create({ model: "Olla", messages: [{ role: "user", content: "weather?" }], tools: [weather] });
    const ids = [(await ask()).choices[0]?.message.tool_calls?.[0]?.id, (await ask()).choices[0]?.message.tool_calls?.[0]?.id];
    for (const id of ids) assert.match(id ?? "", /^call_[0-9a-f]{24}$/);
    assert.notEqual(ids[0], ids[1], "two answers' calls have two ids");
    // A replayed call whose arguments are no JSON: the OpenAI protocols take the text; Anthropic and Ollama, an object holding it.
    const messages: OpenAI.ChatCompletionMessageParam[] = [
      { role: "user", content: "weather?" },
      { role: "assistant", content: null, tool_calls: [{ id: "call_a", type: "function", function: { name: "get_weather", arguments: "{not json" } }] },
      { role: "tool", tool_call_id: "call_a", content: "the arguments were not JSON" },
    ];
    await client.chat.completions.create({ model: "Sonnet", messages, tools: [weather] });
    const claudeTurn = (lastBody(servers.anthropic).messages as { role: string; content: { type: string; input?: unknown }[] }[])[1];
    assert.deepEqual(claudeTurn?.content.find((block) => block.type === "tool_use")?.input, { arguments_as_written: "{not json" });
    await client.chat.completions.create({ model: "Olla", messages, tools: [weather] });
    const ollamaTurn = (lastBody(servers.ollama).messages as { tool_calls?: { function: { arguments: unknown } }[] }[])[1];
    assert.deepEqual(ollamaTurn?.tool_calls?.[0]?.function.arguments, { arguments_as_written: "{not json" });
    await client.chat.completions.create({ model: "GPT", messages, tools: [weather] });
    const gptTurn = (lastBody(servers.completions).messages as { tool_calls?: { function: { arguments: unknown } }[] }[])[1];
    assert.equal(gptTurn?.tool_calls?.[0]?.function.arguments, "{not json");
  });

  test("Claude with thinking in a client-kept tool loop (runTools, reasoning_effort low): round 2, whose thinking the client could not keep, goes without thinking, and the reply says so", async () => {
    servers.anthropic.setHandler((request) => {
      const messages = (request.body as { messages: { content: { type: string }[] }[] }).messages;
      const results = messages.some((message) => message.content.some((block) => block.type === "tool_result"));
      return { kind: "sse", frames: results ? anthropicStream({ text: "21 degrees in Paris." }) : anthropicStream({ thinking: "Look it up.", text: "Checking.", toolUses: [{ id: "toolu_1", name: "get_weather", input: { city: "Paris" } }], stopReason: "tool_use" }) };
    });
    const runner = client.chat.completions.runTools({
      model: "Sonnet",
      max_tokens: 3000,
      reasoning_effort: "low",
      messages: [{ role: "user", content: "Weather in Paris?" }],
      tools: [{ type: "function", function: { name: "get_weather", description: "the weather", parameters: { type: "object", properties: { city: { type: "string" } } }, function: (args: { city: string }) => ({ city: args.city, temp: 21 }), parse: JSON.parse } }],
    });
    assert.equal(await runner.finalContent(), "21 degrees in Paris.");
    const [first, second] = servers.anthropic.requests.map((request) => request.body as { thinking?: unknown; messages: { role: string; content: { type: string }[] }[] });
    assert.deepEqual(first?.thinking, { type: "enabled", budget_tokens: 1976 }, "round 1 thinks");
    assert.deepEqual(second?.messages[1]?.content.map((block) => block.type), ["text", "tool_use"], "the client kept no thinking");
    assert.equal(second?.thinking, undefined, "Anthropic refuses thinking on a tool loop whose last turn has none");
    // The same history, seen for its notice.
    const history = runner.messages.slice(0, 3) as OpenAI.ChatCompletionMessageParam[];
    const { response } = await client.chat.completions.create({ model: "Sonnet", max_tokens: 3000, reasoning_effort: "low", messages: history, tools: [weather] }).withResponse();
    assert.equal(lastBody(servers.anthropic).thinking, undefined);
    assert.match(noticeOf(response), /^reasoning low asked, no thinking sent to claude\/claude-sonnet-4-5: the tool results go on a turn whose signed thinking did not come back/);
    // A new question after the loop thinks again (no tool results after the last assistant turn).
    await client.chat.completions.create({ model: "Sonnet", max_tokens: 3000, reasoning_effort: "low", messages: [...history, { role: "assistant", content: "21 degrees." }, { role: "user", content: "And Nice?" }], tools: [weather] });
    assert.deepEqual(lastBody(servers.anthropic).thinking, { type: "enabled", budget_tokens: 1976 });
  });

  test("a tool call with no result before the next message is a 400 naming the message and the call; so is a result for no open call; nothing is sent", async () => {
    const calls = [
      { id: "a", type: "function" as const, function: { name: "get_weather", arguments: '{"city":"Paris"}' } },
      { id: "b", type: "function" as const, function: { name: "get_weather", arguments: '{"city":"Nice"}' } },
    ];
    let error = await badRequest(client.chat.completions.create({ model: "Sonnet", tools: [weather], messages: [{ role: "user", content: "weather?" }, { role: "assistant", content: null, tool_calls: calls }, { role: "tool", tool_call_id: "a", content: "21" }, { role: "user", content: "well?" }] }));
    assert.equal(error.param, "messages[1].tool_calls[1]");
    assert.match(error.message, /the tool call "b" of messages\[1\] has no result/);
    // The last message, unanswered, too; and a result placed after another message answers nothing.
    error = await badRequest(client.chat.completions.create({ model: "Sonnet", tools: [weather], messages: [{ role: "user", content: "weather?" }, { role: "assistant", content: null, tool_calls: calls }] }));
    assert.match(error.message, /the tool call "a" of messages\[1\] has no result \(nor "b"\)/);
    error = await badRequest(client.chat.completions.create({ model: "Sonnet", tools: [weather], messages: [{ role: "user", content: "weather?" }, { role: "assistant", content: null, tool_calls: calls.slice(0, 1) }, { role: "tool", tool_call_id: "a", content: "21" }, { role: "user", content: "again" }, { role: "tool", tool_call_id: "a", content: "21" }] }));
    assert.equal(error.param, "messages[4].tool_call_id");
    // Responses: a function_call with no function_call_output.
    error = await badRequest(client.responses.create({ model: "Sonnet", tools: [{ type: "function", name: "get_weather", parameters: {}, strict: false }], input: [{ role: "user", content: "weather?" }, { type: "function_call", call_id: "a", name: "get_weather", arguments: "{}" }, { role: "user", content: "well?" }] }));
    assert.equal(error.param, "input[1]");
    assert.equal(servers.anthropic.requests.length + servers.responses.requests.length, 0);
  });

  test("a call id an earlier call of the history had (two answers' call_0) goes on under an id of its own, with its result", async () => {
    const round = (city: string): OpenAI.ChatCompletionMessageParam[] => [
      { role: "assistant", content: null, tool_calls: [{ id: "call_0", type: "function", function: { name: "get_weather", arguments: JSON.stringify({ city }) } }] },
      { role: "tool", tool_call_id: "call_0", content: `21 in ${city}` },
    ];
    const messages: OpenAI.ChatCompletionMessageParam[] = [{ role: "user", content: "Paris, then Nice?" }, ...round("Paris"), ...round("Nice")];
    await client.chat.completions.create({ model: "Sonnet", tools: [weather], messages });
    const blocks = (lastBody(servers.anthropic).messages as { content: { type: string; id?: string; tool_use_id?: string }[] }[]).flatMap((message) => message.content);
    assert.deepEqual(blocks.flatMap((block) => (block.type === "tool_use" ? [`use ${block.id}`] : block.type === "tool_result" ? [`result ${block.tool_use_id}`] : [])), ["use call_0", "result call_0", "use call_0_2", "result call_0_2"]);
    await client.chat.completions.create({ model: "GPT", tools: [weather], messages });
    const sent = lastBody(servers.completions).messages as { role: string; tool_call_id?: string; tool_calls?: { id: string }[] }[];
    assert.deepEqual(sent.flatMap((message) => message.tool_calls?.map((call) => call.id) ?? (message.tool_call_id ? [message.tool_call_id] : [])), ["call_0", "call_0", "call_0_2", "call_0_2"]);
  });

  test("tool history with no tools in the request (or tool_choice none): Anthropic is sent the tools the history called, with tool_choice none", async () => {
    const messages: OpenAI.ChatCompletionMessageParam[] = [
      { role: "user", content: "weather?" },
      { role: "assistant", content: null, tool_calls: [{ id: "a", type: "function", function: { name: "get_weather", arguments: '{"city":"Paris"}' } }] },
      { role: "tool", tool_call_id: "a", content: "21" },
      { role: "user", content: "sum it up" },
    ];
    await client.chat.completions.create({ model: "Sonnet", messages });
    assert.deepEqual([lastBody(servers.anthropic).tools, lastBody(servers.anthropic).tool_choice], [[{ name: "get_weather", input_schema: { type: "object" } }], { type: "none" }]);
    await client.chat.completions.create({ model: "Sonnet", messages, tools: [weather], tool_choice: "none" });
    assert.deepEqual(lastBody(servers.anthropic).tool_choice, { type: "none" });
    // Without tool history, no tools.
    await client.chat.completions.create({ model: "Sonnet", messages: [{ role: "user", content: "hi" }] });
    assert.deepEqual([lastBody(servers.anthropic).tools, lastBody(servers.anthropic).tool_choice], [undefined, undefined]);
  });

  test("strict: true on function tools is carried where the API enforces it (OpenAI both shapes, Claude from Opus 4.1 / Sonnet 4.5), echoed as sent; a model whose API has none is skipped, with a notice", async () => {
    const strictWeather: OpenAI.ChatCompletionFunctionTool = { type: "function", function: { ...weather.function, strict: true } };
    const ask = [{ role: "user" as const, content: "weather?" }];
    await client.chat.completions.create({ model: "GPT", messages: ask, tools: [strictWeather] });
    assert.equal((lastBody(servers.completions).tools as { function: { strict?: boolean } }[])[0]?.function.strict, true);
    await client.chat.completions.create({ model: "GPT", messages: ask, tools: [weather] });
    assert.equal("strict" in ((lastBody(servers.completions).tools as { function: object }[])[0]?.function ?? {}), false, "no strict asked, none sent");
    const reply = await client.responses.create({ model: "Resp", input: "weather?", tools: [{ type: "function", name: "get_weather", parameters: weather.function.parameters ?? null, strict: true }] });
    assert.equal((lastBody(servers.responses).tools as { strict?: boolean }[])[0]?.strict, true);
    assert.equal((reply.tools[0] as OpenAI.Responses.FunctionTool).strict, true, "the response echoes the tool as asked");
    await client.chat.completions.create({ model: "Sonnet", messages: ask, tools: [strictWeather] });
    assert.equal((lastBody(servers.anthropic).tools as { strict?: boolean }[])[0]?.strict, true);
    // Ollama has no strict tools, nor the Claude models before 4.1: skipped, never sent the tools loose.
    for (const [model, ref, why] of [["Olla", "olla/o", "strict"], ["Sonnet4", "claude/claude-sonnet-4-20250514", "strict (a Claude before Opus 4.1 and Sonnet 4.5)"]] as const) {
      const before = servers.ollama.requests.length + servers.anthropic.requests.length;
      const { data, response } = await client.chat.completions.create({ model, messages: ask, tools: [strictWeather] }).withResponse();
      assert.equal(data.choices[0]?.message.content, "from responses");
      assert.deepEqual(attemptsOf(response), [`${ref} skipped-fields`, "resp/r ok"]);
      assert.equal(servers.ollama.requests.length + servers.anthropic.requests.length, before);
      assert.equal(noticeOf(response), `answered by Resp — ${model} (local server) cannot take the request's ${why}`);
    }
  });
});
