// The comparison of an API client's own history with the session's (client-history.ts), on session
// entries as they are kept: what a client shows of hearth's answers other than the words themselves.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { ModelRef } from "../../src/ai/model-spec.js";
import { emptyUsage } from "../../src/ai/usage.js";
import { EntryIndexes } from "../../src/agent/conversation-index.js";
import { matchClientHistory } from "../../src/gateway/client-history.js";
import type { ClientMessage } from "../../src/gateway/port.js";
import type { SessionEntry } from "../../src/sessions/entries.js";

let ids = 0;
const at = "2026-12-05T10:00:00.000Z";
const user = (text: string): SessionEntry => ({ type: "user", id: `u${++ids}`, at, text });
const reply = (text: string, stopReason: "stop" | "tool-use" = "stop"): SessionEntry => ({
  type: "assistant",
  id: `a${++ids}`,
  at,
  attempts: [],
  message: { role: "assistant", content: text === "" ? [] : [{ type: "text", text }], model: "local/m1" as ModelRef, api: "openai-completions", stopReason, usage: emptyUsage(), cost: 0 },
});
const said = (role: ClientMessage["role"], text: string): ClientMessage => ({ role, text });
const kind = (entries: SessionEntry[], history: ClientMessage[], text: string): string => matchClientHistory(entries, { session: "s", history, text }).kind;

describe("matchClientHistory", () => {
  test("an answer as the client got it: its tool steps a paragraph apart, (no answer — …), reasoning shown before an orphan </think>", () => {
    const entries = [user("look it up"), reply("Let me check.", "tool-use"), reply("It is 12."), user("and then?"), reply("", "tool-use"), user("think"), reply("Yes.")];
    const history = [said("user", "look it up"), said("assistant", "Let me check.\n\nIt is 12."), said("user", "and then?"), said("assistant", "(no answer — stopped: the same call again)"), said("user", "think")];
    assert.equal(kind(entries, [...history, said("assistant", "hmm, the user wants…</think>\n\nYes.")], "next"), "continues");
    assert.equal(kind(entries, [...history, said("assistant", "No.")], "next"), "differs");
    assert.equal(kind(entries, history, "think"), "resend", "the last answer left out: a regenerate");
  });

  test("a question whose image was too large to keep is compared by its words", () => {
    const entries = [user("what is this?\n[image, 6 MB — too large, images up to 5 MB are read]"), reply("A cat.")];
    assert.equal(kind(entries, [said("user", "what is this?"), said("assistant", "A cat.")], "next"), "continues");
    assert.equal(kind(entries, [], "what is this?"), "resend");
  });

  test("a history cut short, a /new among the client's messages, and tool messages", () => {
    const entries = [user("one"), reply("1"), user("two"), reply("2")];
    // The client kept its last messages only, starting at an answer.
    assert.equal(kind(entries, [said("assistant", "2")], "three"), "continues");
    assert.equal(kind(entries, [said("assistant", "1"), said("user", "two"), said("assistant", "2")], "three"), "continues");
    // Its conversation before a /new (and the command's answer) is not the session's.
    const fresh = [user("old"), reply("o"), { type: "reset", id: "r", at } as SessionEntry, user("one"), reply("1")];
    assert.equal(kind(fresh, [said("user", "old"), said("assistant", "o"), said("user", "/new"), said("assistant", "A fresh conversation."), said("user", "one"), said("assistant", "1")], "two"), "continues");
    // A tool call or result never comes from a conversation with an agent.
    assert.equal(kind(entries, [said("user", "two"), said("other", ""), said("assistant", "2")], "three"), "differs");
    // The same question asked again after its answer, in a longer conversation: a new message.
    assert.equal(kind(entries, [], "two"), "continues");
  });

  test("a long session is held against the client's history by its latest turns: as many entries are read of 3,000 turns as of 300", () => {
    const reads = (turns: number): number => {
      const entries: SessionEntry[] = [{ type: "session", version: 1, at, agent: "main" }];
      for (let turn = 0; turn < turns; turn++) entries.push(user(`question ${turn}`), reply(`answer ${turn}`));
      // A turn that failed, and its Retry answered: the failed try is left out, the Retry stands.
      const failed = user("the last question") as Extract<SessionEntry, { type: "user" }>;
      entries.push(failed, { type: "turn-failed", id: `f${++ids}`, at, error: "down", attempts: [], cause: "transient" }, { ...failed, id: `u${++ids}`, retryOf: failed.id }, reply("the last answer"));
      const indexes = new EntryIndexes();
      indexes.note(entries);
      let read = 0;
      const watched = new Proxy(entries, {
        get(target, property, receiver) {
          if (typeof property === "string" && /^\d+$/.test(property)) read++;
          return Reflect.get(target, property, receiver) as unknown;
        },
      });
      const match = (history: ClientMessage[], text: string): string => matchClientHistory(watched, { session: "s", history, text, index: indexes.covering(watched) }).kind;
      const before = [said("user", `question ${turns - 1}`), said("assistant", `answer ${turns - 1}`)];
      assert.equal(match([], "next"), "continues");
      assert.equal(match([...before, said("user", "the last question"), said("assistant", "the last answer")], "next"), "continues");
      assert.equal(match(before, "the last question"), "resend", "the last answer left out: a regenerate");
      // A history that differs says how many messages the session holds: every turn counted then.
      assert.equal(matchClientHistory(entries, { session: "s", history: [said("user", "another"), said("assistant", "talk")], text: "next", index: indexes.covering(entries) }).kind, "differs");
      assert.match((matchClientHistory(entries, { session: "s", history: [said("user", "another"), said("assistant", "talk")], text: "next" }) as { notice: string }).notice, new RegExp(`\\(${(turns + 1) * 2} messages\\)`));
      return read;
    };
    const short = reads(300);
    assert.equal(reads(3000), short);
    assert.ok(short < 300, `${short} entries read`);
  });
});
