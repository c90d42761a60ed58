// A message that waits behind another turn of its session: when its sender goes away before its turn
// begins, it is not run, and kept only where the channel promised to keep it; the web chat's Stop stops
// the running turn, not the message queued behind it. The real gateway over a fake model server, the
// HTTP server as `hearth gateway` serves it, the official `openai` SDK and plain fetch as the clients.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import OpenAI from "openai";
import { openAiRoutes } from "../../src/channels/http/openai/routes.js";
import { createHttpApp, serveHttp, type RunningServer } from "../../src/channels/http/server.js";
import type { GatewayEvent, HandleResult, InboundMessage } from "../../src/gateway/port.js";
import type { SessionEntry } from "../../src/sessions/entries.js";
import { startFakeServer, type FakeServer } from "../fakes/fake-server.js";
import { conversationOf, lastUser, scriptedModel } from "../helpers/scripted-model.js";
import { testGateway, type TestGateway } from "../helpers/test-gateway.js";

const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined };

/** What a session's file holds, in short: each message, each answer, each turn that got none (and why). */
function story(entries: readonly SessionEntry[]): string[] {
  return entries.flatMap((entry) => {
    if (entry.type === "user") return [`user ${entry.text}`];
    if (entry.type === "assistant") return [`answer ${entry.message.content.map((part) => (part.type === "text" ? part.text : "")).join("")}`];
    if (entry.type === "turn-failed") return [`no answer (${entry.cause ?? "?"})`];
    return [];
  });
}

