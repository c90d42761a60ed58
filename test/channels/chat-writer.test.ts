import assert from "node:assert/strict";
import { test } from "node:test";
import { ChatChunks } from "../../src/channels/http/openai/chat-writer.js";

const answer = { text: "", reasoning: "", toolCalls: [], model: "lmstudio/qwen3", attempts: [], usage: { input: 1, output: 2, cacheRead: 0, cacheWrite: 0, reasoning: 0, estimated: false }, stopReason: "stop" as const };
const deltas = ["lor", "", 'a "quoted" word', "back\\slash", "line\nbreak\r\ttab", "\u0000\u001f control", "é ✓ 😀 \u2028\u2029", "</script>"];

test("ChatChunks: a text or reasoning chunk's JSON, serialised from the stream's fixed head, is byte for byte what JSON.stringify of the chunk gives", () => {
  for (const model of ["local/m", 'odd "model" \\ name ✓']) {
    const chunks = new ChatChunks("hearth");
    chunks.start(model);
    for (const delta of deltas) {
      assert.equal(chunks.textJson(delta), JSON.stringify(chunks.text(delta)));
      assert.equal(chunks.reasoningJson(delta), JSON.stringify(chunks.reasoning(delta)));
      assert.deepEqual(JSON.parse(chunks.textJson(delta)), chunks.text(delta));
    }
  }
});

test("ChatChunks: the serialised head follows the model named (a start without one keeps the request's; the finish names who answered)", () => {
  const chunks = new ChatChunks("Local");
  chunks.start(undefined);
  assert.equal(JSON.parse(chunks.textJson("a")).model, "Local");
  chunks.finish({ ...answer, model: "openai/gpt-5" }, false);
  assert.equal(JSON.parse(chunks.textJson("b")).model, "openai/gpt-5");
  assert.equal(chunks.textJson("b"), JSON.stringify(chunks.text("b")));
});
