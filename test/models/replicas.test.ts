import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { ProviderAdapter } from "../../src/ai/adapter.js";
import { Cooldowns } from "../../src/models/cooldowns.js";
import { PrefillStats } from "../../src/models/prefill-stats.js";
import { ReplicaBalancer } from "../../src/models/replicas.js";
import { Router } from "../../src/models/router.js";
import { ROUTE_FAULT } from "../../src/models/router-events.js";
import { serverError500 } from "../fakes/error-bodies.js";
import { startFakeServer, type FakeServer } from "../fakes/fake-server.js";
import { startLlamaCpp } from "../fakes/llamacpp-server.js";
import { completionsStream } from "../fakes/openai-completions-stream.js";
import { ManualClock } from "../helpers/manual-clock.js";
import { ask, chainFromServers, route, testRouting } from "../helpers/routing.js";

describe("the replica balancer counts only calls in flight", () => {
  let a: FakeServer;
  let b: FakeServer;
  before(async () => {
    a = await startFakeServer(() => serverError500);
    b = await startFakeServer(() => serverError500);
  });
  after(async () => {
    await Promise.all([a.close(), b.close()]);
  });

  test("three failed routes over two replicas leave nothing counted", async () => {
    const routing = testRouting();
    try {
      const chain = chainFromServers({ local: [a.baseUrl, b.baseUrl] });
      for (let turn = 0; turn < 3; turn++) {
        const result = await route(routing.router, { chain, context: ask, sessionKey: `s${turn}` });
        assert.ok(result.error, "every replica answers 500");
        routing.clock.advance(60_000);
      }
      assert.deepEqual(routing.replicas.inFlight(), {});
    } finally {
      routing.close();
    }
  });

  test("a call that throws (its adapter could not be loaded) is no longer counted either", async () => {
    const clock = new ManualClock();
    const replicas = new ReplicaBalancer(clock);
    const broken = { get: (): Promise<ProviderAdapter> => Promise.reject(new Error("Cannot find module 'openai-completions'")) };
    const faults: unknown[] = [];
    const router = new Router({ adapters: broken, cooldowns: new Cooldowns(clock), replicas, prefill: new PrefillStats(), loadState: undefined, clock, onFault: (error) => faults.push(error) });
    const chain = chainFromServers({ local: [a.baseUrl, b.baseUrl] });
    for (let turn = 0; turn < 3; turn++) {
      const result = await route(router, { chain, context: ask });
      // A fault in hearth: said in its words, the error itself to onFault (the log).
      assert.equal(result.error?.message, ROUTE_FAULT);
      assert.match(String(faults.at(-1)), /Cannot find module/);
    }
    assert.deepEqual(replicas.inFlight(), {});
  });

  test("sessions pinned to a replica are bounded: the least recently used is forgotten", async () => {
      const clock = new ManualClock();
      const replicas = new ReplicaBalancer(clock, { stickyLimit: 3 });
      for (const session of ["s1", "s2", "s3", "s4", "s5"]) {
        await replicas.attempt("http://a", () => Promise.resolve(session), () => ({ ok: true, sessionKey: session, provider: "local" }));
      }
      assert.equal(replicas.stickySessions, 3);
      // s3 is used again, so s4 is the oldest when s6 arrives.
      await replicas.attempt("http://b", () => Promise.resolve("s3"), () => ({ ok: true, sessionKey: "s3", provider: "local" }));
      await replicas.attempt("http://a", () => Promise.resolve("s6"), () => ({ ok: true, sessionKey: "s6", provider: "local" }));
      assert.equal(replicas.stickySessions, 3);
      assert.deepEqual(replicas.order(["http://a", "http://b"], "s3", "local"), ["http://b", "http://a"], "s3 stays where it last answered");
      assert.deepEqual(replicas.inFlight(), {});
  });
});

test("tools are sent or left out by what the replica the call goes to reported, not the first replica", async () => {
  const answerWith = (text: string) => () => ({ kind: "sse" as const, frames: completionsStream({ text, usage: { input: 1, output: 1 } }) });
  const withTools = await startLlamaCpp({ alias: "m", nCtx: 32000, supportsTools: true, completions: answerWith("from the first") });
  const without = await startLlamaCpp({ alias: "m", nCtx: 32000, supportsTools: false, completions: answerWith("from the second") });
  const routing = testRouting();
  try {
    const chain = chainFromServers({ local: [withTools.baseUrl, without.baseUrl] });
    const [model] = chain;
    assert.ok(model);
    await routing.windows.refresh(model);
    const context = { ...ask, tools: [{ name: "read_file", description: "Reads a file.", parameters: { type: "object", properties: { path: { type: "string" } } } }] };
    // Pin one session to each replica, as earlier answers would have.
    await routing.replicas.attempt(without.baseUrl, () => Promise.resolve(), () => ({ ok: true, sessionKey: "on-second", provider: "local" }));
    await routing.replicas.attempt(withTools.baseUrl, () => Promise.resolve(), () => ({ ok: true, sessionKey: "on-first", provider: "local" }));
    const second = await route(routing.router, { chain, context, sessionKey: "on-second" });
    assert.equal(second.text, "from the second");
    assert.ok(second.events.some((event) => event.type === "tools-off"));
    const sent = without.requests.find((request) => request.method === "POST" && request.path.endsWith("/chat/completions"))?.body as { tools?: unknown[] } | undefined;
    assert.equal(sent?.tools, undefined, "no tools to the replica whose template cannot render them");
    const first = await route(routing.router, { chain, context, sessionKey: "on-first" });
    assert.equal(first.text, "from the first");
    const kept = withTools.requests.find((request) => request.method === "POST" && request.path.endsWith("/chat/completions"))?.body as { tools?: unknown[] } | undefined;
    assert.equal(kept?.tools?.length, 1, "tools still go to the replica that renders them");
  } finally {
    routing.close();
    await Promise.all([withTools.close(), without.close()]);
  }
});
