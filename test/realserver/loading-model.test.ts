// llama.cpp's llama-server while it loads its model (t13 #5). The real server is held in its load by
// strace (it delays the server's opening of the model file; Debian's `strace` package — the tests are
// skipped, saying so, where it is missing), so the test decides when the load goes on. While it loads,
// the server answers every path with a 503 "Loading model": hearth must take that as the cold load it is
// — wait for it (the model the user named always), say "loading", cool nothing down — not as an overload;
// ask its /health meanwhile, not send the prompt again; and remember the load across turns (t14 #1).
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { startFakeServer, type FakeServer } from "../fakes/fake-server.js";
import { completionsStream } from "../fakes/openai-completions-stream.js";
import { startRecordingRelay, type RecordingRelay } from "../helpers/recording-relay.js";
import { ask, chainFromServers, route } from "../helpers/routing.js";
import { runCli, tempDir } from "../helpers/run-cli.js";
import { createRouting } from "../../src/cli/wire-router.js";
import type { AgentJson } from "./config.js";
import { canHoldLoad, startLoadingRealServer, type LoadingRealServer } from "./real-server.js";

const LOADING_BODY = '{"error":{"message":"Loading model","type":"unavailable_error","code":503}}';

describe("a real llama-server loading its model", { skip: canHoldLoad() ? false : "strace is not installed (apt-get install strace): it holds the server in its load" }, () => {
  let loading: LoadingRealServer;
  let paid: FakeServer;
  /** In front of the server: what hearth asks it, written down (the named model's test goes through it). */
  let relay: RecordingRelay;
  /** Once the relay has answered this many /health looks 503, the load goes on. */
  let releaseAfterLooks = Number.POSITIVE_INFINITY;
  const temp = tempDir();
  before(async () => {
    loading = await startLoadingRealServer();
    paid = await startFakeServer(() => ({ kind: "sse", frames: completionsStream({ text: "from the paid model", usage: { input: 10, output: 3 } }) }));
    relay = await startRecordingRelay(loading.url, (_relayed, seen) => {
      if (seen.filter((asked) => asked.path === "/health" && asked.status === 503).length >= releaseAfterLooks) loading.release();
    });
  });
  after(async () => {
    temp.cleanup();
    await Promise.all([loading.kill(), paid.close(), relay.close()]);
  });
  const chatPosts = (): number => relay.seen.filter((asked) => asked.method === "POST" && asked.path === "/v1/chat/completions").length;

  const config = (baseUrl = loading.baseUrl): string => `{
    agents: { defaults: { model: { primary: "llama/${loading.alias}", fallbacks: ["paid/m"] } } },
    models: { mode: "replace", providers: {
      llama: { baseUrl: "${baseUrl}", api: "openai-completions", onColdLoad: "fallback", models: [{ id: "${loading.alias}", contextWindow: 2048, maxTokens: 48 }] },
      paid: { baseUrl: "${paid.baseUrl}", api: "openai-completions", models: [{ id: "m", contextWindow: 32000, maxTokens: 48 }] },
    } },
  }`;
  const paidPosts = (): number => paid.requests.filter((request) => request.method === "POST").length;
  const cooling = (state: string): string => {
    const file = join(state, "cooldowns.json");
    return existsSync(file) ? readFileSync(file, "utf8") : "";
  };

  test("what it answers while it loads: 503 \"Loading model\" on every path (/health and /v1/models too), JSON, no Retry-After", async () => {
    const asked = [
      await fetch(`${loading.url}/v1/chat/completions`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ messages: [{ role: "user", content: "hi" }], max_tokens: 4 }) }),
      await fetch(`${loading.url}/health`),
      await fetch(`${loading.url}/v1/models`),
      await fetch(`${loading.url}/props`),
    ];
    for (const response of asked) {
      assert.equal(response.status, 503, response.url);
      assert.equal(response.headers.get("content-type"), "application/json; charset=utf-8");
      assert.equal(response.headers.get("retry-after"), null);
      assert.equal(await response.text(), LOADING_BODY);
    }
  });

  test("while it loads, nothing it answers tells one process from another (a restart unseen cannot be noticed: the remembered load holds until the model answers, routing.md)", async () => {
    const answers = async (url: string): Promise<string[]> =>
      Promise.all(
        ["/health", "/props", "/v1/models", "/slots", "/"].map(async (path) => {
          const response = await fetch(`${url}${path}`);
          const headers = [...response.headers].filter(([name]) => name !== "date").map(([name, value]) => `${name}: ${value}`);
          return `${path} ${response.status} ${headers.join("; ")} ${await response.text()}`;
        }),
      );
    const other = await startLoadingRealServer();
    try {
      const [mine, theirs] = [await answers(loading.url), await answers(other.url)];
      assert.ok(mine.every((answer) => / 503 .*Loading model| 404 /.test(answer)), mine.join("\n"));
      assert.deepEqual(theirs, mine, "another llama-server process, loading: the same status, headers and bytes on every path");
    } finally {
      await other.kill();
    }
  });

  test("with onColdLoad \"fallback\", the next model answers meanwhile: the attempt says it was loading, and nothing cools down", { timeout: 60_000 }, async () => {
    const file = temp.write("hearth.json5", config());
    const state = join(temp.dir, "around");
    const result = await runCli(["agent", "--config", file, "--session", "s", "--json", "--message", "Tell me a story."], { env: { HEARTH_STATE_DIR: state } });
    assert.equal(result.code, 0, result.stderr);
    const answer = JSON.parse(result.stdout) as AgentJson & { notice?: string };
    assert.equal(answer.model, "paid/m");
    assert.deepEqual(answer.attempts.map((attempt) => [attempt.model, attempt.outcome]), [[`llama/${loading.alias}`, "cold-loading"], ["paid/m", "ok"]]);
    assert.equal(answer.notice, `answered by paid/m — llama/${loading.alias} (local server) still loading the model`);
    assert.doesNotMatch(result.stdout, /overloaded/);
    assert.doesNotMatch(cooling(state), new RegExp(`llama/${loading.alias}`), "no cooldown for a model that loads");
  });

  test("a load that outlasts its limit is remembered: the next turn is answered by the next model at once, after one look at /health and no prompt sent", { timeout: 60_000 }, async () => {
    const routing = createRouting();
    const chain = chainFromServers({ llama: `${relay.url}/v1`, paid: paid.baseUrl }, { llama: "coldLoadTimeoutSeconds: 2," });
    try {
      const first = await route(routing.router, { chain, context: ask });
      assert.deepEqual(first.outcomes, ["llama/m loading", "paid/m ok"]);
      const asked = relay.seen.length;
      const posts = chatPosts();
      const second = await route(routing.router, { chain, context: ask });
      assert.deepEqual(second.outcomes, ["llama/m loading", "paid/m ok"]);
      assert.match(second.end?.attempts[0]?.message ?? "", /^llama\/m: its server has said it is loading the model for \d+ s, and a cold load is waited for 2 s at most .*: not waited for again until it answers — the server said: Loading model$/);
      assert.equal(chatPosts(), posts, "no prompt went to the loading server");
      assert.deepEqual(
        relay.seen.slice(asked).map((seen) => `${seen.method} ${seen.path} ${seen.status}`),
        ["GET /health 503"],
        "the second turn asked only its /health",
      );
    } finally {
      routing.http.destroy();
    }
  });

  test("the model the user named is waited for (its onColdLoad \"fallback\" aside): said as loading, its /health asked meanwhile (the prompt not sent again), answered by it once loaded, the paid model never asked", { timeout: 120_000 }, async () => {
    const file = temp.write("hearth.json5", config(`${relay.url}/v1`));
    const state = join(temp.dir, "named");
    const before = paidPosts();
    const postsBefore = chatPosts();
    const healthBefore = relay.seen.filter((asked) => asked.path === "/health").length;
    // Three looks at /health while it loads, then the load goes on.
    releaseAfterLooks = relay.seen.filter((asked) => asked.path === "/health" && asked.status === 503).length + 3;
    // Not --json: the notices go to stderr as they happen.
    const result = await runCli(["agent", "--config", file, "--model", `llama/${loading.alias}`, "--session", "s", "--message", "Tell me a story."], { env: { HEARTH_STATE_DIR: state } });
    assert.equal(result.code, 0, result.stderr);
    assert.ok(result.stdout.trim().length > 0, "the loaded model's story");
    assert.doesNotMatch(result.stdout, /from the paid model/);
    assert.match(result.stderr, new RegExp(`^loading llama/${loading.alias} on the local server — waiting for it$`, "m"));
    assert.doesNotMatch(result.stderr, /answered by|overloaded|trying paid\/m$/m, "no fallback, no overload (the wait lines name the model it would be)");
    assert.equal(paidPosts(), before, "the paid model was never asked");
    assert.doesNotMatch(cooling(state), new RegExp(`llama/${loading.alias}`));
    const looks = relay.seen.filter((asked) => asked.path === "/health").slice(healthBefore);
    assert.match(looks.map((asked) => asked.status).join(","), /^(503,){3,}200$/, "its /health was asked while it loaded, until it said it was loaded");
    assert.equal(chatPosts() - postsBefore, 2, "the prompt went twice: first, and once the model was loaded");
  });
});
