// Where a trim cuts when no summary can be written (planTrim): with headroom where whole turns allow it,
// else as many recent turns as fit the budget itself — never none while the latest earlier turn fits.
import assert from "node:assert/strict";
import { test } from "node:test";
import { conversationView } from "../../src/agent/build-context.js";
import { planTrim } from "../../src/agent/compaction.js";
import type { SessionEntry } from "../../src/sessions/entries.js";

const at = "2026-01-01T00:00:00.000Z";
const usage = { input: 10, output: 5, cacheRead: 0, cacheWrite: 0, reasoning: 0, estimated: false };
const user = (id: string): SessionEntry => ({ type: "user", id, at, text: `message ${id}` });
const reply = (id: string): SessionEntry => ({
  type: "assistant",
  id,
  at,
  attempts: [],
  message: { role: "assistant", model: "l/m", api: "openai-completions", stopReason: "stop", usage, cost: 0, content: [{ type: "text", text: `answer ${id}` }] },
});

/** Turns u1…u(n-1) answered, and u(n) the turn under way. */
function conversation(turns: number): SessionEntry[] {
  const entries: SessionEntry[] = [{ type: "session", version: 1, at, agent: "main" }];
  for (let turn = 1; turn < turns; turn++) entries.push(user(`u${turn}`), reply(`a${turn}`));
  entries.push(user(`u${turns}`));
  return entries;
}

/** The prompt's size from each cut, as a table (a cut it does not name is a test's mistake). */
function sizes(table: Record<string, number>): { measure: (firstKeptId: string) => number; asked: string[] } {
  const asked: string[] = [];
  return {
    asked,
    measure: (firstKeptId) => {
      asked.push(firstKeptId);
      const size = table[firstKeptId];
      assert.ok(size !== undefined, `no size for a cut at ${firstKeptId}`);
      return size;
    },
  };
}

test("the trial's case: the latest earlier turn fits the budget but not the headroom — it is kept, not every earlier turn left out", () => {
  // llama.cpp at -c 2048 with 512-token answers: the message alone 386, with turn 2 987, with turns 1-2 1,588; the budget 1,332.
  const { measure } = sizes({ u2: 987, u3: 386 });
  const plan = planTrim(conversationView(conversation(3), { pending: "u3" }), { budget: 1332, measure });
  assert.equal(plan?.firstKeptId, "u2");
  assert.deepEqual(
    plan?.older.map((message) => message.role),
    ["user", "assistant"],
    "turn 1 is left out",
  );
});

test("as many recent turns as fit the budget, when none fits the headroom", () => {
  // Headroom: 300 + (1000 - 300) / 2 = 650. From u3 on 900 fits the budget, from u2 on 1,100 does not.
  const { measure } = sizes({ u2: 1100, u3: 900, u4: 700, u5: 300 });
  const plan = planTrim(conversationView(conversation(5), { pending: "u5" }), { budget: 1000, measure });
  assert.equal(plan?.firstKeptId, "u3", "turns 3 and 4 kept");
});

test("with headroom where whole turns allow it: the oldest cut at most half the free room above what is always sent", () => {
  // Headroom 650: from u3 on 640 fits it (u4 on would fit too, but keeps less); from u2 on 800 fits only the budget.
  const { measure } = sizes({ u2: 800, u3: 640, u4: 500, u5: 300 });
  const plan = planTrim(conversationView(conversation(5), { pending: "u5" }), { budget: 1000, measure });
  assert.equal(plan?.firstKeptId, "u3");
});

test("every earlier turn is left out only when not even the latest fits beside the message", () => {
  const { measure } = sizes({ u2: 1400, u3: 386 });
  const plan = planTrim(conversationView(conversation(3), { pending: "u3" }), { budget: 1332, measure });
  assert.equal(plan?.firstKeptId, "u3");
  assert.equal(plan?.older.filter((message) => message.role === "user").length, 2);
});

test("what is always sent larger than the budget: every earlier turn is left out (the turn itself is judged elsewhere)", () => {
  const { measure } = sizes({ u1: 3000, u2: 2500, u3: 2000 });
  assert.equal(planTrim(conversationView(conversation(3), { pending: "u3" }), { budget: 1500, measure })?.firstKeptId, "u3");
});

test("after an overflow (notBefore) no cut is earlier than the one given, and the budget still keeps what fits from there", () => {
  const { measure, asked } = sizes({ u3: 900, u4: 700, u5: 300 });
  const plan = planTrim(conversationView(conversation(5), { pending: "u5" }), { notBefore: "u3", budget: 1000, measure });
  assert.equal(plan?.firstKeptId, "u3");
  assert.ok(!asked.includes("u2") && !asked.includes("u1"), `cuts before u3 are not weighed: ${asked.join(", ")}`);
});

test("nothing before the turn under way: nothing to trim", () => {
  const { measure } = sizes({ u1: 300 });
  assert.equal(planTrim(conversationView(conversation(1), { pending: "u1" }), { budget: 1000, measure }), undefined);
});

test("with no turn under way (/compact), the latest turn is kept and the earlier ones are weighed as any", () => {
  const entries = [...conversation(4), reply("a4")];
  const { measure } = sizes({ u2: 1100, u3: 900, u4: 400 });
  const plan = planTrim(conversationView(entries), { budget: 1000, measure });
  assert.equal(plan?.firstKeptId, "u3", "turn 3 fits the budget beside the latest");
});
