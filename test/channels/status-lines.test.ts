// What a waiting stream's client is told (src/channels/http/openai/status-lines.ts): hearth's words about
// models and waits, one SSE comment line each, and which waits start the stream.
import assert from "node:assert/strict";
import { test } from "node:test";
import { statusComment, statusLine, streamNames, turnNote } from "../../src/channels/http/openai/status-lines.js";

/** A catalogue without aliases: every model is named by its ref. */
const byRef = { aliasOf: () => undefined };

test("a failed attempt names the model, the outcome in words and what comes next — never the failure's own message", () => {
  const failed = { type: "attempt-failed" as const, model: "lmstudio/m", outcome: "timeout", message: "upstream said: sk-secret-123 in the prompt 'my plan'", next: "anthropic/opus" };
  assert.deepEqual(statusLine(failed, byRef), { type: "status", text: "lmstudio/m timed out — trying anthropic/opus", startsStream: false });
  assert.equal(statusLine({ ...failed, outcome: "server-error", next: "lmstudio/m" }, byRef).text, "lmstudio/m answered with a server error — trying it again");
  assert.equal(statusLine({ ...failed, next: undefined }, byRef).text, "lmstudio/m timed out");
});

test("loading starts the stream only when hearth waits for it", () => {
  assert.equal(statusLine({ type: "model-loading", model: "lmstudio/m", waiting: true }, byRef).startsStream, true);
  assert.deepEqual(statusLine({ type: "model-loading", model: "lmstudio/m", waiting: false }, byRef), { type: "status", text: "lmstudio/m is loading on the local server; the next model answers meanwhile", startsStream: false });
});

test("a comment is one line, whatever the text holds", () => {
  assert.equal(statusComment("a\nb\r\nc"), ": hearth: a b c\n\n");
});

test("agent mode's notes: a summary under way starts the stream and is not kept; what became of the conversation is kept; a trim says why no summary could be written, as the page does", () => {
  assert.deepEqual(turnNote({ type: "compaction", phase: "start", tokensBefore: 6400 }), { line: { type: "status", text: "the conversation (6k tokens) is longer than the context allows: summarising its older turns", startsStream: true }, kept: false });
  // Set aside while its model loads: the next model answers (no wait to start the stream for, nothing to keep).
  const loading = "lmstudio/m is loading: its server started loading it, and the next model answers meanwhile";
  assert.deepEqual(turnNote({ type: "compaction", phase: "deferred", tokensBefore: 6400, message: loading }), { line: { type: "status", text: `no summary now: ${loading}`, startsStream: false }, kept: false });
  assert.deepEqual(turnNote({ type: "compaction", phase: "end", tokensBefore: 900 })?.kept, true);
  const trimmed = turnNote({ type: "compaction", phase: "trimmed", tokensBefore: 3000, message: "no summary could be written (upstream quoted 'my plan'): the oldest 2 turns are left out" });
  assert.equal(trimmed?.line.text, "the conversation (3k tokens) is longer than the context allows: no summary could be written (upstream quoted 'my plan'): the oldest 2 turns are left out");
  assert.equal(trimmed?.kept, true);
  const everything = turnNote({ type: "compaction", phase: "trimmed", tokensBefore: 860, message: "no summary could be written (x): every earlier turn (3) is left out", everyEarlierTurn: true });
  assert.equal(everything?.line.text, "the conversation (860 tokens) is longer than the context allows: no summary could be written (x): every earlier turn (3) is left out");
  // What "too long" means: the tokens the prompt may use in that model's window (less the reply and the reserve), both counted exactly so they compare.
  const room = { model: "llamacpp/s1024", tokens: 666 };
  assert.equal(
    turnNote({ type: "compaction", phase: "trimmed", tokensBefore: 771, room, message: "no summary could be written (the summary was cut off at its reply limit (256 tokens)): every earlier turn is left out", everyEarlierTurn: true })?.line.text,
    "the conversation (771 tokens) is longer than the 666 tokens the prompt may use in llamacpp/s1024's window: no summary could be written (the summary was cut off at its reply limit (256 tokens)): every earlier turn is left out",
  );
  assert.equal(turnNote({ type: "compaction", phase: "start", tokensBefore: 14_200, room: { model: "lmstudio/m", tokens: 13_107 } })?.line.text, "the conversation (14,200 tokens) is longer than the 13,107 tokens the prompt may use in lmstudio/m's window: summarising its older turns");
  assert.equal(turnNote({ type: "compaction", phase: "failed", tokensBefore: 3000, message: "cancelled" }), undefined, "the request that was cancelled hears nothing");
  // `/compact` asked for it: said as asked, never as a conversation too long for the context.
  assert.equal(turnNote({ type: "compaction", phase: "start", tokensBefore: 1200, asked: true })?.line.text, "compacting the conversation (1k tokens) as asked: summarising its older turns");
  assert.equal(turnNote({ type: "compaction", phase: "end", tokensBefore: 1200, asked: true })?.line.text, "the conversation (1k tokens) is compacted as asked: its older turns are summarised (the transcript keeps them)");
  assert.doesNotMatch(turnNote({ type: "compaction", phase: "trimmed", tokensBefore: 1200, message: "no summary could be written (x): the oldest 2 turns are left out", asked: true })?.line.text ?? "", /longer than the context/);
  assert.deepEqual(turnNote({ type: "notice", text: "the answer was cut off at the reply limit (20 tokens)" }), { line: { type: "status", text: "the answer was cut off at the reply limit (20 tokens)", startsStream: false }, kept: true });
});

test("one stream calls one model one name: every line names a model as the fallback notice does (the alias, else the ref)", () => {
  const spec = (local: boolean) => ({ local }) as never;
  const names = streamNames({ agents: [], models: [{ ref: "local/m1", alias: "Local", local: true, spec: spec(true), listed: true }, { ref: "backup/m2", alias: "Backup", local: false, spec: spec(false), listed: true }, { ref: "other/x", alias: undefined, local: true, spec: spec(true), listed: true }] });
  const lines = [
    statusLine({ type: "attempt-waiting", model: "local/m1", waitedMs: 5_000, limitMs: 60_000, promptTokens: 900, state: "unknown", next: "backup/m2" }, names).text,
    statusLine({ type: "attempt-failed", model: "local/m1", outcome: "overloaded", next: "backup/m2" }, names).text,
    statusLine({ type: "model-loading", model: "local/m1", waiting: true }, names).text,
    statusLine({ type: "attempt-queued", model: "local/m1", running: 1, ahead: 0, awaiting: "cache" }, names).text,
    statusLine({ type: "attempt-failed", model: "other/x", outcome: "timeout", next: "backup/m2" }, names).text,
  ];
  assert.deepEqual(lines, [
    "no reply from Local for 5 s (prompt 900 tokens) — trying Backup if none by 60 s (its first-token limit)",
    "Local overloaded — trying Backup",
    "loading Local on the local server — waiting for it",
    "waiting for room in the cache that Local's server shares among its requests (1 running, 0 waiting before this one)",
    "other/x timed out — trying Backup",
  ]);
});
