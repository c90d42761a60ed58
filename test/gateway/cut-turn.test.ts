import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { AssistantMessage } from "../../src/ai/types.js";
import { emptyUsage } from "../../src/ai/usage.js";
import { cutTurnEnd } from "../../src/gateway/cut-turn.js";
import type { SessionEntry } from "../../src/sessions/entries.js";

const at = "2026-01-01T00:00:00.000Z";
const user = (id: string, text: string): SessionEntry => ({ type: "user", id, at, text });
function reply(content: AssistantMessage["content"], stopReason: AssistantMessage["stopReason"]): SessionEntry {
  return { type: "assistant", id: `a${content.length}${stopReason}`, at, attempts: [], message: { role: "assistant", content, model: "local/m", api: "openai-completions", provider: "local", usage: emptyUsage(), cost: 0, stopReason } as AssistantMessage };
}
const sleepCall = { type: "tool-call" as const, id: "c1", name: "exec", arguments: { command: "sleep", args: ["20"] }, rawArguments: "" };

describe("the end a cut turn is given at the next start", () => {
  test("a turn killed before any reply was saved: the streamed words were not kept", () => {
    const end = cutTurnEnd([user("u1", "hello")], "u1");
    assert.equal(end?.type, "turn-failed");
    assert.match(end?.type === "turn-failed" ? end.error : "", /^hearth stopped while answering this message \(the gateway was killed or crashed\): the words shown as the answer streamed were not kept/);
  });

  test("a turn a killed `hearth agent` or `hearth chat` was answering is said as theirs, with how their message is sent again", () => {
    const agent = cutTurnEnd([user("u1", "hello")], "u1", { by: "agent" });
    assert.equal(agent?.type === "turn-failed" ? agent.error : "", "hearth stopped while answering this message (hearth agent was killed or crashed): the words shown as the answer streamed were not kept — --retry (hearth agent), /retry or the web chat's Retry sends it again");
    const chat = cutTurnEnd([user("u1", "hello")], "u1", { by: "chat" });
    assert.match(chat?.type === "turn-failed" ? chat.error : "", /^hearth stopped while answering this message \(hearth chat was killed or crashed\): .* — \/retry \(or the web chat's Retry\) sends it again$/);
  });

  test("a turn killed while its tool ran: the words said before are kept, the call without a result gets a note", () => {
    const end = cutTurnEnd([user("u1", "run it"), reply([{ type: "text", text: "Running it now." }, sleepCall], "tool-use")], "u1");
    assert.ok(end?.type === "turn-failed");
    assert.match(end.error, /what it said before its last step is kept above/);
    assert.deepEqual(end.notes, [{ kind: "tool", text: "exec sleep 20 — no result: hearth stopped before it ended" }]);
  });

  test("a turn that ended, one already marked, one followed by a later message, or a message not in the session: nothing added", () => {
    assert.equal(cutTurnEnd([user("u1", "hi"), reply([{ type: "text", text: "hello" }], "stop")], "u1"), undefined);
    assert.equal(cutTurnEnd([user("u1", "hi"), { type: "turn-failed", id: "f", at, error: "x", attempts: [] }], "u1"), undefined);
    assert.equal(cutTurnEnd([user("u1", "hi"), user("u2", "again")], "u1"), undefined);
    assert.equal(cutTurnEnd([user("u1", "hi")], "nope"), undefined);
  });
});
