import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { ModelSpec } from "../../src/ai/model-spec.js";
import { fallbackNotice } from "../../src/models/fallback-notice.js";
import { loadingNotice } from "../../src/models/waiting-notice.js";
import type { FakeServer, RecordedRequest, Reply } from "../fakes/fake-server.js";
import { completionsStream } from "../fakes/openai-completions-stream.js";
import { fakeServersForSuite } from "../helpers/fake-servers.js";
import { ask, chainFromServers, route, routeWhileClockMoves, routingPerTest, type RouteOutcome } from "../helpers/routing.js";

/**
 * A hosted model scaled to zero says it is loading (Hugging Face's inference API: 503, `{"error":"Model … is currently
 * loading","estimated_time":20.0}`). Named by the user, or with nothing after it in the chain, it is waited for as a
 * local cold load is — asked again as often as its estimate says, within the same cold-load limit — and the paid
 * fallback is not asked meanwhile; otherwise it is an overload (router-load-memory.test.ts).
 */
const HF_LOADING: Reply = { kind: "json", status: 503, body: { error: "Model org/big-model is currently loading", estimated_time: 20.0 } };
const answer = (text: string): Reply => ({ kind: "sse", frames: completionsStream({ text, usage: { input: 10, output: 3 } }) });
const posts = (server: FakeServer): RecordedRequest[] => server.requests.filter((request) => request.method === "POST");
const hostedNames = (ref: string) => ({ name: ref, local: ref !== "hosted/m" });

describe("routing: a hosted model that says it is loading (scaled to zero)", () => {
  const routing = routingPerTest();
  /** When (the routing clock's time) the hosted model's load ends. */
  let loadedAt = Number.POSITIVE_INFINITY;
  let loadingReply: Reply = HF_LOADING;
  const { hosted, spare } = fakeServersForSuite({
    hosted: () => (routing.clock.now() < loadedAt ? loadingReply : answer("from the hosted model")),
    spare: () => answer("from the paid fallback"),
  });
  /** hosted/m (not local, with a key) and the spare after it; `only`: the hosted model alone. */
  const chainOf = (options: { limitS?: number; only?: boolean } = {}): ModelSpec[] => {
    const servers: Record<string, string> = options.only ? { hosted: hosted.baseUrl } : { hosted: hosted.baseUrl, spare: spare.baseUrl };
    return chainFromServers(servers, { hosted: `apiKey: "sk-hosted", coldLoadTimeoutSeconds: ${options.limitS ?? 120},` }).map((model) => (model.ref === "hosted/m" ? { ...model, local: false } : model));
  };
  const reset = (reply: Reply = HF_LOADING): void => {
    hosted.requests.length = 0;
    spare.requests.length = 0;
    loadedAt = Number.POSITIVE_INFINITY;
    loadingReply = reply;
  };
  const startsWhenAsked = () => posts(hosted).length > 0;
  const loadingEvents = (outcome: RouteOutcome) => outcome.events.filter((event) => event.type === "model-loading");

  test("named by the user: waited for, asked again as its estimate says, the paid fallback never asked, nothing cools down", { timeout: 60_000 }, async () => {
    reset();
    loadedAt = routing.clock.now() + 45_000;
    const result = await routeWhileClockMoves({ routing, request: { chain: chainOf(), context: ask, named: "hosted/m" as never }, clockStartsWhen: startsWhenAsked });
    assert.deepEqual(result.outcomes, ["hosted/m ok"]);
    assert.equal(result.text, "from the hosted model");
    assert.equal(posts(spare).length, 0, "the paid fallback was never asked");
    // Asked at the start, then every 20 s (its estimate): about 20 and 40 s in loading, about 60 s in answered.
    const sent = posts(hosted).length;
    assert.ok(sent >= 3 && sent <= 4, `asked as often as its estimate says, not every 2 s (${sent} requests)`);
    assert.equal(hosted.requests.filter((request) => request.path === "/health").length, 0, "a hosted service is not asked a llama-server's /health");
    const loading = loadingEvents(result);
    assert.deepEqual(loading, [{ type: "model-loading", model: "hosted/m", waiting: true, hosted: true }]);
    assert.equal(loading[0]?.type === "model-loading" ? loadingNotice(loading[0]) : "", "loading hosted/m on its hosted service — waiting for it");
    assert.equal(routing.cooldowns.until("hosted/m"), undefined, "loading is no failure of the model");
    assert.ok(!result.events.some((event) => event.type === "attempt-failed"), "no attempt failed");
  });

  test("nothing after it in the chain: waited for too, though not named", { timeout: 60_000 }, async () => {
    reset({ kind: "json", status: 503, body: { error: "Model org/big-model is currently loading" }, headers: { "retry-after": "10" } });
    loadedAt = routing.clock.now() + 15_000;
    const result = await routeWhileClockMoves({ routing, request: { chain: chainOf({ only: true }), context: ask }, clockStartsWhen: startsWhenAsked });
    assert.deepEqual(result.outcomes, ["hosted/m ok"]);
    const sent = posts(hosted).length;
    assert.ok(sent >= 2 && sent <= 3, `asked every 10 s, as its Retry-After says (${sent} requests)`);
  });

  test("still loading at coldLoadTimeoutSeconds: the attempt is loading, no cooldown; a later turn is not held up by the same load", { timeout: 60_000 }, async () => {
    reset();
    const first = await routeWhileClockMoves({ routing, request: { chain: chainOf({ limitS: 30 }), context: ask, named: "hosted/m" as never }, clockStartsWhen: startsWhenAsked });
    assert.deepEqual(first.outcomes, ["hosted/m loading", "spare/m ok"]);
    assert.ok(first.simulatedMs >= 28_000, `the named model was waited for its whole limit (${first.simulatedMs} ms)`);
    // Asked at 0, 20 and — once more, at the limit — 30 s.
    assert.equal(posts(hosted).length, 3, "asked at the start, at its estimate, and once more at the limit");
    const failed = first.events.find((event) => event.type === "attempt-failed");
    assert.match(failed?.type === "attempt-failed" ? failed.failure.message : "", /^hosted\/m: its server was still loading the model after 30 s, the longest a cold load is waited for \(coldLoadTimeoutSeconds of provider hosted\) — the server said: Model org\/big-model is currently loading$/);
    assert.match(fallbackNotice(first.end?.attempts ?? [], hostedNames) ?? "", /^answered by spare\/m — hosted\/m \(hosted\) still loading the model \(for [23]\d s\)$/);
    assert.equal(routing.cooldowns.until("hosted/m"), undefined);

    // The clock stands still: a turn that waited would never end. Asked once, still loading past its limit: the next model at once.
    const later = await route(routing.router, { chain: chainOf({ limitS: 30 }), context: ask, named: "hosted/m" as never });
    assert.deepEqual(later.outcomes, ["hosted/m loading", "spare/m ok"]);
    assert.equal(posts(hosted).length, 4, "asked once");
  });

  test("not named, with a model after it: an overload, as before — the next model answers at once", { timeout: 60_000 }, async () => {
    reset();
    const result = await route(routing.router, { chain: chainOf(), context: ask });
    assert.deepEqual(result.outcomes, ["hosted/m overloaded", "spare/m ok"]);
    assert.deepEqual(loadingEvents(result), []);
    assert.ok(routing.cooldowns.until("hosted/m") !== undefined);
    assert.equal(routing.cooldowns.current("hosted/m")?.retryAfterMs, 20_000, "its estimate is the wait it asked for");
  });
});
