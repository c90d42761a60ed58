// The session store's shared strings: the repeated values of entries (API, server, model, outcome, role…)
// kept once; a bounded table; nothing else of an entry touched.
import assert from "node:assert/strict";
import { test } from "node:test";
import { SharedStrings } from "../../src/sessions/shared-strings.js";

const assistant = () => ({
  type: "assistant",
  id: "3c34283a",
  at: "2026-12-02T05:25:11.899Z",
  message: { role: "assistant", content: [{ type: "text", text: "openai-completions" }], model: "local/m", api: "openai-completions", stopReason: "stop", usage: { input: 10, output: 20 }, cost: 0 },
  attempts: [{ model: "local/m", outcome: "ok", ms: 8, baseUrl: "http://127.0.0.1:8080/v1" }],
});

test("only the values of the repeated fields are kept, once each; the entry is unchanged", () => {
  const shared = new SharedStrings();
  const entry = assistant();
  assert.deepEqual(shared.shareIn(entry), assistant());
  // type ×2 distinct ("assistant", "text"), role "assistant" (same text as the type), model, api, stopReason, outcome, baseUrl.
  assert.equal(shared.size, 7, "id, at and the text are not kept; the text's equal to api counts once");
  for (let turn = 0; turn < 100; turn++) shared.shareIn(assistant());
  assert.equal(shared.size, 7, "the same values again: nothing new kept");
});

test("the table is bounded: past its capacity new values are left as they are; long values are never kept", () => {
  const shared = new SharedStrings(3);
  for (const value of ["a", "b", "c", "d", "e"]) assert.equal(shared.share(value), value);
  assert.equal(shared.size, 3);
  assert.equal(shared.share("x".repeat(300)), "x".repeat(300));
  assert.equal(new SharedStrings().shareIn({ baseUrl: "x".repeat(300) }).baseUrl, "x".repeat(300));
  const fresh = new SharedStrings();
  fresh.shareIn({ baseUrl: "x".repeat(300) });
  assert.equal(fresh.size, 0);
});

test("arrays, nested objects and non-string values pass through", () => {
  const shared = new SharedStrings();
  const value = [{ type: "user", images: [{ mediaType: "image/png", data: "AAAA" }], n: 1, nothing: null, flag: true }];
  assert.deepEqual(shared.shareIn(structuredClone(value)), value);
  assert.equal(shared.size, 2, "type and mediaType");
});
