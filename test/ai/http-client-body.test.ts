import assert from "node:assert/strict";
import { once } from "node:events";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { test } from "node:test";
import { HttpClient } from "../../src/ai/http/http-client.js";

const TIMEOUTS = { connectMs: 2_000, firstByteMs: 2_000, idleMs: 2_000, totalMs: 5_000 };

test("HttpClient sends a body of any characters whole, its Content-Length in bytes", async () => {
  const received: { length: string | undefined; body: string }[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      received.push({ length: req.headers["content-length"], body: Buffer.concat(chunks).toString("utf8") });
      res.end("ok");
    });
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  const client = new HttpClient();
  try {
    const bodies = [JSON.stringify({ messages: [{ role: "user", content: "Grüße, 東京 🚀 — ça va?" }] }), "", "plain ascii"];
    // A long session's body comes in pieces (WireBody): they go out one after another, as one body.
    const pieces = ['{"messages":[', '{"role":"user","content":"Grüße 🚀"}', ',{"role":"assistant","content":"東京"}', "]}"];
    for (const body of [...bodies, { chunks: pieces, bytes: Buffer.byteLength(pieces.join("")) }]) {
      const result = await client.request({ url, method: "POST", headers: { "content-type": "application/json" }, body, timeouts: TIMEOUTS });
      assert.ok(result.ok);
      assert.equal(await result.response.text(), "ok");
    }
    assert.deepEqual(
      received,
      [...bodies, pieces.join("")].map((body) => ({ length: String(Buffer.byteLength(body)), body })),
    );
  } finally {
    client.destroy();
    server.closeAllConnections();
    server.close();
  }
});

/** A server whose answer at `/whole` comes in three writes, and at `/cut` breaks off after two. */
async function pieceServer(): Promise<{ url: string; close: () => void }> {
  const server = createServer((req, res) => {
    res.writeHead(200, { "content-type": "text/event-stream" });
    res.write("data: one\n\n");
    setTimeout(() => res.write("data: two\n\n"), 5);
    setTimeout(() => (req.url === "/cut" ? res.socket?.destroy() : res.end("data: three\n\n")), 10);
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => {
      server.closeAllConnections();
      server.close();
    },
  };
}

test("a body read chunk by chunk as it comes (eachChunk) gives what iterating gives, and ends and fails as iterating does", async () => {
  const server = await pieceServer();
  const client = new HttpClient();
  const ask = async (path: string) => {
    const result = await client.request({ url: `${server.url}${path}`, method: "GET", headers: {}, timeouts: TIMEOUTS });
    assert.ok(result.ok);
    return result.response.body as AsyncIterable<Buffer> & { eachChunk(onChunk: (chunk: Buffer) => boolean | undefined): Promise<boolean> };
  };
  const iterated = async (path: string): Promise<{ text: string; error?: string }> => {
    let text = "";
    try {
      for await (const chunk of await ask(path)) text += chunk.toString("utf8");
      return { text };
    } catch (error) {
      return { text, error: (error as Error).message };
    }
  };
  const handedOn = async (path: string, stopAt?: string): Promise<{ text: string; error?: string; stopped?: boolean }> => {
    let text = "";
    try {
      const stopped = await (await ask(path)).eachChunk((chunk) => {
        text += chunk.toString("utf8");
        return stopAt !== undefined && text.includes(stopAt);
      });
      return { text, stopped };
    } catch (error) {
      return { text, error: (error as Error).message };
    }
  };
  try {
    assert.deepEqual(await handedOn("/whole"), { ...(await iterated("/whole")), stopped: false });
    assert.equal((await handedOn("/whole")).text, "data: one\n\ndata: two\n\ndata: three\n\n");
    // Cut short: the same words, after the same text.
    const cut = await handedOn("/cut");
    assert.deepEqual(cut, await iterated("/cut"));
    assert.match(cut.error ?? "", /closed before the answer was complete|broke in the middle/);
    // Stopped by the consumer: true, the rest left unread.
    assert.deepEqual(await handedOn("/whole", "one"), { text: "data: one\n\n", stopped: true });
    // What the consumer throws ends the read and comes back as it was thrown.
    const body = await ask("/whole");
    await assert.rejects(
      body.eachChunk(() => {
        throw new Error("the consumer failed");
      }),
      /the consumer failed/,
    );
    // One read a body: a second is a fault.
    assert.throws(() => body.eachChunk(() => false), /already read/);
  } finally {
    client.destroy();
    server.close();
  }
});
