import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { ModelSpec } from "../../src/ai/model-spec.js";
import type { RouteRequest } from "../../src/models/router.js";
import { fallbackNotice } from "../../src/models/fallback-notice.js";
import { loadingNotice, waitingNotice } from "../../src/models/waiting-notice.js";
import { startFakeServer, type FakeServer, type RecordedRequest, type Reply } from "../fakes/fake-server.js";
import { completionsStream } from "../fakes/openai-completions-stream.js";
import { fakeServersForSuite } from "../helpers/fake-servers.js";
import { settle } from "../helpers/manual-clock.js";
import { ask, chainFromServers, route, routeWhileClockMoves, routingPerTest, type RouteOutcome, type TestRouting } from "../helpers/routing.js";

/**
 * t14 finding 1: a server that says it is loading the model forever (a hung load, a malicious server, a
 * relay copying the words) must not cost every turn the whole cold-load limit. The load is counted from
 * the first "loading" answer any turn saw: later turns and other sessions wait only for what is left of
 * one limit, and past it the next model answers at once — until the server answers for real.
 */
const LOADING: Reply = { kind: "json", status: 503, body: { error: { message: "Loading model", type: "unavailable_error", code: 503 } }, headers: { server: "llama.cpp" } };
const answer = (text: string): Reply => ({ kind: "sse", frames: completionsStream({ text, usage: { input: 10, output: 3 } }) });
const local = (ref: string) => ({ name: ref, local: true });
const posts = (server: FakeServer): RecordedRequest[] => server.requests.filter((request) => request.method === "POST");
const healthLooks = (server: FakeServer): RecordedRequest[] => server.requests.filter((request) => request.method === "GET" && request.path === "/health");
const LIMIT_S = 30;

/** A turn begun `atMs` into a run of several (its simulated start and end on the routing clock, from the run's start). */
interface Timed extends RouteOutcome {
  startedMs: number;
  endedMs: number;
}

/**
 * Routes each request once the routing clock has moved `atMs`, the clock moving a second at a time (a
 * moment of real time before each step, for the servers to answer) — once `clockStartsWhen` holds —
 * until every route has ended.
 */
async function routesOnOneClock(routing: TestRouting, runs: { atMs: number; request: RouteRequest }[], clockStartsWhen: () => boolean): Promise<Timed[]> {
  const results: (Timed | undefined)[] = runs.map(() => undefined);
  const pending: Promise<void>[] = [];
  let simulatedMs = 0;
  const startDue = (): void => {
    runs.forEach((run, index) => {
      if (run.atMs !== simulatedMs) return;
      const startedMs = simulatedMs;
      pending.push(route(routing.router, run.request).then((outcome) => void (results[index] = { ...outcome, startedMs, endedMs: simulatedMs })));
    });
  };
  startDue();
  while (results.some((result) => result === undefined)) {
    await settle(5);
    if (results.every((result) => result !== undefined)) break;
    if (!clockStartsWhen()) continue;
    routing.clock.advance(1_000);
    simulatedMs += 1_000;
    startDue();
  }
  await Promise.all(pending);
  return results as Timed[];
}

const modelLoading = (outcome: RouteOutcome) => outcome.events.filter((event) => event.type === "model-loading");
const failedMessage = (outcome: RouteOutcome): string => {
  const failed = outcome.events.find((event) => event.type === "attempt-failed");
  return failed?.type === "attempt-failed" ? failed.failure.message : "";
};

