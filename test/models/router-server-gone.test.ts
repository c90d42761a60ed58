import assert from "node:assert/strict";
import { test } from "node:test";
import type { FakeServer, Reply } from "../fakes/fake-server.js";
import { llamaCppLoadingModel } from "../fakes/error-bodies.js";
import { completionsStream } from "../fakes/openai-completions-stream.js";
import { resolveText } from "../helpers/config.js";
import { serversClosedAfterEachTest } from "../helpers/fake-servers.js";
import { startFakeServer } from "../fakes/fake-server.js";
import { settle } from "../helpers/manual-clock.js";
import { ask, route, routeWhileClockMoves, testRouting } from "../helpers/routing.js";

/**
 * t15 #8: a local server killed in the middle of its answer. Its port closes at once (llama-server's,
 * SIGKILL or SIGTERM alike), but the connection it took is reset at once (SIGKILL), or held open and
 * silent for ~30 s (SIGTERM): the call looks at the port when the stream breaks or falls silent (the
 * first "nothing more for 5 s" notice), and a refused connect ends it at once, as `unreachable` — not at
 * the idle limit, which is an hour here (a real one: the HTTP client's): a route that waited for it would not end within the test's timeout.
 */
const servers = serversClosedAfterEachTest();

const words = "Once upon a time there was a fox who lived in the woods";
const dying = (after: "reset" | "hang"): Reply => ({ kind: "sse", frames: completionsStream({ text: words, usage: null }).slice(0, 4), after, dies: true });
const spareAnswer: Reply = { kind: "sse", frames: completionsStream({ text: "from the spare", usage: { input: 10, output: 3 } }) };

async function start(reply: Reply): Promise<{ local: FakeServer; spare: FakeServer }> {
  // The answer's request gets the reply; what hearth asks beside it (a load state, a listing) is not found.
  const local = await startFakeServer((request) => (request.method === "POST" ? reply : { kind: "json", status: 404, body: { error: { message: "not here" } } }));
  const spare = await startFakeServer(() => spareAnswer);
  servers.push(local, spare);
  return { local, spare };
}

/** Two models on the local server (one llama.cpp as two providers), then a spare elsewhere; the local idle limit an hour. */
function chain(local: FakeServer, spare: FakeServer) {
  return resolveText(`{ agents: { defaults: { model: { primary: "llama/m", fallbacks: ["llamacc/m", "spare/m"] } } },
    models: { mode: "replace", providers: {
      llama: { baseUrl: "${local.baseUrl}", api: "openai-completions", timeoutSeconds: 3600, models: [{ id: "m", contextWindow: 32000, maxTokens: 1000 }] },
      llamacc: { baseUrl: "${local.baseUrl}", api: "openai-completions", timeoutSeconds: 3600, models: [{ id: "m", contextWindow: 32000, maxTokens: 1000 }] },
      spare: { baseUrl: "${spare.baseUrl}", api: "openai-completions", models: [{ id: "m", contextWindow: 32000, maxTokens: 1000 }] } } } }`).chain.map((entry) => entry.model);
}

const posts = (server: FakeServer): number => server.requests.filter((request) => request.method === "POST").length;

