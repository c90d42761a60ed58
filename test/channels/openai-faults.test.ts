// A fault in hearth while an answer is under way (not the request's, not a model's) told the client its
// internal text ("the turn failed: Cannot read properties of undefined … /root/…", "proxy failed: …") and
// logged nothing (the reviewer rev13 found it). The client is now told where to look; the log has what it was.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { Hono } from "hono";
import { openAiRoutes } from "../../src/channels/http/openai/routes.js";
import type { GatewayPort } from "../../src/gateway/port.js";
import { serveApp, testGateway, type TestGateway } from "../helpers/test-gateway.js";

const FAULT = "Cannot read properties of undefined (reading 'apiKey') at /root/.hearth/secret-path";

describe("a fault in hearth during an answer: where to look for the client, what it was for the log", () => {
  let gateway: TestGateway;
  let url = "";
  let close: () => Promise<void> = async () => undefined;
  const logged: { err?: unknown }[] = [];
  before(async () => {
    gateway = await testGateway(`{
      agents: { defaults: { model: "local/m" } },
      models: { mode: "replace", providers: { local: { baseUrl: "http://127.0.0.1:9/v1", api: "openai-completions", models: [{ id: "m", contextWindow: 8192, maxTokens: 512 }] } } },
    }`);
    const broken: GatewayPort = {
      ...gateway.port,
      handle: () => Promise.reject(new TypeError(FAULT)),
      proxy: () => {
        throw new TypeError(FAULT);
      },
    };
    const served = await serveApp(new Hono().route("/", openAiRoutes({ port: broken, logger: { info: () => undefined, warn: (fields) => void logged.push(fields as { err?: unknown }) } })));
    url = served.url;
    close = () => served.close();
  });
  after(async () => {
    await close();
    await gateway.close();
  });

  for (const [mode, model] of [["agent mode", "hearth"], ["proxy mode", "local/m"]] as const) {
    test(`${mode}: the reply says a fault in hearth, never its text; the log has it`, async () => {
      const before = logged.length;
      for (const stream of [false, true]) {
        const reply = await fetch(`${url}/v1/chat/completions`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ model, stream, messages: [{ role: "user", content: "hi" }] }) });
        const text = await reply.text();
        assert.doesNotMatch(text, /apiKey|secret-path|Cannot read/, text);
        assert.match(text, /a fault in hearth \(its log says what: hearth logs\)/, text);
      }
      const faults = logged.slice(before).map((fields) => (fields.err instanceof Error ? fields.err.message : String(fields.err)));
      assert.ok(faults.length >= 2 && faults.every((message) => message === FAULT), JSON.stringify(faults));
    });
  }
});
