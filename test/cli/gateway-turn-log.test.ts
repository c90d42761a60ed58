import assert from "node:assert/strict";
import { join } from "node:path";
import { after, test } from "node:test";
import OpenAI from "openai";
import { refusedUrl, startFakeServer } from "../fakes/fake-server.js";
import { completionsStream } from "../fakes/openai-completions-stream.js";
import { runCli, tempDir } from "../helpers/run-cli.js";
import { startGateway } from "../helpers/run-gateway.js";
import { openSse } from "../helpers/sse-client.js";
import { scriptedModel } from "../helpers/scripted-model.js";

// Every turn the real `hearth gateway` runs leaves one line in `hearth logs`, whatever its channel: the
// web chat's (which before left only its POST and GET), and an API client's, whose request line names
// its session too. A two-step tool turn's two replies are no failure; the failed attempts are named.

const KEY = "sk-turnlog-secret-0123456789abcdef";
const temp = tempDir();
after(() => temp.cleanup());

type Line = Record<string, unknown>;

test("the real gateway logs one line per turn, web chat and API alike: outcome, model, failed attempts, tools, tokens, ms — no words, no key", { timeout: 90_000 }, async () => {
  const model = await startFakeServer(
    scriptedModel("openai-completions", (turns) => {
      const asked = turns.findLast((turn) => turn.role === "user")?.text ?? "";
      const toolRan = turns.at(-1)?.role === "tool";
      if (asked.includes("what time") && !toolRan) return { tool: "time", arguments: {} };
      if (asked.includes("long story")) return { reply: { kind: "sse", frames: completionsStream({ text: "Once upon a time", finishReason: "length", usage: { input: 40, output: 64 } }) } };
      if (asked.includes("refuse me")) return { reply: { kind: "json", status: 400, body: { error: { message: "the server cannot take this request", type: "invalid_request_error" } } } };
      return { text: "Noon, as it happens." };
    }),
  );
  const file = temp.write(
    "hearth.json5",
    `{
      agents: { defaults: { model: { primary: "up/m" } } },
      models: { mode: "replace", providers: {
        up: { baseUrl: "${model.baseUrl}", api: "openai-completions", apiKey: "${KEY}", models: [{ id: "m", contextWindow: 32768, maxTokens: 64 }] },
        down: { baseUrl: "${await refusedUrl()}/v1", api: "openai-completions", models: [{ id: "m", contextWindow: 32768, maxTokens: 64 }] },
      } },
    }`,
  );
  const state = join(temp.dir, "state");
  const gateway = await startGateway(["--config", file], { HEARTH_STATE_DIR: state });
  try {
    const events = await openSse(`${gateway.url}/api/events`);
    const webTurn = async (session: string, body: Record<string, unknown>): Promise<void> => {
      const ended = events.next((message) => (message.event === "turn-end" || message.event === "command-result") && message.data.includes(session));
      const posted = await fetch(`${gateway.url}/api/sessions/${session}/messages`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
      assert.equal(posted.status, 202);
      await ended;
    };
    // The web chat: a tool turn (two replies), a failover from a model that is down, and a command (no turn).
    await webTurn("web-tools", { text: "what time is it, plum tree?" });
    await webTurn("web-over", { text: "hello via the down one, plum tree", model: "down/m" });
    await webTurn("web-tools", { text: "/status" });
    events.close();
    // The API, agent mode: an answer cut at its reply limit, and one the server refuses.
    const client = new OpenAI({ baseURL: `${gateway.url}/v1`, apiKey: "none", maxRetries: 0 });
    const cut = await client.chat.completions.create({ model: "hearth", messages: [{ role: "user", content: "a long story, plum tree" }] }, { headers: { "x-hearth-session": "api-cut" } });
    assert.equal(cut.choices[0]?.finish_reason, "length");
    await assert.rejects(client.chat.completions.create({ model: "hearth", messages: [{ role: "user", content: "refuse me, plum tree" }] }, { headers: { "x-hearth-session": "api-refused" } }), OpenAI.APIError);

    // Written once each answer went out: read `hearth logs --json` until the API's two request lines are there.
    let lines: Line[] = [];
    let raw = "";
    for (let reads = 0; reads < 40; reads++) {
      raw = (await runCli(["logs", "--json"], { env: { HEARTH_STATE_DIR: state, HOME: "/nonexistent-home" } })).stdout;
      lines = raw.split("\n").filter((line) => line.startsWith("{")).map((line) => JSON.parse(line) as Line);
      if (lines.filter((line) => line.msg === "turn").length >= 4 && lines.filter((line) => line.path === "/v1/chat/completions").length >= 2) break;
    }
    const turns = lines.filter((line) => line.msg === "turn");
    const bySession = (session: string): Line | undefined => turns.find((line) => line.session === session);
    assert.equal(turns.length, 4, raw);

    const tools = bySession("web-tools");
    assert.deepEqual({ ...tools, ms: 0, inputTokens: 0, time: 0, pid: 0 }, { level: 30, time: 0, pid: 0, msg: "turn", session: "web-tools", channel: "webchat", agent: "main", outcome: "answered", model: "up/m", replies: 2, tools: 1, inputTokens: 0, outputTokens: 40, ms: 0 });
    assert.ok(typeof tools?.inputTokens === "number" && tools.inputTokens > 0, JSON.stringify(tools));
    assert.ok(typeof tools?.ms === "number", JSON.stringify(tools));

    const over = bySession("web-over");
    assert.equal(over?.outcome, "answered");
    assert.equal(over?.model, "up/m");
    assert.equal(over?.replies, 1);
    assert.match(String(over?.failed), /^down\/m: unreachable — cannot reach 127\.0\.0\.1:\d+: connection refused/);

    const cutLine = bySession("api-cut");
    assert.equal(cutLine?.channel, "http");
    assert.equal(cutLine?.outcome, "cut-off");
    assert.match(String(cutLine?.why), /reply limit/);
    assert.equal(cutLine?.failed, undefined);

    const refused = bySession("api-refused");
    assert.equal(refused?.outcome, "failed");
    assert.equal(refused?.cause, "permanent");
    assert.equal(refused?.replies, 0);
    assert.match(String(refused?.failed), /^up\/m: bad-request — .*the server cannot take this request/);
    assert.equal(refused?.model, "up/m");
    assert.equal(refused?.why, undefined, "the failed attempt says why: not twice");

    // The API's request lines name the session, and count replies rather than attempts.
    const requests = lines.filter((line) => line.path === "/v1/chat/completions");
    assert.deepEqual(
      requests.map((line) => [line.session, line.answer, line.replies, line.attempts]),
      [
        ["api-cut", 200, 1, undefined],
        ["api-refused", 400, 0, undefined],
      ],
    );
    // No message's words, and the key masked wherever a server's error might carry it.
    assert.doesNotMatch(raw, /plum tree|Noon, as it happens|Once upon a time/);
    assert.doesNotMatch(raw, /0123456789abcdef/);

    // The plain view shows the turn line as it shows the others.
    const plain = await runCli(["logs"], { env: { HEARTH_STATE_DIR: state, HOME: "/nonexistent-home" } });
    assert.match(plain.stdout, /INFO {2}turn {2}session=web-tools channel=webchat agent=main outcome=answered model=up\/m replies=2 tools=1 /);
  } finally {
    await gateway.stop();
    await model.close();
  }
});
