// The web chat's live view of a turn (src/channels/webchat/page/live-turn.ts), fed the gateway's events:
// a wait for room in a shared cache is a note, and goes once the answer starts.
import assert from "node:assert/strict";
import { test } from "node:test";
import { emptyUsage } from "../../src/ai/usage.js";
import { applyAgentEvent, applyTurnResult, newLiveTurn } from "../../src/channels/webchat/page/live-turn.js";
import { transcriptItems } from "../../src/gateway/transcript.js";

test("a turn waiting for room in a llama-server's shared cache shows it until its first token", () => {
  const turn = newLiveTurn();
  applyAgentEvent(turn, { type: "attempt-queued", model: "llamacpp/m", running: 2, ahead: 1, awaiting: "cache" });
  assert.deepEqual(turn.notes, [{ kind: "waiting", text: "waiting for room in the cache that llamacpp/m's server shares among its requests (2 running, 1 waiting before this one)" }]);
  applyAgentEvent(turn, { type: "text-delta", delta: "Hello" });
  assert.deepEqual(turn.notes, []);
  assert.equal(turn.text, "Hello");
});

test("words before a tool call stay: what follows is a new paragraph, and a restart replaces only the reply under way", () => {
  const turn = newLiveTurn();
  applyAgentEvent(turn, { type: "text-delta", delta: "PART-ONE before the tool." });
  applyAgentEvent(turn, { type: "tool-start", name: "time", arguments: {}, command: "time" });
  applyAgentEvent(turn, { type: "tool-end", name: "time", command: "time", isError: false, preview: "12:00" });
  applyAgentEvent(turn, { type: "text-delta", delta: "broken repl" });
  applyAgentEvent(turn, { type: "answer-restart" });
  // The broken reply stays shown while the next model is asked: its fresh answer's first words take its place (t15 finding 8).
  assert.equal(turn.text, "PART-ONE before the tool.\n\nbroken repl");
  applyAgentEvent(turn, { type: "attempt-start", model: "backup/m" });
  assert.equal(turn.text, "PART-ONE before the tool.\n\nbroken repl");
  applyAgentEvent(turn, { type: "text-delta", delta: "PART-TWO final." });
  assert.equal(turn.text, "PART-ONE before the tool.\n\nPART-TWO final.", "as the stream and the turn's final text have it");
});

test("a progress line gives way to its outcome, and what is left of progress goes when the turn ends (as the history has it)", () => {
  const turn = newLiveTurn();
  applyAgentEvent(turn, { type: "notice", text: "session s: waiting for another hearth process answering in it", about: "session-busy" });
  applyAgentEvent(turn, { type: "compaction", phase: "start", tokensBefore: 9000 });
  assert.deepEqual(turn.notes.map((note) => [note.kind, note.passing]), [["waiting", true], ["compaction", true]]);
  applyAgentEvent(turn, { type: "compaction", phase: "end", tokensBefore: 9000 });
  applyAgentEvent(turn, { type: "tool-start", name: "time", arguments: {}, command: "time" });
  assert.deepEqual(turn.notes.at(-1), { kind: "tool", text: "running time…", passing: true });
  applyAgentEvent(turn, { type: "tool-end", name: "time", command: "time", isError: false, preview: "12:00" });
  applyAgentEvent(turn, { type: "tool-start", name: "exec", arguments: { command: "git", args: ["status"] }, command: "exec git status" });
  applyAgentEvent(turn, { type: "text-delta", delta: "Noon." });
  applyTurnResult(turn, { ok: true, text: "Noon.", model: "local/m", session: "s", attempts: [], usage: emptyUsage(), cost: 0, notice: undefined, truncated: false, compaction: undefined });
  assert.deepEqual(turn.notes, [
    { kind: "compaction", text: "the conversation (9k tokens) was longer than the context allows: its older turns are summarised (the transcript keeps them)" },
    { kind: "tool", text: "time — done: 12:00" },
  ]);
});

test("a summary set aside while its model loads takes the place of its 'summarising' line, and a summary begun again takes the place of that", () => {
  const turn = newLiveTurn();
  applyAgentEvent(turn, { type: "compaction", phase: "start", tokensBefore: 9000 });
  const message = "lmstudio/m is loading: its server started loading it, and the next model answers meanwhile";
  applyAgentEvent(turn, { type: "compaction", phase: "deferred", tokensBefore: 9000, message });
  assert.deepEqual(turn.notes, [{ kind: "compaction", text: `no summary now: ${message}`, passing: true }]);
  applyAgentEvent(turn, { type: "compaction", phase: "start", tokensBefore: 9000 });
  assert.deepEqual(turn.notes, [{ kind: "compaction", text: "the conversation (9k tokens) is longer than the context allows: summarising its older turns", passing: true }]);
});

test("a turn broken by a fault in hearth says whose fault it is, in the words the reloaded history's notice has; another failure its error alone", () => {
  const error = "a fault in hearth while choosing and calling a model (hearth's log says what)";
  const failedWith = (cause: "fault" | "transient"): string[] => {
    const turn = newLiveTurn("t1");
    applyTurnResult(turn, { ok: false, error, session: "s", attempts: [], cause, compaction: undefined, usage: emptyUsage() });
    assert.equal(turn.failed, true);
    return turn.notes.map((note) => `${note.kind}: ${note.text}`);
  };
  const faultNotice = transcriptItems([
    { type: "user", id: "u1", at: "2026-06-01T10:00:00.000Z", text: "hi" },
    { type: "turn-failed", id: "f1", at: "2026-06-01T10:00:01.000Z", error, attempts: [], cause: "fault" },
  ]).find((item) => item.role === "notice")?.text;
  assert.deepEqual(failedWith("fault"), [`error: ${(faultNotice ?? "").replace(/^no answer: /, "")}`]);
  assert.match(failedWith("fault")[0] ?? "", /this is hearth's own fault, not a model's nor your message's; your message is saved, but sending it again will likely fail the same way/);
  assert.deepEqual(failedWith("transient"), [`error: ${error}`]);
});
