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
