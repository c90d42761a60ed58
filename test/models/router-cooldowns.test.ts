import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, test } from "node:test";
import { HttpClient } from "../../src/ai/http/http-client.js";
import { createRouting } from "../../src/cli/wire-router.js";
import { cooldownFile } from "../../src/models/cooldown-file.js";
import { Cooldowns, DEFAULT_COOLDOWN } from "../../src/models/cooldowns.js";
import { PrefillStats } from "../../src/models/prefill-stats.js";
import { anthropicStream } from "../fakes/anthropic-messages-stream.js";
import { refusedUrl, startFakeServer, type Reply } from "../fakes/fake-server.js";
import { startLmStudio } from "../fakes/lmstudio-server.js";
import { completionsStream } from "../fakes/openai-completions-stream.js";
import { resolveText } from "../helpers/config.js";
import { ManualClock } from "../helpers/manual-clock.js";
import { fakeServersForSuite } from "../helpers/fake-servers.js";
import { ask, chainFromServers, route, routeWhileClockMoves, routingPerTest, testRouting } from "../helpers/routing.js";

const answer = (text: string): Reply => ({ kind: "sse", frames: completionsStream({ text, usage: { input: 10, output: 3 } }) });
const listing: Reply = { kind: "json", body: { object: "list", data: [{ id: "m", object: "model" }] } };

