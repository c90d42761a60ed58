import assert from "node:assert/strict";
import { test } from "node:test";
import { SENT_AGAIN_IN_PLACE, transcriptItems } from "../../src/gateway/transcript.js";
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

test("a file written before notes were kept: the fallback note from the attempts (only when the agent says them), the reply limit's from the stop reason", () => {
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
  // In the live turn's order: its notes, then the fallback note it adds at its end.
  assert.deepEqual(said?.notes, [
    { kind: "truncated", text: "the answer was cut off at the reply limit (after 12 tokens); ask to continue, or raise maxTokens / the loaded context" },
    { kind: "fallback", text: "answered by Spare — Home (local server) unreachable" },
  ]);
  assert.equal(plain?.notes, undefined, "the first model answered in full: no note");
  // An agent with `fallbackNotice: false` passes no describe: the reply-limit note stays, the fallback one is not said.
  assert.deepEqual(transcriptItems([user("u1", "hello"), fallback])[1]?.notes?.map((note) => note.kind), ["truncated"]);
});

test("the notes the entries keep come back in their words and order: beside the turn's one answer, and beside the notice of a turn that got none", () => {
  const notes = (...texts: [string, string][]) => texts.map(([kind, text]) => ({ kind, text }));
  const toolCall: SessionEntry = {
    type: "assistant",
    id: "a1",
    at,
    attempts: [
      { model: "home/m", outcome: "unreachable", ms: 3 },
      { model: "spare/m", outcome: "ok", ms: 40 },
    ],
    notes: notes(["loading", "loading home/m on the local server — waiting for it"], ["attempt", "home/m: cannot reach it — trying spare/m"]),
    message: { role: "assistant", content: [{ type: "tool-call", id: "c1", name: "time", arguments: {}, rawArguments: "{}" }], model: "spare/m", usage: { input: 1, output: 1, cacheRead: 0, cacheWrite: 0, reasoning: 0, estimated: false }, stopReason: "tool-use" } as never,
  };
  const toolResult: SessionEntry = { type: "tool-result", id: "t1", at, message: { role: "tool-result", toolCallId: "c1", toolName: "time", content: "12:00", isError: false }, notes: notes(["tool", "time done: 12:00"]) };
  const final: SessionEntry = { ...(answer("a2", "it is noon") as Extract<SessionEntry, { type: "assistant" }>), notes: notes(["truncated", "the answer was cut off at the reply limit (1024 tokens); ask to continue"], ["shiny-new-kind", "a kind a later version keeps"]) };
  const failedTurn: SessionEntry = { ...(failed("f1", "every model is down") as Extract<SessionEntry, { type: "turn-failed" }>), notes: notes(["attempt", "spare/m: connection refused"]) };
  const describe = (ref: string): { name: string; local: boolean | undefined } => ({ name: ref === "home/m" ? "Home" : "Spare", local: ref === "home/m" });
  const items = transcriptItems([user("u1", "what time is it?"), toolCall, toolResult, final, user("u2", "again?"), failedTurn], { describe });
  assert.deepEqual(
    items.map(({ role, text, notes: shown }) => [role, text, (shown ?? []).map((note) => `${note.kind}: ${note.text}`)]),
    [
      ["user", "what time is it?", []],
      [
        "assistant",
        "it is noon",
        [
          "loading: loading home/m on the local server — waiting for it",
          "attempt: home/m: cannot reach it — trying spare/m",
          "tool: time done: 12:00",
          "truncated: the answer was cut off at the reply limit (1024 tokens); ask to continue",
          "fallback: answered by Spare — Home (local server) unreachable",
        ],
      ],
      ["user", "again?", []],
      ["notice", "no answer: every model is down", ["attempt: spare/m: connection refused"]],
    ],
  );
});

test("a turn whose replies were tool calls alone keeps its notes beside an empty answer, once it is over", () => {
  const toolOnly: SessionEntry = {
    type: "assistant",
    id: "a1",
    at,
    attempts: [],
    message: { role: "assistant", content: [{ type: "tool-call", id: "c1", name: "time", arguments: {}, rawArguments: "{}" }], model: "local/m", usage: { input: 1, output: 1, cacheRead: 0, cacheWrite: 0, reasoning: 0, estimated: false }, stopReason: "tool-use" } as never,
    notes: [{ kind: "notice", text: "stopped after 1 model calls (maxSteps); the tools' last results were not answered" }],
  };
  const entries = [user("u1", "loop"), toolOnly];
  assert.deepEqual(transcriptItems(entries).at(-1)?.notes, [{ kind: "notice", text: "stopped after 1 model calls (maxSteps); the tools' last results were not answered" }]);
  assert.equal(transcriptItems(entries).at(-1)?.text, "");
  assert.deepEqual(transcriptItems(entries, { pending: "u1" }).map((item) => item.role), ["user"], "a turn under way: its notes come with its live events");
});

