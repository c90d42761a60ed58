// A request body written from kept parts is, byte for byte, the JSON of the whole body.
import assert from "node:assert/strict";
import { test } from "node:test";
import { jsonWithParts, partJson, PARTS, wirePart } from "../../src/ai/wire-parts.js";

const items = [
  [{ role: "user", content: "Grüße, 東京 🚀 — \"quoted\" \\ and a\nnewline" }],
  [],
  [
    { role: "assistant", content: null, tool_calls: [{ id: "c1", type: "function", function: { name: "time", arguments: "{}" } }] },
    { role: "tool", tool_call_id: "c1", content: "noon", absent: undefined },
  ],
  [{ role: "user", content: "\u0000 \u2028 end" }],
];

test("the body from kept parts is the JSON of the whole body, empty parts and unicode included", () => {
  const bytes = jsonWithParts(
    { model: "m", messages: PARTS, stream: true, max_tokens: 10 },
    "messages",
    items.map((list) => wirePart(list)),
  );
  assert.equal(bytes.chunks.join(""), JSON.stringify({ model: "m", messages: items.flat(), stream: true, max_tokens: 10 }));
  assert.equal(bytes.bytes, Buffer.byteLength(bytes.chunks.join("")));
  assert.equal(jsonWithParts({ messages: PARTS }, "messages", []).chunks.join(""), '{"messages":[]}');
});

test("a long history is written in pieces that join to the JSON of the whole body", () => {
  const history = Array.from({ length: 3_000 }, (_, index) => ({ role: index % 2 ? "assistant" : "user", content: `turn ${index}: ${"é".repeat(index % 7)} lorem ipsum` }));
  const body = jsonWithParts({ model: "m", messages: PARTS, stream: true }, "messages", history.map((message) => wirePart([message])));
  assert.ok(body.chunks.length > 4, `${body.chunks.length} pieces`);
  assert.ok(body.chunks.every((chunk) => chunk.length < 40_000));
  assert.equal(body.chunks.join(""), JSON.stringify({ model: "m", messages: history, stream: true }));
  assert.equal(body.bytes, Buffer.byteLength(body.chunks.join("")));
});

test("when a model's params replace the parted field, the body is the fields as they are", () => {
  const fields = { model: "m", messages: [{ role: "user", content: "from params" }] };
  assert.equal(jsonWithParts(fields, "messages", [wirePart([{ role: "user", content: "history" }])]).chunks.join(""), JSON.stringify(fields));
});

test("an all-ASCII part is kept as its string alone; one with other characters carries its UTF-8 length", () => {
  assert.equal(wirePart([{ role: "user", content: "plain text" }]), JSON.stringify({ role: "user", content: "plain text" }));
  const wide = wirePart([{ role: "user", content: "Grüße 🚀" }]);
  assert.equal(typeof wide, "object");
  assert.equal(partJson(wide), JSON.stringify({ role: "user", content: "Grüße 🚀" }));
  assert.deepEqual(wide, { json: partJson(wide), bytes: Buffer.byteLength(partJson(wide)) });
});
