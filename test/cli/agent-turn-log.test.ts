import assert from "node:assert/strict";
import { mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { refusedUrl, startFakeServer, type FakeServer } from "../fakes/fake-server.js";
import { runCli, tempDir } from "../helpers/run-cli.js";
import { startGateway } from "../helpers/run-gateway.js";
import { lastUser, scriptedModel } from "../helpers/scripted-model.js";

// `hearth agent` and `hearth chat` run their turns in their own process: each turn leaves the gateway's
// turn line in the gateway's log all the same, naming the process, also while a gateway writes there.

const KEY = "sk-cliturnlog-secret-0123456789abcdef";
/** Another provider's key, in the environment only: masked by the log's own redactor (the failure's words mask only the provider's). */
const ENV_KEY = "sk-ant-envonly-fedcba9876543210fedcba";
const temp = tempDir();
after(() => temp.cleanup());

type Line = Record<string, unknown>;

const linesOf = (file: string): Line[] =>
  readFileSync(file, "utf8")
    .split("\n")
    .filter((line) => line !== "")
    .map((line) => JSON.parse(line) as Line);

describe("the turn lines of hearth agent and hearth chat", () => {
  let model: FakeServer;
  let config: string;
  before(async () => {
    model = await startFakeServer(
      scriptedModel("openai-completions", (turns) =>
        // A server that quotes the request's key back in its error: the log line must not carry it.
        lastUser(turns).includes("leak") ? { reply: { kind: "json", status: 400, body: { error: { message: `invalid request for keys ${KEY} and ${ENV_KEY}`, type: "invalid_request_error" } } } } : { text: "Noon, as it happens." },
      ),
    );
    config = temp.write(
      "hearth.json5",
      `{
        agents: { defaults: { model: { primary: "up/m" } } },
        models: { mode: "replace", providers: {
          up: { baseUrl: "${model.baseUrl}", api: "openai-completions", apiKey: "${KEY}", models: [{ id: "m", contextWindow: 32768, maxTokens: 64 }] },
          down: { baseUrl: "${await refusedUrl()}/v1", api: "openai-completions", models: [{ id: "m", contextWindow: 32768, maxTokens: 64 }] },
        } },
      }`,
    );
  });
  after(() => model.close());

  test("beside a running gateway, agents, a chat and the web chat all at once: every line whole, each CLI turn named by its process", { timeout: 120_000 }, async () => {
    const state = join(temp.dir, "beside");
    const env = { HEARTH_STATE_DIR: state };
    const gateway = await startGateway(["--config", config], env);
    try {
      const web = async (session: string): Promise<void> => {
        const posted = await fetch(`${gateway.url}/api/sessions/${session}/messages`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ text: "hello from the page, plum tree" }) });
        assert.equal(posted.status, 202);
      };
      const agents = Array.from({ length: 4 }, (_, index) => runCli(["agent", "--config", config, "-s", `cli-${index}`, "-m", "what time is it, plum tree?"], { env }));
      const overRun = runCli(["agent", "--config", config, "-s", "cli-over", "--model", "down/m", "-m", "via the down one, plum tree"], { env });
      const leak = runCli(["agent", "--config", config, "-s", "cli-leak", "-m", "leak the key, plum tree"], { env: { ...env, ANTHROPIC_API_KEY: ENV_KEY } });
      const chat = runCli(["chat", "--config", config, "--session", "cli-chat"], { env, input: "hello, plum tree\n/status\nagain, plum tree\n" });
      await Promise.all([web("web-1"), web("web-2")]);
      const results = await Promise.all([...agents, overRun, chat]);
      for (const result of results) assert.equal(result.code, 0, result.stderr);
      assert.equal((await leak).code, 1);
      assert.ok(results.every((result) => !result.stderr.includes("warning")), results.map((result) => result.stderr).join("\n"));

      // The web chat's turns are the gateway's: wait for their lines.
      const file = join(state, "logs", "gateway.log");
      let lines: Line[] = [];
      for (let reads = 0; reads < 50; reads++) {
        lines = linesOf(file); // every line parses: none was cut or mixed with another process's
        if (lines.filter((line) => line.msg === "turn" && line.channel === "webchat").length === 2) break;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      const turns = lines.filter((line) => line.msg === "turn");
      const cli = turns.filter((line) => line.channel === "cli");
      assert.deepEqual(cli.map((line) => `${String(line.process)} ${String(line.session)}`).sort(), ["hearth agent cli-0", "hearth agent cli-1", "hearth agent cli-2", "hearth agent cli-3", "hearth agent cli-leak", "hearth agent cli-over", "hearth chat cli-chat", "hearth chat cli-chat"]);
      // The gateway's own turn lines name no process.
      assert.deepEqual(turns.filter((line) => line.channel === "webchat").map((line) => `${String(line.session)} ${String(line.process)}`).sort(), ["web-1 undefined", "web-2 undefined"]);
      const first = cli.find((line) => line.session === "cli-0");
      assert.deepEqual({ ...first, time: 0, pid: 0, inputTokens: 0, ms: 0 }, { level: 30, time: 0, pid: 0, process: "hearth agent", msg: "turn", session: "cli-0", channel: "cli", agent: "main", outcome: "answered", model: "up/m", replies: 1, tools: 0, inputTokens: 0, outputTokens: first?.outputTokens, ms: 0 });
      assert.notEqual(first?.pid, lines.find((line) => line.msg === "gateway starting")?.pid, "the agent's own pid, not the gateway's");
      // --model down/m, which is down: the line says what answered and what failed over to it.
      const over = cli.find((line) => line.session === "cli-over");
      assert.equal(over?.outcome, "answered");
      assert.equal(over?.model, "up/m");
      assert.match(String(over?.failed), /^down\/m: unreachable — cannot reach 127\.0\.0\.1:\d+: connection refused/);
      const leaked = cli.find((line) => line.session === "cli-leak");
      assert.equal(leaked?.outcome, "failed");
      assert.match(String(leaked?.failed), /^up\/m: bad-request — .*invalid request for keys /);
      // No message's words, no key.
      const raw = readFileSync(file, "utf8");
      assert.doesNotMatch(raw, /plum tree|Noon, as it happens/);
      assert.doesNotMatch(raw, /0123456789abcdef|fedcba9876543210/);
      assert.equal(statSync(file).mode & 0o777, 0o600);

      // `hearth logs` shows which process ran the turn.
      const plain = await runCli(["logs"], { env });
      assert.match(plain.stdout, /INFO {2}turn {2}process="hearth agent" session=cli-0 channel=cli agent=main outcome=answered model=up\/m replies=1 tools=0 /);
    } finally {
      await gateway.stop();
    }
  });

  test("with no gateway running, the first turn makes the log, owner-only, and a log too large is set aside first", { timeout: 60_000 }, async () => {
    const state = join(temp.dir, "alone");
    const env = { HEARTH_STATE_DIR: state };
    const status = await runCli(["agent", "--config", config, "-m", "/status"], { env });
    assert.equal(status.code, 0, status.stderr);
    assert.throws(() => statSync(join(state, "logs", "gateway.log")), "a command is no turn: no log opened");

    const answered = await runCli(["agent", "--config", config, "-m", "hello, plum tree"], { env });
    assert.equal(answered.code, 0, answered.stderr);
    const file = join(state, "logs", "gateway.log");
    assert.deepEqual(
      linesOf(file).map((line) => [line.msg, line.process, line.outcome]),
      [["turn", "hearth agent", "answered"]],
    );
    assert.equal(statSync(file).mode & 0o777, 0o600);
    assert.equal(statSync(join(state, "logs")).mode & 0o777, 0o700);

    // 10 MiB: the gateway's limit; the agent sets it aside as the gateway would at its start.
    writeFileSync(file, `${JSON.stringify({ level: 30, msg: "filler", pad: "x".repeat(10 * 1024 * 1024) })}\n`);
    const again = await runCli(["agent", "--config", config, "-m", "hello again, plum tree"], { env });
    assert.equal(again.code, 0, again.stderr);
    assert.deepEqual(linesOf(file).map((line) => line.msg), ["turn"]);
    assert.equal(linesOf(`${file}.1`)[0]?.msg, "filler");
  });

  test("a log that cannot be opened is said once on stderr; the answer is not affected", { timeout: 60_000 }, async () => {
    const state = join(temp.dir, "unwritable");
    mkdirSync(state, { recursive: true });
    writeFileSync(join(state, "logs"), "a file where the logs folder should be\n");
    const answered = await runCli(["agent", "--config", config, "-m", "hello, plum tree"], { env: { HEARTH_STATE_DIR: state } });
    assert.equal(answered.code, 0, answered.stderr);
    assert.equal(answered.stdout.trim(), "Noon, as it happens.");
    const warnings = answered.stderr.split("\n").filter((line) => line.includes("gateway log"));
    assert.equal(warnings.length, 1, answered.stderr);
    assert.match(warnings[0] ?? "", /^hearth: warning: cannot open the gateway log .*logs\/gateway\.log: .*\(the turn's log line is not written; its answer is not affected\)$/);
  });
});
