import assert from "node:assert/strict";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { serverError500 } from "../fakes/error-bodies.js";
import { refusedUrl, startFakeServer, type FakeServer, type Reply } from "../fakes/fake-server.js";
import { startLmStudio } from "../fakes/lmstudio-server.js";
import { anthropicStream } from "../fakes/anthropic-messages-stream.js";
import { completionsStream } from "../fakes/openai-completions-stream.js";
import { runCli, tempDir } from "../helpers/run-cli.js";

const answer = (text: string): Reply => ({ kind: "sse", frames: completionsStream({ text, usage: { input: 10, output: 3 } }) });

/** The starter config's shape: a local model first, a paid fallback after it, both aliased. */
function config(local: string, spare: string, options: { localExtra?: string; anthropic?: string } = {}): string {
  const opus = options.anthropic ? ', "anthropic/claude-opus-4-5"' : "";
  return `{
    agents: { defaults: {
      model: { primary: "local/m", fallbacks: [${options.anthropic ? '"anthropic/claude-opus-4-5", ' : ""}"spare/m"] },
      models: { "local/m": { alias: "Local" }, "spare/m": { alias: "Spare" }${opus ? ', "anthropic/claude-opus-4-5": { alias: "Opus" }' : ""} },
    } },
    models: { mode: "merge", providers: {
      local: { baseUrl: "${local}", api: "openai-completions", ${options.localExtra ?? ""} models: [{ id: "m", contextWindow: 32768, maxTokens: 1024 }] },
      spare: { baseUrl: "${spare}", api: "openai-completions", apiKey: "sk-spare", models: [{ id: "m", contextWindow: 32768, maxTokens: 1024 }] },
      ${options.anthropic ? `anthropic: { baseUrl: "${options.anthropic}" },` : ""}
    } },
  }`;
}

interface AgentJson {
  text: string;
  model: string;
  attempts: { model: string; outcome: string }[];
  notice?: string;
}

const outcomes = (json: AgentJson): string[] => json.attempts.map((attempt) => `${attempt.model} ${attempt.outcome}`);

/** A cooldowns file as an earlier command leaves it. */
function coolDown(stateDir: string, entries: Record<string, { kind: string; phase?: string }>): void {
  mkdirSync(stateDir, { recursive: true });
  const until = Date.now() + 10 * 60_000;
  writeFileSync(join(stateDir, "cooldowns.json"), JSON.stringify(Object.fromEntries(Object.entries(entries).map(([ref, entry]) => [ref, { failures: 1, until, ...entry }]))));
}