test("a Retry of a message other messages came after: the question shown again above its answer; where it was said first, no Retry and its notice no longer promises one", () => {
  const cut = "hearth stopped while answering this message (the gateway was killed or crashed): the words shown as the answer streamed were not kept — Retry sends it again";
  const notStarted = "hearth stopped before this message's turn began; nothing was lost — Retry sends it";
  const before: SessionEntry[] = [user("u1", "first"), failed("f1", cut), user("u2", "second"), failed("f2", notStarted), user("u3", "third"), answer("a3", "to the third")];
  // Every message without an answer is unanswered (each gets its Retry), the ones before an answered message too.
  assert.deepEqual(
    transcriptItems(before).map(({ role, text, unanswered }) => [role, text.slice(0, 30), unanswered === true]),
    [
      ["user", "first", true],
      ["notice", "no answer: hearth stopped whil", false],
      ["user", "second", true],
      ["notice", "no answer: hearth stopped befo", false],
      ["user", "third", false],
      ["assistant", "to the third", false],
    ],
  );
  const after = transcriptItems([...before, user("r1", "first", "u1"), answer("a1", "to the first")]);
  assert.deepEqual(
    after.map(({ role, text, id, unanswered, sentAgain }) => ({ role, text, id, unanswered, sentAgain })),
    [
      { role: "user", text: "first", id: "u1", unanswered: undefined, sentAgain: undefined },
      { role: "notice", text: "no answer: hearth stopped while answering this message (the gateway was killed or crashed): the words shown as the answer streamed were not kept — sent again below", id: undefined, unanswered: undefined, sentAgain: undefined },
      { role: "user", text: "second", id: "u2", unanswered: true, sentAgain: undefined },
      { role: "notice", text: `no answer: ${notStarted}`, id: undefined, unanswered: undefined, sentAgain: undefined },
      { role: "user", text: "third", id: "u3", unanswered: undefined, sentAgain: undefined },
      { role: "assistant", text: "to the third", id: undefined, unanswered: undefined, sentAgain: undefined },
      { role: "user", text: "first", id: "r1", unanswered: undefined, sentAgain: true },
      { role: "assistant", text: "to the first", id: undefined, unanswered: undefined, sentAgain: undefined },
    ],
  );
  // The resend failed too: its own Retry (naming it) and notice, under the question shown again; a Retry of that goes in place there.
  const again = [...before, user("r1", "first", "u1"), failed("g1", "every model is down")];
  assert.deepEqual(
    transcriptItems(again).slice(-2).map(({ role, text, id, unanswered }) => [role, text, id, unanswered]),
    [
      ["user", "first", "r1", true],
      ["notice", "no answer: every model is down", undefined, undefined],
    ],
  );
  const inPlace = transcriptItems([...again, user("r2", "first", "r1"), answer("a1", "to the first")]);
  assert.deepEqual(
    inPlace.slice(-4).map(({ role, text, id, unanswered }) => [role, text, id, unanswered]),
    [
      ["assistant", "to the third", undefined, undefined],
      ["user", "first", "r2", undefined],
      ["notice", "no answer: every model is down", undefined, undefined],
      ["assistant", "to the first", undefined, undefined],
    ],
  );
  assert.equal(inPlace.filter((item) => item.role === "user" && item.text === "first").length, 2, "shown where it was said, and once again below");
});

test("a resend of the message said last is shown in place; its earlier try's notice no longer promises the Retry it no longer has", () => {
  const cut = "hearth stopped while answering this message (the gateway was killed or crashed): the words shown as the answer streamed were not kept — Retry sends it again";
  const items = transcriptItems([user("u1", "only"), failed("f1", cut), user("r1", "only", "u1"), answer("a1", "at last")]);
  assert.deepEqual(
    items.map(({ role, text, unanswered }) => [role, text, unanswered]),
    [
      ["user", "only", undefined],
      ["notice", "no answer: hearth stopped while answering this message (the gateway was killed or crashed): the words shown as the answer streamed were not kept", undefined],
      ["assistant", "at last", undefined],
    ],
  );
});

test("a resend of an answered message said last (a regenerate): the new answer follows the old one with a notice between them saying which the conversation goes on from; a failed try's own notice needs none", () => {
  const items = transcriptItems([user("u1", "hi"), answer("a1", "first answer"), user("r1", "hi", "u1"), answer("a2", "second answer")]);
  assert.deepEqual(
    items.map(({ role, text }) => [role, text]),
    [
      ["user", "hi"],
      ["assistant", "first answer"],
      ["notice", SENT_AGAIN_IN_PLACE],
      ["assistant", "second answer"],
    ],
  );
  const cut = transcriptItems([user("u1", "hi"), answer("a1", "cut short"), failed("f1", "the server broke off"), user("r1", "hi", "u1"), answer("a2", "whole")]);
  assert.deepEqual(
    cut.map(({ role }) => role),
    ["user", "assistant", "notice", "assistant"],
    "the failure's notice stands between them already",
  );
});
