// The one contract every wire-protocol adapter keeps, run against each through a real local server
// that speaks its protocol event by event (hono's common.case.test pattern: runAdapterContract(fixture)).
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { ProviderAdapter } from "../../src/ai/adapter.js";
import type { Api } from "../../src/ai/api.js";
import { HttpClient } from "../../src/ai/http/http-client.js";
import type { ModelSpec } from "../../src/ai/model-spec.js";
import type { AssistantMessage, CallOptions, Context, Failure, StreamEvent } from "../../src/ai/types.js";
import { collect } from "../../src/shared/event-stream.js";
import { refusedUrl, startFakeServer, type FakeServer, type RecordedRequest, type Reply } from "../fakes/fake-server.js";
import { serverError500, serviceUnavailable503 } from "../fakes/error-bodies.js";

export interface CommonSpec {
  text?: string;
  reasoning?: string;
  toolCalls?: { id: string; name: string; arguments: string }[];
  usage?: { input: number; output: number } | null;
  chunkSize?: number;
}

export interface ProtocolFixture {
  api: Api;
  /** The path the adapter must POST to. */
  path: string;
  /** What the provider's baseUrl is for a server at `url` (http://127.0.0.1:PORT). */
  baseUrl(url: string): string;
  reply(spec: CommonSpec): Reply;
  /** A 200 stream that reports an overloaded error after the headers. */
  overloadedMidStream: Reply;
  overflow: Reply;
  modelNotFound: Reply;
  auth: Reply;
  rateLimited(seconds: number): Reply;
  /** Where the request carries the API key, and how. */
  keyHeader(request: RecordedRequest): string | undefined;
  /** The conversation as the request body carries it, reduced to [role, text-or-marker] pairs. */
  conversation(body: Record<string, unknown>): string[];
  createAdapter(http: HttpClient): ProviderAdapter;
  /** Bytes a server may send while it has no token yet (SSE keep-alive comments; blank lines in NDJSON). */
  idleNoise?: string;
  /** The content type of the protocol's stream, for a body that is broken inside. */
  streamType?: string;
  /** The server's own checks of a request (llama.cpp's input item rules): a refusal, or undefined to answer it. */
  refuse?(request: RecordedRequest): Reply | undefined;
}

export function modelSpec(api: Api, baseUrl: string, overrides: Partial<ModelSpec> = {}): ModelSpec {
  return {
    ref: "test/model-x",
    provider: "test",
    id: "model-x",
    name: "Model X",
    api,
    baseUrl,
    apiKey: "sk-test-key",
    headers: {},
    timeoutSeconds: undefined,
    reasoning: false,
    input: ["text"],
    cost: { input: 3, output: 15, cacheRead: 0.3, cacheWrite: 3.75 },
    contextWindow: 200000,
    maxTokens: 8192,
    local: true,
    onColdLoad: "wait",
    coldLoadTimeoutSeconds: 600,
    keepWarmIntervalSeconds: undefined,
    params: {},
    source: "config",
    ...overrides,
    replicas: overrides.replicas ?? [overrides.baseUrl ?? baseUrl],
  };
}

const hello: Context = { systemPrompt: "You are terse.", messages: [{ role: "user", content: "Say hello" }] };
const fast: CallOptions = { timeouts: { connectMs: 1000, firstByteMs: 400, idleMs: 400 } };

export interface Outcome {
  events: StreamEvent[];
  text: string;
  reasoning: string;
  end: AssistantMessage | undefined;
  failure: Failure | undefined;
}

export async function run(adapter: ProviderAdapter, model: ModelSpec, context: Context = hello, options: CallOptions = fast): Promise<Outcome> {
  const events = await collect(adapter.stream(model, context, options));
  const terminal = events.filter((event) => event.type === "response-end" || event.type === "response-error");
  assert.equal(terminal.length, 1, "exactly one final event");
  assert.equal(events[events.length - 1], terminal[0], "the final event comes last");
  const last = terminal[0];
  return {
    events,
    text: events.map((event) => (event.type === "text-delta" ? event.delta : "")).join(""),
    reasoning: events.map((event) => (event.type === "reasoning-delta" ? event.delta : "")).join(""),
    end: last?.type === "response-end" ? last.message : undefined,
    failure: last?.type === "response-error" ? last.failure : undefined,
  };
}

export function textOf(message: AssistantMessage | undefined): string {
  return (message?.content ?? []).map((part) => (part.type === "text" ? part.text : "")).join("");
}

