import type { ChannelView } from "../../src/channels/http/api-routes.js";
import assert from "node:assert/strict";
import http from "node:http";
import { after, before, describe, test } from "node:test";
import { createHttpApp, serveHttp, type RunningServer } from "../../src/channels/http/server.js";
import type { HttpLogger } from "../../src/channels/http/server.js";
import { HearthError } from "../../src/shared/errors.js";
import { memoryGateway, type MemoryGateway } from "../helpers/memory-gateway.js";
import { openSse } from "../helpers/sse-client.js";

const TOKEN = "a-very-long-test-token-0123456789";

function recordingLogger(): HttpLogger & { lines: string[] } {
  const lines: string[] = [];
  const log = (fields: object, message?: string): void => void lines.push(JSON.stringify({ ...fields, msg: message }));
  return { lines, info: log, warn: log, error: log };
}

async function start(options: { token?: string; corsOrigins?: string[]; maxBodyBytes?: number; keepAliveMs?: number; shutdown?: AbortSignal; channelStatus?: () => readonly ChannelView[] } = {}) {
  const gateway = memoryGateway();
  const logger = recordingLogger();
  const app = createHttpApp({ port: gateway, auth: { token: options.token }, limits: { maxBodyBytes: options.maxBodyBytes ?? 8 * 1024 * 1024, keepAliveMs: options.keepAliveMs }, logger, corsOrigins: options.corsOrigins, version: "0.1.0", shutdown: options.shutdown, channelStatus: options.channelStatus });
  const server = await serveHttp({ app, host: "127.0.0.1", port: 0 });
  return { gateway, logger, server };
}

