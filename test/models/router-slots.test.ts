// A llama-server runs as many requests at once as it has slots (`total_slots` in /props) and queues the
// rest itself. A request waiting in that queue behind hearth's own is not a hang: hearth keeps its own
// requests beyond the free slots, says so, and starts their first-token clock when they are sent. A
// server that hangs still fails over at once, and the requests waiting for its slot with it.
// The fake serves one request at a time, as the real one with `-np 1` does (its /props shape is the
// real server's: test/fakes/llamacpp-server.ts; the real thing: test/realserver/one-slot-queue.test.ts).
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { Context } from "../../src/ai/types.js";
import type { FakeServer, Reply } from "../fakes/fake-server.js";
import { startFakeServer } from "../fakes/fake-server.js";
import type { SlotState } from "../fakes/llamacpp-server.js";
import { completionsStream } from "../fakes/openai-completions-stream.js";
import { serversClosedAfterEachTest } from "../helpers/fake-servers.js";
import { startSlottedLlama } from "../helpers/slotted-llama.js";
import { settle } from "../helpers/manual-clock.js";
import { chainFromServers, route, routingPerTest, tagOf, type RouteOutcome } from "../helpers/routing.js";

const answer = (text: string): Reply => ({ kind: "sse", frames: completionsStream({ text, usage: { input: 10, output: 3 } }) });
const asking = (tag: string): Context => ({ messages: [{ role: "user", content: `${tag} tell me a story` }] });
const posts = (server: FakeServer): number => server.requests.filter((request) => request.path.endsWith("/chat/completions")).length;