/** Every text part of a request body whose text is empty (`{type: "text"|"input_text", text: ""}`), wherever it is. */
function emptyTextParts(value: unknown): unknown[] {
  if (Array.isArray(value)) return value.flatMap(emptyTextParts);
  if (typeof value !== "object" || value === null) return [];
  const record = value as Record<string, unknown>;
  const own = (record.type === "text" || record.type === "input_text") && record.text === "" ? [record] : [];
  return [...own, ...Object.values(record).flatMap(emptyTextParts)];
}

export function runAdapterContract(name: string, fixture: ProtocolFixture): void {
  describe(`${name}: the adapter contract`, () => {
    let server: FakeServer;
    let http: HttpClient;
    let adapter: ProviderAdapter;
    let model: ModelSpec;
    const serve = (reply: Reply | ((request: RecordedRequest) => Reply)): void => {
      server.requests.length = 0;
      server.setHandler((request) => fixture.refuse?.(request) ?? (typeof reply === "function" ? reply(request) : reply));
    };

    before(async () => {
      server = await startFakeServer(() => ({ kind: "json", status: 500, body: { error: "no handler yet" } }));
      http = new HttpClient();
      adapter = fixture.createAdapter(http);
      model = modelSpec(fixture.api, fixture.baseUrl(server.url));
    });
    after(async () => {
      http.destroy();
      await server.close();
    });

    test("streams the text delta by delta; usage and cost come from the server's numbers", async () => {
      serve(fixture.reply({ text: "Hello there, friend.", usage: { input: 1000, output: 200 }, chunkSize: 4 }));
      const outcome = await run(adapter, model);
      assert.equal(outcome.text, "Hello there, friend.");
      assert.ok(outcome.events.filter((event) => event.type === "text-delta").length >= 5, "arrives in pieces");
      assert.equal(textOf(outcome.end), "Hello there, friend.");
      assert.equal(outcome.end?.stopReason, "stop");
      assert.equal(outcome.end?.usage.input, 1000);
      assert.equal(outcome.end?.usage.output, 200);
      assert.equal(outcome.end?.usage.estimated, false);
      assert.equal(outcome.end?.cost, (1000 * 3 + 200 * 15) / 1_000_000);
      assert.equal(server.requests[0]?.path, fixture.path);
      assert.equal(fixture.keyHeader(server.requests[0] as RecordedRequest), "sk-test-key");
      assert.equal((server.requests[0]?.body as { stream?: boolean }).stream, true);
    });

    test("a baseUrl with a query string (Azure's api-version) keeps the query after the path", async () => {
      serve(fixture.reply({ text: "ok", usage: { input: 1, output: 1 } }));
      for (const base of [`${fixture.baseUrl(server.url)}?api-version=2024-10-21`, `${fixture.baseUrl(server.url)}/?api-version=2024-10-21`]) {
        server.requests.length = 0;
        const outcome = await run(adapter, modelSpec(fixture.api, base));
        assert.equal(outcome.text, "ok", base);
        assert.equal(server.requests[0]?.path, `${fixture.path}?api-version=2024-10-21`, base);
      }
    });

    test("reasoning travels in its own events and never in the text", async () => {
      serve(fixture.reply({ reasoning: "The user wants a greeting.", text: "Hi!", usage: { input: 10, output: 20 } }));
      const outcome = await run(adapter, model);
      assert.equal(outcome.reasoning, "The user wants a greeting.");
      assert.equal(outcome.text, "Hi!");
      assert.equal(textOf(outcome.end), "Hi!");
      const reasoning = outcome.end?.content.filter((part) => part.type === "reasoning").map((part) => (part.type === "reasoning" ? part.text : ""));
      assert.deepEqual(reasoning, ["The user wants a greeting."]);
    });

    test("a tool call arrives whole, with parsed arguments assembled from the stream", async () => {
      serve(fixture.reply({ toolCalls: [{ id: "call_1", name: "get_time", arguments: '{"timezone":"Europe/Paris","format":"24h"}' }], chunkSize: 5, usage: { input: 50, output: 12 } }));
      const outcome = await run(adapter, model);
      const calls = outcome.events.flatMap((event) => (event.type === "tool-call" ? [event.call] : []));
      assert.equal(calls.length, 1);
      assert.equal(calls[0]?.id, "call_1");
      assert.equal(calls[0]?.name, "get_time");
      assert.deepEqual(calls[0]?.arguments, { timezone: "Europe/Paris", format: "24h" });
      assert.equal(calls[0]?.argumentsError, undefined);
      assert.equal(outcome.end?.stopReason, "tool-use");
    });

    test("malformed tool arguments from a weak model become a tool error, not a crash", async () => {
      serve(fixture.reply({ toolCalls: [{ id: "call_2", name: "web_fetch", arguments: '{"url": "https://exa' }], usage: { input: 5, output: 5 } }));
      const outcome = await run(adapter, model);
      const call = outcome.events.flatMap((event) => (event.type === "tool-call" ? [event.call] : []))[0];
      assert.equal(call?.name, "web_fetch");
      assert.deepEqual(call?.arguments, {});
      assert.match(call?.argumentsError ?? "", /the arguments for web_fetch are not valid JSON/);
      assert.ok(outcome.end, "the reply still ends normally");
    });

    test("missing usage is estimated, and marked as estimated", async () => {
      serve(fixture.reply({ text: "An answer of a few words.", usage: null }));
      const outcome = await run(adapter, model);
      assert.equal(outcome.end?.usage.estimated, true);
      assert.ok((outcome.end?.usage.input ?? 0) > 0);
      assert.ok((outcome.end?.usage.output ?? 0) > 0);
    });

    // Trial: an image-only agent message reached Anthropic as [{"type":"text","text":""},{"type":"image",…}]; the real
    // API refuses empty text blocks with a 400. No protocol gets one: the images go alone.
    test("a user message of images only is sent as its images, with no empty text part", async () => {
      serve(fixture.reply({ text: "A cat.", usage: { input: 1, output: 1 } }));
      const seeing = modelSpec(fixture.api, fixture.baseUrl(server.url), { input: ["text", "image"] });
      const image = { type: "image" as const, mediaType: "image/png", data: "iVBORw0KGgoAAAA" };
      for (const content of [[image], [{ type: "text" as const, text: "" }, image]]) {
        server.requests.length = 0;
        const outcome = await run(adapter, seeing, { systemPrompt: "sys", messages: [{ role: "user", content }] });
        assert.equal(outcome.text, "A cat.");
        const body = server.requests[0]?.body;
        assert.ok(JSON.stringify(body).includes("iVBORw0KGgoAAAA"), "the image is sent");
        assert.deepEqual(emptyTextParts(body), [], JSON.stringify(body));
      }
    });

    test("history round-trips: text, tool calls and tool results go back in the protocol's shape", async () => {
      serve(fixture.reply({ text: "It is noon.", usage: { input: 1, output: 1 } }));
      const history: Context = {
        systemPrompt: "sys",
        messages: [
          { role: "user", content: "What time is it?" },
          {
            role: "assistant",
            content: [
              { type: "text", text: "Let me check." },
              { type: "tool-call", id: "call_9", name: "get_time", arguments: {}, rawArguments: "{}" },
            ],
            model: "test/model-x",
            api: fixture.api,
            stopReason: "tool-use",
            usage: { input: 1, output: 1, cacheRead: 0, cacheWrite: 0, reasoning: 0, estimated: false },
            cost: 0,
          },
          { role: "tool-result", toolCallId: "call_9", toolName: "get_time", content: "12:00", isError: false },
        ],
        tools: [{ name: "get_time", description: "The current time", parameters: { type: "object", properties: {} } }],
      };
      const outcome = await run(adapter, model, history);
      assert.equal(textOf(outcome.end), "It is noon.");
      assert.deepEqual(fixture.conversation(server.requests[0]?.body as Record<string, unknown>), [
        "user: What time is it?",
        "assistant: Let me check.",
        "assistant: call get_time#call_9 {}",
        "tool: call_9 12:00",
      ]);
    });

    test("a 1 MB reply streams through whole", async () => {
      const big = "0123456789abcdef".repeat(65536);
      serve(fixture.reply({ text: big, chunkSize: 4096, usage: { input: 1, output: 262144 } }));
      const outcome = await run(adapter, model);
      assert.equal(outcome.text.length, big.length);
      assert.equal(textOf(outcome.end), big);
    });

    const failures: [string, () => Reply | Promise<Reply>, Failure["kind"], ((failure: Failure) => void)?][] = [
      ["401", () => fixture.auth, "auth"],
      ["429 with Retry-After", () => fixture.rateLimited(3), "rate-limit", (failure) => assert.equal(failure.retryAfterMs, 3000)],
      ["500", () => serverError500, "server-error"],
      ["503", () => serviceUnavailable503, "overloaded"],
      ["an unknown model", () => fixture.modelNotFound, "model-not-found"],
      ["context overflow", () => fixture.overflow, "context-overflow"],
      ["an error inside the stream", () => fixture.overloadedMidStream, "overloaded"],
      ["a hang before headers", () => ({ kind: "hang-before-headers" }), "timeout", (failure) => assert.equal(failure.phase, "first-byte")],
      ["a reset before headers (the server took the request, then dropped it)", () => ({ kind: "reset-before-headers" }), "stream-broken", (failure) => assert.match(failure.message, /dropped the connection before answering/)],
      ["a hang mid-stream", () => cutShort(fixture.reply({ text: "partial answer" }), "hang"), "timeout", (failure) => assert.equal(failure.phase, "idle")],
      ["a reset mid-stream", () => cutShort(fixture.reply({ text: "partial answer" }), "reset"), "stream-broken"],
      ["a malformed event", () => ({ kind: "raw", headers: { "content-type": fixture.streamType ?? "text/event-stream" }, chunks: ['data: {"type": "broken\n\n'] }), "stream-broken"],
    ];
    for (const [what, reply, kind, extra] of failures) {
      test(`${what} ends the stream with one classified "${kind}" failure`, async () => {
        const prepared = await reply();
        serve(prepared);
        const outcome = await run(adapter, model);
        assert.equal(outcome.failure?.kind, kind, outcome.failure?.message);
        assert.match(outcome.failure?.message ?? "", /^test\/model-x: /);
        extra?.(outcome.failure as Failure);
      });
    }

    test("keep-alive comments that carry no token do not keep a stuck call alive", async () => {
      serve({ kind: "raw", headers: { "content-type": fixture.streamType ?? "text/event-stream" }, chunks: Array.from({ length: 40 }, () => fixture.idleNoise ?? ": keep-alive\n\n"), frameDelayMs: 50, after: "hang" });
      const started = performance.now();
      const outcome = await run(adapter, model);
      assert.equal(outcome.failure?.kind, "timeout");
      assert.equal(outcome.failure?.phase, "first-byte");
      assert.ok(performance.now() - started < 1500, "failed at the first-token limit, not after the comments stopped");
    });

    test("connection refused is unreachable, at once", async () => {
      const refused = modelSpec(fixture.api, fixture.baseUrl(await refusedUrl()));
      const started = performance.now();
      const outcome = await run(adapter, refused);
      assert.equal(outcome.failure?.kind, "unreachable");
      assert.match(outcome.failure?.message ?? "", /connection refused/);
      assert.ok(performance.now() - started < 400, "no waiting on a refused connection");
    });

    test("a DNS failure is unreachable", async () => {
      const failingDns = new HttpClient({
        lookup: (hostname, _options, callback) => {
          const error = Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: "ENOTFOUND" });
          (callback as (error: Error) => void)(error);
        },
      });
      try {
        const outcome = await run(fixture.createAdapter(failingDns), modelSpec(fixture.api, fixture.baseUrl("http://model-server.invalid:1234")));
        assert.equal(outcome.failure?.kind, "unreachable");
        assert.match(outcome.failure?.message ?? "", /does not resolve \(DNS\)/);
      } finally {
        failingDns.destroy();
      }
    });

    test("aborting mid-stream ends it as aborted, with the partial reply", async () => {
      serve({ ...fixture.reply({ text: "one two three four five six seven eight", chunkSize: 4 }), frameDelayMs: 30 } as Reply);
      const controller = new AbortController();
      const stream = adapter.stream(model, hello, { ...fast, signal: controller.signal });
      const events: StreamEvent[] = [];
      for await (const event of stream) {
        events.push(event);
        if (event.type === "text-delta") controller.abort();
      }
      const last = events[events.length - 1];
      assert.equal(last?.type, "response-error");
      if (last?.type === "response-error") {
        assert.equal(last.failure.kind, "aborted");
        assert.equal(last.partial.stopReason, "aborted");
      }
    });
  });
}

/** A streamed reply without its last frames (so it never completes), then a hang or a reset. */
function cutShort(reply: Reply, after: "hang" | "reset"): Reply {
  if (reply.kind === "sse") return { ...reply, after, frames: reply.frames.slice(0, Math.max(1, reply.frames.length - 3)) };
  if (reply.kind === "raw") return { ...reply, after, chunks: reply.chunks.slice(0, Math.max(1, reply.chunks.length - 2)) };
  throw new Error("expected a streamed reply");
}