for (const [after, how] of [
  ["reset", /the connection (broke in the middle of the answer|closed before the answer was complete)/],
  ["hang", /nothing more came for 5 s in the middle of its answer/],
] as const) {
  test(`a local server killed mid-answer (its port closed, the connection ${after === "reset" ? "dropped" : "held open and silent"}): the call fails at once as unreachable, naming the closed port, and the fallback answers`, { timeout: 30_000 }, async () => {
    const { local, spare } = await start(dying(after));
    const routing = testRouting();
    try {
      const result = await routeWhileClockMoves({ routing, request: { chain: chain(local, spare), context: ask, canRestart: true }, clockStartsWhen: () => posts(local) > 0 });
      // The other model on the same server is not asked: its server went away (without the look, a reset was `stream-broken` and llamacc/m was sent the request).
      assert.deepEqual(result.outcomes, ["llama/m unreachable", "llamacc/m skipped-cooldown", "spare/m ok"]);
      assert.equal(result.text.endsWith("from the spare"), true, result.text);
      const failed = result.events.find((event) => event.type === "attempt-failed");
      const message = failed?.type === "attempt-failed" ? failed.failure.message : "";
      assert.match(message, how);
      assert.ok(message.startsWith("llama/m: its server went away: "), message);
      assert.ok(message.includes(`${new URL(local.url).host} now refuses connections`), message);
      assert.equal(failed?.type === "attempt-failed" ? failed.failure.detail : "", "ECONNREFUSED");
      // The words shown before the death were shown, then replaced by the fallback's answer.
      const firstText = result.events.findIndex((event) => event.type === "text-delta");
      const restart = result.events.findIndex((event) => event.type === "answer-restart");
      assert.ok(firstText >= 0 && restart > firstText, "words, then the restart");
      // Marked as a refused connection before an answer is: both models on that server cool down as unreachable.
      assert.equal(routing.cooldowns.reason("llama/m"), "unreachable");
      assert.equal(posts(local), 1, "the dead server was sent one request");
      assert.equal(posts(spare), 1);
    } finally {
      routing.close();
    }
  });
}

test("a local server that goes silent mid-answer while its port stays open (alive, just slow) is waited for to its idle limit, as before: a timeout, not unreachable", { timeout: 30_000 }, async () => {
  const local = await startFakeServer(() => ({ kind: "sse", frames: completionsStream({ text: words, usage: null }).slice(0, 4), after: "hang" }));
  const spare = await startFakeServer(() => spareAnswer);
  servers.push(local, spare);
  const routing = testRouting();
  try {
    const models = resolveText(`{ agents: { defaults: { model: { primary: "llama/m", fallbacks: ["spare/m"] } } },
      models: { mode: "replace", providers: {
        llama: { baseUrl: "${local.baseUrl}", api: "openai-completions", timeoutSeconds: 2, models: [{ id: "m", contextWindow: 32000, maxTokens: 1000 }] },
        spare: { baseUrl: "${spare.baseUrl}", api: "openai-completions", models: [{ id: "m", contextWindow: 32000, maxTokens: 1000 }] } } } }`).chain.map((entry) => entry.model);
    const result = await routeWhileClockMoves({ routing, request: { chain: models, context: ask, canRestart: true }, clockStartsWhen: () => posts(local) > 0 });
    assert.deepEqual(result.outcomes, ["llama/m timeout", "spare/m ok"]);
    // The silence was said (and its port looked at: open) before the idle limit ended the call.
    const waiting = result.events.filter((event) => event.type === "attempt-waiting" && event.midAnswer === true);
    assert.ok(waiting.length > 0, "the stall was said");
    const failed = result.events.find((event) => event.type === "attempt-failed");
    assert.match(failed?.type === "attempt-failed" ? failed.failure.message : "", /went silent for 2 s in the middle of its answer/);
    assert.ok(result.events.indexOf(waiting[0] as never) < result.events.indexOf(failed as never));
  } finally {
    routing.close();
  }
});

/**
 * s23: about one SIGTERM in three, a real llama-server's shutdown hangs with its port open: it accepts connections,
 * its /health says "ok", but its model listing never answers (it waits for the main loop's lock), and the answer's
 * connection stays silent. The fake: the answer stops mid-way and holds its connection; the listing hangs.
 */
const hungListing = (reply: Reply) => (request: { method: string; path: string }): Reply =>
  request.method === "POST" ? reply : request.path === "/health" ? { kind: "json", body: { status: "ok" } } : { kind: "hang-before-headers" };