describe("cooldowns never overrule the user or reality", () => {
  const routing = routingPerTest();
  const { local, spare } = fakeServersForSuite({ local: (request) => (request.method === "GET" ? listing : answer("from the local model")), spare: () => answer("from the spare") });

  test("a model the user named is tried first while it cools down; unnamed, it is skipped", async () => {
    const chain = chainFromServers({ local: local.baseUrl, spare: spare.baseUrl });
    routing.cooldowns.fail("local/m", { kind: "rate-limit", message: "slow down", retryAfterMs: 60_000 });
    const unnamed = await route(routing.router, { chain, context: ask });
    assert.deepEqual(unnamed.outcomes, ["local/m skipped-cooldown", "spare/m ok"]);
    const named = await route(routing.router, { chain, context: ask, named: "local/m" });
    assert.deepEqual(named.outcomes, ["local/m ok"]);
    assert.equal(named.text, "from the local model");
    assert.equal(routing.cooldowns.until("local/m"), undefined, "its answer ended the cooldown");
  });

  test("a local server cooling after it could not be connected to gets a quick look: back, it is asked again and its cooldowns end", async () => {
    const chain = chainFromServers({ local: local.baseUrl, spare: spare.baseUrl });
    routing.cooldowns.fail("local/m", { kind: "timeout", phase: "connect", message: "could not connect within 5 s" });
    local.requests.length = 0;
    const result = await route(routing.router, { chain, context: ask });
    assert.deepEqual(result.outcomes, ["local/m ok"]);
    // LM Studio's native load listing (/api/…) is asked beside the call, with its OpenAI listing (whether it loads on request); the quick look comes first.
    assert.deepEqual(
      local.requests.map((request) => `${request.method} ${request.path}`).filter((request) => !request.startsWith("GET /api/")),
      ["GET /v1/models", "GET /v1/models", "POST /v1/chat/completions"],
    );
    assert.equal(routing.cooldowns.until("local/m"), undefined);
  });

  test("a local server that still hangs is skipped after a look of half a second at most", async () => {
    const hung = await startFakeServer(() => ({ kind: "hang-before-headers" }));
    try {
      const chain = chainFromServers({ local: hung.baseUrl, spare: spare.baseUrl });
      routing.cooldowns.fail("local/m", { kind: "timeout", phase: "connect", message: "could not connect within 5 s" });
      const result = await route(routing.router, { chain, context: ask });
      assert.deepEqual(result.outcomes, ["local/m skipped-cooldown", "spare/m ok"]);
      const skipped = result.end?.attempts[0]?.message ?? "";
      assert.match(skipped, /^it hung recently and its server does not answer now; tried again after /);
      assert.deepEqual(
        hung.requests.map((request) => `${request.method} ${request.path}`),
        ["GET /v1/models"],
        "the look, and no model call",
      );
    } finally {
      routing.cooldowns.succeed("local/m");
      await hung.close();
    }
  });

  test("a server that took the request and stalled is not forgiven by its listing: skipped after a quick check it does not answer, its cooldown doubling from one process to the next", async () => {
    const temp = mkdtempSync(join(tmpdir(), "hearth-cooldowns-"));
    const stuck = await startFakeServer((request) => (request.method === "GET" ? listing : { kind: "hang-before-headers" }));
    try {
      const path = join(temp, "cooldowns.json");
      const chain = chainFromServers({ local: stuck.baseUrl, spare: spare.baseUrl });
      const stalled = { kind: "timeout", phase: "first-byte", message: "no first byte within 60 s" } as const;
      const file = cooldownFile(path, { now: () => routing.clock.now() });
      const first = new Cooldowns(routing.clock, DEFAULT_COOLDOWN, file);
      first.fail("local/m", stalled);
      const firstWait = (first.until("local/m") ?? 0) - routing.clock.now();
      // The next one-shot command reads the file: the listing answers, yet the model is skipped.
      const next = createRouting({ http: new HttpClient(), clock: routing.clock, stateDir: temp });
      try {
        const result = await route(next.router, { chain, context: ask });
        assert.deepEqual(result.outcomes, ["local/m skipped-cooldown", "spare/m ok"]);
        assert.match(result.end?.attempts[0]?.message ?? "", /^it hung recently and did not answer a quick check now; tried again after /);
        assert.deepEqual(
          stuck.requests.filter((request) => request.method === "POST").map((request) => (request.body as { max_tokens?: number }).max_tokens),
          [1],
          "the quick check (one token asked) and no chat call with the turn's prompt",
        );
        // A health probe that finds the listing answering does not end it either.
        next.cooldowns.clearProvider("local");
        assert.notEqual(next.cooldowns.until("local/m"), undefined);
        // Once it expires and the server stalls again, the wait doubles.
        routing.clock.advance(firstWait + 1);
        next.cooldowns.fail("local/m", stalled);
        const third = new Cooldowns(routing.clock, DEFAULT_COOLDOWN, file);
        assert.equal((third.until("local/m") ?? 0) - routing.clock.now(), 2 * firstWait);
      } finally {
        next.http.destroy();
      }
      // A file from an older hearth (no phase recorded) is still read: its hang is not forgiven by a look.
      writeFileSync(path, JSON.stringify({ "local/m": { failures: 1, until: routing.clock.now() + 60_000, kind: "timeout" } }));
      const old = new Cooldowns(routing.clock, DEFAULT_COOLDOWN, file);
      assert.equal(old.endsWithLook("local/m"), false);
      assert.notEqual(old.until("local/m"), undefined);
    } finally {
      rmSync(temp, { recursive: true, force: true });
      await stuck.close();
    }
  });

  test("a local model that hung and answers a quick check now is back: its cooldowns end and it answers this turn", async () => {
    const chain = chainFromServers({ local: local.baseUrl, spare: spare.baseUrl });
    routing.cooldowns.fail("local/m", { kind: "timeout", phase: "first-byte", message: "no first byte within 60 s" });
    local.requests.length = 0;
    spare.requests.length = 0;
    const result = await route(routing.router, { chain, context: ask });
    assert.deepEqual(result.outcomes, ["local/m ok"]);
    assert.equal(result.text, "from the local model");
    const posts = local.requests.filter((request) => request.method === "POST").map((request) => (request.body as { max_tokens?: number }).max_tokens);
    assert.deepEqual(posts, [1, 1000], "the quick check (one token), then the turn");
    assert.deepEqual(spare.requests.filter((request) => request.method === "POST"), [], "nothing went to the fallback");
    assert.equal(routing.cooldowns.until("local/m"), undefined);
  });

  test("a model still hung is asked for a quick answer at most every 30 s (a gateway's turns do not each pay the check)", async () => {
    const stuck = await startFakeServer((request) => (request.method === "GET" ? listing : { kind: "hang-before-headers" }));
    try {
      const chain = chainFromServers({ local: stuck.baseUrl, spare: spare.baseUrl });
      routing.cooldowns.fail("local/m", { kind: "timeout", phase: "first-byte", message: "no first byte within 60 s" });
      const checks = (): number => stuck.requests.filter((request) => request.method === "POST").length;
      const first = await route(routing.router, { chain, context: ask });
      assert.deepEqual([first.outcomes, checks()], [["local/m skipped-cooldown", "spare/m ok"], 1]);
      routing.clock.advance(29_000);
      const soon = await route(routing.router, { chain, context: ask });
      assert.deepEqual([soon.outcomes, checks()], [["local/m skipped-cooldown", "spare/m ok"], 1]);
      assert.match(soon.end?.attempts[0]?.message ?? "", /^it hung recently; tried again after /);
      routing.clock.advance(1_000);
      const later = await route(routing.router, { chain, context: ask });
      assert.deepEqual([later.outcomes, checks()], [["local/m skipped-cooldown", "spare/m ok"], 2]);
    } finally {
      routing.cooldowns.succeed("local/m");
      await stuck.close();
    }
  });

  test("a hosted model that hung keeps its cooldown: no quick check is sent to it", async () => {
    const hosted = await startFakeServer(() => answer("from the hosted model"));
    try {
      // A model the router takes for hosted (as one at a public address would be), served here by a fake.
      const chain = chainFromServers({ hosted: hosted.baseUrl, spare: spare.baseUrl }, { hosted: 'apiKey: "sk-hosted",' }).map((model) => (model.ref === "hosted/m" ? { ...model, local: false } : model));
      assert.equal(chain[0]?.local, false);
      routing.cooldowns.fail("hosted/m", { kind: "timeout", phase: "first-byte", message: "no first byte within 60 s" });
      const result = await route(routing.router, { chain, context: ask });
      assert.deepEqual(result.outcomes, ["hosted/m skipped-cooldown", "spare/m ok"]);
      assert.match(result.end?.attempts[0]?.message ?? "", /^it hung recently; tried again after /);
      assert.equal(hosted.requests.length, 0);
    } finally {
      await hosted.close();
    }
  });

  test("the quick check of a model that hung is cancelled with the turn", async () => {
    const stuck = await startFakeServer((request) => (request.method === "GET" ? listing : { kind: "hang-before-headers" }));
    try {
      const chain = chainFromServers({ local: stuck.baseUrl, spare: spare.baseUrl });
      routing.cooldowns.fail("local/m", { kind: "timeout", phase: "first-byte", message: "no first byte within 60 s" });
      spare.requests.length = 0;
      const turn = new AbortController();
      // The turn is cancelled the moment the quick check reaches the server, which answers 150 ms later:
      // a check cancelled with the turn never sees that answer, so the model stays cooling.
      stuck.setHandler((request) => {
        if (request.method === "GET") return listing;
        turn.abort();
        return { kind: "sse", frames: completionsStream({ text: "ok" }), headersDelayMs: 150 };
      });
      const result = await route(routing.router, { chain, context: ask, options: { signal: turn.signal } });
      assert.equal(result.error?.message, "the turn was cancelled");
      assert.deepEqual(result.outcomes, ["local/m skipped-cooldown", "spare/m aborted"]);
      assert.equal(stuck.requests.filter((request) => request.method === "POST").length, 1, "the check only; no turn call");
      assert.deepEqual(spare.requests.filter((request) => request.method === "POST"), [], "nothing went to the fallback");
      assert.notEqual(routing.cooldowns.until("local/m"), undefined);
    } finally {
      routing.cooldowns.succeed("local/m");
      await stuck.close();
    }
  });

  test("between processes only hangs and rate limits are kept: a refused connection is simply asked again", () => {
    const temp = mkdtempSync(join(tmpdir(), "hearth-cooldowns-"));
    try {
      const clock = new ManualClock();
      const path = join(temp, "cooldowns.json");
      const file = cooldownFile(path);
      const first = new Cooldowns(clock, DEFAULT_COOLDOWN, file);
      first.fail("lmstudio/m", { kind: "unreachable", message: "refused" });
      first.fail("spare/m", { kind: "overloaded", message: "busy" });
      first.fail("hung/m", { kind: "timeout", message: "hang" });
      first.fail("hosted/m", { kind: "rate-limit", message: "429", retryAfterMs: 30_000 });
      assert.notEqual(first.until("lmstudio/m"), undefined, "within the process it still cools down");
      assert.deepEqual(Object.keys(JSON.parse(readFileSync(path, "utf8")) as object).sort(), ["hosted/m", "hung/m"]);
      const next = new Cooldowns(clock, DEFAULT_COOLDOWN, file);
      assert.equal(next.until("lmstudio/m"), undefined);
      assert.equal(next.until("spare/m"), undefined);
      assert.notEqual(next.until("hung/m"), undefined);
      // A file written by an older hearth, holding a refused connection: ignored.
      writeFileSync(path, JSON.stringify({ "lmstudio/m": { failures: 3, until: clock.now() + 600_000, kind: "unreachable" } }));
      assert.equal(new Cooldowns(clock, DEFAULT_COOLDOWN, file).until("lmstudio/m"), undefined);
    } finally {
      rmSync(temp, { recursive: true, force: true });
    }
  });
});

