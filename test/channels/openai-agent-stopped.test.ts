// A turn that hearth stops before the model said a word of an answer (a tool loop, maxSteps) was a 200
// with empty content (Chat Completions) or an empty output (Responses) that read as an answer: only
// x-hearth-notice said why. The reply now says why in its text, streaming or not (the trial t6 found it).
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { Hono } from "hono";
import OpenAI from "openai";
import { openAiRoutes } from "../../src/channels/http/openai/routes.js";
import { startFakeServer, type FakeServer } from "../fakes/fake-server.js";
import { serveApp, testGateway } from "../helpers/test-gateway.js";
import { scriptedModel } from "../helpers/scripted-model.js";

const LOOP = /^\(no answer — stopped: the same time call with the same arguments was made 3 times this turn \(a tool loop; maxRepeatedToolCalls\)\)$/;

describe("OpenAI-compatible API, agent mode: a turn stopped with no answer says why in the reply", () => {
  const closing: (() => Promise<void>)[] = [];
  let client: OpenAI;
  let server: FakeServer;
  before(async () => {
    // The model calls the same tool with the same arguments, whatever it is told.
    server = await startFakeServer(scriptedModel("openai-completions", () => ({ tool: "time", arguments: {} })));
    closing.push(() => server.close());
    const gateway = await testGateway(`{
      agents: { defaults: { model: "local/m", tools: { allow: ["time"] } } },
      models: { mode: "replace", providers: { local: { baseUrl: "${server.baseUrl}", api: "openai-completions", models: [{ id: "m", contextWindow: 32000, maxTokens: 256 }] } } },
    }`);
    closing.push(() => gateway.close());
    const served = await serveApp(new Hono().route("/", openAiRoutes({ port: gateway.port, logger: { info: () => undefined, warn: () => undefined } })));
    closing.push(() => served.close());
    client = new OpenAI({ baseURL: `${served.url}/v1`, apiKey: "test-key", maxRetries: 0 });
  });
  after(async () => {
    for (const close of closing.reverse()) await close();
  });

  test("Chat Completions, whole and streamed: the content says the turn was stopped, and why", async () => {
    const { data, response } = await client.chat.completions.create({ model: "hearth", messages: [{ role: "user", content: "what time is it?" }] }, { headers: { "x-hearth-session": "loop-chat" } }).withResponse();
    assert.match(data.choices[0]?.message.content ?? "", LOOP);
    assert.match(decodeURIComponent(response.headers.get("x-hearth-notice") ?? ""), /stopped: the same time call/);
    const stream = await client.chat.completions.create({ model: "hearth", stream: true, messages: [{ role: "user", content: "and now?" }] }, { headers: { "x-hearth-session": "loop-chat-stream" } });
    let streamed = "";
    for await (const chunk of stream) streamed += chunk.choices[0]?.delta.content ?? "";
    assert.match(streamed, LOOP);
  });

  test("Responses: the output message says it (output_text too, and the stream's completed response)", async () => {
    const reply = await client.responses.create({ model: "hearth", input: "what time is it?" }, { headers: { "x-hearth-session": "loop-responses" } });
    assert.match(reply.output_text, LOOP);
    const stream = await client.responses.create({ model: "hearth", input: "and now?", stream: true }, { headers: { "x-hearth-session": "loop-responses-stream" } });
    let completed: OpenAI.Responses.Response | undefined;
    for await (const event of stream) if (event.type === "response.completed") completed = event.response;
    const text = (completed?.output ?? []).flatMap((item) => (item.type === "message" ? item.content : [])).map((part) => (part.type === "output_text" ? part.text : "")).join("");
    assert.match(text, LOOP);
  });
});
