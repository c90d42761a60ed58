// `POST /api/v1/models/load` of a local model served by two replicas (the provider's baseUrls): each
// replica is warmed once — a load that warmed one of them left the other cold, and the next request the
// balancer sent there waited for a cold load — and concurrent loads share each replica's warm-up.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { Hono } from "hono";
import { openAiRoutes } from "../../src/channels/http/openai/routes.js";
import { startFakeServer, type FakeServer, type Handler } from "../fakes/fake-server.js";
import { completionsStream } from "../fakes/openai-completions-stream.js";
import { serveApp, testGateway, type TestGateway } from "../helpers/test-gateway.js";

const silent = { info: () => undefined, warn: () => undefined };

describe("a load warms every replica of a local model, once each", () => {
  const replicas: FakeServer[] = [];
  let gateway: TestGateway;
  let served: { url: string; close(): Promise<void> };
  /** The same routes answering "loading" after 50 ms: a load has been through the route by its answer. */
  let quick: { url: string; close(): Promise<void> };
  let release: () => void = () => undefined;
  let held = Promise.resolve();
  const chatCalls = (server: FakeServer): number => server.requests.filter((request) => request.path === "/v1/chat/completions").length;
  before(async () => {
    const handler: Handler = async (request) => {
      if (request.path !== "/v1/chat/completions") return { kind: "json", status: 404, body: { error: { message: "not found" } } };
      await held;
      return { kind: "sse", frames: completionsStream({ text: "o" }) };
    };
    replicas.push(await startFakeServer(handler), await startFakeServer(handler));
    gateway = await testGateway(`{
      agents: { defaults: { model: { primary: "local/m1" }, models: { "local/m1": { alias: "Local" } } } },
      models: { mode: "replace", providers: {
        local: { baseUrls: ["${replicas[0]?.baseUrl}", "${replicas[1]?.baseUrl}"], api: "openai-completions", models: [{ id: "m1", contextWindow: 32000, maxTokens: 1000 }] },
      } },
    }`);
    served = await serveApp(new Hono().route("/", openAiRoutes({ port: gateway.port, logger: silent, loadWaitMs: 60_000 })));
    quick = await serveApp(new Hono().route("/", openAiRoutes({ port: gateway.port, logger: silent, loadWaitMs: 50 })));
  });
  after(async () => {
    await Promise.all([served.close(), quick.close()]);
    await gateway.close();
    await Promise.all(replicas.map((replica) => replica.close()));
  });

  const load = async (model: string, at = served.url): Promise<{ status: number; body: { status?: string; error?: { message: string } } }> => {
    const response = await fetch(`${at}/api/v1/models/load`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ model }) });
    return { status: response.status, body: (await response.json()) as { status?: string } };
  };

  test("one load: one warm-up call on each replica, answered loaded once both are", async () => {
    const answer = await load("Local");
    assert.equal(answer.status, 200, JSON.stringify(answer.body));
    assert.equal(answer.body.status, "loaded");
    assert.deepEqual(replicas.map(chatCalls), [1, 1], "each replica warmed once");
  });

  test("concurrent loads share each replica's warm-up: still one call per replica", async () => {
    const before = replicas.map(chatCalls);
    held = new Promise<void>((resolve) => (release = resolve));
    // Twelve loads under two names of the model, each answered "loading" while the warm-ups are held: all went through the route.
    const answers = await Promise.all(Array.from({ length: 12 }, (_, index) => load(index % 2 === 0 ? "Local" : "hearth", quick.url)));
    assert.deepEqual(new Set(answers.map((answer) => answer.body.status)), new Set(["loading"]));
    while (replicas.some((replica, index) => chatCalls(replica) === before[index])) await new Promise((resolve) => setTimeout(resolve, 5));
    assert.deepEqual(replicas.map((replica, index) => chatCalls(replica) - (before[index] ?? 0)), [1, 1], "twelve loads: one warm-up per replica");
    release();
    assert.equal((await load("Local")).body.status, "loaded");
  });

  test("a replica that does not answer: the load fails naming that replica; the other was warmed", async () => {
    const down = replicas[1];
    assert.ok(down);
    const address = down.baseUrl;
    const up = replicas[0] as FakeServer;
    const warmedBefore = chatCalls(up);
    await down.close();
    const answer = await load("Local");
    assert.equal(answer.status, 503, JSON.stringify(answer.body));
    assert.match(answer.body.error?.message ?? "", new RegExp(`^local/m1 did not load on ${address.replace(/[.]/g, "\\.")}: `));
    assert.doesNotMatch(answer.body.error?.message ?? "", new RegExp(up.baseUrl.replace(/[.]/g, "\\.")), "the replica that loaded is not named");
    assert.equal(chatCalls(up) - warmedBefore, 1, "the replica that answers was warmed, and only once");
  });
});