describe("a message queued behind a running turn", () => {
  let model: FakeServer;
  let gateway: TestGateway;
  let server: RunningServer;
  /** A message holding SLOW waits for `release` (or its call's end); the rest are answered at once. */
  let release: () => void = () => undefined;
  let slowArrived: () => void = () => undefined;
  let slowCalled = new Promise<void>((resolve) => (slowArrived = resolve));
  const answer = scriptedModel("openai-completions", (turns) => ({ text: `answer to ${lastUser(turns)}` }));
  const modelCalls = (): string[] => model.requests.filter((request) => request.method === "POST").map((request) => lastUser(conversationOf("openai-completions", request.body as Record<string, unknown>)));

  before(async () => {
    model = await startFakeServer(async (request) => {
      if (request.method !== "POST" || !lastUser(conversationOf("openai-completions", request.body as Record<string, unknown>)).includes("SLOW")) return answer(request);
      const released = new Promise<void>((resolve) => (release = resolve));
      slowArrived();
      await released;
      return answer(request);
    });
    gateway = await testGateway(`{ agents: { defaults: { model: "local/m" } },
      models: { mode: "replace", providers: { local: { baseUrl: "${model.baseUrl}", api: "openai-completions", models: [{ id: "m", contextWindow: 32768, maxTokens: 512 }] } } } }`);
    // The way `hearth gateway` mounts the API on its HTTP app.
    const app = createHttpApp({ port: gateway.port, logger: quiet, version: "0.1.0" }).route("/", openAiRoutes({ port: gateway.port, logger: quiet }));
    server = await serveHttp({ app, host: "127.0.0.1", port: 0 });
  });
  after(async () => {
    release();
    await server.close();
    await gateway.close();
    await model.close();
  });

  /** Each message the port is handed from now on, told when it waits in line and when its handling ends. */
  const watchHandled = () => {
    const seen: { inbound: InboundMessage; queued: Promise<void>; done: Promise<HandleResult> }[] = [];
    const handle = gateway.port.handle;
    gateway.port.handle = (inbound) => {
      let queued: () => void = () => undefined;
      const waiting = new Promise<void>((resolve) => (queued = resolve));
      const done = handle({ ...inbound, onEvent: (event) => (event.type === "turn-queued" ? queued() : inbound.onEvent?.(event)) });
      seen.push({ inbound, queued: waiting, done });
      return done;
    };
    return { seen, restore: () => (gateway.port.handle = handle) };
  };

  test("API: a request whose client gave up while it waited is not run and not saved; the turn before it answers", async () => {
    slowCalled = new Promise<void>((resolve) => (slowArrived = resolve));
    const watch = watchHandled();
    const client = new OpenAI({ baseURL: `${server.url}/v1`, apiKey: "x", maxRetries: 0, defaultHeaders: { "x-hearth-session": "api-queue" } });
    const first = client.chat.completions.create({ model: "hearth", messages: [{ role: "user", content: "A SLOW" }] });
    await slowCalled;
    const giveUp = new AbortController();
    const second = client.chat.completions.create({ model: "hearth", messages: [{ role: "user", content: "B gives up" }] }, { signal: giveUp.signal }).catch((error: unknown) => error);
    while (watch.seen.length < 2) await new Promise((resolve) => setImmediate(resolve));
    const waiting = watch.seen[1];
    assert.ok(waiting);
    await waiting.queued;
    const gone = new Promise((resolve) => waiting.inbound.signal?.addEventListener("abort", resolve, { once: true }));
    giveUp.abort();
    assert.ok((await second) instanceof Error, "the client gave up");
    await gone;
    release();
    assert.equal((await first).choices[0]?.message.content, "answer to A SLOW");
    const result = await waiting.done;
    watch.restore();
    assert.ok(result.kind === "turn" && !result.result.ok && result.result.cause === "cancelled", JSON.stringify(result));
    assert.deepEqual(story((await gateway.store.read("api-queue")).entries), ["user A SLOW", "answer answer to A SLOW"], "B is not in the session");
    assert.deepEqual(modelCalls().filter((said) => said.startsWith("B")), [], "no model was called for B");
  });

  test("web chat: Stop stops the running turn; the message queued behind it is answered", async () => {
    slowCalled = new Promise<void>((resolve) => (slowArrived = resolve));
    const events: GatewayEvent[] = [];
    let answered: () => void = () => undefined;
    const second = new Promise<void>((resolve) => (answered = resolve));
    const unsubscribe = gateway.port.subscribe((event) => {
      events.push(event);
      // Both turns' ends (however each went): the story below says how.
      if (event.type === "turn-end" && event.session === "web-queue" && events.filter((seen) => seen.type === "turn-end" && seen.session === "web-queue").length === 2) answered();
    });
    const post = (text: string) => fetch(`${server.url}/api/sessions/web-queue/messages`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ text }) });
    assert.equal((await post("A SLOW")).status, 202);
    await slowCalled;
    assert.equal((await post("B next")).status, 202);
    const stop = await fetch(`${server.url}/api/sessions/web-queue/cancel`, { method: "POST" });
    assert.deepEqual(await stop.json(), { cancelled: true });
    await second;
    unsubscribe();
    assert.deepEqual(story((await gateway.store.read("web-queue")).entries), ["user A SLOW", "no answer (cancelled)", "user B next", "answer answer to B next"]);
  });

  test("a message its channel promised to keep (the web chat's 202, WhatsApp), stopped while it waits (the gateway stopping): saved unanswered, no model called, /retry answers it", async () => {
    slowCalled = new Promise<void>((resolve) => (slowArrived = resolve));
    const first = gateway.port.handle({ channel: "webchat", session: "kept-queue", text: "A SLOW", keepWhenStopped: true });
    await slowCalled;
    const stopping = new AbortController();
    let queued: () => void = () => undefined;
    const waits = new Promise<void>((resolve) => (queued = resolve));
    const second = gateway.port.handle({ channel: "webchat", session: "kept-queue", text: "B kept", keepWhenStopped: true, signal: stopping.signal, onEvent: (event) => event.type === "turn-queued" && queued() });
    await waits;
    stopping.abort();
    release();
    await first;
    const kept = await second;
    assert.ok(kept.kind === "turn" && !kept.result.ok && kept.result.cause === "cancelled", JSON.stringify(kept));
    assert.deepEqual(story((await gateway.store.read("kept-queue")).entries), ["user A SLOW", "answer answer to A SLOW", "user B kept", "no answer (cancelled)"]);
    assert.deepEqual(modelCalls().filter((said) => said.startsWith("B kept")), [], "no model was called for it");
    await gateway.port.handle({ channel: "webchat", session: "kept-queue", text: "/retry" });
    assert.deepEqual(story((await gateway.store.read("kept-queue")).entries).slice(-2), ["user B kept", "answer answer to B kept"]);
  });
});