describe("a llama-server with one slot", () => {
  const routing = routingPerTest();
  const servers = serversClosedAfterEachTest();

  test("hearth's requests beyond its slot wait in hearth, said so; none is called stuck while it waits, and nothing cools down", async () => {
    // Each answer is held until the test lets it go; one slot: the server takes one request at a time and queues the others (as llama-server -np 1 does).
    const held = new Map<string, () => void>();
    let slot: Promise<void> = Promise.resolve();
    const started: string[] = [];
    const llama = await startSlottedLlama({
      totalSlots: 1,
      completions: async (request) => {
        const tag = tagOf(request);
        const turn = slot.then(async () => {
          started.push(tag);
          if (tag !== "warm") await new Promise<void>((resolve) => held.set(tag, resolve));
        });
        slot = turn;
        await turn;
        return answer(`answer to ${tag}`);
      },
    });
    const spare = await startFakeServer(() => answer("from the spare"));
    servers.push(llama, spare);
    const chain = chainFromServers({ llama: llama.baseUrl, spare: spare.baseUrl }, { llama: "timeoutSeconds: 60,", spare: 'apiKey: "k",' }).map((model) => ({ ...model, local: model.provider === "llama" }));
    // A first answer: the model is known loaded, so a silent one is judged stuck within about 10 s of being sent.
    assert.deepEqual((await route(routing.router, { chain, context: asking("warm"), askWindows: true })).outcomes, ["llama/m ok"]);
    assert.equal(routing.windows.servedSlots(chain[0] as (typeof chain)[0], llama.baseUrl), 1);

    const first = route(routing.router, { chain, context: asking("first"), sessionKey: "a", askWindows: true });
    while (!held.has("first")) await settle(5);
    const second = route(routing.router, { chain, context: asking("second"), sessionKey: "b", askWindows: true });
    while (routing.sharedCaches.load(llama.baseUrl).waiting < 1 && posts(llama) < 3) await settle(5);
    const third = route(routing.router, { chain, context: asking("third"), sessionKey: "c", askWindows: true });
    while (routing.sharedCaches.load(llama.baseUrl).waiting < 2 && posts(llama) < 4) await settle(5);
    assert.equal(posts(llama), 2, "only the warm-up and the first reached the server; the others wait in hearth");
    // Each answer takes 8 s of simulated time, within its stuck limit: the third waits 16 s before it is sent, and is not stuck.
    for (const tag of ["first", "second", "third"]) {
      while (!held.has(tag)) await settle(5);
      for (let second = 0; second < 8; second++) {
        routing.clock.advance(1_000);
        await settle(5);
      }
      held.get(tag)?.();
    }
    const results: RouteOutcome[] = await Promise.all([first, second, third]);
    assert.deepEqual(results.map((result) => result.outcomes), [["llama/m ok"], ["llama/m ok"], ["llama/m ok"]]);
    assert.deepEqual(results.map((result) => result.text), ["answer to first", "answer to second", "answer to third"]);
    assert.equal(posts(spare), 0, "the paid fallback was never asked");
    assert.equal(routing.cooldowns.until("llama/m"), undefined, "a busy server earns no cooldown");
    // Each wait is said: the one running, and who waits before it; the first never waited.
    const queued = (result: RouteOutcome): unknown[] => result.events.filter((event) => event.type === "attempt-queued");
    assert.deepEqual(queued(results[0] as RouteOutcome), []);
    assert.deepEqual(queued(results[1] as RouteOutcome), [{ type: "attempt-queued", model: "llama/m", running: 1, ahead: 0, awaiting: "slot" }]);
    assert.deepEqual(queued(results[2] as RouteOutcome), [{ type: "attempt-queued", model: "llama/m", running: 1, ahead: 1, awaiting: "slot" }]);
    assert.deepEqual(routing.sharedCaches.load(llama.baseUrl), { running: 0, waiting: 0, held: 0 });
  });

  test("a server that hangs fails over on its stuck limit, and the requests waiting for its slot fail over with it, unsent", async () => {
    let calls = 0;
    const llama = await startSlottedLlama({
      totalSlots: 1,
      completions: () => (++calls === 1 ? answer("warm") : { kind: "hang-before-headers" }),
    });
    const spare = await startFakeServer(() => answer("from the spare"));
    servers.push(llama, spare);
    const chain = chainFromServers({ llama: llama.baseUrl, spare: spare.baseUrl }, { llama: "timeoutSeconds: 60,", spare: 'apiKey: "k",' }).map((model) => ({ ...model, local: model.provider === "llama" }));
    assert.deepEqual((await route(routing.router, { chain, context: asking("warm"), askWindows: true })).outcomes, ["llama/m ok"]);

    const finishedAt: number[] = [];
    const pending = ["first", "second", "third"].map((tag, index) =>
      route(routing.router, { chain, context: asking(tag), sessionKey: tag, askWindows: true }).then((result) => {
        finishedAt[index] = routing.clock.now();
        return result;
      }),
    );
    while (routing.sharedCaches.load(llama.baseUrl).waiting < 2 && posts(llama) < 4) await settle(5);
    // Simulated time in 1 s steps until one has answered (the 60 s limit never comes into it); then no more: the others need none.
    for (let step = 0; step < 60 && finishedAt.every((at) => at === undefined); step++) {
      routing.clock.advance(1_000);
      await settle(5);
    }
    for (let wait = 0; wait < 400 && finishedAt.filter((at) => at !== undefined).length < 3; wait++) await settle(5);
    const results = await Promise.all(pending);
    assert.deepEqual(results.map((result) => result.outcomes), [["llama/m timeout", "spare/m ok"], ["llama/m timeout", "spare/m ok"], ["llama/m timeout", "spare/m ok"]]);
    assert.equal(posts(llama), 2, "the hung server was sent the warm-up and the first only");
    assert.deepEqual(finishedAt.map((at) => at === finishedAt[0]), [true, true, true], "all three moved on at the same simulated moment: none waited out a limit of its own after the first");
    const failed = results[2]?.events.find((event) => event.type === "attempt-failed");
    assert.match(failed?.type === "attempt-failed" ? failed.failure.message : "", /^llama\/m: its server hung for an earlier request while this one waited for a free slot there: not waited on$/);
  });
});

