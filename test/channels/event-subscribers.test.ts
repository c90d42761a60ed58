// /api/events with many subscribers, over the real HTTP server on 127.0.0.1 and real SSE clients: one
// gateway subscription serves them all, every live one hears every event, past the cap a new one gets a
// 503 in OpenAI's error shape, and a closed one (or one that stopped reading) leaves nothing held.
import assert from "node:assert/strict";
import http from "node:http";
import { after, before, describe, test } from "node:test";
import { MAX_BEHIND_CHARS } from "../../src/channels/http/event-subscribers.js";
import { createHttpApp, serveHttp, type RunningServer } from "../../src/channels/http/server.js";
import { memoryGateway, type MemoryGateway } from "../helpers/memory-gateway.js";
import { openSse, type SseConnection } from "../helpers/sse-client.js";

const CAP = 40;
const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined };
const tick = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 10));

async function until(done: () => boolean): Promise<void> {
  while (!done()) await tick();
}

describe("/api/events with many subscribers", () => {
  let server: RunningServer;
  let gateway: MemoryGateway;
  const shutdown = new AbortController();
  before(async () => {
    gateway = memoryGateway();
    const app = createHttpApp({ port: gateway, limits: { keepAliveMs: 60_000, maxEventSubscribers: CAP }, logger: quiet, version: "0.1.0", shutdown: shutdown.signal });
    server = await serveHttp({ app, host: "127.0.0.1", port: 0 });
  });
  after(async () => {
    shutdown.abort();
    await server.close();
  });

  const openAll = async (count: number): Promise<SseConnection[]> => {
    const streams = await Promise.all(Array.from({ length: count }, () => openSse(`${server.url}/api/events`)));
    for (const stream of streams) assert.equal(stream.status, 200);
    await Promise.all(streams.map((stream) => stream.next((message) => message.event === "setup")));
    return streams;
  };

  const refused = async (): Promise<void> => {
    const response = await fetch(`${server.url}/api/events`);
    assert.equal(response.status, 503);
    const body = (await response.json()) as { error: { message: string; type: string; code: string } };
    assert.equal(body.error.type, "server_error");
    assert.equal(body.error.code, "too_many_event_streams");
    assert.match(body.error.message, new RegExp(`at most ${CAP} /api/events connections at once \\(gateway\\.limits\\.maxEventSubscribers\\)`));
  };

  test("up to the cap each subscriber hears every event through one gateway subscription; past it a 503 names the limit", async () => {
    const streams = await openAll(CAP);
    assert.equal(gateway.subscribers(), 1, "one subscription to the gateway serves every stream");
    await refused();

    gateway.publish({ type: "turn-event", session: "s1", event: { type: "text-delta", delta: "Hel" } });
    gateway.publish({ type: "turn-event", session: "s1", event: { type: "text-delta", delta: "lo" } });
    gateway.publish({ type: "command-result", session: "s1", text: "done" });
    for (const stream of streams) {
      const first = await stream.next((message) => message.event === "turn-event");
      assert.deepEqual(JSON.parse(first.data), { type: "turn-event", session: "s1", event: { type: "text-delta", delta: "Hel" } });
      const second = await stream.next();
      assert.deepEqual(JSON.parse(second.data).event, { type: "text-delta", delta: "lo" });
      assert.equal((await stream.next()).event, "command-result");
    }

    // Half go away: the rest still hear, and the room they left is free again.
    for (const stream of streams.slice(0, CAP / 2)) stream.close();
    await Promise.all(streams.slice(0, CAP / 2).map((stream) => stream.ended));
    const more = await until200(CAP / 2);
    gateway.publish({ type: "command-result", session: "s2", text: "after" });
    for (const stream of [...streams.slice(CAP / 2), ...more]) assert.equal(JSON.parse((await stream.next((message) => message.event === "command-result" && message.data.includes("after"))).data).text, "after");
    await refused();

    for (const stream of [...streams, ...more]) stream.close();
    await until(() => gateway.subscribers() === 0);
    // Nothing of the closed ones is held: the whole cap is free again.
    const again = await openAll(CAP);
    await refused();
    for (const stream of again) stream.close();
    await until(() => gateway.subscribers() === 0);
  });

  /** Opens `count` streams once the ones closed before are let go (a close reaches the server a moment after the client's). */
  async function until200(count: number): Promise<SseConnection[]> {
    const opened: SseConnection[] = [];
    while (opened.length < count) {
      const stream = await openSse(`${server.url}/api/events`);
      if (stream.status === 200) {
        await stream.next((message) => message.event === "setup");
        opened.push(stream);
      } else {
        stream.close();
        await tick();
      }
    }
    return opened;
  }

  test("a subscriber that stopped reading is let go once too much waits for it; the others hear on", { timeout: 60_000 }, async () => {
    const reader = await openSse(`${server.url}/api/events`);
    await reader.next((message) => message.event === "setup");
    let stalledEnded = false;
    const stalled = await new Promise<http.IncomingMessage>((resolve) => http.get(`${server.url}/api/events`, resolve));
    assert.equal(stalled.statusCode, 200);
    stalled.pause();
    stalled.on("error", () => undefined);
    stalled.once("end", () => (stalledEnded = true));
    stalled.once("close", () => (stalledEnded = true));

    const big = "x".repeat(256 * 1024);
    let told = 0;
    // Events until the server has let the stalled one go (its buffers and what waits for it are more than the limit by then).
    while (told * big.length < MAX_BEHIND_CHARS * 8) {
      gateway.publish({ type: "command-result", session: "big", text: `${told} ${big}` });
      told += 1;
      await reader.next((message) => message.event === "command-result" && message.data.startsWith(`{"type":"command-result","session":"big","text":"${told - 1} `));
    }
    stalled.resume();
    await until(() => stalledEnded);
    assert.equal(gateway.subscribers(), 1, "the reader is still subscribed");
    reader.close();
    await until(() => gateway.subscribers() === 0);
  });

  test("a HEAD of /api/events answers with the stream's headers and subscribes nothing, the connection kept open", async () => {
    const agent = new http.Agent({ keepAlive: true });
    try {
      const head = await new Promise<http.IncomingMessage>((resolve, reject) => http.request(`${server.url}/api/events`, { method: "HEAD", agent }, resolve).on("error", reject).end());
      assert.equal(head.statusCode, 200);
      assert.equal(head.headers["content-type"], "text/event-stream");
      head.resume();
      await new Promise((resolve) => head.once("end", resolve));
      // The client's socket stays open in the agent: a stream subscribed for it would be held until it closed.
      await tick();
      assert.equal(gateway.subscribers(), 0, "no subscriber for a HEAD");
      const stream = await openSse(`${server.url}/api/events`);
      await stream.next((message) => message.event === "setup");
      assert.equal(gateway.subscribers(), 1);
      stream.close();
      await until(() => gateway.subscribers() === 0);
    } finally {
      agent.destroy();
    }
  });

  test("under CORS (the stream goes through Hono) the streams are served the same way", async () => {
    const origin = "http://localhost:5173";
    const corsGateway = memoryGateway();
    const app = createHttpApp({ port: corsGateway, limits: { keepAliveMs: 60_000, maxEventSubscribers: 2 }, logger: quiet, version: "0.1.0", corsOrigins: [origin] });
    const corsServer = await serveHttp({ app, host: "127.0.0.1", port: 0 });
    try {
      const streams = await Promise.all([openSse(`${corsServer.url}/api/events`, { origin }), openSse(`${corsServer.url}/api/events`, { origin })]);
      for (const stream of streams) {
        assert.equal(stream.headers.get("access-control-allow-origin"), origin);
        await stream.next((message) => message.event === "setup");
      }
      const third = await fetch(`${corsServer.url}/api/events`, { headers: { origin } });
      assert.equal(third.status, 503);
      assert.equal(((await third.json()) as { error: { code: string } }).error.code, "too_many_event_streams");
      corsGateway.publish({ type: "command-result", session: "s", text: "both" });
      for (const stream of streams) assert.equal(JSON.parse((await stream.next((message) => message.event === "command-result")).data).text, "both");
      for (const stream of streams) stream.close();
      await until(() => corsGateway.subscribers() === 0);
    } finally {
      await corsServer.close();
    }
  });
});
