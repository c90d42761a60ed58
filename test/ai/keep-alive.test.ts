import assert from "node:assert/strict";
import { once } from "node:events";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { setTimeout as sleep } from "node:timers/promises";
import { after, before, describe, test } from "node:test";
import { HttpClient, type HttpResponse } from "../../src/ai/http/http-client.js";

const TIMEOUTS = { connectMs: 2_000, firstByteMs: 2_000, idleMs: 2_000, totalMs: 5_000 };

describe("HttpClient keeps connections alive", () => {
  let server: Server;
  let url = "";
  let connections = 0;
  const client = new HttpClient();

  before(async () => {
    server = createServer((req, res) => {
      req.resume();
      res.writeHead(200, { "content-type": "text/event-stream" });
      if (req.url === "/late-end") {
        // [DONE], then the end of the chunked body a little later (as a server that writes its last frame and then ends).
        res.write("data: one\n\ndata: [DONE]\n\n");
        setTimeout(() => res.end(), 30);
        return;
      }
      if (req.url === "/open") {
        res.write("data: part\n\n"); // never ended: the answer is cut short by the client
        return;
      }
      res.write("data: one\n\n");
      res.end("data: [DONE]\n\n");
    });
    server.on("connection", () => connections++);
    server.listen(0, "127.0.0.1");
    await once(server, "listening");
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  after(async () => {
    client.destroy();
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  const call = async (path = "/"): Promise<HttpResponse> => {
    const result = await client.request({ url: `${url}${path}`, method: "POST", headers: {}, body: "{}", timeouts: TIMEOUTS });
    assert.ok(result.ok);
    return result.response;
  };

  test("a body read to its end, or closed once it came whole, leaves the connection for the next call; one cut short does not", async () => {
    connections = 0;
    assert.match(await (await call()).text(), /\[DONE\]/);
    await sleep(20);
    // Stops after the first chunk (as an adapter does at [DONE]) and closes: the rest is drained, not the connection.
    const second = await call();
    for await (const chunk of second.body) {
      assert.ok(chunk.length > 0);
      break;
    }
    await sleep(20);
    second.close();
    await sleep(20);
    assert.match(await (await call()).text(), /\[DONE\]/);
    assert.equal(connections, 1);
    const open = await call("/open");
    for await (const chunk of open.body) {
      assert.ok(chunk.length > 0);
      break;
    }
    open.close();
    await sleep(20);
    assert.match(await (await call()).text(), /\[DONE\]/);
    assert.equal(connections, 2);
  });

  test("a body left at [DONE] before its end has come is read to its end: the connection serves the next call", async () => {
    assert.match(await (await call()).text(), /\[DONE\]/);
    await sleep(20);
    const opened = connections;
    const early = await call("/late-end");
    for await (const chunk of early.body) {
      assert.match(chunk.toString(), /\[DONE\]/);
      break;
    }
    early.close();
    // The end comes 30 ms after [DONE]; the next call after it finds the connection free again.
    await sleep(80);
    assert.match(await (await call()).text(), /\[DONE\]/);
    assert.equal(connections, opened);
  });
});

/** A loopback server whose handler decides per request, told how many requests its connection carried before. */
async function serve(handle: (req: IncomingMessage, res: ServerResponse, onConnection: number) => void): Promise<{ url: string; connections: () => number; close: () => Promise<void> }> {
  let connections = 0;
  const served = new WeakMap<object, number>();
  const server = createServer((req, res) => {
    const before = served.get(req.socket) ?? 0;
    served.set(req.socket, before + 1);
    handle(req, res, before);
  });
  server.on("connection", () => connections++);
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    connections: () => connections,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

describe("HttpClient and connections the server closed", () => {
  test("a kept-alive connection the server dropped before answering: the request goes again on a new connection, and is answered", async () => {
    // Each connection answers its first request and drops the second unanswered: what a server does when its
    // keep-alive timer ends just as the next request arrives (seen with llama-server: "socket hang up").
    const server = await serve((req, res, before) => {
      req.resume();
      if (before > 0) {
        req.socket.destroy();
        return;
      }
      res.end(`answer on a connection's first request`);
    });
    const client = new HttpClient();
    try {
      for (let round = 0; round < 3; round++) {
        const result = await client.request({ url: `${server.url}/v1/chat/completions`, method: "POST", headers: {}, body: "{}", timeouts: TIMEOUTS });
        assert.ok(result.ok, result.ok ? "" : result.failure.message);
        assert.equal(await result.response.text(), "answer on a connection's first request");
      }
      assert.equal(server.connections(), 3, "rounds 2 and 3 met a dropped kept connection and opened a new one");
    } finally {
      client.destroy();
      await server.close();
    }
  });

  test("a new connection dropped before answering is not sent again: the call fails as the server dropping it", async () => {
    const server = await serve((req) => {
      req.resume();
      req.socket.destroy();
    });
    const client = new HttpClient();
    try {
      const result = await client.request({ url: `${server.url}/v1/chat/completions`, method: "POST", headers: {}, body: "{}", timeouts: TIMEOUTS });
      assert.equal(result.ok, false);
      assert.equal(result.ok ? "" : result.failure.kind, "stream-broken");
      assert.match(result.ok ? "" : result.failure.message, /dropped the connection before answering \(ECONNRESET\)/);
      assert.equal(server.connections(), 1);
    } finally {
      client.destroy();
      await server.close();
    }
  });

  test("an idle kept connection is let go after idleSocketMs; a slow answer on a busy one is not cut by it", async () => {
    const server = await serve((req, res) => {
      req.resume();
      setTimeout(() => res.end(req.url), req.url === "/slow" ? 400 : 0);
    });
    const client = new HttpClient({ idleSocketMs: 100 });
    try {
      const slow = await client.request({ url: `${server.url}/slow`, method: "GET", headers: {}, timeouts: TIMEOUTS });
      assert.ok(slow.ok);
      assert.equal(await slow.response.text(), "/slow");
      const quick = await client.request({ url: `${server.url}/quick`, method: "GET", headers: {}, timeouts: TIMEOUTS });
      assert.ok(quick.ok);
      assert.equal(await quick.response.text(), "/quick");
      assert.equal(server.connections(), 1, "the kept connection carried the second call");
      await sleep(300);
      const later = await client.request({ url: `${server.url}/quick`, method: "GET", headers: {}, timeouts: TIMEOUTS });
      assert.ok(later.ok);
      await later.response.text();
      assert.equal(server.connections(), 2, "after 300 ms idle the connection was closed by hearth, and a new one made");
    } finally {
      client.destroy();
      await server.close();
    }
  });
});