for (const [after, how] of [
  ["hang", /nothing more came for 5 s in the middle of its answer/],
  ["reset", /the connection (broke in the middle of the answer|closed before the answer was complete)/],
] as const) {
  test(`a local server whose shutdown hung with its port open (the answer's connection ${after === "hang" ? "silent" : "dropped"}, its listing never answers): the call fails as unreachable at once, naming the listing it did not answer, and the fallback answers`, { timeout: 30_000 }, async () => {
    const local = await startFakeServer(hungListing({ kind: "sse", frames: completionsStream({ text: words, usage: null }).slice(0, 4), after }));
    const spare = await startFakeServer(() => spareAnswer);
    servers.push(local, spare);
    const routing = testRouting();
    try {
      const result = await routeWhileClockMoves({ routing, request: { chain: chain(local, spare), context: ask, canRestart: true }, clockStartsWhen: () => posts(local) > 0 });
      assert.deepEqual(result.outcomes, ["llama/m unreachable", "llamacc/m skipped-cooldown", "spare/m ok"]);
      assert.equal(result.text.endsWith("from the spare"), true, result.text);
      const failed = result.events.find((event) => event.type === "attempt-failed");
      const message = failed?.type === "attempt-failed" ? failed.failure.message : "";
      assert.match(message, how);
      assert.ok(message.startsWith("llama/m: its server went away: "), message);
      assert.ok(message.includes(`${new URL(local.url).host} still takes connections but did not answer GET /v1/models within 2 s`), message);
      assert.ok(local.requests.some((request) => request.method === "GET" && request.path === "/v1/models"), "the listing was asked");
      assert.equal(routing.cooldowns.reason("llama/m"), "unreachable");
      assert.equal(posts(local), 1, "the hung server was sent one request");
    } finally {
      routing.close();
    }
  });
}

test("a local server silent mid-answer whose listing answers at once, a 404 (alive): waited for to its idle limit, as before", { timeout: 30_000 }, async () => {
  const { local, spare } = await start({ kind: "sse", frames: completionsStream({ text: words, usage: null }).slice(0, 4), after: "hang" });
  const routing = testRouting();
  try {
    const models = resolveText(`{ agents: { defaults: { model: { primary: "llama/m", fallbacks: ["spare/m"] } } },
      models: { mode: "replace", providers: {
        llama: { baseUrl: "${local.baseUrl}", api: "openai-completions", timeoutSeconds: 3, models: [{ id: "m", contextWindow: 32000, maxTokens: 1000 }] },
        spare: { baseUrl: "${spare.baseUrl}", api: "openai-completions", models: [{ id: "m", contextWindow: 32000, maxTokens: 1000 }] } } } }`).chain.map((entry) => entry.model);
    const result = await routeWhileClockMoves({ routing, request: { chain: models, context: ask, canRestart: true }, clockStartsWhen: () => posts(local) > 0 });
    assert.deepEqual(result.outcomes, ["llama/m timeout", "spare/m ok"]);
    const failed = result.events.find((event) => event.type === "attempt-failed");
    assert.match(failed?.type === "attempt-failed" ? failed.failure.message : "", /went silent for 3 s in the middle of its answer/);
  } finally {
    routing.close();
  }
});

test("a local server that answers nothing before its first token (its listing hangs too, as a stopped one's): not looked at over HTTP — waited for to its first-token limit, as before", { timeout: 30_000 }, async () => {
  const local = await startFakeServer(hungListing({ kind: "hang-before-headers" }));
  const spare = await startFakeServer(() => spareAnswer);
  servers.push(local, spare);
  const routing = testRouting();
  try {
    const models = resolveText(`{ agents: { defaults: { model: { primary: "llama/m", fallbacks: ["spare/m"] } } },
      models: { mode: "replace", providers: {
        llama: { baseUrl: "${local.baseUrl}", api: "openai-completions", timeoutSeconds: 3, models: [{ id: "m", contextWindow: 32000, maxTokens: 1000 }] },
        spare: { baseUrl: "${spare.baseUrl}", api: "openai-completions", models: [{ id: "m", contextWindow: 32000, maxTokens: 1000 }] } } } }`).chain.map((entry) => entry.model);
    const result = await routeWhileClockMoves({ routing, request: { chain: models, context: ask, canRestart: true }, clockStartsWhen: () => posts(local) > 0 });
    assert.deepEqual(result.outcomes, ["llama/m timeout", "spare/m ok"]);
    const failed = result.events.find((event) => event.type === "attempt-failed");
    assert.match(failed?.type === "attempt-failed" ? failed.failure.message : "", /^llama\/m: no answer within 3 s of sending the request/);
  } finally {
    routing.close();
  }
});

