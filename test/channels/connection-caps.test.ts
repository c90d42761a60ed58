import assert from "node:assert/strict";
import { connect, type Socket } from "node:net";
import { afterEach, describe, test } from "node:test";
import { Hono } from "hono";
import { clientOf } from "../../src/channels/http/connection-caps.js";
import { serveHttp, type RunningServer } from "../../src/channels/http/server.js";

// Nothing is asked of a connection before its request's headers have come (30 s may pass), not the
// token: 300 half-sent requests left a gateway with 256 file descriptors answering nobody (t17 #3).

const HALF_SENT = "GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n";
const WHOLE = "GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n";

function app(): Hono {
  const hono = new Hono();
  hono.get("/health", (c) => c.json({ status: "ok" }));
  return hono;
}

/** Sends `text` on a new connection; resolves with what came back once the server closed it ("" when it answered nothing). */
function exchange(port: number, text: string): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect(port, "127.0.0.1");
    let answer = "";
    socket.on("connect", () => socket.write(text));
    socket.on("data", (data) => (answer += data.toString()));
    socket.on("error", () => undefined);
    socket.on("close", () => resolve(answer));
  });
}

/** Opens a connection and sends the start of a request; resolves once it is connected. */
function halfSent(port: number): Promise<Socket> {
  return new Promise((resolve) => {
    const socket = connect(port, "127.0.0.1", () => {
      socket.write(HALF_SENT);
      resolve(socket);
    });
    socket.on("error", () => undefined);
  });
}

describe("connections a client of the network may hold", () => {
  let server: RunningServer | undefined;
  afterEach(async () => {
    server?.closeAll();
    await server?.close();
    server = undefined;
  });

  test("past its cap, a client's next connection is closed unanswered; once one of its own closes, it is served again", async () => {
    // Loopback counted here as the network would be: the test can only connect from 127.0.0.1.
    const running = await serveHttp({ app: app(), host: "127.0.0.1", port: 0, connections: { perClient: 3, exempt: () => false } });
    server = running;
    const held = await Promise.all([1, 2, 3].map(() => halfSent(running.port)));
    assert.equal(await exchange(running.port, WHOLE), "", "a fourth connection is closed before it is read");
    held[0]?.destroy();
    let answer = "";
    // The server hears of the close a moment later: asked again until it has.
    for (let attempt = 0; attempt < 200 && answer === ""; attempt += 1) {
      answer = await exchange(running.port, WHOLE);
      if (answer === "") await new Promise((resolve) => setTimeout(resolve, 10));
    }
    assert.match(answer, /^HTTP\/1\.1 200 /);
    for (const socket of held) socket.destroy();
  });

  test("this machine's own connections (loopback) are never counted", async () => {
    const running = await serveHttp({ app: app(), host: "127.0.0.1", port: 0, connections: { perClient: 2, network: 2 } });
    server = running;
    const held = await Promise.all([1, 2, 3, 4, 5].map(() => halfSent(running.port)));
    assert.match(await exchange(running.port, WHOLE), /^HTTP\/1\.1 200 /);
    for (const socket of held) socket.destroy();
  });

  test("a client is its IPv4 address, or its IPv6 address's /64 (in any spelling)", () => {
    assert.equal(clientOf("192.168.1.20"), "192.168.1.20");
    assert.equal(clientOf("::ffff:192.168.1.20"), "192.168.1.20");
    assert.equal(clientOf("2001:db8:0:1:a:b:c:d"), "2001:db8:0:1::/64");
    assert.equal(clientOf("2001:db8:0:1::ffff"), "2001:db8:0:1::/64");
    assert.equal(clientOf("2001:0db8:0000:0001:1234::1"), "2001:db8:0:1::/64");
    assert.equal(clientOf("fe80::1"), "fe80:0:0:0::/64");
    assert.notEqual(clientOf("2001:db8:0:2::1"), clientOf("2001:db8:0:1::1"));
  });
});
