import assert from "node:assert/strict";
import { test } from "node:test";
import { completionsStream } from "../fakes/openai-completions-stream.js";
import { apiSetup } from "./openai-setup.js";

test("each request gets one log line, written once its response has gone out: a stream's line carries how it ended", async () => {
  const api = await apiSetup();
  try {
    api.local.setHandler(() => ({ kind: "sse", frames: completionsStream({ text: "Hello there", usage: { input: 3, output: 2 } }) }));
    await api.client.chat.completions.create({ model: "Local", messages: [{ role: "user", content: "Hi" }] });
    const stream = await api.client.chat.completions.create({ model: "Local", messages: [{ role: "user", content: "Hi again" }], stream: true });
    let text = "";
    for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? "";
    assert.equal(text, "Hello there");
    const streamed = await api.waitForLog((fields) => fields.stream === true);
    const lines = api.logs.filter((line) => line.fields.path === "/v1/chat/completions");
    assert.equal(lines.length, 2, JSON.stringify(lines));
    assert.ok(lines.every((line) => line.message === "request"));
    const [plain] = lines;
    assert.deepEqual({ ...plain?.fields, ms: 0 }, { method: "POST", path: "/v1/chat/completions", status: 200, route: "chat", mode: "proxy", requested: "Local", stream: false, answer: 200, model: "local/m1", replies: 1, ms: 0 });
    assert.deepEqual({ ...streamed, ms: 0 }, { method: "POST", path: "/v1/chat/completions", status: 200, route: "chat", mode: "proxy", requested: "Local", stream: true, answer: 200, model: "local/m1", replies: 1, ms: 0 });
  } finally {
    await api.close();
  }
});

test("a request refused for its model names the route and the name it asked for in its line", async () => {
  const api = await apiSetup();
  try {
    const refused = await fetch(`${api.url}/v1/chat/completions`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ model: "no/such-model", messages: [{ role: "user", content: "Hi" }] }) });
    assert.equal(refused.status, 404);
    const line = await api.waitForLog((fields) => fields.path === "/v1/chat/completions");
    assert.deepEqual({ ...line, ms: 0 }, { method: "POST", path: "/v1/chat/completions", status: 404, route: "chat", requested: "no/such-model", stream: false, ms: 0 });
  } finally {
    await api.close();
  }
});
