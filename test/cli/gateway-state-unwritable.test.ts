// A trial (t19 #7): the state dir's disk full, the gateway refused messages and could not save answers,
// yet `gateway status` said "running" (exit 0), /api/status had no setup problem and the page's banner
// nothing. A write the state dir refuses is now a setup problem the gateway holds until a write succeeds
// again: said in `gateway status` (exit 1; a token it cannot read still gives a clear line), /api/status,
// the terminal and the log.
import assert from "node:assert/strict";
import { existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, test } from "node:test";
import { startFakeServer, type Handler } from "../fakes/fake-server.js";
import { completionsStream } from "../fakes/openai-completions-stream.js";
import { runCli, tempDir } from "../helpers/run-cli.js";
import { startGateway } from "../helpers/run-gateway.js";
import { openSse } from "../helpers/sse-client.js";
import { mountTmpfs } from "../helpers/state-faults.js";

const temp = tempDir("hearth-state-unwritable-");
after(() => temp.cleanup());

const TOKEN = "status-token-0123456789abcdef";

const modelServer: Handler = (request) => {
  if (request.method === "GET" && request.path === "/v1/models") return { kind: "json", body: { object: "list", data: [{ id: "m", object: "model" }] } };
  return { kind: "sse", frames: completionsStream({ model: "m", text: "Heard.", chunkSize: 64, usage: { input: 50, output: 5 } }), frameDelayMs: 1 };
};

test("a state dir that refuses a write: gateway status says it (exit 1), /api/status and the log too; cleared by the next write that succeeds", { timeout: 90_000 }, async () => {
  const model = await startFakeServer(modelServer);
  const state = join(temp.dir, "state");
  const configFile = temp.write(
    "hearth.json5",
    `{
      gateway: { auth: { token: "\${HEARTH_GATEWAY_TOKEN}" } },
      agents: { defaults: { model: { primary: "home/m" } } },
      models: { mode: "replace", providers: { home: { baseUrl: "${model.baseUrl}", api: "openai-completions", models: [{ id: "m", contextWindow: 32768, maxTokens: 1024 }] } } },
    }`,
  );
  const env = { HEARTH_STATE_DIR: state, HEARTH_GATEWAY_TOKEN: TOKEN };
  const gateway = await startGateway(["--config", configFile], env);
  const auth = { authorization: `Bearer ${TOKEN}` };
  try {
    await gateway.waitFor(/ready: a model answers/);
    const healthy = await runCli(["gateway", "status", "--config", configFile], { env });
    assert.match(healthy.stdout, /^running: /m, healthy.stdout + healthy.stderr);
    assert.doesNotMatch(healthy.stdout, /needs setup/);
    assert.equal(healthy.code, 0, healthy.stdout + healthy.stderr);

    // The journal's folder cannot be written (a file where it should be: refused as a full disk's write is).
    const inbox = join(state, "inbox");
    rmSync(inbox, { recursive: true, force: true });
    writeFileSync(inbox, "not a folder");
    const refused = await fetch(`${gateway.url}/api/sessions/web-disk/messages`, { method: "POST", headers: { ...auth, "content-type": "application/json" }, body: JSON.stringify({ text: "kept?" }) });
    assert.equal(refused.status, 500);
    await gateway.waitFor(/needs setup: hearth cannot save to its state dir \(since [^)]+\): cannot keep the message/);
    // A write elsewhere (an API turn saved to sessions/) says nothing of inbox/: the problem stays (it came and went with each such write).
    const elsewhere = await fetch(`${gateway.url}/v1/chat/completions`, { method: "POST", headers: { ...auth, "content-type": "application/json", "x-hearth-session": "api-saved" }, body: JSON.stringify({ model: "hearth", messages: [{ role: "user", content: "saved to sessions/" }] }) });
    assert.equal(elsewhere.status, 200, await elsewhere.text());
    assert.ok(existsSync(join(state, "sessions", "api-saved.jsonl")));

    const said = await runCli(["gateway", "status", "--config", configFile], { env });
    assert.equal(said.code, 1, said.stdout + said.stderr);
    assert.match(said.stdout, /^running: /m);
    assert.match(said.stdout, new RegExp(`^needs setup: hearth cannot save to its state dir \\(since [^)]+\\): cannot keep the message \\(it waits for its turn\\) in ${inbox.replace(/[.]/g, "\\.")}/[0-9]+\\.jsonl: .* — fix: .*; web chat and WhatsApp messages are refused meanwhile .* — this clears at the next write to inbox/ that succeeds$`, "m"), said.stdout);
    const json = JSON.parse((await runCli(["gateway", "status", "--config", configFile, "--json"], { env })).stdout) as { running: boolean; setup?: string[] };
    assert.equal(json.running, true);
    assert.match(json.setup?.[0] ?? "", /^hearth cannot save to its state dir/);
    const api = (await (await fetch(`${gateway.url}/api/status`, { headers: auth })).json()) as { setup: string[] };
    assert.match(api.setup.join("\n"), /hearth cannot save to its state dir/);
    const health = (await (await fetch(`${gateway.url}/health`)).json()) as { problems?: number };
    assert.equal(health.problems, 1);

    // This shell lacks the token the config takes from the environment: the problem is still said, with why its words are not here.
    const blind = await runCli(["gateway", "status", "--config", configFile], { env: { HEARTH_STATE_DIR: state } });
    assert.equal(blind.code, 1, blind.stdout + blind.stderr);
    assert.match(blind.stdout, /^needs setup: the gateway reports 1 problem \(no model answers, or it cannot save\), and this command cannot read it: the config does not load here \(its problem is below\), so its gateway\.auth\.token is unknown; its page shows it, and `[^`]*hearth[^`]* logs` has it$/m, blind.stdout);
    assert.match(blind.stdout, /^config: does not load here: .*\n.*HEARTH_GATEWAY_TOKEN/m);
    assert.ok(!blind.stdout.includes(TOKEN) && !said.stdout.includes(TOKEN));

    // Writable again: the next message is kept, and the problem is gone.
    rmSync(inbox, { force: true });
    const kept = await fetch(`${gateway.url}/api/sessions/web-disk/messages`, { method: "POST", headers: { ...auth, "content-type": "application/json" }, body: JSON.stringify({ text: "kept now" }) });
    assert.equal(kept.status, 202);
    await gateway.waitFor(/ready: a model answers/);
    const back = await runCli(["gateway", "status", "--config", configFile], { env });
    assert.equal(back.code, 0, back.stdout + back.stderr);
    assert.doesNotMatch(back.stdout, /needs setup/);

    const log = readFileSync(join(state, "logs", "gateway.log"), "utf8");
    assert.match(log, /"problem":"hearth cannot save to its state dir/);
    assert.match(log, /setup complete/);
  } finally {
    await gateway.stop();
    await model.close();
  }
});