describe("hearth: cooldowns never overrule the user or reality", () => {
  const temp = tempDir();
  let studio: FakeServer;
  let spare: FakeServer;
  before(async () => {
    studio = await startLmStudio({ models: [{ id: "m", loaded: true, loadedContextLength: 32768, maxContextLength: 32768 }], completions: () => answer("from the local model") });
    spare = await startFakeServer((request) => (request.method === "GET" ? { kind: "json", body: { object: "list", data: [{ id: "m" }] } } : answer("from the paid fallback")));
  });
  after(async () => {
    temp.cleanup();
    await Promise.all([studio.close(), spare.close()]);
  });

  test("the server is back and a probe says so: the probe ends the cooldown, and the next turn goes to the local model", async () => {
    const state = join(temp.dir, "probe");
    coolDown(state, { "local/m": { kind: "timeout", phase: "connect" } });
    const file = temp.write("probe.json5", config(studio.baseUrl, spare.baseUrl));
    const before = await runCli(["models", "status", "--json", "--config", file], { env: { HEARTH_STATE_DIR: state } });
    const [cooling] = (JSON.parse(before.stdout) as { chain: { coolingUntil?: string }[] }).chain;
    assert.match(cooling?.coolingUntil ?? "", /^\d{4}-/, "without --probe the hang is remembered");
    const probe = await runCli(["models", "status", "--probe", "--json", "--config", file], { env: { HEARTH_STATE_DIR: state } });
    assert.equal(probe.code, 0, probe.stdout + probe.stderr);
    const [entry] = (JSON.parse(probe.stdout) as { chain: { reachable?: boolean; listed?: boolean; loaded?: boolean; coolingUntil?: string }[] }).chain;
    assert.deepEqual([entry?.reachable, entry?.listed, entry?.loaded, entry?.coolingUntil], [true, true, true, undefined]);
    assert.deepEqual(JSON.parse(readFileSync(join(state, "cooldowns.json"), "utf8")), {}, "the probe cleared the provider's cooldowns");
    const turn = await runCli(["agent", "--json", "--config", file, "--message", "hi"], { env: { HEARTH_STATE_DIR: state } });
    const json = JSON.parse(turn.stdout) as AgentJson;
    assert.deepEqual(outcomes(json), ["local/m ok"]);
  });

  test("a server that stalled earlier: the probe asks it for an answer; answering ends the cooldown, still stalled keeps it and says so", async () => {
    for (const kind of [{ kind: "timeout", phase: "first-byte" }, { kind: "timeout", phase: "idle" }, { kind: "rate-limit" }]) {
      const state = join(temp.dir, `stalled-${kind.kind}-${kind.phase ?? ""}`);
      coolDown(state, { "local/m": kind });
      const file = temp.write("stalled.json5", config(studio.baseUrl, spare.baseUrl));
      const probe = await runCli(["models", "status", "--probe", "--config", file], { env: { HEARTH_STATE_DIR: state } });
      assert.equal(probe.code, 0, probe.stdout + probe.stderr);
      assert.match(probe.stdout, /reachable in [\d.]+ ms · listed · loaded.* · first token in \d+ ms/);
      assert.doesNotMatch(probe.stdout, /failed recently/);
      assert.deepEqual(JSON.parse(readFileSync(join(state, "cooldowns.json"), "utf8")), {}, `a ${JSON.stringify(kind)} cooldown ended by an answer`);
      const turn = await runCli(["agent", "--json", "--config", file, "--message", "hi"], { env: { HEARTH_STATE_DIR: state } });
      assert.deepEqual(outcomes(JSON.parse(turn.stdout) as AgentJson), ["local/m ok"]);
    }

    const stuck = await startFakeServer((request) => (request.method === "GET" ? { kind: "json", body: { object: "list", data: [{ id: "m" }] } } : { kind: "hang-before-headers" }));
    try {
      const state = join(temp.dir, "still-stalled");
      coolDown(state, { "local/m": { kind: "timeout", phase: "first-byte" } });
      const file = temp.write("still-stalled.json5", config(stuck.baseUrl, spare.baseUrl, { localExtra: "timeoutSeconds: 1," }));
      const probe = await runCli(["models", "status", "--probe", "--config", file], { env: { HEARTH_STATE_DIR: state } });
      assert.match(probe.stdout, /failed recently \(timeout\): skipped until/);
      assert.match(probe.stdout, /a test request just now got no answer either/);
      assert.match(readFileSync(join(state, "cooldowns.json"), "utf8"), /local\/m/, "still stalled: still cooling");
    } finally {
      await stuck.close();
    }
  });

  test("a local server hung, then is restarted: the next agent turn asks it a quick question, it answers, and the turn is its own; the fallback gets nothing", async () => {
    const listing: Reply = { kind: "json", body: { object: "list", data: [{ id: "m" }] } };
    let local = await startFakeServer((request) => (request.method === "GET" ? listing : { kind: "hang-before-headers" }));
    const fallback = await startFakeServer((request) => (request.method === "GET" ? listing : answer("from the paid fallback")));
    try {
      const state = join(temp.dir, "restarted");
      const file = temp.write("restarted.json5", config(local.baseUrl, fallback.baseUrl, { localExtra: "timeoutSeconds: 1," }));
      const hung = await runCli(["agent", "--json", "--config", file, "--message", "hi"], { env: { HEARTH_STATE_DIR: state } });
      assert.deepEqual(outcomes(JSON.parse(hung.stdout) as AgentJson), ["local/m timeout", "spare/m ok"]);
      assert.match(readFileSync(join(state, "cooldowns.json"), "utf8"), /"local\/m".*"phase":"first-byte"/, "the hang is remembered");
      // The user restarts the server: the same port, answering now.
      const port = Number(new URL(local.url).port);
      await local.close();
      local = await startFakeServer((request) => (request.method === "GET" ? listing : answer("from the local model")), { port });
      fallback.requests.length = 0;
      const turn = await runCli(["agent", "--config", file, "--message", "hi again"], { env: { HEARTH_STATE_DIR: state } });
      assert.equal(turn.code, 0, turn.stderr);
      assert.equal(turn.stdout, "from the local model\n");
      assert.doesNotMatch(turn.stderr, /answered by|skipped/);
      // (Being on this machine, the fallback's server is asked what it serves, as every local server is.)
      assert.deepEqual(fallback.requests.filter((request) => request.method === "POST"), [], "the fallback was asked nothing");
      const posts = local.requests.filter((request) => request.method === "POST").map((request) => (request.body as { max_tokens?: number }).max_tokens);
      assert.deepEqual(posts, [1, 1024], "the quick check (one token), then the turn");
      assert.doesNotMatch(readFileSync(join(state, "cooldowns.json"), "utf8"), /local\/m/, "its answer ended the cooldown");
    } finally {
      await Promise.all([local.close(), fallback.close()]);
    }
  });

  test("a local server still hung: the next agent turn skips it after a quick check it does not answer, not after the first-token wait", async () => {
    const listing: Reply = { kind: "json", body: { object: "list", data: [{ id: "m" }] } };
    const local = await startFakeServer((request) => (request.method === "GET" ? listing : { kind: "hang-before-headers" }));
    try {
      const state = join(temp.dir, "still-hung");
      const file = temp.write("still-hung.json5", config(local.baseUrl, spare.baseUrl, { localExtra: "timeoutSeconds: 1," }));
      const hung = await runCli(["agent", "--json", "--config", file, "--message", "hi"], { env: { HEARTH_STATE_DIR: state } });
      assert.deepEqual(outcomes(JSON.parse(hung.stdout) as AgentJson), ["local/m timeout", "spare/m ok"]);
      local.requests.length = 0;
      const turn = await runCli(["agent", "--json", "--config", file, "--message", "hi again"], { env: { HEARTH_STATE_DIR: state } });
      const json = JSON.parse(turn.stdout) as AgentJson;
      assert.equal(json.text, "from the paid fallback");
      assert.deepEqual(outcomes(json), ["local/m skipped-cooldown", "spare/m ok"], "skipped, not tried again for the whole wait");
      const posts = local.requests.filter((request) => request.method === "POST").map((request) => request.body as { max_tokens?: number; messages?: { content: unknown }[] });
      assert.deepEqual(
        posts.map((body) => [body.max_tokens, body.messages?.map((message) => message.content)]),
        [[1, ["Reply with the single word: ok"]]],
        "the one request the hung server got is the quick check, not the turn",
      );
      assert.match(readFileSync(join(state, "cooldowns.json"), "utf8"), /local\/m/, "still hung: still cooling");
    } finally {
      await local.close();
    }
  });

  test("--model names a cooling model: it is tried first and answers; unnamed, the cooldown holds", async () => {
    const state = join(temp.dir, "named");
    coolDown(state, { "local/m": { kind: "rate-limit" } });
    const file = temp.write("named.json5", config(studio.baseUrl, spare.baseUrl));
    const unnamed = await runCli(["agent", "--json", "--config", file, "--message", "hi"], { env: { HEARTH_STATE_DIR: state } });
    assert.deepEqual(outcomes(JSON.parse(unnamed.stdout) as AgentJson), ["local/m skipped-cooldown", "spare/m ok"]);
    const named = await runCli(["agent", "--config", file, "--model", "Local", "--message", "hi"], { env: { HEARTH_STATE_DIR: state } });
    assert.equal(named.code, 0, named.stderr);
    assert.equal(named.stdout, "from the local model\n");
    assert.doesNotMatch(named.stderr, /answered by/);
    // The same for a model pinned to the session with /model.
    coolDown(state, { "local/m": { kind: "rate-limit" } });
    const pin = await runCli(["agent", "--config", file, "--session", "pinned", "--message", "/model Local"], { env: { HEARTH_STATE_DIR: state } });
    assert.match(pin.stdout, /This session now uses Local \(local\/m\)/);
    const pinned = await runCli(["agent", "--json", "--config", file, "--session", "pinned", "--message", "hi"], { env: { HEARTH_STATE_DIR: state } });
    assert.deepEqual(outcomes(JSON.parse(pinned.stdout) as AgentJson), ["local/m ok"]);
  });

  test("a cooldown left by an older hearth for a refused connection costs nothing: the local server is asked", async () => {
    const state = join(temp.dir, "legacy");
    coolDown(state, { "local/m": { kind: "unreachable" } });
    const file = temp.write("legacy.json5", config(studio.baseUrl, spare.baseUrl));
    const turn = await runCli(["agent", "--json", "--config", file, "--message", "hi"], { env: { HEARTH_STATE_DIR: state } });
    assert.deepEqual(outcomes(JSON.parse(turn.stdout) as AgentJson), ["local/m ok"]);
  });

  test("a refused connection leaves no skip behind: the next command asks the local server again", async () => {
    const state = join(temp.dir, "refused");
    const file = temp.write("refused.json5", config(`${await refusedUrl()}/v1`, spare.baseUrl));
    const first = await runCli(["agent", "--json", "--config", file, "--message", "hi"], { env: { HEARTH_STATE_DIR: state } });
    assert.deepEqual(outcomes(JSON.parse(first.stdout) as AgentJson), ["local/m unreachable", "spare/m ok"]);
    const second = await runCli(["agent", "--json", "--config", file, "--message", "hi again"], { env: { HEARTH_STATE_DIR: state } });
    assert.deepEqual(outcomes(JSON.parse(second.stdout) as AgentJson), ["local/m unreachable", "spare/m ok"]);
    assert.ok(!existsSync(join(state, "cooldowns.json")) || !readFileSync(join(state, "cooldowns.json"), "utf8").includes("local/m"));
  });

  test("a hosted model without a key is skipped before any network call, and the notice says so", async () => {
    const standIn = await startFakeServer(() => ({ kind: "sse", frames: anthropicStream({ text: "from the stand-in" }) }));
    try {
      const state = join(temp.dir, "nokey");
      const file = temp.write("nokey.json5", config(`${await refusedUrl()}/v1`, spare.baseUrl, { anthropic: standIn.url }));
      const human = await runCli(["agent", "--config", file, "--message", "hi"], { env: { HEARTH_STATE_DIR: state } });
      assert.equal(human.code, 0, human.stderr);
      assert.equal(human.stdout, "from the paid fallback\n");
      assert.match(human.stderr, /answered by Spare — Local \(local server\) unreachable; Opus \(hosted\) skipped: no API key/);
      const json = await runCli(["agent", "--json", "--config", file, "--message", "hi"], { env: { HEARTH_STATE_DIR: state } });
      assert.deepEqual(outcomes(JSON.parse(json.stdout) as AgentJson), ["local/m unreachable", "anthropic/claude-opus-4-5 skipped-no-key", "spare/m ok"]);
      assert.equal(standIn.requests.length, 0, "no request reached the stand-in hosted server");
    } finally {
      await standIn.close();
    }
  });
});

