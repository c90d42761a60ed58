// A trial (t19 #7): the state dir's disk full, the gateway refused messages and could not save answers,
// yet `gateway status` said "running" (exit 0), /api/status had no setup problem and the page's banner
// nothing. A write the state dir refuses is now a setup problem the gateway holds until a write succeeds
// again: said in `gateway status` (exit 1; a token it cannot read still gives a clear line), /api/status,
// the terminal and the log.
import assert from "node:assert/strict";
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, test } from "node:test";
import { startFakeServer, type Handler } from "../fakes/fake-server.js";
import { completionsStream } from "../fakes/openai-completions-stream.js";
import { runCli, tempDir } from "../helpers/run-cli.js";
import { startGateway } from "../helpers/run-gateway.js";

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

    const said = await runCli(["gateway", "status", "--config", configFile], { env });
    assert.equal(said.code, 1, said.stdout + said.stderr);
    assert.match(said.stdout, /^running: /m);
    assert.match(said.stdout, new RegExp(`^needs setup: hearth cannot save to its state dir \\(since [^)]+\\): cannot keep the message \\(it waits for its turn\\) in ${inbox.replace(/[.]/g, "\\.")}/[0-9]+\\.jsonl: .* — fix: .*this clears at the next write that succeeds$`, "m"), said.stdout);
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
