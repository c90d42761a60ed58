// OPTIONS, with and without the token, with and without CORS (docs trial t13 leftover: `OPTIONS /api/status` without
// the token was a 405 on a gateway with a token, and a 204 once CORS was configured). A CORS preflight (Origin and
// Access-Control-Request-Method: what a browser sends by itself, never with credentials) is judged by its origin alone;
// any other OPTIONS is an ordinary request: the token where one is set, then 204 with the path's Allow, or its 404.
// Real HTTP on 127.0.0.1, the app as `hearth gateway` mounts it.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { openAiRoutes } from "../../src/channels/http/openai/routes.js";
import { createHttpApp, serveHttp, type HttpLogger, type RunningServer } from "../../src/channels/http/server.js";
import { memoryGateway } from "../helpers/memory-gateway.js";

const quiet: HttpLogger = { info: () => undefined, warn: () => undefined, error: () => undefined };
const TOKEN = "options-token-0123456789abcdef";
const PAGE = "http://localhost:5173";

async function start(options: { token?: string; corsOrigins?: string[] }): Promise<RunningServer> {
  const port = memoryGateway();
  const app = createHttpApp({ port, logger: quiet, version: "0.1.0", auth: { token: options.token }, corsOrigins: options.corsOrigins });
  app.route("/", openAiRoutes({ port, logger: quiet }));
  return await serveHttp({ app, host: "127.0.0.1", port: 0 });
}

const options = (url: string, headers: Record<string, string> = {}): Promise<Response> => fetch(url, { method: "OPTIONS", headers });
const preflight = (origin: string, method = "POST"): Record<string, string> => ({ origin, "access-control-request-method": method, "access-control-request-headers": "authorization,content-type" });
const bearer = { authorization: `Bearer ${TOKEN}` };

describe("OPTIONS: a preflight is judged by its origin, any other OPTIONS as every request", () => {
  const servers: RunningServer[] = [];
  let open: RunningServer;
  let tokened: RunningServer;
  let cors: RunningServer;
  before(async () => {
    open = await start({});
    tokened = await start({ token: TOKEN });
    cors = await start({ token: TOKEN, corsOrigins: [PAGE] });
    servers.push(open, tokened, cors);
  });
  after(async () => {
    await Promise.all(servers.map((server) => server.close()));
  });

  test("a plain OPTIONS needs the token where one is set (401, as any request), with or without CORS; with it, 204 and the path's Allow", async () => {
    for (const server of [tokened, cors]) {
      const refused = await options(`${server.url}/api/status`);
      assert.equal(refused.status, 401, server.url);
      assert.equal(refused.headers.get("www-authenticate"), 'Bearer realm="hearth"');
      assert.equal(((await refused.json()) as { error: { code: string } }).error.code, "unauthorized");
      const allowed = await options(`${server.url}/api/status`, bearer);
      assert.equal(allowed.status, 204);
      assert.equal(allowed.headers.get("allow"), "GET, HEAD, OPTIONS");
      assert.equal(allowed.headers.get("access-control-allow-origin"), null, "no page asked");
    }
    const plain = await options(`${open.url}/v1/chat/completions`);
    assert.equal(plain.status, 204, "a gateway without a token answers it as any request");
    assert.equal(plain.headers.get("allow"), "POST, OPTIONS");
    assert.equal((await options(`${open.url}/v2/nothing`)).status, 404, "a path that is no endpoint is a 404 whatever the method");
    // The paths open to anyone stay open.
    assert.equal((await options(`${tokened.url}/health`)).status, 204);
  });

  test("a preflight needs no token: an allowed origin's is answered with CORS headers; another origin's is a 403; no token is ever asked of it", async () => {
    const allowed = await options(`${cors.url}/v1/chat/completions`, preflight(PAGE));
    assert.equal(allowed.status, 204);
    assert.equal(allowed.headers.get("access-control-allow-origin"), PAGE);
    assert.match(allowed.headers.get("access-control-allow-methods") ?? "", /POST/);
    for (const server of [open, tokened, cors]) {
      const other = await options(`${server.url}/v1/chat/completions`, preflight("http://evil.example"));
      assert.equal(other.status, 403, server.url);
      assert.equal(((await other.json()) as { error: { code: string } }).error.code, "cross_origin");
    }
    // A page of the gateway's own origin needs no CORS: its OPTIONS is answered as a plain one would be, without a token asked.
    const own = await options(`${tokened.url}/v1/models`, preflight(tokened.url, "GET"));
    assert.equal(own.status, 204);
    assert.equal(own.headers.get("allow"), "GET, HEAD, OPTIONS");
  });

  test("an allowed origin's plain OPTIONS (what a page's fetch with method OPTIONS sends after its preflight) carries the token, and gets Allow and its CORS header", async () => {
    assert.equal((await options(`${cors.url}/api/status`, { origin: PAGE })).status, 401);
    const asked = await options(`${cors.url}/api/status`, { origin: PAGE, ...bearer });
    assert.equal(asked.status, 204);
    assert.equal(asked.headers.get("allow"), "GET, HEAD, OPTIONS");
    assert.equal(asked.headers.get("access-control-allow-origin"), PAGE);
  });

  test("Origin: null on a gateway with a token: its preflight is answered (the request after it carries the token); any other OPTIONS without it is refused", async () => {
    const nullPreflight = await options(`${tokened.url}/api/sessions`, preflight("null", "GET"));
    assert.equal(nullPreflight.status, 204);
    assert.equal(nullPreflight.headers.get("access-control-allow-origin"), "null");
    assert.equal((await options(`${tokened.url}/api/sessions`, { origin: "null" })).status, 403);
    const carried = await options(`${tokened.url}/api/sessions`, { origin: "null", ...bearer });
    assert.equal(carried.status, 204);
    assert.equal(carried.headers.get("access-control-allow-origin"), "null");
  });
});
