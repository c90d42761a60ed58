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