describe("routing: a load remembered across turns and sessions (a server that says \"Loading model\" for ever)", () => {
  const routing = routingPerTest();
  /** When (the routing clock's time) the loader's load ends; until then every path of it says it is loading, as llama-server's do. */
  let loadedAt = Number.POSITIVE_INFINITY;
  /** What the loader's /health answers while it loads: llama-server's own 503, or a relay's own answer that knows nothing of the load. */
  let healthWhileLoading: Reply = LOADING;
  const { loader, spare } = fakeServersForSuite({
    loader: (request) => {
      const loading = routing.clock.now() < loadedAt;
      if (request.path === "/health") return loading ? healthWhileLoading : { kind: "json", body: { status: "ok" } };
      return loading ? LOADING : answer("from the loaded model");
    },
    spare: () => answer("from the paid model"),
  });
  const chainOf = (loaderExtras = ""): ModelSpec[] => chainFromServers({ loader: loader.baseUrl, spare: spare.baseUrl }, { loader: `coldLoadTimeoutSeconds: ${LIMIT_S}, ${loaderExtras}` });
  const reset = (health: Reply = LOADING): void => {
    loader.requests.length = 0;
    spare.requests.length = 0;
    loadedAt = Number.POSITIVE_INFINITY;
    healthWhileLoading = health;
  };

  test("turn after turn: the first waits the limit, the next ones are answered by the next model at once — said with how long it has loaded — and no prompt goes to the loading server", { timeout: 60_000 }, async () => {
    reset();
    const chain = chainOf();
    const first = await routeWhileClockMoves({ routing, request: { chain, context: ask, sessionKey: "a" }, clockStartsWhen: () => posts(loader).length > 0 });
    assert.deepEqual(first.outcomes, ["loader/m loading", "spare/m ok"]);
    assert.ok(first.simulatedMs >= (LIMIT_S - 2) * 1000, `the first turn waited the limit (${first.simulatedMs} ms)`);
    // /health said it loads: the prompt went at the start, and once more at most (every 30 s it goes anyway).
    const sent = posts(loader).length;
    assert.ok(sent <= 2, `the prompt was not sent every few seconds (${sent})`);

    for (const [index, pauseMs] of [0, 5 * 60_000].entries()) {
      routing.clock.advance(pauseMs);
      // The clock stands still: a turn that waited for anything would never end.
      const later = await route(routing.router, { chain, context: ask, sessionKey: "a" });
      assert.deepEqual(later.outcomes, ["loader/m loading", "spare/m ok"], `turn ${index + 2}`);
      assert.equal(later.text, "from the paid model");
      assert.equal(later.events.filter((event) => event.type === "attempt-waiting").length, 0, "nothing waited on");
      assert.deepEqual(modelLoading(later), [], "not said to be waited for");
      assert.equal(posts(loader).length, sent, "its /health said it still loads: the prompt was not sent again");
      assert.match(failedMessage(later), new RegExp(`^loader/m: its server has said it is loading the model for \\d+ (s|min), and a cold load is waited for ${LIMIT_S} s at most \\(coldLoadTimeoutSeconds of provider loader\\): not waited for again until it answers — the server said: Loading model$`));
    }
    const last = await route(routing.router, { chain, context: ask, sessionKey: "b" });
    assert.equal(fallbackNotice(last.end?.attempts ?? [], local), "answered by spare/m — loader/m (local server) still loading the model (for 6 min)", "another session: the same load, its age said");
    assert.equal(routing.cooldowns.until("loader/m"), undefined, "a load is never a cooldown");
  });

  test("two sessions at once: the second, begun 12 s into the load, waits only the rest of its limit; both end together", { timeout: 60_000 }, async () => {
    reset();
    const chain = chainOf();
    const [early, late] = await routesOnOneClock(routing, [
      { atMs: 0, request: { chain, context: ask, sessionKey: "early" } },
      { atMs: 12_000, request: { chain, context: { systemPrompt: "S", messages: [{ role: "user", content: "from the late session" }] }, sessionKey: "late" } },
    ], () => posts(loader).length > 0);
    for (const outcome of [early, late]) assert.deepEqual(outcome?.outcomes, ["loader/m loading", "spare/m ok"]);
    assert.ok(early && late);
    assert.ok(early.endedMs >= (LIMIT_S - 2) * 1000, `the early turn waited the limit (${early.endedMs})`);
    assert.ok(Math.abs(early.endedMs - late.endedMs) <= 3_000, `both ended with the load's limit (${early.endedMs}, ${late.endedMs})`);
    const [told] = modelLoading(late);
    assert.ok(told?.type === "model-loading" && told.forMs !== undefined && told.forMs >= 10_000, `the late turn is told how long it has loaded (${JSON.stringify(told)})`);
    assert.match(told?.type === "model-loading" ? loadingNotice(told) : "", /^loader\/m is still loading on the local server \(for 1\d s\) — waiting for the rest of its cold-load limit$/);
    const wait = late.events.find((event) => event.type === "attempt-waiting");
    assert.match(wait?.type === "attempt-waiting" ? waitingNotice(wait) : "", /trying spare\/m if none by 1\d s \(its first-token limit\)$/, "the limit shown is what is left of the load's");
    assert.deepEqual(
      posts(loader).filter((request) => JSON.stringify(request.body).includes("from the late session")),
      [],
      "the late session sent no prompt: /health said it loads",
    );
  });

  test("the model the user named is waited for on the same clock: a named turn 12 s into the load waits the rest, one past it is answered by the next model at once, saying why", { timeout: 60_000 }, async () => {
    reset();
    const around = await route(routing.router, { chain: chainOf('onColdLoad: "fallback",'), context: ask, sessionKey: "s" });
    assert.deepEqual(around.outcomes, ["loader/m cold-loading", "spare/m ok"], "not named: answered around at once, the load's start remembered");

    routing.clock.advance(12_000);
    const named = await routeWhileClockMoves({ routing, request: { chain: chainOf('onColdLoad: "fallback",'), context: ask, sessionKey: "s", named: "loader/m" as never } });
    assert.deepEqual(named.outcomes, ["loader/m loading", "spare/m ok"]);
    assert.ok(named.simulatedMs >= (LIMIT_S - 12 - 3) * 1000, `named: waited (${named.simulatedMs} ms)`);
    const wait = named.events.find((event) => event.type === "attempt-waiting");
    assert.match(wait?.type === "attempt-waiting" ? waitingNotice(wait) : "", /trying spare\/m if none by 1\d s \(its first-token limit\)$/, "named: only the rest of the load's limit");
    assert.deepEqual(
      modelLoading(named).map((event) => event.type === "model-loading" && event.waiting),
      [true],
    );

    // The clock stands still: a turn that waited would never end.
    const again = await route(routing.router, { chain: chainOf('onColdLoad: "fallback",'), context: ask, sessionKey: "s", named: "loader/m" as never });
    assert.deepEqual(again.outcomes, ["loader/m loading", "spare/m ok"], "named, past the limit: not waited for again");
    assert.match(failedMessage(again), /^loader\/m: its server has said it is loading the model for \d+ s, and a cold load is waited for 30 s at most .*: not waited for again until it answers/);

    const alone = await route(routing.router, { chain: chainOf().slice(0, 1), context: ask, sessionKey: "s", named: "loader/m" as never });
    assert.match(alone.error?.message ?? "", /loader\/m: loading/);
    assert.match(alone.error?.failure?.message ?? "", /not waited for again until it answers/);
  });

  test("it finished loading: the next turn's look at /health finds it loaded, the model answers, and the load is forgotten — a later load is waited for afresh", { timeout: 60_000 }, async () => {
    reset();
    const chain = chainOf();
    const first = await routeWhileClockMoves({ routing, request: { chain, context: ask, sessionKey: "s" }, clockStartsWhen: () => posts(loader).length > 0 });
    assert.deepEqual(first.outcomes, ["loader/m loading", "spare/m ok"]);

    loadedAt = routing.clock.now();
    const loaded = await routeWhileClockMoves({ routing, request: { chain, context: ask, sessionKey: "s" } });
    assert.deepEqual(loaded.outcomes, ["loader/m ok"]);
    assert.equal(loaded.text, "from the loaded model");

    // Started again, loading again: a new load, counted from its own start.
    loadedAt = Number.POSITIVE_INFINITY;
    const reloading = await routeWhileClockMoves({ routing, request: { chain, context: ask, sessionKey: "s" } });
    assert.deepEqual(reloading.outcomes, ["loader/m loading", "spare/m ok"]);
    assert.ok(reloading.simulatedMs >= (LIMIT_S - 2) * 1000, `the new load was waited for its whole limit (${reloading.simulatedMs} ms)`);
    assert.deepEqual(modelLoading(reloading), [{ type: "model-loading", model: "loader/m", waiting: true }], "said as a new load");
  });

  test("a /health that does not follow the load (a relay's own \"ok\", or none): the request itself is sent again while it loads, as before", { timeout: 60_000 }, async () => {
    for (const health of [{ kind: "json", body: { status: "ok" } }, { kind: "json", status: 404, body: { error: "Not Found" } }] satisfies Reply[]) {
      reset(health);
      const result = await routeWhileClockMoves({ routing, request: { chain: chainOf(), context: ask, sessionKey: "s" } });
      assert.deepEqual(result.outcomes, ["loader/m loading", "spare/m ok"]);
      assert.ok(posts(loader).length > 5, `the request went again every few seconds (${posts(loader).length})`);
      assert.equal(healthLooks(loader).length, 1, "its /health was asked once, then no more");
      routing.clock.advance(60 * 60_000);
      loader.requests.length = 0;
      loadedAt = routing.clock.now();
      assert.deepEqual((await routeWhileClockMoves({ routing, request: { chain: chainOf(), context: ask } })).outcomes, ["loader/m ok"], "loaded: answered, the load forgotten");
    }
  });

  test("while /health says it loads, the request still goes every 30 s (should the two ever disagree)", { timeout: 60_000 }, async () => {
    reset();
    const result = await routeWhileClockMoves({ routing, request: { chain: chainFromServers({ loader: loader.baseUrl, spare: spare.baseUrl }, { loader: "coldLoadTimeoutSeconds: 70," }), context: ask } });
    assert.deepEqual(result.outcomes, ["loader/m loading", "spare/m ok"]);
    assert.equal(posts(loader).length, 3, "at the start, then about 30 and 60 s in");
  });

  test("a hosted service that says it is loading the model is an overload: it cools down, the next model answers at once, nothing waits", { timeout: 60_000 }, async () => {
    reset();
    const chain = chainOf('apiKey: "sk-hosted",').map((model) => (model.ref === "loader/m" ? { ...model, local: false } : model));
    // The clock stands still: a turn that waited would never end.
    const result = await route(routing.router, { chain, context: ask });
    assert.deepEqual(result.outcomes, ["loader/m overloaded", "spare/m ok"]);
    assert.equal(posts(loader).length, 1);
    assert.equal(healthLooks(loader).length, 0);
    assert.deepEqual(modelLoading(result), []);
    assert.ok(routing.cooldowns.until("loader/m") !== undefined, "it cools down, as an overload does");
    assert.equal(fallbackNotice(result.end?.attempts ?? [], () => ({ name: "loader/m", local: false })), "answered by loader/m — loader/m (hosted) overloaded");
  });
});

