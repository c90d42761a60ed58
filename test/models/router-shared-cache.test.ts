// A llama-server whose slots share one KV cache (--kv-unified): parallel requests that together
// outgrow it all fail with "Context size has been exceeded.". The router lets them in together only
// while they fit, retries a request the cache ran out under once alone, and cools nothing down.
// The error's shapes are the real server's (test/realserver/shared-cache.test.ts sees them).
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { Context } from "../../src/ai/types.js";
import { SharedCacheGate, type Release } from "../../src/models/shared-cache-gate.js";
import type { Reply } from "../fakes/fake-server.js";
import { LLAMACPP_SHARED_CACHE_FULL } from "../fakes/llamacpp-server.js";
import { completionsStream } from "../fakes/openai-completions-stream.js";
import { serversClosedAfterEachTest } from "../helpers/fake-servers.js";
import { startSlottedLlama } from "../helpers/slotted-llama.js";
import { settle } from "../helpers/manual-clock.js";
import { chainFromServers, route, routingPerTest, tagOf } from "../helpers/routing.js";

const answer = (text: string): Reply => ({ kind: "sse", frames: completionsStream({ text, usage: { input: 10, output: 3 } }) });
/** About 600 estimated tokens: with the reply limit (1,000) more than half of a 2,048-token cache. */
const long = (tag: string): Context => ({ messages: [{ role: "user", content: `${tag} ${"the cat sat on the mat. ".repeat(100)}` }] });

describe("a llama-server with 4 slots sharing one 2,048-token cache", () => {
  const routing = routingPerTest();
  const servers = serversClosedAfterEachTest();

  test("two requests that together outgrow the cache go one after the other; small ones go together", async () => {
    let releaseFirst: () => void = () => undefined;
    const firstHeld = new Promise<void>((resolve) => (releaseFirst = resolve));
    const running = new Set<string>();
    const arrived = new Set<string>();
    let most = 0;
    const llama = await startSlottedLlama({
      totalSlots: 4,
      completions: async (request) => {
        const tag = tagOf(request);
        running.add(tag);
        arrived.add(tag);
        most = Math.max(most, running.size);
        if (tag === "first") await firstHeld;
        running.delete(tag);
        return answer(`answer to ${tag}`);
      },
    });
    servers.push(llama);
    const [model] = chainFromServers({ llama: llama.baseUrl });
    assert.ok(model);
    const chain = [{ ...model, local: true }];
    // An agent's turn asks the server what it runs before it plans (Agent.budget); a proxied request does not.
    await routing.windows.refresh(model);
    assert.deepEqual(routing.windows.sharedCache(model, llama.baseUrl), { tokens: 2048, slots: 4 });
    const first = route(routing.router, { chain, context: long("first"), sessionKey: "a" });
    while (!running.has("first")) await settle();
    const second = route(routing.router, { chain, context: long("second"), sessionKey: "b" });
    try {
      while (routing.sharedCaches.load(llama.baseUrl).waiting === 0 && !arrived.has("second")) await settle();
      assert.equal(llama.requests.filter((request) => request.path.endsWith("/chat/completions")).length, 1, "the second waits for room, unsent");
    } finally {
      releaseFirst();
    }
    const [one, two] = await Promise.all([first, second]);
    assert.equal(one.text, "answer to first");
    assert.equal(two.text, "answer to second");
    assert.equal(most, 1, "never both in the cache at once");
    // The wait is said (a stream's client hears it): the one running, none before it; the first never waited.
    assert.deepEqual(two.events.filter((event) => event.type === "attempt-queued"), [{ type: "attempt-queued", model: "llama/m", running: 1, ahead: 0, awaiting: "cache" }]);
    assert.equal(one.events.some((event) => event.type === "attempt-queued"), false);
    assert.deepEqual(routing.sharedCaches.load(llama.baseUrl), { running: 0, waiting: 0, held: 0 });

    // Small prompts with small replies fit together: nothing waits.
    const small: Context = { messages: [{ role: "user", content: "small hello" }] };
    const tiny = chain.map((entry) => ({ ...entry, maxTokens: 100 }));
    const both = await Promise.all([route(routing.router, { chain: tiny, context: small }), route(routing.router, { chain: tiny, context: small })]);
    assert.deepEqual(both.map((result) => result.outcomes), [["llama/m ok"], ["llama/m ok"]]);
  });

  test("a provider the config says gives each slot its own cache (kvCache: \"per-slot\") sends them together, unqueued", async () => {
    let releaseBoth: () => void = () => undefined;
    const held = new Promise<void>((resolve) => (releaseBoth = resolve));
    const running = new Set<string>();
    let most = 0;
    const llama = await startSlottedLlama({
      totalSlots: 4,
      completions: async (request) => {
        const tag = tagOf(request);
        running.add(tag);
        most = Math.max(most, running.size);
        await held;
        running.delete(tag);
        return answer(`answer to ${tag}`);
      },
    });
    servers.push(llama);
    const [model] = chainFromServers({ llama: llama.baseUrl });
    assert.ok(model);
    const chain = [{ ...model, local: true, kvCache: "per-slot" as const }];
    await routing.windows.refresh(model);
    assert.equal(routing.windows.sharedCache(chain[0] as typeof model, llama.baseUrl), undefined);
    const both = Promise.all([route(routing.router, { chain, context: long("first"), sessionKey: "a" }), route(routing.router, { chain, context: long("second"), sessionKey: "b" })]);
    // Both arrive, or the second waits at the gate (the failure this guards against).
    while (running.size < 2 && routing.sharedCaches.load(llama.baseUrl).waiting === 0) await settle();
    releaseBoth();
    const [one, two] = await both;
    assert.equal(most, 2, "both in their slots at once");
    assert.deepEqual([one.text, two.text], ["answer to first", "answer to second"]);
    assert.equal([...one.events, ...two.events].some((event) => event.type === "attempt-queued"), false);
  });

  test("a reply cut mid-stream by 'Context size has been exceeded.' is restarted once, alone, and nothing cools down", async () => {
    let calls = 0;
    const llama = await startSlottedLlama({
      totalSlots: 4,
      completions: () => {
        calls++;
        if (calls === 1) return { kind: "sse", frames: [...completionsStream({ text: "Once upon a", usage: null }).slice(0, 2), { data: JSON.stringify(LLAMACPP_SHARED_CACHE_FULL) }] };
        return answer("Once upon a time, whole.");
      },
    });
    servers.push(llama);
    const chain = chainFromServers({ llama: llama.baseUrl }).map((model) => ({ ...model, local: true }));
    const result = await route(routing.router, { chain, context: long("cut"), canRestart: true });
    assert.deepEqual(result.outcomes, ["llama/m server-error", "llama/m ok"]);
    assert.ok(result.events.some((event) => event.type === "answer-restart"), "the channel is told to drop the cut text");
    assert.equal(result.end?.message.content.map((part) => (part.type === "text" ? part.text : "")).join(""), "Once upon a time, whole.");
    assert.equal(routing.cooldowns.until("llama/m"), undefined, "a neighbour's overflow is not the model's fault");
  });

  test("where the text cannot be taken back, the cut reply is an error (never a whole answer), and the model does not cool down", async () => {
    const llama = await startSlottedLlama({
      totalSlots: 4,
      completions: () => ({ kind: "sse", frames: [...completionsStream({ text: "Once upon a", usage: null }).slice(0, 2), { data: JSON.stringify(LLAMACPP_SHARED_CACHE_FULL) }] }),
    });
    servers.push(llama);
    const chain = chainFromServers({ llama: llama.baseUrl }).map((model) => ({ ...model, local: true }));
    const result = await route(routing.router, { chain, context: long("cut"), canRestart: false });
    assert.equal(result.end, undefined);
    assert.match(result.error?.message ?? "", /Context size has been exceeded/);
    assert.ok((result.error?.spent.output ?? 0) > 0, `the cut reply's words are in what the route spent: ${JSON.stringify(result.error?.spent)}`);
    assert.equal(routing.cooldowns.until("llama/m"), undefined);
  });

  test("the HTTP 500 before a stream is retried alone as well", async () => {
    let calls = 0;
    const llama = await startSlottedLlama({
      totalSlots: 4,
      completions: () => (++calls === 1 ? { kind: "json", status: 500, body: LLAMACPP_SHARED_CACHE_FULL } : answer("whole")),
    });
    servers.push(llama);
    const chain = chainFromServers({ llama: llama.baseUrl }).map((model) => ({ ...model, local: true }));
    const result = await route(routing.router, { chain, context: long("early") });
    assert.deepEqual(result.outcomes, ["llama/m server-error", "llama/m ok"]);
    assert.equal(result.text, "whole");
    assert.equal(result.events.some((event) => event.type === "answer-restart"), false, "no text was shown");
  });
});

