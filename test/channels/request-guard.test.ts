// Other websites cannot drive the gateway: a page of another origin is refused (CSRF with a "simple"
// text/plain POST), and so is a Host the gateway does not answer to (DNS rebinding); clients that send
// no Origin, the gateway's own page and the configured CORS origins are unaffected. Real HTTP on
// 127.0.0.1, with node:http so the Host header can be set.
import assert from "node:assert/strict";
import { request } from "node:http";
import { after, before, describe, test } from "node:test";
import { createHttpApp, serveHttp, type RunningServer } from "../../src/channels/http/server.js";
import { memoryGateway, type MemoryGateway } from "../helpers/memory-gateway.js";

interface Answer {
  status: number;
  body: string;
  error?: { message: string; type: string; code: string };
}

/** One request over a real connection, with exactly these headers (Host included). */
function send(url: string, options: { method?: string; path: string; headers?: Record<string, string>; body?: string }): Promise<Answer> {
  const { port } = new URL(url);
  return new Promise((resolve, reject) => {
    const outgoing = request({ host: "127.0.0.1", port: Number(port), method: options.method ?? "GET", path: options.path, headers: options.headers ?? {} }, (incoming) => {
      let body = "";
      incoming.setEncoding("utf8");
      incoming.on("data", (chunk: string) => (body += chunk));
      incoming.on("end", () => {
        const parsed = (() => {
          try {
            return JSON.parse(body) as { error?: Answer["error"] };
          } catch {
            return {};
          }
        })();
        resolve({ status: incoming.statusCode ?? 0, body, ...(parsed.error ? { error: parsed.error } : {}) });
      });
    });
    outgoing.on("error", reject);
    outgoing.end(options.body);
  });
}

const silent = { info: () => undefined, warn: () => undefined, error: () => undefined };

async function start(options: { bind?: string; corsOrigins?: string[]; allowedHosts?: string[]; token?: string } = {}): Promise<{ server: RunningServer; gateway: MemoryGateway; host: string }> {
  const gateway = memoryGateway();
  const app = createHttpApp({ port: gateway, auth: { token: options.token }, logger: silent, corsOrigins: options.corsOrigins, bind: options.bind, allowedHosts: options.allowedHosts, version: "0.1.0" });
  const server = await serveHttp({ app, host: "127.0.0.1", port: 0 });
  return { server, gateway, host: `127.0.0.1:${server.port}` };
}

const message = (text: string) => JSON.stringify({ text });

