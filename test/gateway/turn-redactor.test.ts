// The gateway's masking of what a channel is shown of a turn: a known secret split over any number of
// streamed deltas never reaches a listener, and every other character does, in order.
import assert from "node:assert/strict";
import { test } from "node:test";
import type { AgentEvent } from "../../src/agent/agent-events.js";
import { TurnRedactor } from "../../src/gateway/turn-redactor.js";
import { SecretRedactor } from "../../src/shared/secret-redactor.js";

const SECRET = "hunter2-very-secret-value";
const TEXT = `Your secret is ${SECRET}; keep it. Also h, hu, hunter and hunter2-very- are fine words here.`;

function shownText(events: readonly AgentEvent[]): string {
  return events.map((event) => (event.type === "text-delta" ? event.delta : "")).join("");
}

for (const size of [1, 2, 5, 8, 200]) {
  test(`deltas of ${size} characters: the secret is masked, every other character shown`, () => {
    const redactor = new TurnRedactor(new SecretRedactor([SECRET]));
    const out: AgentEvent[] = [];
    for (let at = 0; at < TEXT.length; at += size) out.push(...redactor.event({ type: "text-delta", delta: TEXT.slice(at, at + size) }));
    out.push(...redactor.flush());
    assert.equal(shownText(out), TEXT.replace(SECRET, "***"));
    for (const event of out) assert.ok(!JSON.stringify(event).includes("hunter2-very-secret"), JSON.stringify(event));
  });
}

test("held text goes out before the next other event; a restart drops it", () => {
  const redactor = new TurnRedactor(new SecretRedactor([SECRET]));
  assert.deepEqual(redactor.event({ type: "text-delta", delta: "say hunter" }), [{ type: "text-delta", delta: "say " }]);
  assert.deepEqual(redactor.event({ type: "notice", text: `leaked ${SECRET}` }), [
    { type: "text-delta", delta: "hunter" },
    { type: "notice", text: "leaked ***" },
  ]);
  assert.deepEqual(redactor.event({ type: "text-delta", delta: "hunter2-" }), []);
  assert.deepEqual(redactor.event({ type: "answer-restart" }), [{ type: "answer-restart" }]);
  assert.deepEqual(redactor.flush(), []);
});

for (const size of [1, 3, 7]) {
  test(`deltas of ${size} characters: the secret in other letter cases is masked too`, () => {
    const redactor = new TurnRedactor(new SecretRedactor([SECRET]));
    const text = `upper ${SECRET.toUpperCase()}, mixed HuNtEr2-Very-Secret-VALUE, and HUNTER2 alone.`;
    const out: AgentEvent[] = [];
    for (let at = 0; at < text.length; at += size) out.push(...redactor.event({ type: "text-delta", delta: text.slice(at, at + size) }));
    out.push(...redactor.flush());
    assert.equal(shownText(out), "upper ***, mixed ***, and HUNTER2 alone.");
    for (const event of out) assert.ok(!/hunter2-very-secret/i.test(JSON.stringify(event)), JSON.stringify(event));
  });
}

for (const size of [1, 4, 9]) {
  test(`deltas of ${size} characters: the secret's base64 (an echoed Basic header) and hex are masked too`, () => {
    const redactor = new TurnRedactor(new SecretRedactor([SECRET]));
    const basic = Buffer.from(`me:${SECRET}`).toString("base64");
    const hex = Buffer.from(SECRET).toString("hex");
    const text = `Authorization: Basic ${basic} and ${hex} end.`;
    const out: AgentEvent[] = [];
    for (let at = 0; at < text.length; at += size) out.push(...redactor.event({ type: "text-delta", delta: text.slice(at, at + size) }));
    out.push(...redactor.flush());
    assert.equal(shownText(out), new SecretRedactor([SECRET]).redact(text));
    assert.match(shownText(out), /^Authorization: Basic [A-Za-z0-9+/]{0,4}\*\*\*[A-Za-z0-9+/=]{0,4} and \*\*\* end\.$/);
    for (const event of out) {
      const seen = JSON.stringify(event);
      assert.ok(!seen.includes(basic.slice(4, 20)) && !seen.includes(hex.slice(0, 16)), seen);
    }
  });
}

for (const size of [1, 3, 12]) {
  test(`deltas of ${size} characters: a stream that breaks off inside a key shows none of it past a few characters`, () => {
    const redactor = new TurnRedactor(new SecretRedactor([SECRET]));
    const text = `The key is ${SECRET.slice(0, 20)}`;
    const out: AgentEvent[] = [];
    for (let at = 0; at < text.length; at += size) out.push(...redactor.event({ type: "text-delta", delta: text.slice(at, at + size) }));
    out.push(...redactor.event({ type: "notice", text: "the connection broke" }));
    assert.equal(shownText(out), "The key is ***");
    for (const event of out) assert.ok(!JSON.stringify(event).includes("hunter2-"), JSON.stringify(event));
  });
}

test("a few characters a key could begin with, where the answer ends, are words: shown", () => {
  const redactor = new TurnRedactor(new SecretRedactor([SECRET]));
  const out = [...redactor.event({ type: "text-delta", delta: "the last word is hunter2" }), ...redactor.flush()];
  assert.equal(shownText(out), "the last word is hunter2");
});
