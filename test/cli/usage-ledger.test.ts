// `hearth usage` reads who answered from the session ledger, not from today's config: a local reply
// keeps its local time after its provider left the config.
import assert from "node:assert/strict";
import { readFileSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import type { FakeServer } from "../fakes/fake-server.js";
import { startLlamaCpp } from "../fakes/llamacpp-server.js";
import { runCli, tempDir } from "../helpers/run-cli.js";
import { startGateway } from "../helpers/run-gateway.js";
import { scriptedModel } from "../helpers/scripted-model.js";

describe("hearth usage after the config changed", () => {
  const temp = tempDir();
  let llama: FakeServer;
  before(async () => {
    llama = await startLlamaCpp({ alias: "local-32b", nCtx: 65536, supportsTools: true, completions: scriptedModel("openai-completions", () => ({ text: "Saturday at 10." })) });
  });
  after(async () => {
    await llama.close();
    temp.cleanup();
  });

  test("the reply's entry names the server that answered; usage counts it as local with the provider gone from the config", async () => {
    const state = join(temp.dir, "state");
    const first = temp.write("then.json5", `{ agents: { defaults: { model: "box/local-32b" } }, models: { mode: "replace", providers: { box: { baseUrl: "${llama.baseUrl}", api: "openai-completions", models: [{ id: "local-32b", contextWindow: 65536 }] } } } }`);
    const turn = await runCli(["agent", "--message", "when?", "--config", first], { env: { HEARTH_STATE_DIR: state } });
    assert.equal(turn.code, 0, turn.stderr);
    const [file] = readdirSync(join(state, "sessions")).filter((name) => name.endsWith(".jsonl"));
    const entries = readFileSync(join(state, "sessions", file ?? ""), "utf8").trim().split("\n").map((line) => JSON.parse(line) as { type: string; attempts?: { outcome: string; baseUrl?: string }[] });
    const answered = entries.find((entry) => entry.type === "assistant")?.attempts?.find((attempt) => attempt.outcome === "ok");
    assert.equal(answered?.baseUrl, llama.baseUrl);
    const now = temp.write("now.json5", `{ agents: { defaults: { model: "anthropic/claude-sonnet-4-5" } } }`);
    const usage = await runCli(["usage", "--json", "--config", now], { env: { HEARTH_STATE_DIR: state } });
    assert.equal(usage.code, 0, usage.stderr);
    const report = JSON.parse(usage.stdout) as { rows: { key: string; local: { calls: number } }[]; hostedFallbacks: { calls: number } };
    assert.deepEqual(report.rows.map((row) => [row.key, row.local.calls]), [["box/local-32b", 1]]);
  });

  test("--by channel counts each turn by the channel its message came through: an API call with x-hearth-session is http, a terminal turn in the same session cli; old files by their key", async () => {
    const home = join(temp.dir, "channels-home");
    const state = join(home, "state");
    const config = temp.write("channels.json5", `{ agents: { defaults: { model: "box/local-32b" } }, models: { mode: "replace", providers: { box: { baseUrl: "${llama.baseUrl}", api: "openai-completions", models: [{ id: "local-32b", contextWindow: 65536 }] } } } }`);
    const gateway = await startGateway(["--config", config], { HOME: home, HEARTH_STATE_DIR: state });
    try {
      const response = await fetch(`${gateway.url}/v1/chat/completions`, { method: "POST", headers: { "content-type": "application/json", "x-hearth-session": "team-notes" }, body: JSON.stringify({ model: "hearth", messages: [{ role: "user", content: "when?" }] }) });
      assert.equal(response.status, 200, await response.clone().text());
      await response.text();
    } finally {
      await gateway.stop();
    }
    const turn = await runCli(["agent", "--session", "team-notes", "--message", "and after?", "--config", config], { env: { HOME: home, HEARTH_STATE_DIR: state } });
    assert.equal(turn.code, 0, turn.stderr);
    // A file written before messages recorded their channel: the same lines, without it, under a web chat key.
    const lines = readFileSync(join(state, "sessions", "team-notes.jsonl"), "utf8").trim().split("\n").map((line) => JSON.parse(line) as Record<string, unknown>);
    const firstTurn = lines.slice(0, lines.findIndex((line) => line.type === "assistant") + 1).map(({ channel: _dropped, ...rest }) => rest);
    writeFileSync(join(state, "sessions", "web-3f2a.jsonl"), `${firstTurn.map((line) => JSON.stringify(line)).join("\n")}\n`);

    const usage = await runCli(["usage", "--by", "channel", "--json", "--config", config], { env: { HOME: home, HEARTH_STATE_DIR: state } });
    assert.equal(usage.code, 0, usage.stderr);
    const report = JSON.parse(usage.stdout) as { rows: { key: string; calls: number }[]; unreadable: unknown[] };
    assert.deepEqual(report.unreadable, []);
    assert.deepEqual(report.rows.map((row) => [row.key, row.calls]).sort(), [["cli", 1], ["http", 1], ["webchat", 1]]);
  });

  test("proxy-mode answers, which write no session, are counted from their own ledger (channel proxy, agent (proxy)), without their words", async () => {
    const home = join(temp.dir, "proxy-home");
    const state = join(home, "state");
    const config = temp.write("proxy.json5", `{ agents: { defaults: { model: "box/local-32b" } }, models: { mode: "replace", providers: { box: { baseUrl: "${llama.baseUrl}", api: "openai-completions", models: [{ id: "local-32b", contextWindow: 65536 }] } } } }`);
    const gateway = await startGateway(["--config", config], { HOME: home, HEARTH_STATE_DIR: state });
    try {
      for (const stream of [false, true]) {
        const response = await fetch(`${gateway.url}/v1/chat/completions`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ model: "box/local-32b", stream, messages: [{ role: "user", content: "a private question" }] }) });
        assert.equal(response.status, 200, await response.clone().text());
        await response.text();
      }
      // Lines are written a second after the answer, or at a stop: this one.
      gateway.child.kill("SIGTERM");
      assert.equal(await gateway.exited, 0);
    } finally {
      await gateway.stop();
    }
    const ledger = readFileSync(join(state, "usage", "proxy.jsonl"), "utf8");
    assert.equal(ledger.trim().split("\n").length, 2);
    assert.doesNotMatch(ledger, /private question|Saturday/);
    const byChannel = await runCli(["usage", "--by", "channel", "--json", "--config", config], { env: { HOME: home, HEARTH_STATE_DIR: state } });
    assert.equal(byChannel.code, 0, byChannel.stderr);
    const report = JSON.parse(byChannel.stdout) as { rows: { key: string; calls: number; output: number; local: { calls: number } }[]; unreadable: unknown[] };
    assert.deepEqual(report.unreadable, []);
    assert.deepEqual(report.rows.map((row) => [row.key, row.calls, row.local.calls]), [["proxy", 2, 2]]);
    assert.ok((report.rows[0]?.output ?? 0) > 0);
    const byAgent = await runCli(["usage", "--by", "agent", "--json", "--config", config], { env: { HOME: home, HEARTH_STATE_DIR: state } });
    assert.deepEqual((JSON.parse(byAgent.stdout) as { rows: { key: string }[] }).rows.map((row) => row.key), ["(proxy)"]);
    // A damaged line is left out with a word, not fatal.
    writeFileSync(join(state, "usage", "proxy.jsonl"), `${ledger}not json\n`);
    const damaged = await runCli(["usage", "--by", "channel", "--config", config], { env: { HOME: home, HEARTH_STATE_DIR: state } });
    assert.equal(damaged.code, 0, damaged.stderr);
    assert.match(damaged.stderr, /proxy-mode usage \(usage\/proxy\.jsonl\) left out: 1 line that are not usage entries/);
  });
});