describe("a default gateway (loopback, no token) and other websites", () => {
  let server: RunningServer;
  let gateway: MemoryGateway;
  let host: string;
  before(async () => {
    ({ server, gateway, host } = await start());
  });
  after(() => server.close());

  test("a page of another origin posting text/plain is refused with 403, saying why and the fix; no turn runs", async () => {
    const refused = await send(server.url, { method: "POST", path: "/api/sessions/csrf/messages", headers: { host, origin: "http://evil.example", "content-type": "text/plain" }, body: message("run this") });
    assert.equal(refused.status, 403);
    assert.equal(refused.error?.type, "permission_error");
    assert.equal(refused.error?.code, "cross_origin");
    assert.match(refused.error?.message ?? "", /another origin \(http:\/\/evil\.example\).*add "http:\/\/evil\.example" to gateway\.cors\.origins/);
    assert.equal(gateway.handled.length, 0);
    // Reading is refused the same way, and "null" (a sandboxed frame, a file) is another origin too.
    assert.equal((await send(server.url, { path: "/api/sessions", headers: { host, origin: "http://evil.example" } })).status, 403);
    assert.equal((await send(server.url, { path: "/api/sessions", headers: { host, origin: "null" } })).status, 403);
  });

  test("without Origin, Sec-Fetch-Site: cross-site is refused, except a link that opens a page in a tab", async () => {
    const fetched = await send(server.url, { path: "/api/sessions", headers: { host, "sec-fetch-site": "cross-site", "sec-fetch-mode": "no-cors", "sec-fetch-dest": "script" } });
    assert.equal(fetched.status, 403);
    assert.match(fetched.error?.message ?? "", /Sec-Fetch-Site: cross-site.*gateway\.cors\.origins/);
    const framed = await send(server.url, { path: "/api/status", headers: { host, "sec-fetch-site": "cross-site", "sec-fetch-mode": "navigate", "sec-fetch-dest": "iframe" } });
    assert.equal(framed.status, 403);
    const opened = await send(server.url, { path: "/api/status", headers: { host, "sec-fetch-site": "cross-site", "sec-fetch-mode": "navigate", "sec-fetch-dest": "document" } });
    assert.equal(opened.status, 200);
    assert.equal((await send(server.url, { path: "/api/status", headers: { host, "sec-fetch-site": "same-origin" } })).status, 200);
  });

  test("without Origin, Sec-Fetch-Site: same-site (a page on another port of this machine: the port makes no other site) is refused the same way", async () => {
    const script = await send(server.url, { path: "/api/sessions", headers: { host, "sec-fetch-site": "same-site", "sec-fetch-mode": "no-cors", "sec-fetch-dest": "script" } });
    assert.equal(script.status, 403);
    assert.match(script.error?.message ?? "", /another origin of the same site.*Sec-Fetch-Site: same-site.*gateway\.cors\.origins/);
    const posted = await send(server.url, { method: "POST", path: "/api/sessions/same-site/messages", headers: { host, "sec-fetch-site": "same-site", "sec-fetch-mode": "no-cors", "content-type": "text/plain" }, body: message("run this") });
    assert.equal(posted.status, 403);
    assert.equal(gateway.handled.length, 0);
    const framed = await send(server.url, { path: "/api/status", headers: { host, "sec-fetch-site": "same-site", "sec-fetch-mode": "navigate", "sec-fetch-dest": "iframe" } });
    assert.equal(framed.status, 403);
    const opened = await send(server.url, { path: "/api/status", headers: { host, "sec-fetch-site": "same-site", "sec-fetch-mode": "navigate", "sec-fetch-dest": "document" } });
    assert.equal(opened.status, 200, "a link from the other page that opens this one in a tab");
  });

  test("clients that send no Origin and the gateway's own page (same origin, by each loopback name) work", async () => {
    const posted = await send(server.url, { method: "POST", path: "/api/sessions/plain/messages", headers: { host, "content-type": "application/json" }, body: message("hi") });
    assert.equal(posted.status, 202);
    for (const name of ["127.0.0.1", "localhost", "[::1]"]) {
      const own = `${name}:${server.port}`;
      const page = await send(server.url, { method: "POST", path: "/api/sessions/own/messages", headers: { host: own, origin: `http://${own}`, "content-type": "application/json" }, body: message(name) });
      assert.equal(page.status, 202, `${name}: ${page.body}`);
      assert.equal((await send(server.url, { path: "/api/sessions", headers: { host: name } })).status, 200, `${name} without a port`);
    }
    assert.equal((await send(server.url, { path: "/api/sessions", headers: { host: `LOCALHOST:${server.port}` } })).status, 200);
    assert.deepEqual(
      gateway.handled.map((inbound) => inbound.text),
      ["hi", "127.0.0.1", "localhost", "[::1]"],
    );
    // The same page name on another port is another origin.
    assert.equal((await send(server.url, { path: "/api/sessions", headers: { host, origin: "http://127.0.0.1:5173" } })).status, 403);
  });

  test("a Host that is not a loopback name is refused (DNS rebinding), saying why; /health answers any Host, but only whether it is alive", async () => {
    for (const name of [`evil.example:${server.port}`, "evil.example", "127.0.0.1.evil.example", `192.168.1.5:${server.port}`, "localhost.", "localhost.evil.example"]) {
      const refused = await send(server.url, { path: "/api/sessions", headers: { host: name } });
      assert.equal(refused.status, 421, name);
      assert.equal(refused.error?.code, "unknown_host", name);
      assert.match(refused.error?.message ?? "", /does not answer to the host name .*DNS rebinding.*gateway\.allowedHosts/, name);
    }
    const named = await send(server.url, { path: "/api/sessions", headers: { host: `evil.example:${server.port}` } });
    assert.match(named.error?.message ?? "", new RegExp(`open it as http://127\\.0\\.0\\.1:${server.port}/ or http://localhost:${server.port}/, or add "evil\\.example" to gateway\\.allowedHosts`));
    // A Host without a port, or with another one, still gets the URL the gateway listens on.
    for (const name of ["evil.example", "evil.example:80"]) {
      const bare = await send(server.url, { path: "/api/sessions", headers: { host: name } });
      assert.match(bare.error?.message ?? "", new RegExp(`open it as http://127\\.0\\.0\\.1:${server.port}/ or http://localhost:${server.port}/,`), name);
    }
    // Even the page's own origin does not help a rebound name.
    const rebound = await send(server.url, { method: "POST", path: "/api/sessions/x/messages", headers: { host: `evil.example:${server.port}`, origin: `http://evil.example:${server.port}`, "content-type": "application/json" }, body: message("x") });
    assert.equal(rebound.status, 421);
    // A rebound page learns that something is alive there, not that it is hearth, its version, since when, nor which state dir.
    const foreign = await send(server.url, { path: "/health", headers: { host: "evil.example" } });
    assert.equal(foreign.status, 200);
    assert.deepEqual(JSON.parse(foreign.body), { status: "ok" });
    const own = await send(server.url, { path: "/health", headers: { host: `127.0.0.1:${server.port}` } });
    assert.equal((JSON.parse(own.body) as { service?: string }).service, "hearth");
    assert.equal(gateway.handled.filter((inbound) => inbound.text === "x").length, 0);
  });
});