describe("hosted models without a key", () => {
  const routing = routingPerTest();
  const { standIn, spare } = fakeServersForSuite({ standIn: () => ({ kind: "sse", frames: anthropicStream({ text: "from the stand-in" }) }), spare: () => answer("from the spare") });

  const chainWith = (env: NodeJS.ProcessEnv, local: string) =>
    resolveText(
      `{ agents: { defaults: { model: { primary: "local/m", fallbacks: ["anthropic/claude-opus-4-5", "spare/m"] }, models: { "anthropic/claude-opus-4-5": { alias: "Opus" } } } },
      models: { providers: {
        anthropic: { baseUrl: "${standIn.url}" },
        local: { baseUrl: "${local}", api: "openai-completions", models: [{ id: "m" }] },
        spare: { baseUrl: "${spare.baseUrl}", api: "openai-completions", apiKey: "sk-spare", models: [{ id: "m" }] } } } }`,
      env,
    ).chain.map((entry) => entry.model);

  test("are skipped before any network call, with outcome skipped-no-key, even where the provider points at this machine", async () => {
    const chain = chainWith({}, `${await refusedUrl()}/v1`);
    const result = await route(routing.router, { chain, context: ask });
    assert.deepEqual(result.outcomes, ["local/m unreachable", "anthropic/claude-opus-4-5 skipped-no-key", "spare/m ok"]);
    assert.equal(result.end?.attempts[1]?.message, "no API key: set ANTHROPIC_API_KEY in ~/.hearth/gateway.env (the gateway's service and every command read it) or in the environment, or models.providers.anthropic.apiKey");
    assert.equal(standIn.requests.length, 0, "no request reached the stand-in");
    const failed = result.events.find((event) => event.type === "attempt-failed");
    assert.equal(failed?.type === "attempt-failed" ? failed.next : undefined, "spare/m", "the announced next model is one that is really tried");
  });

  test("a whitespace-only key is no key: skipped-no-key, nothing sent with an empty bearer", async () => {
    const chain = chainWith({ ANTHROPIC_API_KEY: "  " }, `${await refusedUrl()}/v1`);
    const result = await route(routing.router, { chain, context: ask });
    assert.deepEqual(result.outcomes, ["local/m unreachable", "anthropic/claude-opus-4-5 skipped-no-key", "spare/m ok"]);
    assert.equal(standIn.requests.length, 0, "no request reached the stand-in");
  });

  test("a key with surrounding whitespace is sent trimmed", async () => {
    routing.cooldowns.succeed("local/m");
    const chain = chainWith({ ANTHROPIC_API_KEY: " sk-ant-test\n" }, `${await refusedUrl()}/v1`);
    const result = await route(routing.router, { chain, context: ask });
    assert.deepEqual(result.outcomes, ["local/m unreachable", "anthropic/claude-opus-4-5 ok"]);
    assert.equal(standIn.requests.at(-1)?.headers["x-api-key"], "sk-ant-test");
  });

  test("with the key, the stand-in is called and gets the key", async () => {
    routing.cooldowns.succeed("local/m");
    const chain = chainWith({ ANTHROPIC_API_KEY: "sk-ant-test" }, `${await refusedUrl()}/v1`);
    const result = await route(routing.router, { chain, context: ask });
    assert.deepEqual(result.outcomes, ["local/m unreachable", "anthropic/claude-opus-4-5 ok"]);
    assert.equal(standIn.requests.find((request) => request.path === "/v1/messages")?.headers["x-api-key"], "sk-ant-test");
  });
});

