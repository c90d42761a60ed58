import assert from "node:assert/strict";
import { once } from "node:events";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, describe, test } from "node:test";
import type { ProviderAdapter } from "../../src/ai/adapter.js";
import { HttpClient } from "../../src/ai/http/http-client.js";
import { createAdapterRegistry } from "../../src/cli/wire-adapters.js";
import { Cooldowns } from "../../src/models/cooldowns.js";
import { HealthMonitor } from "../../src/models/health-monitor.js";
import { ReplicaBalancer } from "../../src/models/replicas.js";
import type { ResolvedProvider } from "../../src/models/resolve-providers.js";
import { refusedUrl, startFakeServer, type FakeServer, type RecordedRequest } from "../fakes/fake-server.js";
import { ollamaStream } from "../fakes/ollama-chat-stream.js";
import { completionsStream } from "../fakes/openai-completions-stream.js";
import { resolveText } from "../helpers/config.js";
import { ManualClock } from "../helpers/manual-clock.js";

function providersOf(text: string): ResolvedProvider[] {
  return [...resolveText(text).catalog.providers.values()].filter((provider) => provider.configured);
}

const INTERVAL_MS = 5_000;

/** Resolves with the next request the server receives that `matches`. */
function nextRequest(server: FakeServer, matches: (request: RecordedRequest) => boolean): Promise<RecordedRequest> {
  const seen = server.requests.length;
  return new Promise((resolve) => {
    const look = (): void => {
      const found = server.requests.slice(seen).find(matches);
      if (found) resolve(found);
      else setImmediate(look);
    };
    look();
  });
}