describe("the settings: CORS origins, another bind, allowed host names", () => {
  test("an origin of gateway.cors.origins may call it (CORS headers too); others still may not", async () => {
    const { server, host } = await start({ corsOrigins: ["http://localhost:5173"] });
    try {
      const allowed = await send(server.url, { path: "/api/sessions", headers: { host, origin: "http://localhost:5173" } });
      assert.equal(allowed.status, 200);
      const preflight = await send(server.url, { method: "OPTIONS", path: "/api/sessions/s/messages", headers: { host, origin: "http://localhost:5173", "access-control-request-method": "POST" } });
      assert.equal(preflight.status, 204);
      assert.equal((await send(server.url, { path: "/api/sessions", headers: { host, origin: "http://localhost:5174" } })).status, 403);
    } finally {
      await server.close();
    }
  });

  test("off loopback: IP addresses, localhost names, the bind address and gateway.allowedHosts; no other name", async () => {
    const token = "a-very-long-test-token-0123456789";
    const { server } = await start({ bind: "0.0.0.0", token, allowedHosts: ["Studio.Local"] });
    const bearer = { authorization: `Bearer ${token}` };
    try {
      for (const name of ["192.168.1.5:18790", "10.0.0.2", "[fe80::1]:18790", "localhost:18790", "studio.local:18790", "STUDIO.local"]) {
        assert.equal((await send(server.url, { path: "/api/sessions", headers: { host: name, ...bearer } })).status, 200, name);
      }
      const refused = await send(server.url, { path: "/api/sessions", headers: { host: "evil.example:18790", ...bearer } });
      assert.equal(refused.status, 421);
      assert.match(refused.error?.message ?? "", /add "evil\.example" to gateway\.allowedHosts/);
    } finally {
      await server.close();
    }
    const named = await start({ bind: "127.0.0.2" });
    try {
      assert.equal((await send(named.server.url, { path: "/api/sessions", headers: { host: "127.0.0.2:18790" } })).status, 200);
      assert.equal((await send(named.server.url, { path: "/api/sessions", headers: { host: "10.0.0.2:18790" } })).status, 421, "on loopback, only loopback names");
    } finally {
      await named.server.close();
    }
  });
});

