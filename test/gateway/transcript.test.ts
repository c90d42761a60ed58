import assert from "node:assert/strict";
import { test } from "node:test";
import { transcriptItems } from "../../src/gateway/transcript.js";
import type { SessionEntry } from "../../src/sessions/entries.js";

const at = "2026-01-01T00:00:00.000Z";
const user = (id: string, text: string, retryOf?: string): SessionEntry => ({ type: "user", id, at, text, ...(retryOf ? { retryOf } : {}) });
const failed = (id: string, error: string): SessionEntry => ({ type: "turn-failed", id, at, error, attempts: [], cause: "transient" });
const answer = (id: string, text: string): SessionEntry => ({
  type: "assistant",
  id,
  at,
  attempts: [],
  message: { role: "assistant", content: [{ type: "text", text }], model: "local/m", usage: { input: 1, output: 1, cacheRead: 0, cacheWrite: 0, reasoning: 0, estimated: false }, stopReason: "stop" } as never,
});

test("a message resent while every model was down is shown once, where it was first said; the same failure once, with a count", () => {
  const entries: SessionEntry[] = [
    user("u1", "is anyone there?"),
    failed("f1", "every model is down"),
    user("u2", "is anyone there?", "u1"),
    failed("f2", "every model is down"),
    user("u3", "is anyone there?", "u2"),
    failed("f3", "every model is down"),
  ];
  assert.deepEqual(
    transcriptItems(entries).map(({ role, text, unanswered }) => ({ role, text, unanswered })),
    [
      { role: "user", text: "is anyone there?", unanswered: true },
      { role: "notice", text: "no answer: every model is down (3 times)", unanswered: undefined },
    ],
  );
  // The last try answered: the message is no longer unanswered.
  const answered = transcriptItems([...entries, user("u4", "is anyone there?", "u3"), answer("a1", "yes, here")]);
  assert.deepEqual(
    answered.map(({ role, text, unanswered }) => ({ role, text, unanswered })),
    [
      { role: "user", text: "is anyone there?", unanswered: undefined },
      { role: "notice", text: "no answer: every model is down (3 times)", unanswered: undefined },
      { role: "assistant", text: "yes, here", unanswered: undefined },
    ],
  );
});

test("the same words said again (not a resend) are two messages; different failures are two notices", () => {
  const items = transcriptItems([user("u1", "hello"), failed("f1", "server down"), user("u2", "hello"), failed("f2", "too large for every model"), answer("a1", "ok")]);
  assert.deepEqual(
    items.map(({ role, text }) => [role, text]),
    [
      ["user", "hello"],
      ["notice", "no answer: server down"],
      ["user", "hello"],
      ["notice", "no answer: too large for every model"],
      ["assistant", "ok"],
    ],
  );
});

test("an answer keeps the notes the live turn showed: a fallback answered (only when the agent says them), the reply limit cut it off", () => {
  const fallback: SessionEntry = {
    type: "assistant",
    id: "a1",
    at,
    attempts: [
      { model: "home/m", outcome: "unreachable", ms: 3 },
      { model: "spare/m", outcome: "ok", ms: 40 },
    ],
    message: { role: "assistant", content: [{ type: "text", text: "from the spare" }], model: "spare/m", usage: { input: 1, output: 12, cacheRead: 0, cacheWrite: 0, reasoning: 0, estimated: false }, stopReason: "length" } as never,
  };
  const describe = (ref: string): { name: string; local: boolean | undefined } => ({ name: ref === "home/m" ? "Home" : "Spare", local: ref === "home/m" });
  const [, said, plain] = transcriptItems([user("u1", "hello"), fallback, answer("a2", "from home")], { describe });
  assert.deepEqual(said?.notes, [
    { kind: "fallback", text: "answered by Spare — Home (local server) unreachable" },
    { kind: "truncated", text: "the answer was cut off at the reply limit (after 12 tokens); ask to continue, or raise maxTokens / the loaded context" },
  ]);
  assert.equal(plain?.notes, undefined, "the first model answered in full: no note");
  // An agent with `fallbackNotice: false` passes no describe: the reply-limit note stays, the fallback one is not said.
  assert.deepEqual(transcriptItems([user("u1", "hello"), fallback])[1]?.notes?.map((note) => note.kind), ["truncated"]);
});
