// Structured outputs and the other fields real OpenAI-compatible clients send (t13 #1, #5, #8), through the
// real HTTP API with the official `openai` SDK against fakes that record what each upstream received:
// response_format / text.format go to each API in its own form (either endpoint to any API), a candidate
// whose API has no place for the format asked is skipped with why, an agent refuses it naming proxy mode;
// max_tokens -1 is the model's own limit, said; a participant's name and `user` are said as not sent on;
// a model looked up in another case is its listed entry.
import assert from "node:assert/strict";
import { after, before, beforeEach, describe, test } from "node:test";
import OpenAI from "openai";
import { chatResponseFormat } from "../../src/ai/response-format.js";
import { anthropicStream } from "../fakes/anthropic-messages-stream.js";
import { type FakeServer, type Handler } from "../fakes/fake-server.js";
import { ollamaStream } from "../fakes/ollama-chat-stream.js";
import { completionsStream } from "../fakes/openai-completions-stream.js";
import { responsesStream } from "../fakes/openai-responses-stream.js";
import { fourUpstreams, openAiOverGateway, type UpstreamName } from "../helpers/openai-over-gateway.js";
import { testGateway } from "../helpers/test-gateway.js";
import { lastBody } from "./openai-setup.js";

const schema = { type: "object", properties: { name: { type: "string" } }, required: ["name"], additionalProperties: false };
const person = { type: "json_schema", json_schema: { name: "person", schema, strict: true } } as const;
const hi: OpenAI.ChatCompletionMessageParam[] = [{ role: "user", content: "Hi" }];
const notice = (response: Response): string => decodeURIComponent(response.headers.get("x-hearth-notice") ?? "");
const outcomes = (response: Response): string[] => (JSON.parse(response.headers.get("x-hearth-attempts") ?? "[]") as { outcome: string }[]).map((attempt) => attempt.outcome);

const answers: Record<UpstreamName, Handler> = {
  completions: () => ({ kind: "sse", frames: completionsStream({ text: '{"name":"Ann"}', usage: { input: 3, output: 2 } }) }),
  responses: () => ({ kind: "sse", frames: responsesStream({ text: '{"name":"Ann"}', usage: { input: 3, output: 2 } }) }),
  anthropic: () => ({ kind: "sse", frames: anthropicStream({ text: '{"name":"Ann"}', usage: { input: 3, output: 2 } }) }),
  ollama: (request) => (request.path === "/api/chat" ? ollamaStream({ text: '{"name":"Ann"}', usage: { input: 3, output: 2 } }) : { kind: "json", status: 404, body: { error: "not found" } }),
};

