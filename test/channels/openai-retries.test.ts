import assert from "node:assert/strict";
import { afterEach, describe, test } from "node:test";
import { Hono } from "hono";
import OpenAI from "openai";
import { openAiRoutes } from "../../src/channels/http/openai/routes.js";
import { startFakeServer, type FakeServer } from "../fakes/fake-server.js";
import { serveApp, testGateway } from "../helpers/test-gateway.js";
import { lastUser, scriptedModel } from "../helpers/scripted-model.js";
import { apiSetup, lastBody, type ApiSetup } from "./openai-setup.js";

// The official SDK as a user has it: its default retries (2), which resend every 5xx unless the
// server says `x-should-retry: false`. hearth has been through its chain by then: one request of the
// client must stay one turn — one message in the session, one call to each server.

const posts = (server: FakeServer): number => server.requests.filter((request) => request.method === "POST").length;
const quiet = { info: () => undefined, warn: () => undefined };

describe("OpenAI-compatible API: a request no model answered is not resent by the SDK", () => {
  let api: ApiSetup | undefined;
  const closing: (() => Promise<void>)[] = [];
  afterEach(async () => {
    await api?.close();
    api = undefined;
    for (const close of closing.splice(0)) await close();
  });

  test("agent mode, every server failing (502 and 503), streamed or not, on both endpoints: one message saved, each server called once, x-should-retry: false", async () => {
    api = await apiSetup();
    const setup = api;
    const retrying = new OpenAI({ baseURL: setup.client.baseURL, apiKey: "test-key" });
    assert.equal(retrying.maxRetries, 2, "the SDK's default");
    for (const status of [500, 503]) {
      setup.local.setHandler(() => ({ kind: "json", status, body: { error: { message: "it broke" } } }));
      setup.backup.setHandler(() => ({ kind: "json", status, body: { error: { message: "it broke" } } }));
      for (const [endpoint, stream] of [["chat", false], ["chat", true], ["responses", false], ["responses", true]] as const) {
        const session = `retry-${status}-${endpoint}-${String(stream)}`;
        const before = { local: posts(setup.local), backup: posts(setup.backup) };
        const headers = { "x-hearth-session": session };
        const asked = endpoint === "chat"
          ? retrying.chat.completions.create({ model: "hearth", messages: [{ role: "user", content: "anyone there?" }], stream }, { headers }).withResponse()
          : retrying.responses.create({ model: "hearth", input: "anyone there?", stream }, { headers }).withResponse();
        const error = await asked.then(
          () => assert.fail(`${session}: answered`),
          (failed: unknown) => failed,
        );
        assert.ok(error instanceof OpenAI.APIError, String(error));
        const users = (await setup.gateway.store.read(session)).entries.filter((entry) => entry.type === "user");
        assert.equal(users.length, 1, `${session}: the message is saved once`);
        assert.equal(posts(setup.local) - before.local, 1, `${session}: the local server was called once`);
        assert.equal(posts(setup.backup) - before.backup, 1, `${session}: the fallback was called once`);
        assert.equal(error.status, status === 500 ? 502 : 503, `${session}: ${error.message}`);
        assert.equal(error.headers?.get("x-should-retry"), "false");
      }
    }
  });

  test("a request hearth refuses (an unknown model 404, a body that is not JSON 400) says x-should-retry: false too", async () => {
    api = await apiSetup();
    const unknown = await fetch(`${api.client.baseURL}/chat/completions`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ model: "no-such-model", messages: [{ role: "user", content: "hi" }] }) });
    assert.equal(unknown.status, 404, await unknown.text());
    assert.equal(unknown.headers.get("x-should-retry"), "false");
    const broken = await fetch(`${api.client.baseURL}/responses`, { method: "POST", headers: { "content-type": "application/json" }, body: "{not json" });
    assert.equal(broken.status, 400, await broken.text());
    assert.equal(broken.headers.get("x-should-retry"), "false");
  });

  test("agent mode: the SDK's own resend after its timeout (x-stainless-retry-count) sends the cut-off message again, not a second copy", async () => {
    api = await apiSetup();
    const answer = scriptedModel("openai-completions", (turns) => ({ text: `you said ${lastUser(turns)}` }));
    let calls = 0;
    // The first call never answers: the SDK gives up on its request (the turn is cancelled with it) and sends it again.
    api.local.setHandler((request) => (request.method === "POST" && ++calls === 1 ? { kind: "hang-before-headers" } : answer(request)));
    const impatient = new OpenAI({ baseURL: api.client.baseURL, apiKey: "test-key", timeout: 2000 });
    const answered = await impatient.chat.completions.create({ model: "hearth", messages: [{ role: "user", content: "ping" }] }, { headers: { "x-hearth-session": "resent" } });
    assert.equal(answered.choices[0]?.message.content, "you said ping");
    assert.equal(calls, 2, "the first try was cut off, the second answered");
    const users = (await api.gateway.store.read("resent")).entries.filter((entry) => entry.type === "user");
    assert.deepEqual(users.map((entry) => entry.retryOf === undefined ? "said" : "resent"), ["said", "resent"], "kept once, and resent as /retry does");
    assert.equal(JSON.stringify(lastBody(api.local)).split("ping").length - 1, 1, "the model read the message once");
    // A client that says the same words again itself (no retry count), after the answer, says them again.
    await api.client.chat.completions.create({ model: "hearth", messages: [{ role: "user", content: "ping" }, { role: "assistant", content: "you said ping" }, { role: "user", content: "ping" }] }, { headers: { "x-hearth-session": "resent" } });
    const after = (await api.gateway.store.read("resent")).entries.filter((entry) => entry.type === "user" && entry.retryOf === undefined);
    assert.equal(after.length, 2);
  });

  test("proxy mode: the chain was tried once, the SDK does not run it again", async () => {
    api = await apiSetup();
    const retrying = new OpenAI({ baseURL: api.client.baseURL, apiKey: "test-key" });
    api.local.setHandler(() => ({ kind: "json", status: 500, body: { error: { message: "it broke" } } }));
    api.backup.setHandler(() => ({ kind: "json", status: 503, body: { error: { message: "busy" } } }));
    await assert.rejects(retrying.chat.completions.create({ model: "Local", messages: [{ role: "user", content: "hi" }] }), (error: unknown) => {
      assert.ok(error instanceof OpenAI.APIError);
      assert.equal(error.status, 502);
      assert.equal(error.headers?.get("x-should-retry"), "false");
      return true;
    });
    assert.equal(posts(api.local), 1);
    assert.equal(posts(api.backup), 1);
  });

  test("a hosted fallback without a key (what `hearth init` writes) does not change the status: 503 when the local server is down, as without it", async () => {
    const local = await startFakeServer(() => ({ kind: "json", status: 503, body: { error: { message: "loading" } } }));
    closing.push(() => local.close());
    const statusWith = async (fallbacks: string): Promise<{ status: number; outcomes: string[] }> => {
      const gateway = await testGateway(`{
        agents: { defaults: { model: { primary: "local/m1", fallbacks: ${fallbacks} } } },
        models: { providers: { local: { baseUrl: "${local.baseUrl}", api: "openai-completions", models: [{ id: "m1", contextWindow: 32000, maxTokens: 1000 }] } } },
      }`);
      closing.push(() => gateway.close());
      const served = await serveApp(new Hono().route("/", openAiRoutes({ port: gateway.port, logger: quiet })));
      closing.push(() => served.close());
      const response = await fetch(`${served.url}/v1/chat/completions`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ model: "hearth", messages: [{ role: "user", content: "hi" }] }) });
      const body = (await response.json()) as { error: { attempts: { outcome: string }[] } };
      return { status: response.status, outcomes: body.error.attempts.map((attempt) => attempt.outcome) };
    };
    assert.deepEqual(await statusWith("[]"), { status: 503, outcomes: ["overloaded"] });
    assert.deepEqual(await statusWith(`["anthropic/claude-haiku-4-5"]`), { status: 503, outcomes: ["overloaded", "skipped-no-key"] });
  });
});
