import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { appendFileSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { hearthBin, runCli, tempDir } from "../helpers/run-cli.js";

const reply = (options: { id: string; at: string; model: string; input: number; output: number; cost: number; speed?: number; attempts: { model: string; outcome: string; ms: number }[] }) => ({
  type: "assistant",
  id: options.id,
  at: options.at,
  message: {
    role: "assistant",
    content: [{ type: "text", text: "ok" }],
    model: options.model,
    api: "openai-completions",
    stopReason: "stop",
    usage: { input: options.input, output: options.output, cacheRead: 0, cacheWrite: 0, reasoning: 0, estimated: false, ...(options.speed ? { promptPerSecond: options.speed } : {}) },
    cost: options.cost,
  },
  attempts: options.attempts,
});

const user = (id: string, at: string) => ({ type: "user", id, at, text: "hello" });

describe("hearth usage", () => {
  const temp = tempDir();
  after(() => temp.cleanup());
  const state = join(temp.dir, "state");
  mkdirSync(join(state, "sessions"), { recursive: true });
  const session = (key: string, agent: string, entries: object[]) =>
    writeFileSync(join(state, "sessions", `${key}.jsonl`), [{ type: "session", version: 1, at: "2026-11-01T09:00:00.000Z", agent }, ...entries].map((entry) => JSON.stringify(entry)).join("\n") + "\n");
  session("main", "main", [
    user("u1", "2026-11-01T09:00:01.000Z"),
    reply({ id: "a1", at: "2026-11-01T09:00:07.000Z", model: "lmstudio/qwen3-32b", input: 1000, output: 200, cost: 0, speed: 500, attempts: [{ model: "lmstudio/qwen3-32b", outcome: "ok", ms: 6000 }] }),
    user("u2", "2026-11-02T09:00:00.000Z"),
    reply({ id: "a2", at: "2026-11-02T09:00:03.000Z", model: "openrouter/claude", input: 2000, output: 100, cost: 0.05, attempts: [{ model: "lmstudio/qwen3-32b", outcome: "unreachable", ms: 4 }, { model: "openrouter/claude", outcome: "ok", ms: 3000 }] }),
    reply({ id: "a3", at: "2026-11-02T09:00:06.000Z", model: "openrouter/claude", input: 2500, output: 50, cost: 0.02, attempts: [{ model: "lmstudio/qwen3-32b", outcome: "skipped-cooldown", ms: 0 }, { model: "openrouter/claude", outcome: "ok", ms: 2000 }] }),
  ]);
  session("whatsapp:+15551234567", "helper", [
    user("w1", "2026-11-03T10:00:00.000Z"),
    reply({ id: "b1", at: "2026-11-03T10:00:04.000Z", model: "lmstudio/qwen3-32b", input: 300, output: 40, cost: 0, attempts: [{ model: "lmstudio/qwen3-32b", outcome: "ok", ms: 4000 }] }),
  ]);
  const config = temp.write("hearth.json5", `{ models: { providers: { lmstudio: { baseUrl: "http://127.0.0.1:1/v1", api: "openai-completions", models: [{ id: "qwen3-32b" }] } } } }`);
  const usage = async (...args: string[]) => {
    const result = await runCli(["--config", config, "usage", ...args], { env: { HEARTH_STATE_DIR: state } });
    assert.equal(result.code, 0, result.stderr);
    return result;
  };

  test("by model: tokens, cost, local time split into prefill and generation; hosted fallback spend on one line", async () => {
    const json = JSON.parse((await usage("--json")).stdout) as { rows: { key: string; calls: number; input: number; cost: number; local: { totalMs: number; prefillMs: number; generationMs: number } }[]; hostedFallbacks: { cost: number; turns: number; calls: number } };
    const local = json.rows.find((row) => row.key === "lmstudio/qwen3-32b");
    // The call that found the server down is a call of its model (4 ms of local time), said with its outcome.
    assert.equal(local?.calls, 3);
    assert.deepEqual((local as { failed?: unknown } | undefined)?.failed, { unreachable: 1 });
    assert.deepEqual(local?.local, { calls: 3, totalMs: 10004, prefillMs: 2000, generationMs: 4000, timedCalls: 1 });
    const hosted = json.rows.find((row) => row.key === "openrouter/claude");
    assert.equal(hosted?.calls, 2);
    assert.equal(hosted?.input, 4500);
    assert.deepEqual(json.hostedFallbacks, { cost: 0.07, turns: 1, calls: 2 });
    const table = (await usage()).stdout;
    assert.match(table, /^model\s+calls\s+summaries\s+failed\s+input \(new\)\s+input \(cached\)\s+output\s+cost\s+local time$/m);
    assert.match(table, /lmstudio\/qwen3-32b\s+3\s+-\s+1 unreachable\s+1300\s+0\s+240\s+\$0\s+10\.0 s \(1 measured: 2\.0 s prefill \+ 4\.0 s generation; 2 not measured: 4\.0 s\)$/m);
    assert.match(table, /^total\s+5\s+-\s+1 unreachable\s+5800\s+0\s+390\s+\$0\.07\s+10\.0 s in 3 local calls \(1 measured: 2\.0 s prefill \+ 4\.0 s generation; 2 not measured: 4\.0 s\)$/m);
    assert.match(table, /^fallbacks to hosted models cost \$0\.07 over 1 turn$/m);
  });

  test("--by day, agent, channel and --since", async () => {
    const keys = async (...args: string[]) => (JSON.parse((await usage("--json", ...args)).stdout) as { rows: { key: string }[] }).rows.map((row) => row.key);
    assert.deepEqual(await keys("--by", "day"), ["2026-11-01", "2026-11-02", "2026-11-03"]);
    assert.deepEqual((await keys("--by", "agent")).sort(), ["helper", "main"]);
    assert.deepEqual((await keys("--by", "channel")).sort(), ["cli", "whatsapp"]);
    assert.deepEqual(await keys("--by", "day", "--since", "2026-11-02"), ["2026-11-02", "2026-11-03"]);
  });

  test("a bad --since or --by is a usage error naming the value", async () => {
    const since = await runCli(["--config", config, "usage", "--since", "last tuesday"], { env: { HEARTH_STATE_DIR: state } });
    assert.equal(since.code, 2);
    assert.match(since.stderr, /--since: "last tuesday" is not a date/);
    const by = await runCli(["--config", config, "usage", "--by", "week"], { env: { HEARTH_STATE_DIR: state } });
    assert.equal(by.code, 2);
    assert.match(by.stderr, /--by: "week" is not a grouping; use one of model, agent, day, channel/);
  });
});

describe("hearth logs", () => {
  const temp = tempDir();
  after(() => temp.cleanup());
  const state = join(temp.dir, "state");
  const log = join(state, "logs", "gateway.log");
  mkdirSync(join(state, "logs"), { recursive: true });
  const line = (level: number, msg: string, fields: object = {}) => `${JSON.stringify({ level, time: Date.parse("2026-12-01T12:03:04.120Z"), pid: 7, msg, ...fields })}\n`;
  writeFileSync(log, line(30, "gateway listening", { bind: "127.0.0.1", port: 18790 }) + line(50, "turn failed", { session: "main" }));

  test("pretty: time, level, message, fields; --json: the lines as written; -n limits", async () => {
    const pretty = await runCli(["logs"], { env: { HEARTH_STATE_DIR: state } });
    assert.equal(pretty.code, 0, pretty.stderr);
    assert.deepEqual(pretty.stdout.trimEnd().split("\n"), ["12:03:04.120 +00:00 INFO  gateway listening  bind=127.0.0.1 port=18790", "12:03:04.120 +00:00 ERROR turn failed  session=main"]);
    const raw = await runCli(["logs", "--json", "-n", "1"], { env: { HEARTH_STATE_DIR: state } });
    assert.equal(raw.stdout, line(50, "turn failed", { session: "main" }));
  });

  test("pretty: a value from a request or a server cannot start a line of its own or pass for other fields", async () => {
    const forged = join(temp.dir, "forged");
    mkdirSync(join(forged, "logs"), { recursive: true });
    const fake = "\r\n22:14:00.000 +00:00 INFO  request  method=GET path=/fake status=200 \u001b[31mRED";
    writeFileSync(join(forged, "logs", "gateway.log"), line(30, "request", { method: "POST", requested: `evil/evil${fake}`, path: "/v1/x\u2028Y", failed: "boom \u001b]0;T\u0007 FAKE\u0085LINE", status: 404 }) + line(40, "two\nlines", { plain: "a/b:c" }));
    const pretty = await runCli(["logs"], { env: { HEARTH_STATE_DIR: forged } });
    assert.equal(pretty.code, 0, pretty.stderr);
    assert.deepEqual(pretty.stdout.trimEnd().split("\n"), [
      '12:03:04.120 +00:00 INFO  request  method=POST requested="evil/evil\\r\\n22:14:00.000 +00:00 INFO  request  method=GET path=/fake status=200 \\u001b[31mRED" path="/v1/x\\u2028Y" failed="boom \\u001b]0;T\\u0007 FAKE\\x85LINE" status=404',
      '12:03:04.120 +00:00 WARN  "two\\nlines"  plain=a/b:c',
    ]);
  });

  test("no log yet: says where it would be, exit 1", async () => {
    const result = await runCli(["logs"], { env: { HEARTH_STATE_DIR: join(temp.dir, "empty") } });
    assert.equal(result.code, 1);
    assert.match(result.stderr, /no gateway log yet at .*logs\/gateway\.log/);
  });

  test("--follow prints lines appended after it started", async () => {
    const child = spawn(process.execPath, [hearthBin, "logs", "--follow", "--json", "-n", "0"], { env: { PATH: process.env.PATH, HOME: "/nonexistent-home", HEARTH_STATE_DIR: state } });
    let out = "";
    const seen = new Promise<void>((resolve) => {
      child.stdout.on("data", (chunk: Buffer) => {
        out += chunk.toString();
        if (out.includes("model answered")) resolve();
      });
    });
    const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
    // Appended again and again until it shows: how soon the follower starts is not this test's business.
    const appending = setInterval(() => appendFileSync(log, line(30, "model answered", { model: "lmstudio/qwen3-32b" })), 100);
    await seen;
    clearInterval(appending);
    child.kill("SIGINT");
    assert.equal(await exited, 0);
    assert.match(out, /^\{"level":30,.*"msg":"model answered"/m);
    assert.doesNotMatch(out, /gateway listening/);
  });
});