describe("routing: a loading server that goes away", () => {
  const routing = routingPerTest();

  test("found not there (refused), its load is forgotten: started again, its new load is waited for from its own start", { timeout: 60_000 }, async () => {
    const spare = await startFakeServer(() => answer("from the paid model"));
    let loader = await startFakeServer(() => LOADING);
    const port = Number(new URL(loader.url).port);
    try {
      const chain = chainFromServers({ loader: loader.baseUrl, spare: spare.baseUrl }, { loader: "coldLoadTimeoutSeconds: 20," });
      assert.deepEqual((await routeWhileClockMoves({ routing, request: { chain, context: ask } })).outcomes, ["loader/m loading", "spare/m ok"]);
      await loader.close();
      assert.deepEqual((await routeWhileClockMoves({ routing, request: { chain, context: ask } })).outcomes, ["loader/m unreachable", "spare/m ok"]);
      loader = await startFakeServer(() => LOADING, { port });
      routing.clock.advance(60 * 60_000);
      const again = await routeWhileClockMoves({ routing, request: { chain, context: ask } });
      assert.deepEqual(again.outcomes, ["loader/m loading", "spare/m ok"]);
      assert.ok(again.simulatedMs >= 18_000, `a new load, waited for (${again.simulatedMs} ms)`);
    } finally {
      await Promise.all([loader.close(), spare.close()]);
    }
  });
});
