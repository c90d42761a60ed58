import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { Hono } from "hono";
import OpenAI from "openai";
import { openAiRoutes } from "../../src/channels/http/openai/routes.js";
import { startFakeServer, type FakeServer } from "../fakes/fake-server.js";
import { completionsStream } from "../fakes/openai-completions-stream.js";
import { serveApp, testGateway, type TestGateway } from "../helpers/test-gateway.js";

// A client's reply limit above what hearth sends the answering model is lowered — never silently: the
// reply says what was asked, what was sent and why, as hearth says its other substitutions
// (`x-hearth-notice`, `metadata.hearth_notice` on Responses, a `: hearth:` comment in a stream), on both
// endpoints, in proxy and agent mode.

describe("OpenAI-compatible API: a max_tokens above what the model was sent is said", () => {
  let server: FakeServer;
  let gateway: TestGateway;
  let served: { url: string; close: () => Promise<void> };
  let client: OpenAI;

  before(async () => {
    server = await startFakeServer((request) => (request.method === "POST" ? { kind: "sse", frames: completionsStream({ text: "Noted.", usage: { input: 12, output: 2 } }) } : { kind: "json", status: 404, body: { error: { message: "not here" } } }));
    // local/small: its maxTokens (500) is the cap; local/roomy: an agent keeps a quarter of its 4096-token window (1024) for the reply, below its maxTokens.
    gateway = await testGateway(`{
      agents: { defaults: { model: "local/small" }, list: [{ id: "roomy", model: "local/roomy" }] },
      models: { mode: "replace", providers: { local: { baseUrl: "${server.baseUrl}", api: "openai-completions", models: [{ id: "small", contextWindow: 32000, maxTokens: 500 }, { id: "roomy", contextWindow: 4096, maxTokens: 2048 }] } } },
    }`);
    served = await serveApp(new Hono().route("/", openAiRoutes({ port: gateway.port, logger: { info: () => undefined, warn: () => undefined } })));
    client = new OpenAI({ baseURL: `${served.url}/v1`, apiKey: "test-key", maxRetries: 0 });
  });
  after(async () => {
    await served.close();
    await gateway.close();
    await server.close();
  });

  const lastSent = (): Record<string, unknown> => server.requests.filter((request) => request.method === "POST").at(-1)?.body as Record<string, unknown>;
  const notice = (headers: Headers): string | undefined => {
    const value = headers.get("x-hearth-notice");
    return value === null ? undefined : decodeURIComponent(value);
  };
  const CONFIG_SMALL = "500 sent to local/small: its maxTokens in the config (raise it there for longer replies)";

  test("proxy mode, chat: max_tokens 5000 to a model of maxTokens 500 — 500 is sent, and x-hearth-notice says so; 300 is sent as asked, with no notice", async () => {
    const { response } = await client.chat.completions.create({ model: "local/small", messages: [{ role: "user", content: "hi" }], max_tokens: 5000 }).withResponse();
    assert.equal(lastSent().max_tokens, 500);
    assert.equal(notice(response.headers), `max_tokens 5000 asked, ${CONFIG_SMALL}`);
    const asked = await client.chat.completions.create({ model: "local/small", messages: [{ role: "user", content: "hi" }], max_tokens: 300 }).withResponse();
    assert.equal(lastSent().max_tokens, 300);
    assert.equal(notice(asked.response.headers), undefined);
  });

  test("proxy mode, a chat stream: the notice is a `: hearth:` comment, quoting the field the request used", async () => {
    const response = await fetch(`${served.url}/v1/chat/completions`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ model: "local/small", messages: [{ role: "user", content: "hi" }], max_completion_tokens: 5000, stream: true }) });
    const body = await response.text();
    assert.ok(body.includes(`: hearth: max_completion_tokens 5000 asked, ${CONFIG_SMALL}\n`), body);
    assert.ok(body.indexOf(": hearth: max_completion_tokens") < body.indexOf("data: [DONE]"), "before the last event");
  });

  test("proxy mode, responses: max_output_tokens is quoted, in x-hearth-notice and metadata.hearth_notice", async () => {
    const { data, response } = await client.responses.create({ model: "local/small", input: "hi", max_output_tokens: 5000 }).withResponse();
    assert.equal(lastSent().max_tokens, 500);
    assert.equal(notice(response.headers), `max_output_tokens 5000 asked, ${CONFIG_SMALL}`);
    assert.equal(data.metadata?.hearth_notice, `max_output_tokens 5000 asked, ${CONFIG_SMALL}`);
  });

  test("agent mode: the model's maxTokens, or the room the turn keeps for the reply in the window, is named as the reason", async () => {
    const small = await client.chat.completions.create({ model: "hearth", messages: [{ role: "user", content: "hi" }], max_tokens: 5000 }, { headers: { "x-hearth-session": "cap-small" } }).withResponse();
    assert.equal(lastSent().max_tokens, 500);
    assert.equal(notice(small.response.headers), `max_tokens 5000 asked, ${CONFIG_SMALL}`);
    const roomy = await client.responses.create({ model: "hearth/roomy", input: "hi", max_output_tokens: 5000 }, { headers: { "x-hearth-session": "cap-roomy" } }).withResponse();
    assert.equal(lastSent().max_tokens, 1024);
    const said = "max_output_tokens 5000 asked, 1024 sent to local/roomy: the room the turn keeps for the reply in its 4,096-token context window";
    assert.equal(notice(roomy.response.headers), said);
    assert.equal(roomy.data.metadata?.hearth_notice, said);
    // Another message: "hi" again alone on this one-turn session would be a regenerate of the first (docs/openai-api.md), with its notice.
    const within = await client.chat.completions.create({ model: "hearth", messages: [{ role: "user", content: "and now?" }], max_tokens: 200 }, { headers: { "x-hearth-session": "cap-small" } }).withResponse();
    assert.equal(lastSent().max_tokens, 200);
    assert.equal(notice(within.response.headers), undefined, "a limit sent as asked is not news");
  });
});