describe("the health monitor", () => {
  let lmstudio: FakeServer;
  let ollama: FakeServer;
  let refused: string;
  const http = new HttpClient();
  before(async () => {
    // Model "o" stalls: its server lists it, and never answers a request for it.
    lmstudio = await startFakeServer((request) =>
      request.method === "GET"
        ? { kind: "json", body: { object: "list", data: [{ id: "m", object: "model" }] } }
        : (request.body as { model?: unknown } | undefined)?.model === "o"
          ? { kind: "hang-before-headers" }
          : { kind: "sse", frames: completionsStream({ text: "o", usage: { input: 1, output: 1 } }) },
    );
    ollama = await startFakeServer(() => ollamaStream({ text: "o" }));
    refused = await refusedUrl();
  });
  after(async () => {
    http.destroy();
    await Promise.all([lmstudio.close(), ollama.close()]);
  });

  const config = (): string => `{ models: { mode: "replace", providers: {
    lms: { baseUrl: "${lmstudio.baseUrl}", api: "openai-completions", keepWarm: { ttlSeconds: 600, intervalSeconds: 60 }, models: [{ id: "m", contextWindow: 32000, maxTokens: 1000 }] },
    oll: { baseUrl: "${ollama.url}", api: "ollama", keepWarm: { ttlSeconds: 900, intervalSeconds: 120 }, models: [{ id: "m", contextWindow: 32000, maxTokens: 1000 }] },
  } } }`;

  function monitorFor(providers: readonly ResolvedProvider[], extras: { adapters?: { get(api: ProviderAdapter["api"]): Promise<ProviderAdapter> }; warnings?: string[] } = {}) {
    const clock = new ManualClock();
    const cooldowns = new Cooldowns(clock);
    const replicas = new ReplicaBalancer(clock);
    const monitor = new HealthMonitor({
      http,
      clock,
      cooldowns,
      replicas,
      adapters: extras.adapters ?? createAdapterRegistry(http),
      providers,
      intervalMs: INTERVAL_MS,
      onWarning: (message) => extras.warnings?.push(message),
    });
    return { clock, cooldowns, replicas, monitor };
  }

  test("keep-warm requests go out on schedule, with LM Studio's ttl and Ollama's keep_alive", async () => {
    const { clock, monitor } = monitorFor(providersOf(config()));
    const posts = (server: FakeServer): RecordedRequest[] => server.requests.filter((request) => request.method === "POST");
    const before = { lms: posts(lmstudio).length, oll: posts(ollama).length };
    monitor.start();
    try {
      const lmsWarm = nextRequest(lmstudio, (request) => request.method === "POST");
      const ollWarm = nextRequest(ollama, (request) => request.method === "POST");
      clock.advance(INTERVAL_MS);
      const [lms, oll] = await Promise.all([lmsWarm, ollWarm]);
      assert.equal(lms.path, "/v1/chat/completions");
      assert.equal((lms.body as { ttl?: number }).ttl, 600);
      assert.equal((lms.body as { max_tokens?: number }).max_tokens, 1);
      assert.equal(oll.path, "/api/chat");
      assert.equal((oll.body as { keep_alive?: string }).keep_alive, "900s");
      // Between intervals nothing more is sent: rounds run by hand at the clock's times.
      monitor.stop();
      clock.advance(30_000);
      await monitor.tick();
      assert.deepEqual({ lms: posts(lmstudio).length, oll: posts(ollama).length }, { lms: before.lms + 1, oll: before.oll + 1 });
      clock.advance(30_000); // 65 s after the first: LM Studio's model is due, Ollama's (120 s) not yet
      await monitor.tick();
      assert.deepEqual({ lms: posts(lmstudio).length, oll: posts(ollama).length }, { lms: before.lms + 2, oll: before.oll + 1 });
      clock.advance(60_000);
      await monitor.tick();
      assert.deepEqual({ lms: posts(lmstudio).length, oll: posts(ollama).length }, { lms: before.lms + 3, oll: before.oll + 2 });
    } finally {
      monitor.stop();
    }
  });

  test("a cooling local provider is probed and brought back at once; one that does not answer, or that stalled on a request, keeps cooling", async () => {
    const providers = providersOf(`{ models: { mode: "replace", providers: {
      back: { baseUrl: "${lmstudio.baseUrl}", api: "openai-completions", models: [{ id: "m" }, { id: "n" }, { id: "o" }] },
      gone: { baseUrl: "${refused}/v1", api: "openai-completions", models: [{ id: "m" }] },
    } } }`);
    const { clock, cooldowns, monitor } = monitorFor(providers);
    cooldowns.fail("back/m", { kind: "timeout", phase: "connect", message: "no connection" });
    cooldowns.fail("back/n", { kind: "unreachable", message: "refused" });
    // It took the request and never answered: its listing answering proves nothing.
    cooldowns.fail("back/o", { kind: "timeout", phase: "first-byte", message: "hang" });
    cooldowns.fail("gone/m", { kind: "unreachable", message: "refused" });
    const probe = nextRequest(lmstudio, (request) => request.method === "GET" && request.path === "/v1/models");
    monitor.start();
    try {
      clock.advance(INTERVAL_MS);
      await probe;
      await monitor.tick(); // the scheduled round may still be finishing; this one ends before the check
      assert.equal(cooldowns.until("back/m"), undefined);
      assert.equal(cooldowns.until("back/n"), undefined);
      assert.notEqual(cooldowns.until("gone/m"), undefined);
      assert.notEqual(cooldowns.until("back/o"), undefined);
      assert.deepEqual(cooldowns.coolingProviders().sort(), ["back", "gone"]);
    } finally {
      monitor.stop();
    }
  });

  test("a refused key is asked about once per key, not once per model: one tiny request a round for the provider (and another provider sending the same key there), and its answer brings every model back together", async () => {
    let keyTaken = false;
    const keyed = await startFakeServer((request) => {
      // A local server that turned on its API key: its listing answers without one, a request needs the right one.
      if (request.method === "GET") return { kind: "json", body: { object: "list", data: [{ id: "a", object: "model" }] } };
      if (!keyTaken) return { kind: "json", status: 401, body: { error: { code: 401, message: "Invalid API Key", type: "authentication_error" } } };
      return { kind: "sse", frames: completionsStream({ text: "o", usage: { input: 1, output: 1 } }) };
    });
    try {
      const providers = providersOf(`{ models: { mode: "replace", providers: {
        keyed: { baseUrl: "${keyed.baseUrl}", api: "openai-completions", apiKey: "sk-local-0123456789", models: [{ id: "a" }, { id: "b" }, { id: "c" }] },
        again: { baseUrl: "${keyed.baseUrl}", api: "openai-completions", apiKey: "sk-local-0123456789", models: [{ id: "d" }] },
      } } }`);
      const { clock, cooldowns, monitor } = monitorFor(providers);
      cooldowns.knowServers(providers.flatMap((provider) => provider.models));
      const refs = ["keyed/a", "keyed/b", "keyed/c", "again/d"];
      // Refused again and again: cooling for minutes, past the 30 s between two asks.
      for (let count = 0; count < 4; count++) cooldowns.fail("keyed/a", { kind: "auth", status: 401, message: "Invalid API Key", keyRefused: true });
      assert.deepEqual(refs.filter((ref) => cooldowns.until(ref) !== undefined), refs, "the key's models all cool");
      const posts = (): number => keyed.requests.filter((request) => request.method === "POST").length;

      await monitor.tick();
      assert.equal(posts(), 1, "one request for the key, not one per model");
      assert.deepEqual(refs.filter((ref) => cooldowns.until(ref) !== undefined), refs, "refused again: all still cool");
      await monitor.tick();
      assert.equal(posts(), 1, "not asked again within 30 s");

      keyTaken = true;
      clock.advance(30_000);
      await monitor.tick();
      assert.equal(posts(), 2, "one request again");
      assert.deepEqual(refs.filter((ref) => cooldowns.until(ref) !== undefined), [], "the key was taken: every model back together");
    } finally {
      await keyed.close();
    }
  });

  test("an adapter that cannot be loaded is a warning, never an unhandled rejection", async () => {
    const unhandled: unknown[] = [];
    const record = (reason: unknown): void => {
      unhandled.push(reason);
    };
    process.on("unhandledRejection", record);
    const warnings: string[] = [];
    const broken = { get: (): Promise<ProviderAdapter> => Promise.reject(new Error("Cannot find module 'ollama'")) };
    const { clock, monitor } = monitorFor(providersOf(config()), { adapters: broken, warnings });
    try {
      monitor.start();
      clock.advance(INTERVAL_MS);
      await monitor.tick();
      await new Promise((resolve) => setImmediate(resolve));
      assert.deepEqual(unhandled, []);
      assert.ok(warnings.some((warning) => /could not keep lms\/m warm: .*Cannot find module/.test(warning)), warnings.join("\n"));
    } finally {
      monitor.stop();
      process.off("unhandledRejection", record);
    }
  });

  test("stop() cancels the requests of the round in flight", async () => {
    const closed: Promise<void>[] = [];
    const server = createServer((req: IncomingMessage, res: ServerResponse) => {
      req.resume();
      closed.push(once(res, "close").then(() => undefined));
    });
    server.listen(0, "127.0.0.1");
    await once(server, "listening");
    const { port } = server.address() as AddressInfo;
    try {
      const providers = providersOf(`{ models: { mode: "replace", providers: {
        stuck: { baseUrl: "http://127.0.0.1:${port}/v1", api: "openai-completions", keepWarm: { intervalSeconds: 60 }, models: [{ id: "m" }] },
      } } }`);
      const { cooldowns, monitor } = monitorFor(providers);
      cooldowns.fail("stuck/m", { kind: "timeout", message: "hang" });
      const round = monitor.tick();
      while (closed.length === 0) await new Promise((resolve) => setImmediate(resolve));
      monitor.stop();
      await closed[0];
      await round;
      assert.notEqual(cooldowns.until("stuck/m"), undefined, "a cancelled probe brings nothing back");
    } finally {
      server.closeAllConnections();
      server.close();
    }
  });

  test("setProviders replaces what is probed and warmed (a config reload)", async () => {
    const { clock, monitor } = monitorFor(providersOf(config()));
    const onlyOllama = providersOf(config()).filter((provider) => provider.id === "oll");
    monitor.setProviders(onlyOllama);
    const lmsBefore = lmstudio.requests.length;
    const warm = nextRequest(ollama, (request) => request.method === "POST");
    clock.advance(1);
    await monitor.tick();
    await warm;
    assert.equal(lmstudio.requests.length, lmsBefore, "the provider no longer configured is left alone");
  });
});
