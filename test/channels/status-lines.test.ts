// What a waiting stream's client is told (src/channels/http/openai/status-lines.ts): hearth's words about
// models and waits, one SSE comment line each, and which waits start the stream.
import assert from "node:assert/strict";
import { test } from "node:test";
import { statusComment, statusLine } from "../../src/channels/http/openai/status-lines.js";

test("a failed attempt names the model, the outcome in words and what comes next — never the failure's own message", () => {
  const failed = { type: "attempt-failed" as const, model: "lmstudio/m", outcome: "timeout", message: "upstream said: sk-secret-123 in the prompt 'my plan'", next: "anthropic/opus" };
  assert.deepEqual(statusLine(failed), { type: "status", text: "lmstudio/m timed out — trying anthropic/opus", startsStream: false });
  assert.equal(statusLine({ ...failed, outcome: "server-error", next: "lmstudio/m" }).text, "lmstudio/m answered with a server error — trying it again");
  assert.equal(statusLine({ ...failed, next: undefined }).text, "lmstudio/m timed out");
});

test("loading starts the stream only when hearth waits for it", () => {
  assert.equal(statusLine({ type: "model-loading", model: "lmstudio/m", waiting: true }).startsStream, true);
  assert.deepEqual(statusLine({ type: "model-loading", model: "lmstudio/m", waiting: false }), { type: "status", text: "lmstudio/m is loading on the local server; the next model answers meanwhile", startsStream: false });
});

test("a comment is one line, whatever the text holds", () => {
  assert.equal(statusComment("a\nb\r\nc"), ": hearth: a b c\n\n");
});
