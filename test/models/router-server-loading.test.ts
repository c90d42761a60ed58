import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { waitingNotice } from "../../src/models/waiting-notice.js";
import { fallbackNotice } from "../../src/models/fallback-notice.js";
import type { FakeServer, RecordedRequest, Reply } from "../fakes/fake-server.js";
import { completionsStream } from "../fakes/openai-completions-stream.js";
import { fakeServersForSuite } from "../helpers/fake-servers.js";
import { ask, chainFromServers, routeWhileClockMoves, routingPerTest } from "../helpers/routing.js";

/**
 * t13 finding 5: llama.cpp's llama-server answers every path with this while it loads its model (seen
 * from the real server: 503, these bytes, no Retry-After; /health and /v1/models alike).
 */
const LOADING: Reply = { kind: "json", status: 503, body: { error: { message: "Loading model", type: "unavailable_error", code: 503 } }, headers: { server: "llama.cpp" } };
const answer = (text: string): Reply => ({ kind: "sse", frames: completionsStream({ text, usage: { input: 10, output: 3 } }) });

/** Every model here is on a local server, named by its ref. */
const local = (ref: string) => ({ name: ref, local: true });
const posts = (server: FakeServer): RecordedRequest[] => server.requests.filter((request) => request.method === "POST");

const gets = (server: FakeServer, path: string): RecordedRequest[] => server.requests.filter((request) => request.method === "GET" && request.path === path);

describe("routing: a server that answers it is loading the model (llama.cpp's 503 \"Loading model\")", () => {
  const routing = routingPerTest();
  /** When (the routing clock's time) the loader's load ends: until then every path says it is loading, as llama-server's do. */
  let loadedAt = Number.POSITIVE_INFINITY;
  const { loader, spare } = fakeServersForSuite({
    loader: (request) => {
      if (routing.clock.now() < loadedAt) return LOADING;
      return request.path === "/health" ? { kind: "json", body: { status: "ok" } } : answer("from the loaded model");
    },
    spare: () => answer("from the paid model"),
  });
  const chainOf = (loaderExtras: string) => chainFromServers({ loader: loader.baseUrl, spare: spare.baseUrl }, { loader: loaderExtras });
  const reset = (): void => {
    loader.requests.length = 0;
    spare.requests.length = 0;
  };

  test("the model the user named is waited for while its server loads it — even with onColdLoad \"fallback\" — said as loading, and it does not cool down; meanwhile its /health is asked, not the prompt sent again", { timeout: 60_000 }, async () => {
    reset();
    loadedAt = routing.clock.now() + 6_000;
    const chain = chainOf('onColdLoad: "fallback",');
    const result = await routeWhileClockMoves({ routing, request: { chain, context: ask, named: "loader/m" as never }, clockStartsWhen: () => posts(loader).length > 0 });
    assert.deepEqual(result.outcomes, ["loader/m ok"]);
    assert.equal(result.text, "from the loaded model");
    assert.equal(posts(spare).length, 0, "the paid fallback was never asked");
    assert.equal(posts(loader).length, 2, "the request went twice: first, and once /health said the model was loaded");
    assert.ok(gets(loader, "/health").length >= 2, "its /health was asked while it loaded");
    assert.deepEqual(
      result.events.filter((event) => event.type === "model-loading"),
      [{ type: "model-loading", model: "loader/m", waiting: true }],
    );
    const waits = result.events.filter((event) => event.type === "attempt-waiting");
    assert.ok(waits.length > 0, "the wait was said");
    const first = waits[0];
    assert.match(first?.type === "attempt-waiting" ? waitingNotice(first) : "", /^no reply from loader\/m for 5 s \(prompt \d+ tokens; the server is loading the model\) — trying spare\/m if none by 600 s/);
    assert.equal(routing.cooldowns.until("loader/m"), undefined, "loading is no failure of the model");
    assert.ok(!result.events.some((event) => event.type === "attempt-failed"), "no attempt failed");
  });

  test("with onColdLoad \"fallback\" (not named): the next model answers meanwhile, the attempt says it was loading, nothing cools down", { timeout: 60_000 }, async () => {
    reset();
    loadedAt = Number.POSITIVE_INFINITY;
    const result = await routeWhileClockMoves({ routing, request: { chain: chainOf('onColdLoad: "fallback",'), context: ask }, clockStartsWhen: () => posts(loader).length > 0 });
    assert.deepEqual(result.outcomes, ["loader/m cold-loading", "spare/m ok"]);
    assert.equal(posts(loader).length, 1, "not waited on: asked once");
    assert.deepEqual(
      result.events.filter((event) => event.type === "model-loading"),
      [{ type: "model-loading", model: "loader/m", waiting: false }],
    );
    assert.equal(fallbackNotice(result.end?.attempts ?? [], local), "answered by spare/m — loader/m (local server) still loading the model");
    assert.equal(routing.cooldowns.until("loader/m"), undefined);
    assert.doesNotMatch(JSON.stringify(result.events), /overloaded/);
  });

  test("still loading at coldLoadTimeoutSeconds: the next model answers, the attempt says so, and the model does not cool down; the prompt went once", { timeout: 60_000 }, async () => {
    reset();
    loadedAt = Number.POSITIVE_INFINITY;
    const result = await routeWhileClockMoves({ routing, request: { chain: chainOf("coldLoadTimeoutSeconds: 10,"), context: ask, named: "loader/m" as never }, clockStartsWhen: () => posts(loader).length > 0 });
    assert.deepEqual(result.outcomes, ["loader/m loading", "spare/m ok"]);
    assert.equal(posts(loader).length, 1, "while /health said it loads, the prompt was not sent again");
    assert.ok(gets(loader, "/health").length > 1, "its /health was asked while it loaded");
    const failed = result.events.find((event) => event.type === "attempt-failed");
    assert.equal(failed?.type === "attempt-failed" ? failed.failure.message : "", "loader/m: its server was still loading the model after 10 s, the longest a cold load is waited for (coldLoadTimeoutSeconds of provider loader) — the server said: Loading model");
    // How long it loaded: about the limit (the clock moves a second at a time, while the servers answer).
    assert.match(fallbackNotice(result.end?.attempts ?? [], local) ?? "", /^answered by spare\/m — loader\/m \(local server\) still loading the model \(for 1?\d s\)$/);
    assert.equal(routing.cooldowns.until("loader/m"), undefined);
  });
});
