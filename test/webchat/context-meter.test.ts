// The page's context meter (src/channels/webchat/page/context-words.ts): what the next turn would send of
// what its prompt may use — never a share of the window while every turn leaves earlier turns out.
import assert from "node:assert/strict";
import { test } from "node:test";
import { contextMeterWords } from "../../src/channels/webchat/page/context-words.js";

test("measured against the prompt's room, the window on hover", () => {
  const words = contextMeterWords({ model: "home/m" as never, tokens: 1300, window: 32_768, promptTokens: 24_064 });
  assert.equal(words?.text, "1.3k of 24k prompt tokens (5 %) · home/m");
  assert.equal(words.title, "1,300 of the 24,064 tokens the prompt may use in home/m's 32k window (32,768 tokens: the rest is kept for the reply and a reserve)");
  assert.equal(words.value, 1300 / 24_064);
  assert.equal(words.valuetext, "5 percent of what the prompt may use");
});

test("the trial's 1k window: 735 tokens of a 666-token room is full, and says earlier turns will be left out — not 72 % of the window", () => {
  const words = contextMeterWords({ model: "llamacpp/s1024" as never, tokens: 735, window: 1024, promptTokens: 666 });
  assert.equal(words?.value, 1);
  assert.equal(words.text, "735 of 666 prompt tokens — full: earlier turns will be summarised or left out · llamacpp/s1024");
  assert.match(words.title, /^735 of the 666 tokens the prompt may use in llamacpp\/s1024's 1k window \(1,024 tokens: .*\); the next turn summarises earlier turns or leaves them out$/);
  assert.equal(words.valuetext, "full: earlier turns will be summarised or left out");
});

test("no model: nothing to measure", () => {
  assert.equal(contextMeterWords({ model: undefined, tokens: 10, window: 0, promptTokens: 0 }), undefined);
});

test("a count its server never made (four characters a token) is marked: '~' before it, and why on hover", () => {
  const words = contextMeterWords({ model: "llama/stories260k" as never, tokens: 278, window: 2048, promptTokens: 1332, estimated: true });
  assert.equal(words?.text, "~278 of 1.3k prompt tokens (21 %) · llama/stories260k");
  assert.match(words.title, /; estimated at 4 characters a token: the model's server has not counted a prompt yet$/);
});
