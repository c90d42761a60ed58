// The cause "fault" was added to a turn-failed entry's causes: a session file an earlier hearth wrote — the
// three causes it knew, and a turn failed before causes were kept — reads as it did, every line, and each
// failed turn is still left out of what the next turn sends. A cause no hearth writes is still refused.
import assert from "node:assert/strict";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, test } from "node:test";
import { conversationView } from "../../src/agent/build-context.js";
import { transcriptItems } from "../../src/gateway/transcript.js";
import { JsonlSessionStore } from "../../src/sessions/jsonl-session-store.js";
import { tempDir } from "../helpers/run-cli.js";

const temp = tempDir("hearth-causes-");
after(() => temp.cleanup());

const at = "2026-06-01T10:00:00.000Z";
const line = (value: object): string => JSON.stringify(value);
const failed = (id: string, cause: string | undefined): string => line({ type: "turn-failed", id, at, error: `failed ${id}`, attempts: [{ model: "local/m", outcome: "unreachable", ms: 3 }], ...(cause === undefined ? {} : { cause }) });

function sessionFile(name: string, lines: readonly string[]): string {
  const state = join(temp.dir, name);
  mkdirSync(join(state, "sessions"), { recursive: true });
  writeFileSync(join(state, "sessions", "main.jsonl"), `${lines.join("\n")}\n`);
  return state;
}

test("a session file with the three earlier causes, and one with none, reads whole", async () => {
  const state = sessionFile("earlier", [
    line({ type: "session", version: 1, at, agent: "main" }),
    line({ type: "user", id: "u1", at, text: "first" }),
    failed("f1", "transient"),
    line({ type: "user", id: "u2", at, text: "second" }),
    failed("f2", "permanent"),
    line({ type: "user", id: "u3", at, text: "third" }),
    failed("f3", "cancelled"),
    line({ type: "user", id: "u4", at, text: "fourth" }),
    failed("f4", undefined),
    line({ type: "user", id: "u5", at, text: "fifth" }),
    line({ type: "assistant", id: "a5", at, attempts: [{ model: "local/m", outcome: "ok", ms: 9 }], message: { role: "assistant", content: [{ type: "text", text: "answered" }], api: "openai-completions", model: "local/m", usage: { input: 5, output: 1, cacheRead: 0, cacheWrite: 0, reasoning: 0, estimated: false }, cost: 0, stopReason: "stop" } }),
  ]);
  const warnings: string[] = [];
  const read = await new JsonlSessionStore(state, { onWarning: (message) => warnings.push(message) }).read("main");
  assert.deepEqual(read.damaged, []);
  assert.deepEqual(warnings, []);
  assert.deepEqual(
    read.entries.flatMap((entry) => (entry.type === "turn-failed" ? [entry.cause ?? "none"] : [])),
    ["transient", "permanent", "cancelled", "none"],
  );
  assert.deepEqual(conversationView(read.entries).ids, ["u5", "a5"], "every failed turn is left out of what is sent");
  assert.deepEqual(
    transcriptItems(read.entries).filter((item) => item.role === "notice").map((item) => item.text),
    ["no answer: failed f1", "no answer: failed f2", "cancelled: no answer", "no answer: failed f4"],
  );
});

test("a turn that broke on a fault reads back as one, its notice saying whose fault it is; a cause no hearth writes is a damaged line", async () => {
  const state = sessionFile("fault", [
    line({ type: "session", version: 1, at, agent: "main" }),
    line({ type: "user", id: "u1", at, text: "first" }),
    line({ type: "turn-failed", id: "f1", at, error: "a fault in hearth while choosing and calling a model (hearth's log says what)", attempts: [], cause: "fault" }),
    line({ type: "user", id: "u2", at, text: "second" }),
    failed("f2", "flaky"),
  ]);
  const warnings: string[] = [];
  const read = await new JsonlSessionStore(state, { onWarning: (message) => warnings.push(message) }).read("main");
  assert.deepEqual(
    read.entries.map((entry) => (entry.type === "turn-failed" ? `turn-failed: ${entry.cause ?? "none"}` : entry.type)),
    ["session", "user", "turn-failed: fault", "user"],
  );
  assert.deepEqual(read.damaged.map((problem) => problem.line), [5]);
  assert.match(read.damaged[0]?.reason ?? "", /^cause: /);
  assert.equal(warnings.length, 1);
  const notice = transcriptItems(read.entries.slice(0, 3)).find((item) => item.role === "notice");
  assert.equal(
    notice?.text,
    "no answer: a fault in hearth while choosing and calling a model (hearth's log says what) — this is hearth's own fault, not a model's nor your message's; your message is saved, but sending it again will likely fail the same way until that is fixed",
  );
});