test("a local server killed while it reads the prompt (its port closed, the connection held open with no token yet): the call fails at the first wait notice as unreachable, not at its first-token limit", { timeout: 30_000 }, async () => {
  // The stream's opening (its role, no token), then the server dies.
  const { local, spare } = await start({ kind: "sse", frames: completionsStream({ text: words, usage: null }).slice(0, 1), after: "hang", dies: true });
  const routing = testRouting();
  try {
    const result = await routeWhileClockMoves({ routing, request: { chain: chain(local, spare), context: ask, canRestart: true }, clockStartsWhen: () => posts(local) > 0 });
    assert.deepEqual(result.outcomes, ["llama/m unreachable", "llamacc/m skipped-cooldown", "spare/m ok"]);
    const failed = result.events.find((event) => event.type === "attempt-failed");
    const message = failed?.type === "attempt-failed" ? failed.failure.message : "";
    assert.match(message, /^llama\/m: its server went away: no first token came in 5 s, and 127\.0\.0\.1:\d+ now refuses connections/);
    assert.ok(!result.events.some((event) => event.type === "answer-restart"), "no words were shown: nothing to restart");
  } finally {
    routing.close();
  }
});

/**
 * s22 review #1: a llama-server that dies while it loads the model (an OOM on a large one). It answered 503 "Loading
 * model" and its /health says so, so the call waits for the load, mostly in a pause or a /health look, while the wait
 * notices still look at its port. Found closed, the call is aborted: that abort is the server gone, not a cancel the
 * user made — `unreachable`, and the fallback answers. The clock moves a second at a step from the request on (with
 * time for the port look between steps): /health is asked at 1, 2, 4, 6 s. Killed after the 3rd look, the death is
 * found by the 5 s notice, in a pause (this was "aborted", the turn ended as cancelled); after the 2nd, by the 4 s look.
 */
for (const killAfter of [3, 2]) {
  test(`a local server that dies during a cold-load wait (killed after /health look ${killAfter}, found by ${killAfter === 3 ? "the wait notice" : "the next look"}): the call fails as unreachable, not cancelled, and the fallback answers`, { timeout: 30_000 }, async () => {
    let healthLooks = 0;
    const local = await startFakeServer((request) => {
      if (request.method === "GET" && request.path === "/health") healthLooks++;
      return llamaCppLoadingModel;
    });
    const spare = await startFakeServer(() => spareAnswer);
    servers.push(local, spare);
    const models = resolveText(`{ agents: { defaults: { model: { primary: "llama/m", fallbacks: ["spare/m"] } } },
      models: { mode: "replace", providers: {
        llama: { baseUrl: "${local.baseUrl}", api: "openai-completions", onColdLoad: "wait", coldLoadTimeoutSeconds: 600, models: [{ id: "m", contextWindow: 32000, maxTokens: 1000 }] },
        spare: { baseUrl: "${spare.baseUrl}", api: "openai-completions", models: [{ id: "m", contextWindow: 32000, maxTokens: 1000 }] } } } }`).chain.map((entry) => entry.model);
    const routing = testRouting();
    try {
      let finished = false;
      const pending = route(routing.router, { chain: models, context: ask, canRestart: true });
      void pending.then(() => (finished = true));
      let killed = false;
      while (!finished) {
        await settle(30);
        if (posts(local) === 0) continue;
        if (!killed && healthLooks >= killAfter) {
          killed = true;
          await local.close();
        }
        routing.clock.advance(1_000);
      }
      const result = await pending;
      assert.ok(killed, "the server should have been killed during the wait");
      assert.deepEqual(result.outcomes, ["llama/m unreachable", "spare/m ok"]);
      assert.ok(result.text.endsWith("from the spare"));
      // The notice's port look says the server went away; the look's refused connect, as any refused connect, that nothing listens.
      const failed = result.events.find((event) => event.type === "attempt-failed");
      if (killAfter === 3) assert.match(failed?.type === "attempt-failed" ? failed.failure.message : "", /^llama\/m: its server went away: no first token came in 5 s, .*now refuses connections/);
    } finally {
      routing.close();
    }
  });
}
