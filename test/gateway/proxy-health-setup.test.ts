import assert from "node:assert/strict";
import { existsSync, mkdirSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { createRuntime } from "../../src/cli/runtime.js";
import { collect } from "../../src/shared/event-stream.js";
import { setupProblems } from "../../src/gateway/setup-check.js";
import { refusedUrl, startFakeServer, type FakeServer } from "../fakes/fake-server.js";
import { lookKey, type ServerLook } from "../../src/models/reachability.js";
import { completionsStream } from "../fakes/openai-completions-stream.js";
import { SecretRedactor } from "../../src/shared/secret-redactor.js";
import { tempDir } from "../helpers/run-cli.js";
import { strictModel } from "../helpers/strict-model.js";

const temp = tempDir();
const closers: (() => unknown)[] = [];
after(async () => {
  for (const close of closers) await close();
  temp.cleanup();
});

async function serve(text: string): Promise<FakeServer> {
  const server = await startFakeServer(strictModel(() => ({ text }), []));
  closers.push(() => server.close());
  return server;
}

describe("Gateway.proxy", () => {
  test("a key the server echoes (any case, split over deltas) is masked in what the client is shown, as in a turn", async () => {
    const key = "sk-proxy-Secret-0123456789";
    const server = await startFakeServer(() => ({ kind: "sse", frames: completionsStream({ text: `mine is ${key} and ${key.toUpperCase()}, done`, chunkSize: 3, usage: { input: 1, output: 1 } }) }));
    closers.push(() => server.close());
    const dir = join(temp.dir, "proxy-secret");
    mkdirSync(dir, { recursive: true });
    const file = join(dir, "hearth.json5");
    writeFileSync(file, `{ agents: { defaults: { model: "echo/m" } }, models: { mode: "replace", providers: { echo: { baseUrl: "${server.baseUrl}", api: "openai-completions", apiKey: "${key}", models: [{ id: "m" }] } } } }`);
    const runtime = await createRuntime({ env: { HEARTH_STATE_DIR: join(dir, "state") }, cwd: dir, config: file, secrets: new SecretRedactor() });
    closers.push(() => runtime.close());
    const events = await collect(runtime.gateway.proxy({ model: "echo/m", context: { messages: [{ role: "user", content: "your key?" }] } }));
    const streamed = events.map((event) => (event.type === "text-delta" ? event.delta : "")).join("");
    assert.equal(streamed, "mine is *** and ***, done");
    assert.doesNotMatch(JSON.stringify(events), /sk-proxy-secret-0123456789/i, "not in the final message either");
  });

  test("the named model (by alias) first, then the agent's chain; nothing is stored; its first token is timed", async () => {
    const local = await serve("from local");
    const backup = await serve("from backup");
    const dir = join(temp.dir, "proxy");
    mkdirSync(dir, { recursive: true });
    const file = join(dir, "hearth.json5");
    writeFileSync(
      file,
      `{ agents: { defaults: { model: { primary: "local/m", fallbacks: ["backup/b"] }, models: { "backup/b": { alias: "Backup" } } } },
        models: { mode: "replace", providers: {
          local: { baseUrl: "${local.baseUrl}", api: "openai-completions", models: [{ id: "m" }] },
          backup: { baseUrl: "${backup.baseUrl}", api: "openai-completions", models: [{ id: "b" }] } } } }`,
    );
    const runtime = await createRuntime({ env: { HEARTH_STATE_DIR: join(dir, "state") }, cwd: dir, config: file });
    closers.push(() => runtime.close());
    const events = await collect(runtime.gateway.proxy({ model: "backup", context: { messages: [{ role: "user", content: "hi" }] }, stickyKey: "client-1" }));
    const end = events.find((event) => event.type === "route-end");
    assert.equal(end?.type === "route-end" && end.model, "backup/b");
    assert.equal(local.requests.filter((request) => request.method === "POST").length, 0, "the named model answered: the primary was not asked");
    const sessions = join(dir, "state", "sessions");
    assert.equal(existsSync(sessions) ? readdirSync(sessions).length : 0, 0, "proxy mode writes no session");
    assert.equal(runtime.gateway.health().find((health) => health.provider === "backup")?.firstTokenMs.length, 1);
    assert.equal(runtime.gateway.health().find((health) => health.provider === "backup")?.state, "up");

    // A client that takes the whole answer only (non-streaming) is passed no token as it comes, and is timed all the same.
    const whole = await collect(runtime.gateway.proxy({ model: "backup", context: { messages: [{ role: "user", content: "hi" }] }, canRestart: true }));
    assert.deepEqual(whole.filter((event) => event.type === "text-delta" || event.type === "reasoning-delta"), []);
    const wholeEnd = whole.find((event) => event.type === "route-end");
    assert.equal(wholeEnd?.type === "route-end" ? wholeEnd.message.content.map((part) => (part.type === "text" ? part.text : "")).join("") : undefined, "from backup");
    assert.equal(runtime.gateway.health().find((health) => health.provider === "backup")?.firstTokenMs.length, 2);

    const unknown = await collect(runtime.gateway.proxy({ model: "nope/none", context: { messages: [] } }));
    assert.deepEqual(unknown.map((event) => event.type), ["route-error"]);
    assert.match(unknown[0]?.type === "route-error" ? unknown[0].message : "", /nope\/none/);
  });
});

describe("first run", () => {
  test("no config file: the built-in default serves (LM Studio first, keyed hosted models after); with only the hosted model to answer, the local server's fix and where turns go are said", async () => {
    const home = join(temp.dir, "home");
    mkdirSync(home, { recursive: true });
    const runtime = await createRuntime({ env: { ANTHROPIC_API_KEY: "sk-ant-test-0123456789", HEARTH_STATE_DIR: join(home, "state") }, cwd: home, home, firstRunDefault: true, defaultLocalBaseUrl: await refusedUrl() });
    closers.push(() => runtime.close());
    const chain = runtime.agent().spec.chain.map((model) => model.ref);
    assert.match(chain[0] ?? "", /^lmstudio\//);
    assert.deepEqual(chain.slice(1), ["anthropic/claude-sonnet-4-5"]);
    const problems = await runtime.gateway.checkSetup();
    assert.equal(problems.length, 1, "the hosted fallback answers: the missing config file is not a problem, the silent local server is");
    assert.match(problems[0] ?? "", /^no model server at 127\.0\.0\.1:\d+ — start LM Studio's server; until a local model answers, turns go to the hosted anthropic\/claude-sonnet-4-5$/);
  });

  test("without it, a one-shot command keeps the empty config (no model until `hearth init`)", async () => {
    const home = join(temp.dir, "home2");
    mkdirSync(home, { recursive: true });
    const runtime = await createRuntime({ env: { HEARTH_STATE_DIR: join(home, "state") }, cwd: home, home });
    closers.push(() => runtime.close());
    assert.deepEqual(runtime.agent().spec.chain, []);
  });

  const refused: ServerLook = { state: "absent", message: "cannot reach 127.0.0.1:1234: connection refused" };
  const answers: ServerLook = { state: "answers" };

  test("no server and no key: one sentence with every fix", () => {
    const model = { ref: "lmstudio/m", provider: "lmstudio", local: true, baseUrl: "http://127.0.0.1:1234/v1" } as never;
    const hosted = { ref: "anthropic/x", local: false, apiKeyEnv: "ANTHROPIC_API_KEY", provider: "anthropic" } as never;
    const facts = { missingConfigFile: undefined, chain: [model, hosted], keyNames: ["ANTHROPIC_API_KEY"] };
    assert.deepEqual(setupProblems({ ...facts, reachable: new Map() }), [], "not asked yet: nothing to say");
    assert.deepEqual(setupProblems({ ...facts, reachable: new Map([[lookKey(model), refused]]) }), [
      "no model server at 127.0.0.1:1234 — start LM Studio's server, or set ANTHROPIC_API_KEY",
    ]);
    assert.deepEqual(setupProblems({ ...facts, reachable: new Map([[lookKey(model), answers]]) }), []);
    const noConfig = { ...facts, missingConfigFile: "/home/ana/.hearth/hearth.json5", reachable: new Map([[lookKey(model), refused]]) };
    assert.match(setupProblems(noConfig)[0] ?? "", /^no config file at \/home\/ana\/\.hearth\/hearth\.json5: running on the built-in default/);
    assert.match(setupProblems(noConfig)[1] ?? "", /— start LM Studio's server, or set ANTHROPIC_API_KEY, or run `hearth init`$/, "init only when there is no config");
    assert.deepEqual(setupProblems({ ...noConfig, reachable: new Map([[lookKey(model), answers]]) }), [], "a model answers: the built-in default serves, nothing is needed");
  });

  // t18 #3: this machine's own address (a VPS's public one), nothing there: the server most likely listens on 127.0.0.1 only.
  test("nothing at one of this machine's own addresses: the server probably listens on 127.0.0.1 only, and the fix says so", () => {
    const model = { ref: "local/m", provider: "local", local: true, baseUrl: "http://192.0.2.2:18101/v1" } as never;
    const own = new Set(["127.0.0.1", "192.0.2.2"]);
    const nothing: ServerLook = { state: "absent", message: "cannot reach 192.0.2.2:18101: connection refused" };
    assert.deepEqual(setupProblems({ missingConfigFile: undefined, chain: [model], keyNames: [], privacy: "local-only", reachable: new Map([[lookKey(model), nothing]]), ownAddresses: own }), [
      'no model server answers at 192.0.2.2:18101: 192.0.2.2:18101 is this machine\'s own address, and the server probably listens on 127.0.0.1 only (llama-server, LM Studio and Ollama do by default) — use "http://127.0.0.1:18101/v1" as baseUrl, or start the server on that address (llama-server: --host 0.0.0.0; Ollama: OLLAMA_HOST=0.0.0.0; LM Studio: Serve on Local Network)',
    ]);
    assert.deepEqual(setupProblems({ missingConfigFile: undefined, chain: [model], keyNames: [], privacy: "local-only", reachable: new Map([[lookKey(model), nothing]]), ownAddresses: new Set(["127.0.0.1"]) }), ["no model server at 192.0.2.2:18101 — start the model server there"], "another machine's address: start it there");
  });

  test("only a hosted fallback answers: the local server's fix and where turns go meanwhile; under local-only privacy the hosted model counts for nothing", () => {
    const model = { ref: "lmstudio/m", provider: "lmstudio", local: true, baseUrl: "http://127.0.0.1:1234/v1" } as never;
    const hosted = { ref: "anthropic/x", local: false, provider: "anthropic", apiKey: "sk-ant-test-0123456789" } as never;
    const facts = { missingConfigFile: undefined, chain: [model, hosted], keyNames: ["ANTHROPIC_API_KEY"], reachable: new Map([[lookKey(model), refused]]) };
    assert.deepEqual(setupProblems(facts), ["no model server at 127.0.0.1:1234 — start LM Studio's server; until a local model answers, turns go to the hosted anthropic/x"]);
    assert.deepEqual(setupProblems({ ...facts, reachable: new Map([[lookKey(model), answers]]) }), [], "the local model answers: nothing to say");
    assert.deepEqual(setupProblems({ ...facts, chain: [hosted] }), [], "a chain of hosted models only is the user's choice");
    assert.deepEqual(setupProblems({ ...facts, chain: [hosted, model] }), [], "a hosted primary answers as configured: its local fallback being down is no setup problem");
    assert.deepEqual(setupProblems({ ...facts, privacy: "local-only" }), ["no model server at 127.0.0.1:1234 — start LM Studio's server"], "no key to set: a hosted model is never asked");
  });

  test("a server that takes the connection and sends nothing is running and stuck, as `models status --probe` says, not absent", () => {
    const model = { ref: "lmstudio/m", provider: "lmstudio", local: true, baseUrl: "http://127.0.0.1:1234/v1" } as never;
    const llama = { ref: "llama/m", provider: "llama", local: true, baseUrl: "http://127.0.0.1:8091/v1" } as never;
    const hung: ServerLook = { state: "hung", message: "no answer within 0.4 s of sending the request (the server may be loading the model or stuck)" };
    assert.deepEqual(setupProblems({ missingConfigFile: "/home/ana/.hearth/hearth.json5", chain: [model], keyNames: ["ANTHROPIC_API_KEY"], reachable: new Map([[lookKey(model), hung]]) }).slice(1), [
      "the model server at 127.0.0.1:1234 took the connection but sent no answer: it is running but stuck or busy — look at its log (LM Studio: Developer → Logs), and restart it if it stays silent, or set ANTHROPIC_API_KEY, or run `hearth init`",
    ]);
    const error: ServerLook = { state: "error", message: "GET /v1/models answered 500" };
    assert.deepEqual(setupProblems({ missingConfigFile: undefined, chain: [model, llama], keyNames: [], reachable: new Map([[lookKey(model), error], [lookKey(llama), refused]]) }), [
      "no model server at 127.0.0.1:8091 — start the model server there; the model server at 127.0.0.1:1234 answered with an error (GET /v1/models answered 500) — see its log, or add a hosted fallback to the config",
    ]);
  });

  test("a config that names no model says so, whatever keys are set (a trial was told no key was set beside OPENAI_API_KEY)", () => {
    assert.deepEqual(setupProblems({ missingConfigFile: undefined, chain: [], keyNames: ["OPENAI_API_KEY"], reachable: new Map(), initCommand: "./bin/hearth init" }), [
      "no model can answer: the config names no model (agents.defaults.model.primary) — set one, or let `./bin/hearth models discover --write` add the model a local server has",
    ]);
  });

  test("a server that is not LM Studio is named by its address, and a chain without a hosted model is told to add one", () => {
    const llama = { ref: "llama/m", provider: "llama", local: true, baseUrl: "http://127.0.0.1:8091/v1" } as never;
    assert.deepEqual(setupProblems({ missingConfigFile: undefined, chain: [llama], keyNames: ["ANTHROPIC_API_KEY"], reachable: new Map([[lookKey(llama), refused]]) }), [
      "no model server at 127.0.0.1:8091 — start the model server there, or add a hosted fallback to the config",
    ]);
  });
});
