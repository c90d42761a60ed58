// A call that broke mid-answer spent tokens its model's server counted: the attempt keeps them (session
// record, proxy ledger), and `hearth usage` counts them as a call of that model — the attack found the
// ledger holding them and the report leaving them out.
import assert from "node:assert/strict";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { usageReport } from "../../src/ops/usage.js";
import { tempDir } from "../helpers/run-cli.js";

const usage = (input: number, output: number) => ({ input, output, cacheRead: 0, cacheWrite: 0, reasoning: 0, estimated: false });

describe("hearth usage counts what broken attempts spent", () => {
  const temp = tempDir();
  after(() => temp.cleanup());

  test("a session's reply and a proxied answer: each broken attempt's tokens under its own model, as a call; the answer's under its model", async () => {
    const state = join(temp.dir, "state");
    mkdirSync(join(state, "sessions"), { recursive: true });
    mkdirSync(join(state, "usage"), { recursive: true });
    const attempts = [
      { model: "local/broken", outcome: "stream-broken", ms: 40, usage: usage(5, 4) },
      { model: "cloud/big", outcome: "ok", ms: 900 },
    ];
    writeFileSync(
      join(state, "sessions", "s.jsonl"),
      [
        { type: "session", version: 1, at: "2026-11-01T09:00:00.000Z", agent: "main" },
        { type: "user", id: "u1", at: "2026-11-01T09:00:01.000Z", text: "hello" },
        { type: "assistant", id: "a1", at: "2026-11-01T09:00:02.000Z", message: { role: "assistant", content: [{ type: "text", text: "ok" }], model: "cloud/big", api: "openai-completions", stopReason: "stop", usage: usage(100, 20), cost: 0.01 }, attempts },
      ].map((entry) => JSON.stringify(entry)).join("\n") + "\n",
    );
    writeFileSync(join(state, "usage", "proxy.jsonl"), `${JSON.stringify({ at: "2026-11-01T10:00:00.000Z", requested: "Local", model: "cloud/big", usage: usage(50, 10), cost: 0.005, attempts: [{ model: "local/broken", outcome: "stream-broken", ms: 30, usage: usage(7, 6) }, { model: "cloud/big", outcome: "ok", ms: 500 }] })}\n`);
    const report = await usageReport({ stateDir: state, by: "model", isLocal: (ref) => ref.startsWith("local/") });
    const row = (key: string) => report.rows.find((entry) => entry.key === key);
    assert.deepEqual([row("local/broken")?.calls, row("local/broken")?.input, row("local/broken")?.output], [2, 12, 10]);
    assert.deepEqual([row("cloud/big")?.calls, row("cloud/big")?.input, row("cloud/big")?.output], [2, 150, 30]);
    assert.deepEqual([report.total.calls, report.total.input, report.total.output], [4, 162, 40]);
    assert.equal(report.total.cost, 0.015, "local/broken is free here (no cost kept, no price given): only the answers cost (test/cli/broken-calls-priced.test.ts prices a paid one)");
  });

  test("an answer kept as far as it went (stopped by the user, cut off) counts its call once, as the reply; a stop between steps adds no reply", async () => {
    const state = join(temp.dir, "kept-state");
    mkdirSync(join(state, "sessions"), { recursive: true });
    const message = (text: string, stopReason: string, spent: ReturnType<typeof usage>) => ({ role: "assistant", content: text === "" ? [] : [{ type: "text", text }], model: "local/m", api: "openai-completions", stopReason, usage: spent, cost: 0 });
    writeFileSync(
      join(state, "sessions", "k.jsonl"),
      [
        { type: "session", version: 1, at: "2026-11-01T09:00:00.000Z", agent: "main" },
        { type: "user", id: "u1", at: "2026-11-01T09:00:01.000Z", text: "a story" },
        { type: "assistant", id: "a1", at: "2026-11-01T09:00:02.000Z", message: message("word0 word1", "aborted", usage(100, 9)), attempts: [{ model: "local/m", outcome: "aborted", ms: 40, usage: usage(100, 9) }] },
        { type: "user", id: "u2", at: "2026-11-01T09:01:01.000Z", text: "another" },
        { type: "assistant", id: "a2", at: "2026-11-01T09:01:02.000Z", message: message("Once upon", "error", usage(50, 3)), attempts: [{ model: "local/m", outcome: "stream-broken", ms: 40, usage: usage(50, 3) }] },
        { type: "user", id: "u3", at: "2026-11-01T09:02:01.000Z", text: "a tool story" },
        { type: "assistant", id: "a3", at: "2026-11-01T09:02:02.000Z", message: message("Let me check.", "tool-use", usage(20, 5)), attempts: [{ model: "local/m", outcome: "ok", ms: 10 }] },
        { type: "assistant", id: "a4", at: "2026-11-01T09:02:03.000Z", message: message("", "aborted", usage(0, 0)), attempts: [{ model: "local/m", outcome: "aborted", ms: 1 }] },
      ].map((entry) => JSON.stringify(entry)).join("\n") + "\n",
    );
    const report = await usageReport({ stateDir: state, by: "model", isLocal: () => true });
    const row = report.rows.find((entry) => entry.key === "local/m");
    assert.deepEqual([row?.calls, row?.input, row?.output], [4, 170, 17], "three replies and the call stopped between steps; no tokens twice");
  });
});