describe("structured outputs and real clients' fields, proxy and agent mode", () => {
  let servers: Record<UpstreamName, FakeServer>;
  let client: OpenAI;
  let close: () => Promise<void>;
  before(async () => {
    servers = await fourUpstreams(answers);
    const gateway = await testGateway(`{
      agents: { defaults: { model: { primary: "llama/l", fallbacks: ["resp/r"] }, models: { "llama/l": { alias: "Llama" } } } },
      models: { mode: "replace", providers: {
        llama: { baseUrl: "${servers.completions.baseUrl}", api: "openai-completions", models: [{ id: "l", contextWindow: 32000, maxTokens: 1000 }] },
        resp: { baseUrl: "${servers.responses.baseUrl}", api: "openai-responses", models: [{ id: "r", contextWindow: 32000, maxTokens: 700 }] },
        claude: { baseUrl: "${servers.anthropic.url}", api: "anthropic-messages", apiKey: "test-anthropic-key", models: [{ id: "claude-sonnet-4-5", contextWindow: 32000, maxTokens: 1000 }, { id: "claude-sonnet-4-0", contextWindow: 32000, maxTokens: 1000 }] },
        olla: { baseUrl: "${servers.ollama.url}", api: "ollama", models: [{ id: "o", contextWindow: 32000, maxTokens: 1000 }] },
      } },
    }`);
    ({ client, close } = await openAiOverGateway(gateway, Object.values(servers)));
  });
  after(() => close());
  beforeEach(() => {
    for (const server of Object.values(servers)) server.requests.length = 0;
  });

  test("a Chat client's response_format reaches each API in its own form", async () => {
    const chat = await client.chat.completions.create({ model: "llama/l", messages: hi, response_format: person });
    assert.equal(chat.choices[0]?.message.content, '{"name":"Ann"}');
    assert.deepEqual(lastBody(servers.completions).response_format, person, "as OpenAI writes it, to LM Studio and llama.cpp alike");
    await client.chat.completions.create({ model: "resp/r", messages: hi, response_format: person });
    assert.deepEqual(lastBody(servers.responses).text, { format: { type: "json_schema", name: "person", schema, strict: true } });
    await client.chat.completions.create({ model: "olla/o", messages: hi, response_format: person });
    assert.deepEqual(lastBody(servers.ollama).format, schema);
    await client.chat.completions.create({ model: "olla/o", messages: hi, response_format: { type: "json_object" } });
    assert.equal(lastBody(servers.ollama).format, "json");
    await client.chat.completions.create({ model: "claude/claude-sonnet-4-5", messages: hi, response_format: person });
    assert.deepEqual(lastBody(servers.anthropic).output_config, { format: { type: "json_schema", schema } });
    // json_object to a local OpenAI-shaped server: a schema of any object (LM Studio takes json_schema only); to a hosted one, as it is.
    await client.chat.completions.create({ model: "llama/l", messages: hi, response_format: { type: "json_object" } });
    assert.deepEqual(lastBody(servers.completions).response_format, { type: "json_schema", json_schema: { name: "json_object", schema: { type: "object" } } });
    assert.deepEqual(chatResponseFormat({ asked: "response_format", type: "json_object" }, false), { type: "json_object" });
    // { type: "text" } asks for nothing, and sends nothing.
    await client.chat.completions.create({ model: "llama/l", messages: hi, response_format: { type: "text" } });
    assert.equal(lastBody(servers.completions).response_format, undefined);
  });

  test("a Responses client's text.format reaches a Chat Completions server as response_format, and is echoed", async () => {
    const format = { type: "json_schema", name: "person", schema, strict: true } as const;
    const reply = await client.responses.create({ model: "llama/l", input: "Hi", text: { format } });
    assert.equal(reply.output_text, '{"name":"Ann"}');
    assert.deepEqual(reply.text?.format, format);
    assert.deepEqual(lastBody(servers.completions).response_format, person);
    await client.responses.create({ model: "resp/r", input: "Hi", text: { format } });
    assert.deepEqual(lastBody(servers.responses).text, { format });
    const plain = await client.responses.create({ model: "resp/r", input: "Hi" });
    assert.deepEqual(plain.text?.format, { type: "text" });
    assert.equal(lastBody(servers.responses).text, undefined);
  });

  test("a candidate whose API has no place for the format is skipped with why, and the next candidate answers", async () => {
    // Anthropic's structured output takes a schema only: json_object goes to the next candidate, and the reply says why.
    const { response } = await client.chat.completions.create({ model: "claude/claude-sonnet-4-5", messages: hi, response_format: { type: "json_object" } }).withResponse();
    assert.deepEqual(outcomes(response), ["skipped-fields", "ok"]);
    assert.match(notice(response), /claude\/claude-sonnet-4-5 \(local server\) cannot take the request's response_format json_object \(a schema only\)/);
    assert.equal(servers.anthropic.requests.length, 0);
    // A Claude before Opus 4.1 and Sonnet 4.5 has no structured output; the Responses request's own field name is quoted.
    const older = await client.responses.create({ model: "claude/claude-sonnet-4-0", input: "Hi", text: { format: { type: "json_schema", name: "person", schema } } }).withResponse();
    assert.deepEqual(outcomes(older.response), ["skipped-fields", "ok"], notice(older.response));
    assert.match(notice(older.response), /cannot take the request's text\.format \(a Claude before Opus 4\.1 and Sonnet 4\.5\)/);
  });

  test("malformed formats are 400s naming the part", async () => {
    const cases: [string, unknown][] = [
      ["response_format.type", { type: "xml" }],
      ["response_format.json_schema", { type: "json_schema" }],
      ["response_format.json_schema.name", { type: "json_schema", json_schema: { schema } }],
      ["response_format.json_schema.schema", { type: "json_schema", json_schema: { name: "p", schema: "object" } }],
    ];
    for (const [param, format] of cases) {
      const error = await client.chat.completions.create({ model: "llama/l", messages: hi, response_format: format } as unknown as OpenAI.ChatCompletionCreateParamsNonStreaming).then(() => assert.fail(`${param} accepted`), (failure: unknown) => failure);
      assert.ok(error instanceof OpenAI.BadRequestError, String(error));
      assert.equal(error.param, param);
    }
    assert.equal(servers.completions.requests.filter((request) => request.method === "POST").length, 0);
  });

  test("agent mode refuses a format by its field, naming proxy mode; no model is called", async () => {
    const chat = await client.chat.completions.create({ model: "hearth", messages: hi, response_format: person }).then(() => assert.fail("accepted"), (failure: unknown) => failure);
    assert.ok(chat instanceof OpenAI.BadRequestError);
    assert.equal(chat.param, "response_format");
    assert.match(chat.message, /an agent's turn calls its own tools step by step.*name a model \(proxy mode, GET \/v1\/models\)/);
    const responses = await client.responses.create({ model: "hearth", input: "Hi", text: { format: { type: "json_object" } } }).then(() => assert.fail("accepted"), (failure: unknown) => failure);
    assert.ok(responses instanceof OpenAI.BadRequestError);
    assert.equal(responses.param, "text.format");
    assert.equal(servers.completions.requests.filter((request) => request.method === "POST").length, 0);
  });

  test("max_tokens -1 and max_output_tokens -1 are the model's own limit, said; 0 stays a 400", async () => {
    const { response } = await client.chat.completions.create({ model: "llama/l", messages: hi, max_tokens: -1 }).withResponse();
    assert.equal(lastBody(servers.completions).max_tokens, 1000);
    assert.match(notice(response), /^max_tokens -1 \("no limit"\) asked: 1000 sent to llama\/l, its own limit \(its maxTokens in the config/m);
    const responses = await client.responses.create({ model: "resp/r", input: "Hi", max_output_tokens: -1 }).withResponse();
    assert.equal(lastBody(servers.responses).max_output_tokens, 700);
    assert.match(notice(responses.response), /max_output_tokens -1 \("no limit"\) asked: 700 sent to resp\/r/);
    assert.equal(responses.data.max_output_tokens, null);
    const agent = await client.chat.completions.create({ model: "hearth", messages: hi, max_completion_tokens: -1 }).withResponse();
    assert.match(notice(agent.response), /max_completion_tokens -1 \("no limit"\) asked: the agent's model replies up to its own limit/);
    const zero = await client.chat.completions.create({ model: "llama/l", messages: hi, max_tokens: 0 }).then(() => assert.fail("accepted"), (failure: unknown) => failure);
    assert.ok(zero instanceof OpenAI.BadRequestError);
    assert.equal(zero.param, "max_tokens");
  });

  test("a participant's name and user are said as known fields not sent on; neither reaches the model", async () => {
    const { response } = await client.chat.completions.create({ model: "llama/l", user: "bob", messages: [{ role: "user", name: "alice", content: "Hi" }] }).withResponse();
    const said = notice(response);
    assert.match(said, /not sent on: messages\[0\]\.name — a participant's name, which hearth does not send to the model/);
    assert.doesNotMatch(said, /hearth does not know/);
    assert.match(said, /not sent on: user — hearth uses it to keep this client on one replica/);
    const sent = lastBody(servers.completions);
    assert.equal(sent.user, undefined);
    assert.equal((sent.messages as Record<string, unknown>[])[0]?.name, undefined);
  });

  test("a model looked up in another case answers its listed entry: its id and provider", async () => {
    const listed = (await client.models.list()).data.map((model) => [model.id, model.owned_by]);
    for (const [asked, id, owner] of [["LLAMA", "Llama", "llama"], ["llama", "Llama", "llama"], ["LLAMA/L", "llama/l", "llama"], ["Hearth", "hearth", "hearth"], ["llama/l", "llama/l", "llama"]] as const) {
      const model = await client.models.retrieve(asked);
      assert.deepEqual([model.id, model.owned_by], [id, owner], asked);
      assert.ok(listed.some(([listedId, listedOwner]) => listedId === id && listedOwner === owner), `${id} is listed so`);
    }
    await assert.rejects(client.models.retrieve("nope"), OpenAI.NotFoundError);
  });
});