// Only sessions/ refuses (a read-only mount there: the session's lock is refused too), the journal (inbox/) takes each message:
// the problem is sessions/'s, and holds — it no longer went away at each message kept in the journal and came back at its
// failed save (said "setup complete" between) — until a session is saved again.
test("only sessions/ refuses writes: the problem holds while the journal takes messages, and clears once a session is saved", { timeout: 60_000 }, async (t) => {
  const state = join(temp.dir, "state-sessions");
  const sessions = join(state, "sessions");
  const unmount = mountTmpfs(sessions, { sizeKb: 64, readOnly: true });
  if (!unmount) {
    t.skip("mount is not permitted here");
    return;
  }
  const model = await startFakeServer(modelServer);
  const configFile = temp.write("hearth-sessions.json5", `{ agents: { defaults: { model: { primary: "home/m" } } }, models: { mode: "replace", providers: { home: { baseUrl: "${model.baseUrl}", api: "openai-completions", models: [{ id: "m", contextWindow: 32768, maxTokens: 1024 }] } } } }`);
  const env = { HEARTH_STATE_DIR: state };
  const gateway = await startGateway(["--config", configFile], env);
  const events = await openSse(`${gateway.url}/api/events`);
  let mounted = true;
  try {
    await gateway.waitFor(/ready: a model answers/);
    const send = async (text: string): Promise<{ ok: boolean; error?: string }> => {
      const sent = await fetch(`${gateway.url}/api/sessions/web-ro/messages`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ text }) });
      assert.equal(sent.status, 202, await sent.text());
      const end = await events.next((message) => message.event === "turn-end" && (JSON.parse(message.data) as { session: string }).session === "web-ro");
      return (JSON.parse(end.data) as { result: { ok: boolean; error?: string } }).result;
    };
    assert.match((await send("first")).error ?? "", /read-only \(EROFS\)/);
    await gateway.waitFor(/needs setup: hearth cannot save to its state dir \(since [^)]+\): cannot lock session "web-ro" at /);
    // The next two messages are kept in the journal (a write that succeeds) and fail to be saved: the problem is said all along.
    assert.match((await send("second")).error ?? "", /your message is not lost/);
    assert.match((await send("third")).error ?? "", /your message is not lost/);
    const health = (await (await fetch(`${gateway.url}/health`)).json()) as { problems?: number };
    assert.equal(health.problems, 1);
    const said = await runCli(["gateway", "status", "--config", configFile], { env });
    assert.equal(said.code, 1, said.stdout + said.stderr);
    assert.match(said.stdout, /^needs setup: hearth cannot save to its state dir \(since [^)]+\): cannot lock session "web-ro" at .*; conversations are not saved meanwhile .* — this clears at the next write to sessions\/ that succeeds$/m, said.stdout);
    const log = (): string => readFileSync(join(state, "logs", "gateway.log"), "utf8");
    const sinceReady = log().slice(log().indexOf('"problem":"hearth cannot save'));
    assert.equal(sinceReady.split("setup complete").length - 1, 0, "the problem never went away while sessions/ refused");

    // sessions/ writable again: the next message is saved (the kept ones before it), answered, and the problem is gone.
    unmount();
    mounted = false;
    assert.equal((await send("fourth")).ok, true);
    await gateway.waitFor(/ready: a model answers/);
    assert.equal(((await (await fetch(`${gateway.url}/health`)).json()) as { problems?: number }).problems, 0);
    assert.match(log(), /setup complete/);
  } finally {
    events.close();
    await gateway.stop();
    if (mounted) unmount();
    await model.close();
  }
});
