import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { Context } from "../../src/ai/types.js";
import { HealthMonitor } from "../../src/models/health-monitor.js";
import { llamaCppOverflow } from "../fakes/error-bodies.js";
import { refusedUrl, startFakeServer, type Reply } from "../fakes/fake-server.js";
import { startLmStudio } from "../fakes/lmstudio-server.js";
import { completionsStream } from "../fakes/openai-completions-stream.js";
import { resolveText } from "../helpers/config.js";
import { fakeServersForSuite } from "../helpers/fake-servers.js";
import { ask, chainFromServers, route, routingPerTest, testRouting } from "../helpers/routing.js";

const answer = (text: string): Reply => ({ kind: "sse", frames: completionsStream({ text, usage: { input: 10, output: 3 } }) });

describe("routing: DNS, overflow, privacy, OpenRouter preferences", () => {
  const routing = routingPerTest((hostname, _options, callback) => {
    (callback as (error: Error) => void)(Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: "ENOTFOUND" }));
  });
  const { spare, big, small } = fakeServersForSuite({ spare: () => answer("from the spare"), big: () => answer("from the big window"), small: () => llamaCppOverflow });

  test("a DNS failure fails over at once", async () => {
    const chain = chainFromServers({ local: "http://studio-a.lan:1234/v1", spare: spare.baseUrl });
    const result = await route(routing.router, { chain, context: ask });
    assert.deepEqual(result.outcomes, ["local/m unreachable", "spare/m ok"]);
    assert.match(result.events.find((event) => event.type === "attempt-failed")?.type === "attempt-failed" ? (result.events.find((event) => event.type === "attempt-failed") as { failure: { message: string } }).failure.message : "", /does not resolve \(DNS\)/);
  });

  test("overflow: compact once and retry the same model; then move to a larger window, skipping smaller ones", async () => {
    const chain = chainFromServers({ tiny: small.baseUrl, spare: spare.baseUrl, bigger: big.baseUrl });
    let compactions = 0;
    const compacted: Context = { messages: [{ role: "user", content: "summary + hello" }] };
    const result = await route(routing.router, {
      chain,
      context: ask,
      onOverflow: async () => {
        compactions++;
        return compacted;
      },
    });
    assert.equal(compactions, 1);
    assert.deepEqual(result.outcomes, ["tiny/m context-overflow", "tiny/m context-overflow", "spare/m skipped-context", "bigger/m ok"]);
    assert.equal(result.text, "from the big window");
    const sent = big.requests.find((request) => request.path === "/v1/chat/completions")?.body as { messages: { content: string }[] };
    assert.equal(sent.messages[0]?.content, "summary + hello", "the compacted context goes on to the next model");
  });

  test("local-only: hosted candidates are never tried; with none local left the turn fails without sending anything", async () => {
    const [local, hosted] = chainFromServers({ local: spare.baseUrl, hosted: big.baseUrl });
    assert.ok(local && hosted);
    const hostedSpec = { ...hosted, local: false };
    big.requests.length = 0;
    const onlyHosted = await route(routing.router, { chain: [hostedSpec], context: ask, privacy: "local-only" });
    assert.deepEqual(onlyHosted.outcomes, ["hosted/m skipped-policy"]);
    assert.match(onlyHosted.error?.message ?? "", /privacy is local-only and no local model is in the chain: nothing was sent out/);
    assert.equal(big.requests.length, 0);
    const mixed = await route(routing.router, { chain: [hostedSpec, local], context: ask, privacy: "local-only" });
    assert.deepEqual(mixed.outcomes, ["hosted/m skipped-policy", "local/m ok"]);
  });

  test("OpenRouter routing preferences are sent as its provider field, model over provider", async () => {
    const text = `{ models: { mode: "replace", providers: { openrouter: { baseUrl: "${spare.baseUrl}", apiKey: "sk-or-test", api: "openai-completions",
      routing: { only: ["minimax"], data_collection: "deny", allow_fallbacks: false },
      models: [ { id: "minimax/minimax-m2.1" }, { id: "z-ai/glm-4.6", routing: { order: ["z-ai"], allow_fallbacks: false } } ] } } } }`;
    const models = resolveText(text).catalog.models;
    const minimax = models.get("openrouter/minimax/minimax-m2.1");
    const glm = models.get("openrouter/z-ai/glm-4.6");
    assert.ok(minimax && glm);
    spare.requests.length = 0;
    await route(routing.router, { chain: [minimax], context: ask });
    await route(routing.router, { chain: [glm], context: ask });
    const bodies = spare.requests.filter((request) => request.method === "POST").map((request) => (request.body as { provider?: unknown }).provider);
    assert.deepEqual(bodies, [{ only: ["minimax"], data_collection: "deny", allow_fallbacks: false }, { order: ["z-ai"], allow_fallbacks: false }]);
  });
});