describe("hearth: honest progress and words", () => {
  const temp = tempDir();
  let spare: FakeServer;
  before(async () => {
    spare = await startFakeServer(() => answer("from the paid fallback"));
  });
  after(async () => {
    temp.cleanup();
    await spare.close();
  });

  test("a hung server is reported on stderr within seconds, naming the wait, the prompt and what comes next", async () => {
    const hung = await startFakeServer(() => ({ kind: "hang-before-headers" }));
    try {
      const file = temp.write("hung.json5", config(hung.baseUrl, spare.baseUrl, { localExtra: "timeoutSeconds: 7," }));
      const result = await runCli(["agent", "--config", file, "--message", "hello"], { env: { HEARTH_STATE_DIR: join(temp.dir, "hung") } });
      assert.equal(result.code, 0, result.stderr);
      const lines = result.stderr.split("\n");
      const report = lines.findIndex((line) => /^no reply from Local for 5 s \(prompt \d+ tokens\) — trying Spare if none by 7 s \(its first-token limit\)$/.test(line));
      const failover = lines.findIndex((line) => line === "Local timed out — trying Spare");
      assert.ok(report >= 0, result.stderr);
      assert.ok(failover > report, "reported before the 7 s limit ran out");
    } finally {
      await hung.close();
    }
  });

  test("the line after a failure names the model really tried next: one whose server just hung, or cooling down, is skipped, not named", async () => {
    const hung = await startFakeServer(() => ({ kind: "hang-before-headers" }));
    try {
      // The same server again as a second provider (its other API), then one cooling down after a rate limit, then Spare.
      const twice = config(hung.baseUrl, spare.baseUrl, { localExtra: "timeoutSeconds: 1," })
        .replace('fallbacks: ["spare/m"]', 'fallbacks: ["again/m", "cool/m", "spare/m"]')
        .replace('"spare/m": { alias: "Spare" }', '"spare/m": { alias: "Spare" }, "again/m": { alias: "Again" }, "cool/m": { alias: "Cool" }')
        .replace("providers: {", `providers: {
      again: { baseUrl: "${hung.baseUrl}/", api: "openai-completions", timeoutSeconds: 1, models: [{ id: "m", contextWindow: 32768, maxTokens: 1024 }] },
      cool: { baseUrl: "${spare.baseUrl}", api: "openai-completions", apiKey: "sk-cool", models: [{ id: "m", contextWindow: 32768, maxTokens: 1024 }] },`);
      const file = temp.write("hung-twice.json5", twice);
      const state = join(temp.dir, "hung-twice");
      coolDown(state, { "cool/m": { kind: "rate-limit" } });
      const result = await runCli(["agent", "--config", file, "--message", "hello"], { env: { HEARTH_STATE_DIR: state } });
      assert.equal(result.code, 0, result.stderr);
      assert.match(result.stderr, /^Local timed out — trying Spare$/m, "neither Again (its server just hung) nor Cool (cooling down) is named");
      assert.doesNotMatch(result.stderr, /trying (Again|Cool)/);
      assert.match(result.stderr, /^answered by Spare — Local \(local server\) timed out; Again \(local server\) not waited on: its server had just hung for Local; Cool \(local server\) /m);
    } finally {
      await hung.close();
    }
  });

  test("chat in a pipe says the wait on stderr too, in the same lines as agent", async () => {
    const hung = await startFakeServer(() => ({ kind: "hang-before-headers" }));
    try {
      const file = temp.write("hung-chat.json5", config(hung.baseUrl, spare.baseUrl, { localExtra: "timeoutSeconds: 7," }));
      const result = await runCli(["chat", "--config", file], { env: { HEARTH_STATE_DIR: join(temp.dir, "hung-chat") }, input: "hello\n" });
      assert.equal(result.code, 0, result.stderr);
      assert.match(result.stderr, /^no reply from Local for 5 s \(prompt \d+ tokens\) — trying Spare if none by 7 s \(its first-token limit\)$/m);
      assert.match(result.stdout, /from the paid fallback/);
    } finally {
      await hung.close();
    }
  });

  test("HTTP 500 is a server error, not 'overloaded'; a connection dropped mid-answer is not 'unreachable'", async () => {
    const failing = await startFakeServer(() => serverError500);
    const dropping = await startFakeServer(() => ({ kind: "sse", frames: completionsStream({ text: "half an answer", chunkSize: 4 }).slice(0, 3), after: "reset" }));
    try {
      const five = temp.write("500.json5", config(failing.baseUrl, spare.baseUrl));
      const fiveResult = await runCli(["agent", "--config", five, "--message", "hi"], { env: { HEARTH_STATE_DIR: join(temp.dir, "500") } });
      assert.match(fiveResult.stderr, /^answered by Spare — Local \(local server\) answered with a server error$/m);
      assert.doesNotMatch(fiveResult.stderr, /overloaded/);
      const drop = temp.write("drop.json5", config(dropping.baseUrl, spare.baseUrl));
      const dropResult = await runCli(["agent", "--config", drop, "--message", "hi"], { env: { HEARTH_STATE_DIR: join(temp.dir, "drop") } });
      assert.match(dropResult.stderr, /^answered by Spare — Local \(local server\) connection dropped mid-answer$/m);
      assert.doesNotMatch(dropResult.stderr, /unreachable/);
    } finally {
      await Promise.all([failing.close(), dropping.close()]);
    }
  });

  test("a server that takes the connection and then says nothing is stuck, not down: the fix is not 'start the server'", async () => {
    const hung = await startFakeServer(() => ({ kind: "hang-before-headers" }));
    try {
      const file = temp.write("probe-hung.json5", config(hung.baseUrl, spare.baseUrl, { localExtra: "timeoutSeconds: 1," }));
      const result = await runCli(["models", "status", "--probe", "--config", file], { env: { HEARTH_STATE_DIR: join(temp.dir, "probe-hung") } });
      assert.equal(result.code, 1);
      assert.match(result.stdout, /✗ error: http:\/\/127\.0\.0\.1:\d+\/v1 took the connection but sent no answer: .*no answer within 1 s/);
      assert.match(result.stdout, /fix: the server is running but stuck or busy/);
      assert.doesNotMatch(result.stdout, /start the server|unreachable|may be loading or stuck/);
    } finally {
      await hung.close();
    }
  });

  test("/help lists exactly the commands there are, and says where reasoning shows", async () => {
    const file = temp.write("help.json5", config(`${await refusedUrl()}/v1`, spare.baseUrl));
    const help = await runCli(["agent", "--config", file, "--message", "/help"], { env: { HEARTH_STATE_DIR: join(temp.dir, "help") } });
    assert.equal(help.code, 0, help.stderr);
    const listed = [...new Set(help.stdout.split("\n").map((line) => line.split(/\s+/)[0]).filter((word): word is string => word !== undefined && word.startsWith("/")))];
    assert.deepEqual(listed, ["/model", "/status", "/new", "/compact", "/retry", "/reasoning", "/help"]);
    assert.match(help.stdout, /\/reasoning on\|off +show the model's reasoning \(in the terminal and the web chat; never on WhatsApp\)/);
  });

  test("config validate and models list warn about a chain without a fallback, naming hosted models that have a key", async () => {
    const text = `{ agents: { defaults: { model: { primary: "local/m" }, models: { "anthropic/claude-opus-4-5": { alias: "Opus" } } } },
      models: { providers: { local: { baseUrl: "http://127.0.0.1:9/v1", api: "openai-completions", models: [{ id: "m" }] } } } }`;
    const file = temp.write("lonely.json5", text);
    const withKey = { ANTHROPIC_API_KEY: "sk-ant-test", HEARTH_STATE_DIR: join(temp.dir, "lonely") };
    const validate = await runCli(["config", "validate", "--config", file], { env: withKey });
    assert.equal(validate.code, 0, validate.stderr);
    assert.match(validate.stderr, /agents\.defaults\.model: no fallback: when local\/m fails, the turn fails\. Candidates for agents\.defaults\.model\.fallbacks: hosted models with a key: anthropic\/claude-opus-4-5 \(Opus\)/);
    const list = await runCli(["models", "list", "--config", file], { env: withKey });
    assert.match(list.stderr, /no fallback: when local\/m fails/);
    const onlyLocal = temp.write("only-local.json5", text.replace('primary: "local/m" }', 'primary: "local/m", fallbacks: ["other/m"] }').replace("models: { providers: {", 'models: { providers: { other: { baseUrl: "http://127.0.0.1:8/v1", api: "openai-completions", models: [{ id: "m" }] },'));
    const keyless = await runCli(["config", "validate", "--config", onlyLocal], { env: { HEARTH_STATE_DIR: join(temp.dir, "lonely") } });
    assert.match(keyless.stderr, /every model in the chain is local: when the local servers are down, nothing answers\. Candidates for agents\.defaults\.model\.fallbacks: no hosted provider has a key \(ANTHROPIC_API_KEY, OPENAI_API_KEY, OPENROUTER_API_KEY\)/);
    const covered = temp.write("covered.json5", text.replace('primary: "local/m" }', 'primary: "local/m", fallbacks: ["Opus"] }'));
    const fine = await runCli(["config", "validate", "--config", covered], { env: withKey });
    assert.doesNotMatch(fine.stderr, /fallback/);
  });
});
