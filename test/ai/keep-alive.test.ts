import assert from "node:assert/strict";
import { once } from "node:events";
import { createServer, type Server } from "node:http";
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
});