// t13 #4: editor webviews send `app://obsidian.md`, `vscode-webview://…` or `null`; the 403 named a fix the config refused.
describe("editor webviews: any scheme://host origin may be allowed, Origin: null only with the token", () => {
  test("an app:// or vscode-webview:// origin of gateway.cors.origins is let in, its preflight answered, compared exactly as the browser sends it", async () => {
    const { server, host } = await start({ corsOrigins: ["app://obsidian.md", "vscode-webview://1a2b3c"] });
    try {
      for (const origin of ["app://obsidian.md", "vscode-webview://1a2b3c"]) {
        const preflight = await sendWithHeaders(server.url, { method: "OPTIONS", path: "/api/sessions", headers: { host, origin, "access-control-request-method": "GET", "access-control-request-headers": "authorization" } });
        assert.equal(preflight.status, 204, origin);
        assert.equal(preflight.headers["access-control-allow-origin"], origin);
        const allowed = await sendWithHeaders(server.url, { path: "/api/sessions", headers: { host, origin } });
        assert.equal(allowed.status, 200, origin);
        assert.equal(allowed.headers["access-control-allow-origin"], origin);
      }
      for (const origin of ["app://obsidian.md.evil", "app://OBSIDIAN.md", "https://obsidian.md", "vscode-webview://other"]) {
        const refused = await send(server.url, { path: "/api/sessions", headers: { host, origin } });
        assert.equal(refused.status, 403, origin);
        assert.match(refused.error?.message ?? "", new RegExp(`add "${origin.replace(/[.]/g, "\\.")}" to gateway\\.cors\\.origins`));
      }
    } finally {
      await server.close();
    }
  });

  test("Origin: null is refused without the token, and the 403 says why no setting allows it and what to do instead", async () => {
    const { server, gateway, host } = await start({ corsOrigins: ["http://localhost:5173"] });
    try {
      const refused = await send(server.url, { method: "POST", path: "/api/sessions/s/messages", headers: { host, origin: "null", "content-type": "text/plain" }, body: message("x") });
      assert.equal(refused.status, 403);
      assert.equal(refused.error?.code, "cross_origin");
      const words = refused.error?.message ?? "";
      assert.match(words, /sandboxed iframe on any website/);
      assert.match(words, /gateway\.cors\.origins cannot allow it/);
      assert.match(words, /set gateway\.auth\.token in the config and have the client send it/);
      assert.match(words, /call the gateway from the app's own process, which sends no Origin/);
      assert.doesNotMatch(words, /add "null"/);
      const preflight = await sendWithHeaders(server.url, { method: "OPTIONS", path: "/api/sessions", headers: { host, origin: "null", "access-control-request-method": "GET" } });
      assert.equal(preflight.status, 403, "no token: nothing a null origin sends may pass, its preflight neither");
      assert.equal(gateway.handled.length, 0);
    } finally {
      await server.close();
    }
  });

  test("with a token: Origin: null passes carrying it (its preflight too, which carries none), and is refused without it; other requests keep no CORS header", async () => {
    const token = "a-very-long-test-token-0123456789";
    const { server, gateway, host } = await start({ token });
    try {
      const preflight = await sendWithHeaders(server.url, { method: "OPTIONS", path: "/api/sessions/s/messages", headers: { host, origin: "null", "access-control-request-method": "POST", "access-control-request-headers": "authorization,content-type" } });
      assert.equal(preflight.status, 204);
      assert.equal(preflight.headers["access-control-allow-origin"], "null");
      assert.match(String(preflight.headers["access-control-allow-headers"]), /authorization/i);
      const withToken = await sendWithHeaders(server.url, { method: "POST", path: "/api/sessions/s/messages", headers: { host, origin: "null", "content-type": "application/json", authorization: `Bearer ${token}` }, body: message("with the token") });
      assert.equal(withToken.status, 202, withToken.body);
      assert.equal(withToken.headers["access-control-allow-origin"], "null", "the page can read the answer");
      const without = await send(server.url, { method: "POST", path: "/api/sessions/s/messages", headers: { host, origin: "null", "content-type": "text/plain" }, body: message("no token") });
      assert.equal(without.status, 403);
      assert.match(without.error?.message ?? "", /send the gateway's token with it/);
      const wrong = await send(server.url, { method: "POST", path: "/api/sessions/s/messages", headers: { host, origin: "null", "content-type": "text/plain", authorization: "Bearer not-the-token-at-all-0000" }, body: message("wrong token") });
      assert.equal(wrong.status, 403);
      assert.deepEqual(gateway.handled.map((inbound) => inbound.text), ["with the token"]);
      // A page of another origin still may not, token or not (listing its origin is how it is let in).
      assert.equal((await send(server.url, { path: "/api/sessions", headers: { host, origin: "https://evil.example", authorization: `Bearer ${token}` } })).status, 403);
      const plain = await sendWithHeaders(server.url, { path: "/api/sessions", headers: { host, authorization: `Bearer ${token}` } });
      assert.equal(plain.status, 200);
      assert.equal(plain.headers["access-control-allow-origin"], undefined);
      assert.equal(plain.headers["access-control-expose-headers"], undefined, "a request without Origin gets no CORS header at all");
    } finally {
      await server.close();
    }
  });
});

describe("the 404 of an endpoint the gateway does not serve names the page of its routes", () => {
  test("under /v1/ and LM Studio's /api/v0/, /api/v1/: docs/openai-api.md and what to call instead; elsewhere docs/gateway.md", async () => {
    const { server, host } = await start();
    try {
      const expectations: [string, RegExp][] = [
        ["/api/v1/chat", /LM Studio's native chat is not served: send the conversation in OpenAI's shape to POST \/v1\/chat\/completions or POST \/v1\/responses .*\(see docs\/openai-api\.md\)$/],
        ["/v1/completions", /send the prompt as a user message to POST \/v1\/chat\/completions \(see docs\/openai-api\.md\)$/],
        ["/api/v0/embeddings", /embeddings are not served .*\(see docs\/openai-api\.md\)$/],
        ["/v1/nothing", /this gateway serves GET \/v1\/models, .*POST \/api\/v1\/models\/unload.*\(see docs\/openai-api\.md\)$/],
        ["/api/nothing", /^no such endpoint: POST \/api\/nothing \(see docs\/gateway\.md\)$/],
      ];
      for (const [path, expected] of expectations) {
        const answer = await send(server.url, { method: "POST", path, headers: { host, "content-type": "application/json" }, body: "{}" });
        assert.equal(answer.status, 404, path);
        assert.match(answer.error?.message ?? "", expected, path);
      }
    } finally {
      await server.close();
    }
  });
});

/** As send, with the answer's headers. */
function sendWithHeaders(url: string, options: { method?: string; path: string; headers?: Record<string, string>; body?: string }): Promise<Answer & { headers: Record<string, string | string[] | undefined> }> {
  const { port } = new URL(url);
  return new Promise((resolve, reject) => {
    const outgoing = request({ host: "127.0.0.1", port: Number(port), method: options.method ?? "GET", path: options.path, headers: options.headers ?? {} }, (incoming) => {
      let body = "";
      incoming.setEncoding("utf8");
      incoming.on("data", (chunk: string) => (body += chunk));
      incoming.on("end", () => resolve({ status: incoming.statusCode ?? 0, body, headers: incoming.headers }));
    });
    outgoing.on("error", reject);
    outgoing.end(options.body);
  });
}