describe("the gateway's HTTP server", () => {
  let server: RunningServer;
  let gateway: MemoryGateway;
  const shutdown = new AbortController();
  const bearer = { authorization: `Bearer ${TOKEN}` };
  before(async () => {
    ({ server, gateway } = await start({ token: TOKEN, keepAliveMs: 50, shutdown: shutdown.signal }));
  });
  after(async () => {
    shutdown.abort();
    await server.close();
  });

  test("/health answers without the token; everything else needs it, in OpenAI's error shape", async () => {
    const health = await fetch(`${server.url}/health`);
    assert.equal(health.status, 200);
    const body = (await health.json()) as { status: string; version: string; uptimeSeconds: number };
    assert.equal(body.status, "ok");
    assert.equal(body.version, "0.1.0");
    assert.equal(typeof body.uptimeSeconds, "number");

    for (const headers of [{} as Record<string, string>, { authorization: TOKEN }]) {
      const refused = await fetch(`${server.url}/api/status`, { headers });
      assert.equal(refused.status, 401, JSON.stringify(headers));
      assert.deepEqual(await refused.json(), { error: { message: "this gateway needs its token: Authorization: Bearer …", type: "authentication_error", code: "unauthorized" } });
    }
    // t16 #4: a token that is not the gateway's is told so, not to send the token it sent (and nothing of the right one).
    for (const headers of [{ authorization: "Bearer wrong-token" }, { authorization: `Bearer ${TOKEN}x` }]) {
      const refused = await fetch(`${server.url}/api/status`, { headers });
      assert.equal(refused.status, 401, JSON.stringify(headers));
      assert.deepEqual(await refused.json(), { error: { message: "the token sent (Authorization: Bearer …) is not this gateway's: send its gateway.auth.token (a client set up for LM Studio or OpenAI sends it as its API key)", type: "authentication_error", code: "unauthorized" } });
    }
    const unknown = await fetch(`${server.url}/nowhere`);
    assert.equal(unknown.status, 401, "an unknown path gives nothing away without the token");
    const allowed = await fetch(`${server.url}/api/status`, { headers: bearer });
    assert.equal(allowed.status, 200);
    // The page's assets are open to a HEAD as to a GET (t8 #4: a HEAD needed the token).
    const asset = await fetch(`${server.url}/assets/app.js`);
    const head = await fetch(`${server.url}/assets/app.js`, { method: "HEAD" });
    assert.notEqual(asset.status, 401);
    assert.equal(head.status, asset.status);
  });

  test("/api/status: version, setup problems, agents, models, providers", async () => {
    gateway.setup = ["no model server at 127.0.0.1:1234 — start LM Studio's server"];
    gateway.providers = [{ provider: "local", local: true, state: "down", firstTokenMs: [], reason: "no answer" }];
    const status = (await (await fetch(`${server.url}/api/status`, { headers: bearer })).json()) as Record<string, unknown>;
    assert.deepEqual(status, {
      version: "0.1.0",
      command: "hearth",
      setup: ["no model server at 127.0.0.1:1234 — start LM Studio's server"],
      agents: [{ id: "main", name: "hearth", primary: "local/m" }],
      models: [],
      providers: [{ provider: "local", local: true, state: "down", firstTokenMs: [], reason: "no answer" }],
      channels: [],
    });
  });

  test("/api/status: the messaging channels, as the composition root reads them", async () => {
    const whatsapp: ChannelView = { id: "whatsapp", enabled: true, linked: true, state: "reconnecting", since: "2026-01-01T00:00:00.000Z", reason: "connection lost or timed out", qr: null };
    const { server: withChannel } = await start({ channelStatus: () => [whatsapp] });
    try {
      const status = (await (await fetch(`${withChannel.url}/api/status`)).json()) as { channels: unknown };
      assert.deepEqual(status.channels, [whatsapp]);
    } finally {
      await withChannel.close();
    }
  });

  test("sessions: the list, a transcript with its context, 404 for an unknown one, 400 for a bad key", async () => {
    gateway.sessionList = [{ session: "main", updated: "2026-01-01T00:00:00.000Z", turns: 1, lastText: "hi" }];
    gateway.transcripts.set("main", [{ role: "user", text: "hi", at: "2026-01-01T00:00:00.000Z" }]);
    assert.deepEqual(await (await fetch(`${server.url}/api/sessions`, { headers: bearer })).json(), { sessions: gateway.sessionList, problems: [] });
    const one = (await (await fetch(`${server.url}/api/sessions/main`, { headers: bearer })).json()) as Record<string, unknown>;
    assert.deepEqual(one, { session: "main", items: gateway.transcripts.get("main"), waiting: [], context: { model: "local/m", tokens: 10, window: 1000, promptTokens: 700 }, settings: { reasoning: false, model: null } });
    const missing = await fetch(`${server.url}/api/sessions/other`, { headers: bearer });
    assert.equal(missing.status, 404);
    assert.equal(((await missing.json()) as { error: { code: string } }).error.code, "session_not_found");
    const bad = await fetch(`${server.url}/api/sessions/${encodeURIComponent("no spaces")}`, { headers: bearer });
    assert.equal(bad.status, 400);
    assert.match(((await bad.json()) as { error: { message: string } }).error.message, /not a valid session key/);
  });

  test("a message is accepted at once (202) and handled as a web chat message; a bad body is a 400", async () => {
    let release: () => void = () => undefined;
    gateway.onHandle = (inbound) => new Promise((resolve) => (release = () => resolve({ kind: "command", text: inbound.text })));
    const response = await fetch(`${server.url}/api/sessions/s1/messages`, { method: "POST", headers: { ...bearer, "content-type": "application/json" }, body: JSON.stringify({ text: "hello", model: "Local" }) });
    assert.equal(response.status, 202, "accepted while the turn is still running");
    assert.deepEqual(await response.json(), { accepted: true });
    const inbound = gateway.handled.at(-1);
    assert.equal(inbound?.channel, "webchat");
    assert.equal(inbound?.session, "s1");
    assert.equal(inbound?.text, "hello");
    assert.equal(inbound?.model, "Local");
    assert.equal(inbound?.canRestart, true);

    const cancel = await fetch(`${server.url}/api/sessions/s1/cancel`, { method: "POST", headers: bearer });
    assert.deepEqual(await cancel.json(), { cancelled: true });
    assert.equal(inbound?.signal?.aborted, true, "cancel aborts the running turn's signal");
    release();
    await new Promise((resolve) => setImmediate(resolve));
    const again = await fetch(`${server.url}/api/sessions/s1/cancel`, { method: "POST", headers: bearer });
    assert.deepEqual(await again.json(), { cancelled: false }, "nothing left to cancel once the turn ended");

    for (const body of ["not json", JSON.stringify({ text: 5 }), JSON.stringify({ text: "x", extra: true }), JSON.stringify({ text: "  " })]) {
      const refused = await fetch(`${server.url}/api/sessions/s1/messages`, { method: "POST", headers: { ...bearer, "content-type": "application/json" }, body });
      assert.equal(refused.status, 400, body);
      assert.equal(((await refused.json()) as { error: { type: string } }).error.type, "invalid_request_error");
    }
  });

  test("a message sent again by the page (its first try's answer lost) says so: `repeated` reaches the gateway, which keeps it once", async () => {
    gateway.onHandle = async (inbound) => ({ kind: "command", text: inbound.text });
    for (const repeated of [true, false, undefined]) {
      const response = await fetch(`${server.url}/api/sessions/s2/messages`, { method: "POST", headers: { ...bearer, "content-type": "application/json" }, body: JSON.stringify({ text: "typed while away", ...(repeated === undefined ? {} : { repeated }) }) });
      assert.equal(response.status, 202);
      assert.equal(gateway.handled.at(-1)?.repeated, repeated, String(repeated));
    }
    const refused = await fetch(`${server.url}/api/sessions/s2/messages`, { method: "POST", headers: { ...bearer, "content-type": "application/json" }, body: JSON.stringify({ text: "x", repeated: "yes" }) });
    assert.equal(refused.status, 400);
    assert.match(((await refused.json()) as { error: { message: string } }).error.message, /"repeated"\?: boolean/);
  });

  test("a kept message sent by two tabs (one id) is run once: the second POST is told it is a duplicate; an id refused the first time can be sent again", async () => {
    gateway.onHandle = async (inbound) => ({ kind: "command", text: inbound.text });
    const post = (session: string, body: object): Promise<Response> =>
      fetch(`${server.url}/api/sessions/${session}/messages`, { method: "POST", headers: { ...bearer, "content-type": "application/json" }, body: JSON.stringify(body) });
    const before = gateway.handled.length;
    const first = await post("s3", { text: "kept in two tabs", id: "held-1" });
    assert.equal(first.status, 202);
    assert.deepEqual(await first.json(), { accepted: true });
    const second = await post("s3", { text: "kept in two tabs", id: "held-1" });
    assert.equal(second.status, 202);
    assert.deepEqual(await second.json(), { accepted: true, duplicate: true });
    assert.equal(gateway.handled.length, before + 1, "run once");
    // The same id in another session, or no id: a message of its own.
    assert.deepEqual(await (await post("s4", { text: "kept in two tabs", id: "held-1" })).json(), { accepted: true });
    assert.deepEqual(await (await post("s3", { text: "kept in two tabs" })).json(), { accepted: true });
    assert.equal(gateway.handled.length, before + 3);

    gateway.onHandle = () => Promise.reject(new HearthError("usage", 'model "nowhere" does not exist'));
    assert.equal((await post("s3", { text: "to a model that is not there", id: "held-2", model: "nowhere" })).status, 400);
    gateway.onHandle = async (inbound) => ({ kind: "command", text: inbound.text });
    assert.deepEqual(await (await post("s3", { text: "to a model that is not there", id: "held-2" })).json(), { accepted: true }, "refused, it was not taken");
  });

  test("/api/events: setup and provider health on connect, then every published event, keep-alive comments; closing unsubscribes", async () => {
    gateway.setup = ["needs a server"];
    gateway.providers = [{ provider: "local", local: true, state: "up", firstTokenMs: [120] }];
    const before = gateway.subscribers();
    const events = await openSse(`${server.url}/api/events`, bearer);
    assert.equal(events.status, 200);
    assert.match(events.headers.get("content-type") ?? "", /text\/event-stream/);
    const setup = await events.next();
    assert.equal(setup.event, "setup");
    assert.deepEqual(JSON.parse(setup.data), { type: "setup", problems: ["needs a server"] });
    const health = await events.next();
    assert.equal(health.event, "provider-health");
    assert.deepEqual(JSON.parse(health.data).health, gateway.providers[0]);

    gateway.publish({ type: "turn-event", session: "s1", event: { type: "text-delta", delta: "Hel" } });
    gateway.publish({ type: "command-result", session: "s1", text: "Started a fresh conversation." });
    const delta = await events.next();
    assert.equal(delta.event, "turn-event");
    assert.deepEqual(JSON.parse(delta.data), { type: "turn-event", session: "s1", event: { type: "text-delta", delta: "Hel" } });
    assert.equal((await events.next()).event, "command-result");
    while (events.comments.length === 0) await new Promise((resolve) => setTimeout(resolve, 20));
    assert.equal(events.comments[0]?.trim(), "keep-alive");

    assert.equal(gateway.subscribers(), before + 1);
    events.close();
    await events.ended;
    while (gateway.subscribers() !== before) await new Promise((resolve) => setTimeout(resolve, 10));
  });

  test("the gateway shutting down ends the event streams", async () => {
    const local = new AbortController();
    const { server: own } = await start({ shutdown: local.signal });
    const events = await openSse(`${own.url}/api/events`);
    await events.next((message) => message.event === "setup");
    local.abort();
    await events.ended;
    await own.close();
  });
});

