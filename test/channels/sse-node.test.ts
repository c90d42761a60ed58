import assert from "node:assert/strict";
import { once } from "node:events";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { test } from "node:test";
import { sseToNode } from "../../src/channels/http/openai/sse-node.js";

test("sseToNode: the text reaches the client in order and the answer ends when the writer does", async () => {
  const server = http.createServer((_req, res) => {
    sseToNode(res, { status: 200, headers: { "content-type": "text/event-stream" } }, async (out) => {
      await out.write("data: one\n\n");
      await out.write("data: two\n\n");
    }, { onCancel: () => assert.fail("not cancelled"), onError: (error) => assert.fail(String(error)) });
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  try {
    const response = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`);
    assert.equal(response.headers.get("content-type"), "text/event-stream");
    assert.equal(await response.text(), "data: one\n\ndata: two\n\n");
  } finally {
    server.close();
  }
});

test("sseToNode: a write waits while the client does not read; a client that goes away cancels once, and the writer runs on to its end", async () => {
  let cancels = 0;
  let cancelledSeen = false;
  let blocked: () => void = () => undefined;
  const writeBlocked = new Promise<void>((resolve) => (blocked = resolve));
  let finished: () => void = () => undefined;
  const writerFinished = new Promise<void>((resolve) => (finished = resolve));
  const piece = "x".repeat(256 * 1024);
  const server = http.createServer((_req, res) => {
    sseToNode(res, { status: 200, headers: { "content-type": "text/event-stream" } }, async (out) => {
      // Writes until one has to wait for the client (which reads nothing); that one is left waiting.
      for (let written = 0; written < 400 && !out.cancelled; written++) {
        let taken = false;
        const write = out.write(piece).then(() => (taken = true));
        await new Promise((resolve) => setImmediate(resolve));
        if (!taken) blocked();
        await write;
      }
      // Never held back (400 pieces, 100 MiB, written into a socket nobody reads): the test fails below.
      blocked();
      cancelledSeen = out.cancelled;
      await out.write("dropped");
      finished();
    }, { onCancel: () => cancels++, onError: (error) => assert.fail(String(error)) });
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  try {
    const request = http.get(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`);
    const [response] = (await once(request, "response")) as [http.IncomingMessage];
    response.pause();
    await writeBlocked;
    request.destroy();
    await writerFinished;
    assert.equal(cancelledSeen, true, "the writer was held back until the client went away, and saw it go");
    assert.equal(cancels, 1);
  } finally {
    server.close();
  }
});