describe("routing: replicas", () => {
  const routing = routingPerTest();
  const { a, b } = fakeServersForSuite({ a: () => answer("from a"), b: () => answer("from b") });

  test("sessions spread over replicas and stay on theirs; a lost replica is replaced before the chain moves on", async () => {
    const chain = chainFromServers({ studio: [a.baseUrl, b.baseUrl] });
    const first = await route(routing.router, { chain, context: ask, sessionKey: "alice" });
    const second = await route(routing.router, { chain, context: ask, sessionKey: "alice" });
    assert.equal(first.text, second.text, "the same replica for the same session");
    const firstReplica = first.text === "from a" ? a : b;
    const other = firstReplica === a ? b : a;
    firstReplica.setHandler(() => ({ kind: "reset-before-headers" }));
    const third = await route(routing.router, { chain, context: ask, sessionKey: "alice" });
    assert.equal(third.text, other === a ? "from a" : "from b");
    assert.deepEqual(third.outcomes, ["studio/m stream-broken", "studio/m ok"]);
    const attempts = third.end?.attempts ?? [];
    assert.notEqual(attempts[0]?.baseUrl, attempts[1]?.baseUrl);
    firstReplica.setHandler(() => answer(firstReplica === a ? "from a" : "from b"));
  });

  test("concurrent sessions go to the replica with fewer outstanding requests", async () => {
    routing.replicas.markUp(a.baseUrl);
    routing.replicas.markUp(b.baseUrl);
    a.setHandler(() => ({ ...answer("from a"), headersDelayMs: 80 }) as Reply);
    b.setHandler(() => ({ ...answer("from b"), headersDelayMs: 80 }) as Reply);
    const chain = chainFromServers({ studio: [a.baseUrl, b.baseUrl] });
    const results = await Promise.all(["s1", "s2"].map((sessionKey) => route(routing.router, { chain, context: ask, sessionKey })));
    assert.deepEqual(results.map((result) => result.text).sort(), ["from a", "from b"]);
  });
});

describe("routing: cold loads and health", () => {
  test("LM Studio has the model unloaded: 'wait' tells the user and waits for the load", async () => {
    const studio = await startLmStudio({ models: [{ id: "m", loaded: false, maxContextLength: 32768 }], completions: () => answer("warmed up"), jit: { loadMs: 150 } });
    const routing = testRouting();
    try {
      const chain = chainFromServers({ local: studio.baseUrl }, { local: "timeoutSeconds: 0.05," });
      const result = await route(routing.router, { chain, context: ask });
      const loading = result.events.find((event) => event.type === "model-loading");
      assert.deepEqual(loading, { type: "model-loading", model: "local/m", waiting: true });
      assert.equal(result.text, "warmed up", "the cold-load limit, not the 50 ms first-byte limit, applied");
    } finally {
      routing.close();
      await studio.close();
    }
  });

  test("'fallback' answers from the next model while the local one loads in the background", async () => {
    const models = [{ id: "m", loaded: false, maxContextLength: 32768 }];
    const studio = await startLmStudio({ models, completions: () => answer("local"), jit: { loadMs: 100 } });
    const spare = await startFakeServer(() => answer("from the spare"));
    const routing = testRouting();
    try {
      const chain = chainFromServers({ local: studio.baseUrl, spare: spare.baseUrl }, { local: 'onColdLoad: "fallback",' });
      const result = await route(routing.router, { chain, context: ask });
      assert.deepEqual(result.outcomes, ["local/m cold-loading", "spare/m ok"]);
      assert.deepEqual(result.events.find((event) => event.type === "model-loading"), { type: "model-loading", model: "local/m", waiting: false });
      for (let wait = 0; wait < 50 && !models[0]?.loaded; wait++) await new Promise((resolve) => setTimeout(resolve, 20));
      assert.equal(models[0]?.loaded, true, "the warm-up request made LM Studio load it");
    } finally {
      routing.close();
      await Promise.all([studio.close(), spare.close()]);
    }
  });

  test("'fallback' with nothing else able to answer goes back and waits for the loading model", async () => {
    const studio = await startLmStudio({ models: [{ id: "m", loaded: false, maxContextLength: 32768 }], completions: () => answer("loaded and answering"), jit: { loadMs: 100 } });
    const dead = await refusedUrl();
    const routing = testRouting();
    try {
      const chain = chainFromServers({ local: studio.baseUrl, spare: `${dead}/v1` }, { local: 'onColdLoad: "fallback",' });
      const result = await route(routing.router, { chain, context: ask });
      assert.equal(result.text, "loaded and answering");
      assert.deepEqual(result.outcomes, ["local/m cold-loading", "spare/m unreachable", "local/m ok"]);
    } finally {
      routing.close();
      await studio.close();
    }
  });

  test("a health probe brings a local provider back as soon as it answers", async () => {
    const url = await refusedUrl();
    const routing = testRouting();
    const text = `{ models: { mode: "replace", providers: { local: { baseUrl: "${url}/v1", api: "openai-completions", models: [{ id: "m" }] } } } }`;
    const providers = [...resolveText(text).catalog.providers.values()];
    const monitor = new HealthMonitor({ ...routing, providers });
    try {
      routing.cooldowns.fail("local/m", { kind: "unreachable", message: "refused" });
      await monitor.tick();
      assert.notEqual(routing.cooldowns.until("local/m"), undefined, "still down");
      const port = Number(new URL(url).port);
      const back = await startFakeServer(() => ({ kind: "json", body: { object: "list", data: [{ id: "m" }] } }), { port });
      try {
        await monitor.tick();
        assert.equal(routing.cooldowns.until("local/m"), undefined, "back at once");
      } finally {
        await back.close();
      }
    } finally {
      monitor.stop();
      routing.close();
    }
  });
});