describe("a llama-server whose one slot is busy with a request that is not hearth's", () => {
  const routing = routingPerTest();
  const servers = serversClosedAfterEachTest();

  /** A one-slot server that answers the warm-up, then holds the next request (queued behind another client's) until `release`. */
  async function busyServer(options: { slotStates?: () => readonly SlotState[]; noSlotsEndpoint?: boolean }) {
    let release: () => void = () => undefined;
    const held = new Promise<void>((resolve) => (release = resolve));
    let calls = 0;
    const llama = await startSlottedLlama({
      totalSlots: 1,
      ...options,
      completions: async () => {
        if (++calls > 1) await held;
        return answer("at last");
      },
    });
    const spare = await startFakeServer(() => answer("from the spare"));
    servers.push(llama, spare);
    const chain = chainFromServers({ llama: llama.baseUrl, spare: spare.baseUrl }, { llama: "timeoutSeconds: 600,", spare: 'apiKey: "k",' }).map((model) => ({ ...model, local: model.provider === "llama" }));
    assert.deepEqual((await route(routing.router, { chain, context: asking("warm"), askWindows: true })).outcomes, ["llama/m ok"]);
    return { llama, spare, chain, release: () => release() };
  }

  /** Simulated time in 1 s steps, each with a moment of real time for a look at the server to come back. */
  async function pass(seconds: number, done: () => boolean): Promise<void> {
    for (let second = 0; second < seconds && !done(); second++) {
      routing.clock.advance(1_000);
      await new Promise((resolve) => setTimeout(resolve, 30));
    }
  }

  test("a request waiting in the server's queue while /slots says its slot is taken and working is not called stuck: the wait is said, and it is answered", async () => {
    let decoded = 0;
    const server = await busyServer({ slotStates: () => [{ processing: true, task: 7, promptRead: 40, decoded: (decoded += 5) }] });
    let finished = false;
    const pending = route(routing.router, { chain: server.chain, context: asking("mine"), askWindows: true }).then((result) => ((finished = true), result));
    while (posts(server.llama) < 2) await settle(5);
    // Four times the stuck limit (about 10 s for a loaded model) in simulated time: the server keeps saying its slot works.
    await pass(40, () => finished);
    assert.equal(finished, false, "still waiting in the server's queue, not failed over");
    server.release();
    const result = await pending;
    assert.deepEqual(result.outcomes, ["llama/m ok"]);
    assert.equal(result.text, "at last");
    assert.deepEqual(result.events.filter((event) => event.type === "attempt-queued"), [{ type: "attempt-queued", model: "llama/m", slots: 1, awaiting: "busy" }], "said once");
    assert.ok(server.llama.requests.filter((request) => request.path === "/slots").length >= 3, "the server was asked again before each limit ran out");
    assert.equal(posts(server.spare), 0);
    assert.equal(routing.cooldowns.until("llama/m"), undefined, "a busy server earns no cooldown");
  });

  test("where the server cannot say (--no-slots), or says its slot stopped moving, silence at the limit is stuck as before", async () => {
    for (const options of [{ noSlotsEndpoint: true }, { slotStates: (): readonly SlotState[] => [{ processing: true, task: 7, promptRead: 40, decoded: 12 }] }]) {
      const server = await busyServer(options);
      let finished = false;
      const pending = route(routing.router, { chain: server.chain, context: asking("mine"), askWindows: true }).then((result) => ((finished = true), result));
      while (posts(server.llama) < 2) await settle(5);
      await pass(60, () => finished);
      server.release();
      const result = await pending;
      assert.deepEqual(result.outcomes, ["llama/m timeout", "spare/m ok"], JSON.stringify(options));
      const failed = result.events.find((event) => event.type === "attempt-failed");
      assert.match(failed?.type === "attempt-failed" ? failed.failure.message : "", /it looks stuck$/);
      routing.cooldowns.succeed("llama/m");
    }
  });
});
