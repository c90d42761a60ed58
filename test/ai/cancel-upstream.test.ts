import assert from "node:assert/strict";
import { getEventListeners, once } from "node:events";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, describe, test } from "node:test";
import { requestJson } from "../../src/ai/http/get-json.js";
import { HttpClient } from "../../src/ai/http/http-client.js";
import { createAdapterRegistry } from "../../src/cli/wire-adapters.js";
import { collect } from "../../src/shared/event-stream.js";
import { serializeSseFrame, startFakeServer } from "../fakes/fake-server.js";
import { completionsStream } from "../fakes/openai-completions-stream.js";
import { ask, chainFromServers, testRouting } from "../helpers/routing.js";

function onlyModel(baseUrl: string) {
  const [model] = chainFromServers({ local: baseUrl });
  assert.ok(model);
  return model;
}

/**
 * A model server that sends the first frames of an answer, then keeps the connection open as a slow
 * model would; it tells when the client closed the request.
 */
async function startSlowServer(): Promise<{ baseUrl: string; closed: () => Promise<void>; requests: () => number; close: () => Promise<void> }> {
  let pending: { resolve: () => void; promise: Promise<void> } = deferred();
  let count = 0;
  const open = new Set<ServerResponse>();
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    count++;
    req.resume();
    open.add(res);
    res.on("close", () => {
      open.delete(res);
      pending.resolve();
    });
    res.writeHead(200, { "content-type": "text/event-stream" });
    for (const frame of completionsStream({ text: "the first words of a long answer", chunkSize: 4 }).slice(0, 3)) res.write(serializeSseFrame(frame));
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}/v1`,
    closed: async () => {
      await pending.promise;
      pending = deferred();
    },
    requests: () => count,
    close: async () => {
      for (const res of open) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function deferred(): { resolve: () => void; promise: Promise<void> } {
  let resolve = (): void => undefined;
  const promise = new Promise<void>((done) => (resolve = done));
  return { resolve, promise };
}

describe("a consumer that stops reading stops the upstream call", () => {
  let slow: Awaited<ReturnType<typeof startSlowServer>>;
  const http = new HttpClient();
  before(async () => {
    slow = await startSlowServer();
  });
  after(async () => {
    http.destroy();
    await slow.close();
  });

  test("breaking out of an adapter's stream closes the request the server is answering", async () => {
    const model = onlyModel(slow.baseUrl);
    const adapter = await createAdapterRegistry(http).get("openai-completions");
    const closed = slow.closed();
    for await (const event of adapter.stream(model, ask)) {
      if (event.type === "text-delta") break;
    }
    await closed;
  });

  test("calling return() on the router's stream closes the request, and the call is no longer counted", async () => {
    const routing = testRouting();
    try {
      const chain = chainFromServers({ local: slow.baseUrl });
      const stream = routing.router.stream({ chain, context: ask });
      const iterator = stream[Symbol.asyncIterator]();
      const closed = slow.closed();
      for (;;) {
        const next = await iterator.next();
        assert.equal(next.done, false, "the stream ended before any text");
        if (next.value.type === "text-delta") break;
      }
      await iterator.return?.();
      await closed;
      // The route winds down on its own after the abort; it must not stay counted as in flight.
      for (let turn = 0; turn < 10_000 && Object.keys(routing.replicas.inFlight()).length > 0; turn++) await new Promise((resolve) => setImmediate(resolve));
      assert.deepEqual(routing.replicas.inFlight(), {}, "the cancelled call is no longer counted");
    } finally {
      routing.close();
    }
  });

  test("a turn given its own controller: return() on the router's stream aborts that controller and closes the request", async () => {
    const routing = testRouting();
    try {
      const chain = chainFromServers({ local: slow.baseUrl });
      const controller = new AbortController();
      const stream = routing.router.stream({ chain, context: ask, controller, options: { signal: controller.signal } });
      const iterator = stream[Symbol.asyncIterator]();
      const closed = slow.closed();
      for (;;) {
        const next = await iterator.next();
        assert.equal(next.done, false, "the stream ended before any text");
        if (next.value.type === "text-delta") break;
      }
      assert.equal(controller.signal.aborted, false);
      await iterator.return?.();
      assert.equal(controller.signal.aborted, true, "the router aborted the turn's own controller");
      await closed;
      for (let turn = 0; turn < 10_000 && Object.keys(routing.replicas.inFlight()).length > 0; turn++) await new Promise((resolve) => setImmediate(resolve));
      assert.deepEqual(routing.replicas.inFlight(), {}, "the cancelled call is no longer counted");
    } finally {
      routing.close();
    }
  });

  test("an adapter given the call's controller aborts it when its consumer stops reading, and the request closes", async () => {
    const model = onlyModel(slow.baseUrl);
    const adapter = await createAdapterRegistry(http).get("openai-completions");
    const call = new AbortController();
    const closed = slow.closed();
    for await (const event of adapter.stream(model, ask, { signal: call.signal, callController: call })) {
      if (event.type === "text-delta") break;
    }
    assert.equal(call.signal.aborted, true);
    await closed;
    assert.equal(getEventListeners(call.signal, "abort").length, 0);
  });

  test("a caller's long-lived signal keeps no listener once each call has ended", async () => {
    const long = new AbortController();
    const answering = await startFakeServer(() => ({ kind: "sse", frames: completionsStream({ text: "ok", usage: { input: 1, output: 1 } }) }));
    const routing = testRouting();
    try {
      const chain = chainFromServers({ local: answering.baseUrl });
      const adapter = await createAdapterRegistry(http).get("openai-completions");
      for (let index = 0; index < 50; index++) {
        const direct = await collect(adapter.stream(onlyModel(answering.baseUrl), ask, { signal: long.signal }));
        assert.equal(direct.at(-1)?.type, "response-end");
        const routed = await collect(routing.router.stream({ chain, context: ask, options: { signal: long.signal } }));
        assert.equal(routed.at(-1)?.type, "route-end");
      }
      assert.equal(getEventListeners(long.signal, "abort").length, 0);
      assert.equal(answering.requests.filter((request) => request.method === "POST").length, 100);
    } finally {
      routing.close();
      await answering.close();
    }
  });

  test("the HTTP client leaves no listener on a long-lived signal, whether the body is read, closed early or the call fails", async () => {
    const long = new AbortController();
    const listing = await startFakeServer((request) => (request.path === "/v1/models" ? { kind: "json", body: { object: "list", data: [] } } : { kind: "json", status: 500, body: { error: "boom" } }));
    try {
      for (let index = 0; index < 30; index++) {
        assert.equal((await requestJson(http, `${listing.baseUrl}/models`, { signal: long.signal })).ok, true);
        assert.equal((await requestJson(http, `${listing.baseUrl}/broken`, { signal: long.signal })).ok, false);
        const open = await http.request({ url: `${listing.baseUrl}/models`, method: "GET", headers: {}, timeouts: { connectMs: 1000, firstByteMs: 1000, idleMs: 1000, totalMs: 0 }, signal: long.signal });
        assert.ok(open.ok);
        open.response.close();
      }
      assert.equal(getEventListeners(long.signal, "abort").length, 0);
    } finally {
      await listing.close();
    }
  });

  test("the caller's signal still cancels a call in flight", async () => {
    const model = onlyModel(slow.baseUrl);
    const adapter = await createAdapterRegistry(http).get("openai-completions");
    const cancel = new AbortController();
    const closed = slow.closed();
    const events = [];
    for await (const event of adapter.stream(model, ask, { signal: cancel.signal })) {
      events.push(event);
      if (event.type === "text-delta") cancel.abort();
    }
    await closed;
    const last = events.at(-1);
    assert.equal(last?.type === "response-error" ? last.failure.kind : last?.type, "aborted");
    assert.equal(getEventListeners(cancel.signal, "abort").length, 0);
  });
});
