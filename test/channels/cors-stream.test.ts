// Streams through the whole HTTP app with CORS configured (gateway.cors.origins): an allowed page gets
// CORS headers on a streamed answer, and the already-sent marker that Node-direct streams return stays
// one untouched object (Hono copies a finalized answer before CORS adds its Vary).
import { RESPONSE_ALREADY_SENT } from "@hono/node-server/utils/response";
import assert from "node:assert/strict";
import { test } from "node:test";
import { openAiRoutes } from "../../src/channels/http/openai/routes.js";
import { createHttpApp, serveHttp } from "../../src/channels/http/server.js";
import { completionsStream } from "../fakes/openai-completions-stream.js";
import { startFakeServer } from "../fakes/fake-server.js";
import { testGateway } from "../helpers/test-gateway.js";

const ORIGIN = "http://localhost:5173";

test("with CORS configured, streamed answers carry its headers to an allowed page, and the shared already-sent marker stays untouched", async () => {
  const local = await startFakeServer(() => ({ kind: "sse", frames: completionsStream({ text: "Hello there" }) }));
  const gateway = await testGateway(`{
    agents: { defaults: { model: { primary: "local/m1" } } },
    models: { mode: "replace", providers: { local: { baseUrl: "${local.baseUrl}", api: "openai-completions", models: [{ id: "m1", contextWindow: 32000, maxTokens: 1000 }] } } },
  }`);
  const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined };
  const app = createHttpApp({ port: gateway.port, logger: quiet, corsOrigins: [ORIGIN] });
  app.route("/", openAiRoutes({ port: gateway.port, logger: quiet }));
  const server = await serveHttp({ app, host: "127.0.0.1", port: 0 });
  try {
    for (const origin of [ORIGIN, undefined, ORIGIN]) {
      const response = await fetch(`${server.url}/v1/chat/completions`, {
        method: "POST",
        headers: { "content-type": "application/json", ...(origin ? { origin } : {}) },
        body: JSON.stringify({ model: "local/m1", stream: true, messages: [{ role: "user", content: "Hi" }] }),
      });
      assert.equal(response.status, 200);
      assert.equal(response.headers.get("access-control-allow-origin"), origin ?? null);
      // A page may read which model answered, the attempts and the fallback notice.
      if (origin) assert.deepEqual(response.headers.get("access-control-expose-headers")?.toLowerCase().split(/,\s*/).sort(), ["x-hearth-attempts", "x-hearth-model", "x-hearth-notice", "x-hearth-session"]);
      const text = await response.text();
      const said = text
        .split("\n")
        .filter((line) => line.startsWith("data: {"))
        .map((line) => (JSON.parse(line.slice(6)) as { choices: { delta: { content?: string } }[] }).choices[0]?.delta.content ?? "")
        .join("");
      assert.equal(said, "Hello there");
    }
    assert.equal(RESPONSE_ALREADY_SENT.headers.get("vary"), null, "CORS wrote into the shared already-sent marker");
  } finally {
    await server.close();
    await gateway.close();
    await local.close();
  }
});

test("with CORS configured, a whole (non-streaming) proxied answer carries its headers too; without CORS it goes out with the same head", async () => {
  const local = await startFakeServer(() => ({ kind: "sse", frames: completionsStream({ text: "Hello there" }) }));
  const gateway = await testGateway(`{
    agents: { defaults: { model: { primary: "local/m1" } } },
    models: { mode: "replace", providers: { local: { baseUrl: "${local.baseUrl}", api: "openai-completions", models: [{ id: "m1", contextWindow: 32000, maxTokens: 1000 }] } } },
  }`);
  const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined };
  const servers = [];
  for (const corsOrigins of [[ORIGIN], undefined]) {
    const app = createHttpApp({ port: gateway.port, logger: quiet, corsOrigins });
    app.route("/", openAiRoutes({ port: gateway.port, logger: quiet }));
    servers.push({ cors: corsOrigins !== undefined, server: await serveHttp({ app, host: "127.0.0.1", port: 0 }) });
  }
  try {
    for (const { cors, server } of servers) {
      for (const path of ["/v1/chat/completions", "/v1/responses"]) {
        const body = path === "/v1/responses" ? { model: "local/m1", input: "Hi" } : { model: "local/m1", messages: [{ role: "user", content: "Hi" }] };
        const response = await fetch(`${server.url}${path}`, { method: "POST", headers: { "content-type": "application/json", origin: ORIGIN }, body: JSON.stringify(body) });
        const text = await response.text();
        assert.equal(response.status, cors ? 200 : 403, text);
        if (!cors) continue;
        assert.equal(response.headers.get("access-control-allow-origin"), ORIGIN);
        assert.equal(response.headers.get("vary"), "Origin");
        assert.equal(response.headers.get("x-hearth-model"), "local/m1");
        assert.match(text, /Hello there/);
      }
      const plain = await fetch(`${server.url}/v1/chat/completions`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ model: "local/m1", messages: [{ role: "user", content: "Hi" }] }) });
      const text = await plain.text();
      assert.equal(plain.status, 200);
      assert.equal(plain.headers.get("content-type"), "application/json");
      assert.equal(plain.headers.get("content-length"), String(Buffer.byteLength(text)));
      assert.equal(plain.headers.get("x-hearth-model"), "local/m1");
      assert.equal(plain.headers.get("access-control-allow-origin"), null);
      assert.equal((JSON.parse(text) as { choices: { message: { content: string } }[] }).choices[0]?.message.content, "Hello there");
    }
  } finally {
    for (const { server } of servers) await server.close();
    await gateway.close();
    await local.close();
  }
});
