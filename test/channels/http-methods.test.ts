import assert from "node:assert/strict";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import OpenAI from "openai";
import { openAiRoutes } from "../../src/channels/http/openai/routes.js";
import { createHttpApp, serveHttp, type HttpLogger, type RunningServer } from "../../src/channels/http/server.js";
import { webChatRoutes } from "../../src/channels/webchat/routes.js";
import { memoryGateway } from "../helpers/memory-gateway.js";
import { tempDir } from "../helpers/run-cli.js";

// Every route of docs/gateway.md and docs/openai-api.md asked with a method it does not take (405, with `Allow`), and paths
// that are no endpoint or name nothing (404 `not_found_error`), on the app as `hearth gateway` mounts it.

const quiet: HttpLogger = { info: () => undefined, warn: () => undefined, error: () => undefined };

const GET_ONLY = ["/health", "/api/status", "/api/sessions", "/api/sessions/work", "/api/events", "/v1/models", "/v1/models/hearth", "/api/v1/models", "/", "/assets/app.js"];
const POST_ONLY = ["/api/sessions/work/messages", "/api/sessions/work/cancel", "/v1/chat/completions", "/v1/responses", "/api/v1/models/load"];

interface ErrorReply {
  error: { message: string; type: string; code: string | null };
}

describe("wrong methods and unknown paths, on every route", () => {
  const assets = tempDir("hearth-web-");
  let server: RunningServer;
  before(async () => {
    assets.write("index.html", "<!doctype html><title>hearth</title>");
    mkdirSync(join(assets.dir, "assets"));
    assets.write("assets/app.js", "void 0;");
    const port = memoryGateway();
    const app = createHttpApp({ port, logger: quiet, version: "0.1.0" });
    // As src/cli/commands/gateway.ts mounts the channels.
    app.route("/", openAiRoutes({ port, logger: quiet }));
    app.route("/", webChatRoutes({ assetsDir: assets.dir }));
    server = await serveHttp({ app, host: "127.0.0.1", port: 0 });
  });
  after(async () => {
    await server.close();
    assets.cleanup();
  });

  test("a method a route does not take is a 405 naming the ones it does, in Allow (with OPTIONS, which every endpoint answers) and in the message", async () => {
    const cases = [
      ...GET_ONLY.flatMap((path) => [{ path, method: "POST", allow: "GET, HEAD, OPTIONS" }, { path, method: "DELETE", allow: "GET, HEAD, OPTIONS" }]),
      ...POST_ONLY.flatMap((path) => [{ path, method: "GET", allow: "POST, OPTIONS" }, { path, method: "PUT", allow: "POST, OPTIONS" }]),
    ];
    for (const { path, method, allow } of cases) {
      const reply = await fetch(`${server.url}${path}`, { method, ...(method === "GET" ? {} : { body: "{}", headers: { "content-type": "application/json" } }) });
      assert.equal(reply.status, 405, `${method} ${path}`);
      assert.equal(reply.headers.get("allow"), allow, `${method} ${path}`);
      const body = (await reply.json()) as ErrorReply;
      assert.equal(body.error.type, "invalid_request_error", `${method} ${path}`);
      assert.equal(body.error.code, "method_not_allowed");
      // The OpenAI-compatible and LM Studio routes are described in docs/openai-api.md, the rest in docs/gateway.md.
      const page = /^\/(v1|api\/v0|api\/v1)\//.test(path) ? "docs/openai-api.md" : "docs/gateway.md";
      assert.equal(body.error.message, `${method} ${path}: this endpoint takes ${allow.replace(", HEAD", "").replace(", OPTIONS", "")} (see ${page})`);
    }
  });

  test("the official SDK raises them as the API's errors: a 405 with the methods, a 404 NotFoundError", async () => {
    const client = new OpenAI({ baseURL: `${server.url}/v1`, apiKey: "unused", maxRetries: 0 });
    await assert.rejects(client.get("/chat/completions"), (error: unknown) => {
      assert.ok(error instanceof OpenAI.APIError && error.status === 405, String(error));
      assert.equal(error.headers.get("allow"), "POST, OPTIONS");
      assert.match(error.message, /^405 GET \/v1\/chat\/completions: this endpoint takes POST/);
      return true;
    });
    await assert.rejects(client.models.retrieve("nobody"), (error: unknown) => error instanceof OpenAI.NotFoundError && (error.error as { type?: string }).type === "not_found_error");
  });

  test("the methods a route takes still reach it", async () => {
    assert.equal((await fetch(`${server.url}/v1/models`)).status, 200);
    assert.equal((await fetch(`${server.url}/v1/models`, { method: "HEAD" })).status, 200);
    assert.equal((await fetch(`${server.url}/assets/app.js`)).status, 200);
    assert.equal((await fetch(`${server.url}/api/sessions/work/cancel`, { method: "POST" })).status, 200);
  });

  test("a path that is no endpoint, or names nothing, is a 404 not_found_error", async () => {
    for (const path of ["/v2/nothing", "/v1/chat", "/assets/..%2f..%2fpackage.json", "/assets/missing.js", "/v1/models/nobody", "/api/sessions/nobody"]) {
      const reply = await fetch(`${server.url}${path}`);
      assert.equal(reply.status, 404, path);
      assert.equal(reply.headers.get("allow"), null, path);
      const body = (await reply.json()) as ErrorReply;
      assert.equal(body.error.type, "not_found_error", `${path}: ${body.error.message}`);
    }
  });
});
