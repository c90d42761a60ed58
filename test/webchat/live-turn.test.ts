// The web chat's live view of a turn (src/channels/webchat/page/live-turn.ts), fed the gateway's events:
// a wait for room in a shared cache is a note, and goes once the answer starts.
import assert from "node:assert/strict";
import { test } from "node:test";
import { applyAgentEvent, newLiveTurn } from "../../src/channels/webchat/page/live-turn.js";

test("a turn waiting for room in a llama-server's shared cache shows it until its first token", () => {
  const turn = newLiveTurn();
  applyAgentEvent(turn, { type: "attempt-queued", model: "llamacpp/m", running: 2, ahead: 1 });
  assert.deepEqual(turn.notes, [{ kind: "waiting", text: "waiting for room in the cache that llamacpp/m's server shares among its requests (2 running, 1 waiting before this one)" }]);
  applyAgentEvent(turn, { type: "text-delta", delta: "Hello" });
  assert.deepEqual(turn.notes, []);
  assert.equal(turn.text, "Hello");
});

test("words before a tool call stay: what follows is a new paragraph, and a restart replaces only the reply under way", () => {
  const turn = newLiveTurn();
  applyAgentEvent(turn, { type: "text-delta", delta: "PART-ONE before the tool." });
  applyAgentEvent(turn, { type: "tool-start", name: "time", arguments: {} });
  applyAgentEvent(turn, { type: "tool-end", name: "time", isError: false, preview: "12:00" });
  applyAgentEvent(turn, { type: "text-delta", delta: "broken repl" });
  applyAgentEvent(turn, { type: "answer-restart" });
  assert.equal(turn.text, "PART-ONE before the tool.");
  applyAgentEvent(turn, { type: "text-delta", delta: "PART-TWO final." });
  assert.equal(turn.text, "PART-ONE before the tool.\n\nPART-TWO final.", "as the stream and the turn's final text have it");
});