/** Ends an admission the gate gave (a release function). */
function free(release: Release | undefined | "server-hung"): void {
  assert.equal(typeof release, "function", "the request was let in");
  if (typeof release === "function") release();
}

describe("SharedCacheGate", () => {
  test("admits in arrival order while requests fit, an exclusive one alone, and forgets idle servers", async () => {
    const gate = new SharedCacheGate();
    gate.calibrate("s", 100, 100);
    const order: string[] = [];
    const a = await gate.enter("s", { promptEstimate: 500, replyTokens: 500, capacity: 2048 });
    const b = await gate.enter("s", { promptEstimate: 500, replyTokens: 500, capacity: 2048 });
    assert.deepEqual(gate.load("s"), { running: 2, waiting: 0, held: 2000 });
    const c = gate.enter("s", { promptEstimate: 500, replyTokens: 500, capacity: 2048 }).then((release) => (order.push("c"), release));
    const alone = gate.enter("s", { promptEstimate: 10, replyTokens: 10, capacity: 2048, exclusive: true }).then((release) => (order.push("alone"), release));
    const small = gate.enter("s", { promptEstimate: 10, replyTokens: 10, capacity: 2048 }).then((release) => (order.push("small"), release));
    await settle();
    assert.deepEqual(order, [], "c does not fit; the ones after it wait their turn");
    free(a);
    await settle();
    assert.deepEqual(order, ["c"]);
    free(b);
    free(await c);
    await settle();
    assert.deepEqual(order, ["c", "alone"], "the exclusive one goes in once nothing runs, and nothing beside it");
    free(await alone);
    free(await small);
    assert.deepEqual(order, ["c", "alone", "small"]);
    assert.deepEqual(gate.load("s"), { running: 0, waiting: 0, held: 0 });
  });

  test("a wait ended by the signal leaves the queue and admits nothing", async () => {
    const gate = new SharedCacheGate();
    const first = await gate.enter("s", { promptEstimate: 1000, replyTokens: 1000, capacity: 2048 });
    const controller = new AbortController();
    const waiting = gate.enter("s", { promptEstimate: 1000, replyTokens: 1000, capacity: 2048, signal: controller.signal });
    controller.abort();
    assert.equal(await waiting, undefined);
    free(first);
    assert.deepEqual(gate.load("s"), { running: 0, waiting: 0, held: 0 });
  });
});