describe("limits, CORS and errors", () => {
  test("a body over the limit is a 413 in OpenAI's error shape", async () => {
    const { server } = await start({ maxBodyBytes: 2048 });
    try {
      const response = await fetch(`${server.url}/api/sessions/s/messages`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ text: "x".repeat(4096) }) });
      assert.equal(response.status, 413);
      const body = (await response.json()) as { error: { message: string; type: string; code: string } };
      assert.equal(body.error.code, "request_too_large");
      assert.match(body.error.message, /2048 bytes \(gateway\.limits\.maxBodyBytes\)/);
      const small = await fetch(`${server.url}/api/sessions/s/messages`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ text: "x" }) });
      assert.equal(small.status, 202);
    } finally {
      await server.close();
    }
  });

  test("a body sent in chunks, without a length, is held to the same limit", async () => {
    const { server } = await start({ maxBodyBytes: 2048 });
    const post = (text: string): Promise<{ status: number; body: string }> =>
      new Promise((resolve, reject) => {
        const request = http.request(`${server.url}/api/sessions/s/messages`, { method: "POST", headers: { "content-type": "application/json" } }, (response) => {
          let body = "";
          response.setEncoding("utf8");
          response.on("data", (chunk: string) => (body += chunk));
          response.on("end", () => resolve({ status: response.statusCode ?? 0, body }));
        });
        request.on("error", reject);
        // Two writes before end: Node sends them chunked (Transfer-Encoding), with no Content-Length.
        const json = JSON.stringify({ text });
        request.write(json.slice(0, 5));
        request.end(json.slice(5));
      });
    try {
      const large = await post("x".repeat(4096));
      assert.equal(large.status, 413);
      assert.equal((JSON.parse(large.body) as { error: { code: string } }).error.code, "request_too_large");
      assert.equal((await post("x")).status, 202);
    } finally {
      await server.close();
    }
  });

  test("CORS is off by default: no Access-Control headers, not even for a preflight", async () => {
    const { server } = await start();
    try {
      const response = await fetch(`${server.url}/api/status`, { headers: { origin: "http://evil.example" } });
      assert.equal(response.headers.get("access-control-allow-origin"), null);
      const preflight = await fetch(`${server.url}/api/status`, { method: "OPTIONS", headers: { origin: "http://evil.example", "access-control-request-method": "GET" } });
      assert.equal(preflight.headers.get("access-control-allow-origin"), null);
    } finally {
      await server.close();
    }
  });

  test("CORS for the configured origins only; the preflight passes without the token", async () => {
    const { server } = await start({ token: TOKEN, corsOrigins: ["http://localhost:5173"] });
    try {
      const preflight = await fetch(`${server.url}/api/status`, { method: "OPTIONS", headers: { origin: "http://localhost:5173", "access-control-request-method": "GET", "access-control-request-headers": "authorization" } });
      assert.equal(preflight.status, 204);
      assert.equal(preflight.headers.get("access-control-allow-origin"), "http://localhost:5173");
      // What the official openai SDK sends from a browser page: its own x-stainless-* headers beside the token (a fixed list made Chromium block the call).
      const sdk = "authorization,content-type,x-stainless-arch,x-stainless-lang,x-stainless-os,x-stainless-package-version,x-stainless-retry-count,x-stainless-runtime,x-stainless-runtime-version,x-stainless-timeout,x-hearth-session";
      const fromSdk = await fetch(`${server.url}/v1/chat/completions`, { method: "OPTIONS", headers: { origin: "http://localhost:5173", "access-control-request-method": "POST", "access-control-request-headers": sdk } });
      assert.equal(fromSdk.status, 204);
      assert.equal(fromSdk.headers.get("access-control-allow-origin"), "http://localhost:5173");
      assert.deepEqual(fromSdk.headers.get("access-control-allow-headers")?.toLowerCase().split(",").sort(), sdk.split(",").sort());
      const other = await fetch(`${server.url}/api/status`, { headers: { origin: "http://evil.example", authorization: `Bearer ${TOKEN}` } });
      assert.equal(other.headers.get("access-control-allow-origin"), null);
    } finally {
      await server.close();
    }
  });

  test("an unknown endpoint is a 404 and a failing handler a 500, both in OpenAI's shape; the log names the request", async () => {
    const { server, gateway, logger } = await start();
    try {
      const missing = await fetch(`${server.url}/v2/nothing`);
      assert.equal(missing.status, 404);
      assert.deepEqual(((await missing.json()) as { error: { type: string } }).error.type, "not_found_error");
      gateway.sessions = () => {
        throw new Error("disk on fire");
      };
      const failed = await fetch(`${server.url}/api/sessions`);
      assert.equal(failed.status, 500);
      const body = (await failed.json()) as { error: { message: string; type: string } };
      assert.equal(body.error.type, "server_error");
      assert.doesNotMatch(body.error.message, /disk on fire/, "internals stay in the log");
      assert.ok(logger.lines.some((line) => line.includes('"path":"/api/sessions"') && line.includes('"status":500')));
    } finally {
      await server.close();
    }
  });

  test("the address in use is an error, not a crash", async () => {
    const { server } = await start();
    try {
      const port = Number(new URL(server.url).port);
      const { createHttpApp: create } = await import("../../src/channels/http/server.js");
      const app = create({ port: memoryGateway(), auth: { token: undefined }, limits: { maxBodyBytes: 1024 }, logger: recordingLogger(), version: "0.1.0" });
      await assert.rejects(serveHttp({ app, host: "127.0.0.1", port }), /EADDRINUSE/);
    } finally {
      await server.close();
    }
  });
});