describe("honest progress and words", () => {
  const { hung, spare } = fakeServersForSuite({ hung: () => ({ kind: "hang-before-headers" }), spare: () => answer("from the spare") });

  test("a silent server is reported a few seconds in, and again while the silence lasts, with the next model and when", async () => {
    const routing = testRouting();
    try {
      const chain = chainFromServers({ local: hung.baseUrl, spare: spare.baseUrl }, { local: "timeoutSeconds: 600," });
      const events = routing.router.stream({ chain, context: ask });
      const seen: unknown[] = [];
      const reader = (async () => {
        for await (const event of events) {
          if (event.type === "attempt-waiting") seen.push(event);
          if (seen.length === 5) break;
        }
      })();
      while (hung.requests.length === 0) await new Promise((resolve) => setTimeout(resolve, 5));
      routing.clock.advance(4_999);
      assert.equal(seen.length, 0, "nothing to say in the first seconds");
      for (let second = 0; second < 120; second++) routing.clock.advance(1_000);
      await reader;
      const promptTokens = (seen[0] as { promptTokens: number }).promptTokens;
      assert.ok(promptTokens > 0);
      assert.deepEqual(
        seen.map((event) => (event as { waitedMs: number }).waitedMs),
        [5_000, 15_000, 30_000, 60_000, 120_000],
        "then ever less often: a long prefill is not a wall of lines",
      );
      assert.deepEqual(seen[0], { type: "attempt-waiting", model: "local/m", waitedMs: 5_000, limitMs: 600_000, promptTokens, state: "unknown", next: "spare/m" });
    } finally {
      routing.close();
    }
  });

  test("a server that has the model loaded and sends nothing for a short prompt is stuck: it fails over on the prompt's reading time, not the minute", async () => {
    const studio = await startLmStudio({ models: [{ id: "m", loaded: true, loadedContextLength: 32768, maxContextLength: 32768 }], completions: () => ({ kind: "hang-before-headers" }) });
    const routing = testRouting();
    try {
      const chain = chainFromServers({ local: studio.baseUrl, spare: spare.baseUrl }, { local: "timeoutSeconds: 60," });
      // Simulated time moves in 1 s steps (the real first-token limit of 60 s never comes into it).
      const result = await routeWhileClockMoves({ routing, request: { chain, context: ask }, limitMs: 60_000 });
      assert.deepEqual(result.outcomes, ["local/m timeout", "spare/m ok"]);
      const failed = result.events.find((event) => event.type === "attempt-failed");
      assert.match(failed?.type === "attempt-failed" ? failed.failure.message : "", /^local\/m: no first token within 10 s although the server has the model loaded and the prompt is \d+ tokens: it looks stuck$/);
      const waiting = result.events.find((event) => event.type === "attempt-waiting");
      assert.equal(waiting?.type === "attempt-waiting" ? waiting.state : undefined, "loaded");
      assert.ok(waiting?.type === "attempt-waiting" && waiting.limitMs < 11_000, "the wait said shows the shorter limit");
    } finally {
      routing.close();
      await studio.close();
    }
  });

  test("a server without LM Studio's listing that answered this model a moment ago and then goes silent is stuck: it fails over on the prompt's reading time", async () => {
    let posts = 0;
    const llama = await startFakeServer((request) => {
      if (request.method === "GET") return { kind: "json", status: 404, body: { error: { message: "File Not Found", type: "not_found_error" } } };
      posts++;
      return posts === 1 ? answer("a good answer") : { kind: "hang-before-headers" };
    });
    const routing = testRouting();
    try {
      const chain = chainFromServers({ local: llama.baseUrl, spare: spare.baseUrl }, { local: "timeoutSeconds: 60," });
      assert.deepEqual((await route(routing.router, { chain, context: ask })).outcomes, ["local/m ok"]);
      const result = await routeWhileClockMoves({ routing, request: { chain, context: ask }, limitMs: 60_000 });
      assert.deepEqual(result.outcomes, ["local/m timeout", "spare/m ok"]);
      const failed = result.events.find((event) => event.type === "attempt-failed");
      assert.match(failed?.type === "attempt-failed" ? failed.failure.message : "", /^local\/m: no first token within 10 s although it answered this model \d+ s ago and the prompt is \d+ tokens: it looks stuck$/);
      assert.ok(result.simulatedMs < 30_000, `failed over after ${result.simulatedMs} ms of simulated time, not the minute`);
    } finally {
      routing.close();
      await llama.close();
    }
  });

  test("a loaded model's limit is its prompt's reading time at the measured speed, three times over, plus 10 s", () => {
    const stats = new PrefillStats();
    assert.equal(stats.loadedLimitMs("x/m", true, 500), 10_000 + (500 / 250) * 3 * 1000, "250 tokens/s assumed before measuring");
    stats.record("x/m", 4_000, 1_000);
    assert.equal(stats.loadedLimitMs("x/m", true, 6_000), 10_000 + (6_000 / 4_000) * 3 * 1000, "the measured 4,000 tokens/s");
    assert.equal(stats.loadedLimitMs("h/m", false, 500), undefined, "a hosted model's speed is not assumed");
  });

  test("an error that does not fail over announces no next model", async () => {
    const routing = testRouting();
    const rejecting = await startFakeServer(() => ({ kind: "json", status: 400, body: { error: { message: "Cannot determine type of 'item'", type: "invalid_request_error" } } }));
    try {
      const chain = chainFromServers({ local: rejecting.baseUrl, spare: spare.baseUrl });
      const result = await route(routing.router, { chain, context: ask });
      const failed = result.events.find((event) => event.type === "attempt-failed");
      assert.equal(failed?.type === "attempt-failed" ? failed.failure.kind : undefined, "bad-request");
      assert.equal(failed?.type === "attempt-failed" ? failed.next : "x", undefined);
      assert.deepEqual(result.outcomes, ["local/m bad-request"]);
    } finally {
      routing.close();
      await rejecting.close();
    }
  });
});
