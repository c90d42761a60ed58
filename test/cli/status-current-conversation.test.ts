// Trial (t3 #9): `hearth chat`: `/new` → "Started a fresh conversation.", then `/status` → "session chat1:
// 1 turn · 30 in / 22 out tokens": the turn and tokens of the conversation /new had just closed.
import assert from "node:assert/strict";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { startFakeServer, type FakeServer } from "../fakes/fake-server.js";
import { runCli, tempDir } from "../helpers/run-cli.js";
import { startGateway } from "../helpers/run-gateway.js";
import { strictModel } from "../helpers/strict-model.js";

const statusLine = (text: string): string => /^session \S+: .*$/m.exec(text)?.[0] ?? `(no session line in: ${text})`;

describe("/status counts the current conversation (after the last reset)", () => {
  const temp = tempDir();
  let server: FakeServer;
  let file: string;
  before(async () => {
    server = await startFakeServer(strictModel(() => ({ text: "hello back" })));
    file = temp.write(
      "hearth.json5",
      `{ agents: { defaults: { model: "local/m" } }, models: { mode: "replace", providers: { local: { baseUrl: "${server.baseUrl}", api: "openai-completions", models: [{ id: "m", contextWindow: 32768, maxTokens: 1024 }] } } } }`,
    );
  });
  after(async () => {
    await server.close();
    temp.cleanup();
  });

  test("a conversation larger than the model's window now (its config or server made smaller since) is said to be over, not at 100%", async () => {
    const env = { HEARTH_STATE_DIR: join(temp.dir, "state-over") };
    const words = (turn: number): string => `turn ${turn}: ${"the plans for the garden and the week ahead. ".repeat(30)}`;
    for (let turn = 1; turn <= 3; turn++) assert.equal((await runCli(["agent", "--config", file, "--session", "over", "-m", words(turn)], { env })).code, 0);
    const smaller = temp.write("smaller.json5", `{ agents: { defaults: { model: "local/m" } }, models: { mode: "replace", providers: { local: { baseUrl: "${server.baseUrl}", api: "openai-completions", models: [{ id: "m", contextWindow: 1024, maxTokens: 128 }] } } } }`);
    const status = await runCli(["agent", "--config", smaller, "--session", "over", "-m", "/status"], { env });
    assert.equal(status.code, 0, status.stderr);
    assert.match(status.stdout, /^context: \[█{20}\] [\d,]+ \/ [\d,]+ tokens the prompt may use \(window 1,024 tokens, less [\d,]+ for the reply and [\d,]+ in reserve\) \(over by [\d,]+: the next turn summarises earlier turns or leaves them out\)/m, status.stdout);
  });

  test("chat: /new then /status says no turn yet in this conversation, and what the session spent in all; the API's /status (the web page's too: one command path) says the same", async () => {
    const env = { HEARTH_STATE_DIR: join(temp.dir, "state") };
    const chat = await runCli(["chat", "--config", file, "--session", "chat1"], { env, input: "hello\n/status\n/new\n/status\n" });
    assert.equal(chat.code, 0, chat.stderr);
    const [before, afterNew] = [...chat.stdout.matchAll(/^session chat1: .*$/gm)].map((match) => match[0]);
    assert.match(before ?? "", /^session chat1: 1 turn · [1-9]\d* in \/ [1-9]\d* out tokens · \$0\.0000$/, chat.stdout);
    const spent = /(\d+) in \/ (\d+) out/.exec(before ?? "");
    assert.equal(afterNew, `session chat1: 0 turns since the last reset · 0 in / 0 out tokens · $0.0000 (the whole session: 1 turn · ${spent?.[1]} in / ${spent?.[2]} out tokens · $0.0000)`, chat.stdout);

    const gateway = await startGateway(["--config", file], env);
    try {
      const response = await fetch(`${gateway.url}/v1/chat/completions`, {
        method: "POST",
        headers: { "content-type": "application/json", "x-hearth-session": "chat1" },
        body: JSON.stringify({ model: "hearth", messages: [{ role: "user", content: "/status" }] }),
      });
      assert.equal(response.status, 200);
      const body = (await response.json()) as { choices: { message: { content: string } }[] };
      assert.equal(statusLine(body.choices[0]?.message.content ?? ""), afterNew);
    } finally {
      await gateway.stop();
    }
  });
});
