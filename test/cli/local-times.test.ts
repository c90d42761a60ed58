// Trial (TZ=Asia/Shanghai): `sessions list` and `logs` showed UTC times unlabelled, and `usage --since` read a
// bare day as UTC but a time without a zone as local. One rule: local time labelled with its offset, and a
// time typed without a zone is local.
import assert from "node:assert/strict";
import { mkdirSync, utimesSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { parseSince } from "../../src/cli/commands/usage.js";
import { runCli, tempDir } from "../helpers/run-cli.js";

const SHANGHAI = { TZ: "Asia/Shanghai" };

const reply = (id: string, at: string) => ({
  type: "assistant",
  id,
  at,
  message: { role: "assistant", content: [{ type: "text", text: "ok" }], model: "lmstudio/qwen3-32b", api: "openai-completions", stopReason: "stop", usage: { input: 10, output: 2, cacheRead: 0, cacheWrite: 0, reasoning: 0, estimated: false }, cost: 0 },
  attempts: [{ model: "lmstudio/qwen3-32b", outcome: "ok", ms: 100 }],
});

describe("times in the CLI: local, labelled with the offset; typed without a zone: local", () => {
  const temp = tempDir();
  after(() => temp.cleanup());
  const state = join(temp.dir, "state");
  mkdirSync(join(state, "sessions"), { recursive: true });
  mkdirSync(join(state, "logs"), { recursive: true });
  const config = temp.write("hearth.json5", "{}");
  const file = join(state, "sessions", "tz.jsonl");
  // 2026-12-02T15:00Z is 23:00 on the 2nd in Shanghai; 2026-12-02T17:00Z is 01:00 on the 3rd.
  writeFileSync(
    file,
    [{ type: "session", version: 1, at: "2026-12-02T14:59:00.000Z", agent: "main" }, { type: "user", id: "u1", at: "2026-12-02T15:00:00.000Z", text: "hello" }, reply("a1", "2026-12-02T15:00:01.000Z"), { type: "user", id: "u2", at: "2026-12-02T17:00:00.000Z", text: "again" }, reply("a2", "2026-12-02T17:00:01.000Z")]
      .map((entry) => JSON.stringify(entry))
      .join("\n") + "\n",
  );
  const updated = new Date("2026-12-02T17:00:01.000Z");
  utimesSync(file, updated, updated);
  writeFileSync(join(state, "logs", "gateway.log"), `${JSON.stringify({ level: 30, time: Date.parse("2026-12-01T12:03:04.120Z"), pid: 7, msg: "gateway listening" })}\n`);
  const run = async (...args: string[]) => {
    const result = await runCli(["--config", config, ...args], { env: { HEARTH_STATE_DIR: state, ...SHANGHAI } });
    assert.equal(result.code, 0, result.stderr);
    return result.stdout;
  };

  test("sessions list, sessions show and logs print local times with +08:00", async () => {
    assert.match(await run("sessions", "list"), /^tz\s+2026-12-03 01:00 \+08:00\s/m);
    assert.match(await run("sessions", "show", "tz"), /## You · 2026-12-02 23:00:00 \+08:00/);
    assert.equal((await run("logs")).trimEnd(), "20:03:04.120 +08:00 INFO  gateway listening");
  });

  test("usage --since: a bare day is its local midnight, a time without a zone is local, one with a zone is kept; --by day is the local day", async () => {
    const calls = async (...args: string[]) => (JSON.parse(await run("usage", "--json", ...args)) as { total: { calls: number }; rows: { key: string }[] });
    assert.equal((await calls("--since", "2026-12-03")).total.calls, 1, "the 3rd starts at 16:00Z on the 2nd in Shanghai");
    assert.equal((await calls("--since", "2026-12-02T23:30")).total.calls, 1);
    assert.equal((await calls("--since", "2026-12-02T22:30")).total.calls, 2);
    assert.equal((await calls("--since", "2026-12-02T16:00Z")).total.calls, 1);
    assert.deepEqual((await calls("--by", "day")).rows.map((row) => row.key), ["2026-12-02", "2026-12-03"]);
    assert.match(await run("usage", "--since", "2026-12-04"), /^No model replies since 2026-12-04 00:00:00 \+08:00\.$/m);
    assert.match((await run("usage", "--help")).replace(/\s+/g, " "), /a time without a zone is this machine's local time/);
  });

  test("parseSince refuses a day that does not exist rather than read another", () => {
    assert.throws(() => parseSince("2026-02-30", new Date()), /--since: "2026-02-30" is not a date/);
    assert.throws(() => parseSince("2026-12-03T25:00", new Date()), /is not a date/);
  });
});
