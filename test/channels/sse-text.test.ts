import assert from "node:assert/strict";
import { test } from "node:test";
import { Hono } from "hono";
import { streamSSE } from "hono/streaming";
import { sseText, type SSEMessage } from "../../src/channels/http/openai/answer-stream.js";

test("sseText writes events byte for byte as Hono's writeSSE does, one after the other", async () => {
  const messages: SSEMessage[] = [
    { data: JSON.stringify({ choices: [{ delta: { content: "a \"quoted\" word\\n" } }] }) },
    { event: "response.output_text.delta", data: JSON.stringify({ type: "response.output_text.delta", delta: "ünïcode ✓" }) },
    { data: "first line\nsecond line\r\nthird\rfourth" },
    { event: "", data: "" },
    { data: "[DONE]" },
  ];
  const app = new Hono();
  app.get("/", (c) =>
    streamSSE(c, async (sse) => {
      for (const message of messages) await sse.writeSSE(message);
    }),
  );
  const byHono = await (await app.request("/")).text();
  assert.equal(sseText(messages), byHono);
  assert.equal(sseText([]), "");
});
