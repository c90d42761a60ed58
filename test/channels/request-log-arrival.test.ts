// A request's log line counts its `ms` from the request's arrival (stamped by serveHttp), whatever
// comes before its route: the t15 trial's first agent-mode request took 4.2 s while its line said
// ms=149 — the proxy front had spent the rest judging it (the catalogue made on first use) before it
// handed it to Hono, whose middleware began the count. A fake clock stands in for the time spent.
import assert from "node:assert/strict";
import http from "node:http";
import { test } from "node:test";
import { Hono } from "hono";
import { proxyFront, type FrontRoute } from "../../src/channels/http/proxy-front.js";
import { requestLogger } from "../../src/channels/http/request-log.js";
import { serveHttp } from "../../src/channels/http/server.js";

function post(url: string, path: string, body: string, method = "POST"): Promise<number> {
  return new Promise((resolve, reject) => {
    const sent = http.request(`${url}${path}`, { method, headers: { "content-type": "application/json" } }, (response) => {
      response.resume();
      response.on("end", () => resolve(response.statusCode ?? 0));
    });
    sent.on("error", reject);
    sent.end(method === "POST" ? body : undefined);
  });
}

test("the request line's ms counts from the request's arrival: the front's time before Hono, and before its own answer, included", async () => {
  let now = 1_000;
  const lines: Record<string, unknown>[] = [];
  const record = (fields: object, message?: string): void => {
    if (message === "request") lines.push(fields as Record<string, unknown>);
  };
  const logger = { info: record, warn: record, error: record };
  const app = new Hono().use(requestLogger(logger));
  app.post("/v1/chat/completions", (c) => {
    now += 25;
    return c.json({ answered: "by hono" });
  });
  app.get("/health", (c) => {
    now += 10;
    return c.json({ status: "ok" });
  });
  // The front judges each request (4 s of work on the clock) and serves only those asking for "front".
  const route: FrontRoute = {
    take: (body) => {
      now += 4_000;
      if ((body as { model?: string }).model !== "front") return undefined;
      return async (c) => {
        now += 30;
        return c.json({ answered: "by the front" });
      };
    },
    onError: (error, c) => c.json({ error: error.message }, 500),
  };
  const front = proxyFront({ routes: new Map([["/v1/chat/completions", route]]), admits: () => true, logger });
  const server = await serveHttp({ app, front, host: "127.0.0.1", port: 0, clock: () => now });
  try {
    const lineFor = async (path: string, body: string, method?: string): Promise<Record<string, unknown>> => {
      const before = lines.length;
      assert.equal(await post(server.url, path, body, method), 200);
      // The line is written once the response has closed.
      for (let wait = 0; wait < 100 && lines.length === before; wait++) await new Promise((done) => setTimeout(done, 10));
      assert.equal(lines.length, before + 1, "one line per request");
      return lines.at(-1) as Record<string, unknown>;
    };
    // Left to Hono by the front (an agent, as the trial's request): its 4 s of judging are counted.
    assert.equal((await lineFor("/v1/chat/completions", JSON.stringify({ model: "hearth" }))).ms, 4_025);
    // Served by the front: its judging and its answer.
    assert.equal((await lineFor("/v1/chat/completions", JSON.stringify({ model: "front" }))).ms, 4_030);
    // A request the front never looks at: its route's time alone.
    assert.equal((await lineFor("/health", "", "GET")).ms, 10);
  } finally {
    await server.close();
  }
});
