// The web chat's POST of a message the gateway refuses because its journal of waiting messages is full (s21): a
// 507 saying why and what to do, at once — not a 202 for a message that is not kept, nor a bare 500.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { Hono } from "hono";
import { apiRoutes } from "../../src/channels/http/api-routes.js";
import { TurnControls } from "../../src/channels/http/turn-controls.js";
import { JournalFullFault, type GatewayPort } from "../../src/gateway/port.js";
import { serveApp, testGateway, type TestGateway } from "../helpers/test-gateway.js";

const FULL = new JournalFullFault({ message: "not kept: the messages already waiting for their turn hold 63.9 MB of the 64.0 MB hearth keeps waiting (12 messages, in /state/inbox/1.jsonl), and this one (0.1 MB) would go past it", details: ["nothing of this message was kept: send it again once hearth has answered the messages before it"] });

describe("a web chat message refused because the journal is full", () => {
  let gateway: TestGateway;
  let url = "";
  let close: () => Promise<void> = async () => undefined;
  before(async () => {
    gateway = await testGateway(`{
      agents: { defaults: { model: "local/m" } },
      models: { mode: "replace", providers: { local: { baseUrl: "http://127.0.0.1:9/v1", api: "openai-completions", models: [{ id: "m", contextWindow: 8192, maxTokens: 512 }] } } },
    }`);
    const full: GatewayPort = { ...gateway.port, handle: () => Promise.reject(FULL) };
    const served = await serveApp(new Hono().route("/api", apiRoutes({ port: full, version: "test", controls: new TurnControls(), logger: { info: () => undefined, warn: () => undefined, error: () => undefined } })));
    url = served.url;
    close = () => served.close();
  });
  after(async () => {
    await close();
    await gateway.close();
  });

  test("507, the why and what to do in the error's message", async () => {
    const reply = await fetch(`${url}/api/sessions/s/messages`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ text: "hello" }) });
    assert.equal(reply.status, 507);
    const body = (await reply.json()) as { error: { message: string; code: string } };
    assert.equal(body.error.code, "journal_full");
    assert.equal(body.error.message, `${FULL.message} — ${FULL.details[0]}`);
  });
});
