// Self-check of the wire fakes: real sockets, plain fetch, a minimal SSE line split. Nothing from src/.
import assert from "node:assert/strict";
import { after, describe, test } from "node:test";
import { anthropicStream, anthropicStreamError } from "./anthropic-messages-stream.js";
import * as errors from "./error-bodies.js";
import { refusedUrl, startFakeServer, type FakeServer, type Reply, type SseFrame } from "./fake-server.js";
import { startLmStudio, type LmStudioOptions } from "./lmstudio-server.js";
import { completionsStream } from "./openai-completions-stream.js";
import { responsesFailed, responsesStream } from "./openai-responses-stream.js";

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const servers: FakeServer[] = [];
async function serve(reply: Reply | ((path: string) => Reply)): Promise<FakeServer> {
  const server = await startFakeServer((request) => (typeof reply === "function" ? reply(request.path) : reply));
  servers.push(server);
  return server;
}
after(async () => {
  await Promise.all(servers.map((server) => server.close()));
});

interface Read {
  raw: string;
  frames: SseFrame[];
  /** when each frame was complete, ms since the response headers */
  times: number[];
}

/** Reads an SSE body with a minimal split on blank lines; the parsing a client would do, no more. */
async function readSse(response: Response): Promise<Read> {
  assert.ok(response.body);
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  let raw = "";
  const frames: SseFrame[] = [];
  const times: number[] = [];
  let consumed = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    raw += decoder.decode(value, { stream: true });
    let end: number;
    while ((end = raw.indexOf("\n\n", consumed)) !== -1) {
      const block = raw.slice(consumed, end);
      consumed = end + 2;
      const frame: SseFrame = { data: "" };
      for (const line of block.split("\n")) {
        if (line.startsWith("event: ")) frame.event = line.slice(7);
        else if (line.startsWith("data: ")) frame.data = line.slice(6);
      }
      frames.push(frame);
      times.push(performance.now());
    }
  }
  return { raw, frames, times };
}

const json = (frame: SseFrame | undefined): Json => JSON.parse(frame?.data ?? "null") as Json;
const eventTypes = (frames: readonly SseFrame[]): string[] => frames.map((f) => json(f).type as string);

describe("fake server", () => {
  test("answers JSON and records method, path, headers and parsed body", async () => {
    const server = await serve({ kind: "json", status: 201, body: { ok: true }, headers: { "x-test": "1" } });
    const response = await fetch(`${server.baseUrl}/chat/completions?x=1`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: "Bearer k" },
      body: JSON.stringify({ model: "m", stream: true }),
    });
    assert.equal(response.status, 201);
    assert.equal(response.headers.get("x-test"), "1");
    assert.match(response.headers.get("content-type") ?? "", /^application\/json/);
    assert.deepEqual(await response.json(), { ok: true });
    const [request] = server.requests;
    assert.equal(request?.method, "POST");
    assert.equal(request?.path, "/v1/chat/completions?x=1");
    assert.equal(request?.headers.authorization, "Bearer k");
    assert.deepEqual(request?.body, { model: "m", stream: true });
    server.setHandler(() => ({ kind: "json", body: "plain text, not JSON" }));
    assert.equal(await (await fetch(server.url, { method: "POST", body: "hello" })).text(), "plain text, not JSON");
    assert.equal(server.requests[1]?.body, "hello");
  });

  test("serializes SSE frames exactly and delivers them one by one", async () => {
    const frames: SseFrame[] = [{ event: "a", data: '{"n":1}' }, { data: '{"n":2}' }, { event: "c", data: "[DONE]" }];
    const server = await serve({ kind: "sse", frames, frameDelayMs: 40 });
    const sent = performance.now();
    const response = await fetch(server.url);
    assert.equal(response.headers.get("content-type"), "text/event-stream");
    const read = await readSse(response);
    assert.equal(read.raw, 'event: a\ndata: {"n":1}\n\ndata: {"n":2}\n\nevent: c\ndata: [DONE]\n\n');
    assert.deepEqual(read.frames, frames);
    // Paced, not written at once: the last frame cannot arrive before two delays have passed since the request went out
    // (a bound that holds however loaded the machine is; the gaps between arrivals do not — a late first frame meets the second).
    const last = read.times.at(-1) ?? sent;
    assert.ok(last - sent >= 2 * 40 - 1, `the last frame arrived ${(last - sent).toFixed(1)} ms after the request: the frames were not paced`);
  });

  test("hang-before-headers never answers", async () => {
    const server = await serve({ kind: "hang-before-headers" });
    await assert.rejects(fetch(server.url, { signal: AbortSignal.timeout(150) }), { name: "TimeoutError" });
  });

  test("reset-before-headers drops the connection", async () => {
    const server = await serve({ kind: "reset-before-headers" });
    await assert.rejects(fetch(server.url, { signal: AbortSignal.timeout(2000) }), (error: Error) => error.name === "TypeError");
  });

  test("headersDelayMs holds the headers back", async () => {
    const server = await serve({ kind: "sse", frames: [{ data: "x" }], headersDelayMs: 300 });
    await assert.rejects(fetch(server.url, { signal: AbortSignal.timeout(100) }), { name: "TimeoutError" });
  });

  test("SSE after: hang keeps the stream open after the frames", async () => {
    const server = await serve({ kind: "sse", frames: [{ data: "1" }, { data: "2" }], after: "hang" });
    const response = await fetch(server.url, { signal: AbortSignal.timeout(300) });
    const seen: string[] = [];
    const reading = (async () => {
      const reader = response.body?.getReader();
      for (;;) {
        const chunk = await reader?.read();
        if (!chunk || chunk.done) return;
        seen.push(new TextDecoder().decode(chunk.value));
      }
    })();
    await assert.rejects(reading, { name: "TimeoutError" });
    assert.equal(seen.join(""), "data: 1\n\ndata: 2\n\n");
  });

  test("SSE after: reset breaks the body after the frames", async () => {
    const server = await serve({ kind: "sse", frames: [{ data: "1" }], after: "reset" });
    const response = await fetch(server.url, { signal: AbortSignal.timeout(2000) });
    assert.equal(response.status, 200);
    await assert.rejects(response.text(), (error: Error) => error.name === "TypeError");
  });

  test("raw chunks are written verbatim", async () => {
    const server = await serve({ kind: "raw", chunks: ["data: {\"a\":", "1}\n\n", ": comment\n\n"], status: 200 });
    assert.equal(await (await fetch(server.url)).text(), 'data: {"a":1}\n\n: comment\n\n');
  });

  test("refusedUrl refuses connections", async () => {
    const url = await refusedUrl();
    await assert.rejects(fetch(url, { signal: AbortSignal.timeout(2000) }), (error: Error & { cause?: { code?: string } }) => error.cause?.code === "ECONNREFUSED");
  });
});

describe("OpenAI Responses stream", () => {
  test("text + summary reasoning + tool call, OpenAI flavour, through a real socket", async () => {
    const spec = { reasoningSummary: "Think about it.", text: "Hello there, world!", toolCalls: [{ callId: "call_1", name: "time", arguments: '{"tz":"UTC"}' }], usage: { input: 100, output: 40, cached: 64, reasoning: 12 }, chunkSize: 5 };
    const server = await serve({ kind: "sse", frames: responsesStream(spec) });
    const { frames } = await readSse(await fetch(server.url));
    const types = eventTypes(frames);
    for (const frame of frames) assert.equal(frame.event, json(frame).type);
    assert.deepEqual(frames.map((f) => json(f).sequence_number), frames.map((_, i) => i));
    assert.deepEqual(types.slice(0, 4), ["response.created", "response.in_progress", "response.output_item.added", "response.reasoning_summary_part.added"]);
    assert.equal(types.at(-1), "response.completed");
    const deltas = (type: string) => frames.filter((f) => json(f).type === type).map((f) => json(f).delta as string).join("");
    assert.equal(deltas("response.reasoning_summary_text.delta"), spec.reasoningSummary);
    assert.equal(deltas("response.output_text.delta"), spec.text);
    assert.equal(deltas("response.function_call_arguments.delta"), '{"tz":"UTC"}');
    assert.ok(frames.filter((f) => json(f).type === "response.output_text.delta").every((f) => Array.from(json(f).delta as string).length <= 5));
    const order = ["response.output_text.done", "response.content_part.done", "response.output_item.done"];
    const textDone = types.indexOf("response.output_text.done");
    assert.deepEqual(types.slice(textDone, textDone + 3), order);
    const completed = json(frames.at(-1)).response as Json;
    assert.deepEqual(completed.usage, { input_tokens: 100, input_tokens_details: { cached_tokens: 64 }, output_tokens: 40, output_tokens_details: { reasoning_tokens: 12 }, total_tokens: 140 });
    assert.deepEqual((completed.output as Json[]).map((item) => item.type), ["reasoning", "message", "function_call"]);
    assert.equal((json(frames[0]).response as Json).usage, null, "usage only in response.completed");
    const argsDone = frames.map(json).find((e) => e.type === "response.function_call_arguments.done");
    assert.equal(argsDone?.name, "time");
    const deltaTypes = ["response.reasoning_summary_text.delta", "response.output_text.delta", "response.function_call_arguments.delta"];
    for (const event of frames.map(json).filter((e) => deltaTypes.includes(e.type as string))) {
      assert.equal(Object.keys(event).at(-1), "obfuscation", "OpenAI pads each delta (pydantic-ai captures)");
      assert.equal((event.obfuscation as string).length + (event.delta as string).length, 16);
    }
  });

  test("LM Studio flavour: reasoning_text item first, no argument deltas, sequence_number last", () => {
    const frames = responsesStream({ flavor: "lmstudio", reasoning: "The user wants the time.", text: "Checking.", toolCalls: [{ callId: "call_9", name: "time", arguments: "{}" }] });
    const events = frames.map(json);
    const item = events[2];
    assert.deepEqual(item?.item, { id: item?.item.id, type: "reasoning", status: "in_progress", summary: [], content: [] });
    assert.match(item?.item.id as string, /^rs_[0-9a-z]{21}$/);
    assert.deepEqual(events[3]?.part, { type: "reasoning_text", text: "" });
    assert.equal(events.filter((e) => e.type === "response.reasoning_text.delta").map((e) => e.delta as string).join(""), "The user wants the time.");
    assert.equal(events.find((e) => e.type === "response.reasoning_text.done")?.text, "The user wants the time.");
    assert.ok(!events.some((e) => e.type === "response.function_call_arguments.delta"));
    assert.equal(events.find((e) => e.type === "response.function_call_arguments.done")?.arguments, "{}");
    for (const event of events) assert.equal(Object.keys(event).at(-1), "sequence_number");
    assert.equal((events.at(-1)?.response as Json).truncation, "auto");
  });

  test("incomplete status, usage omitted, data-only framing", () => {
    const frames = responsesStream({ text: "cut", status: "incomplete", usage: null, eventLines: false });
    assert.ok(frames.every((f) => f.event === undefined));
    const last = json(frames.at(-1));
    assert.equal(last.type, "response.incomplete");
    assert.equal(last.response.status, "incomplete");
    assert.deepEqual(last.response.incomplete_details, { reason: "max_output_tokens" });
    assert.ok(!("usage" in last.response));
  });

  test("responsesFailed ends with response.failed carrying the error", () => {
    const frames = responsesFailed("The model crashed", "server_error");
    assert.deepEqual(eventTypes(frames), ["response.created", "response.in_progress", "response.failed"]);
    assert.deepEqual(json(frames[2]).response.error, { code: "server_error", message: "The model crashed" });
    assert.equal(json(frames[2]).response.status, "failed");
  });
});

describe("OpenAI Chat Completions stream", () => {
  const contentOf = (frames: SseFrame[], field = "content") =>
    frames.filter((f) => f.data !== "[DONE]").map((f) => (json(f).choices as Json[])[0]?.delta?.[field] ?? "").join("");

  test("text, reasoning_content, tool calls split across chunks, usage chunk, [DONE]", async () => {
    const spec = { text: "Answer.", reasoning: "Because.", toolCalls: [{ id: "call_a", name: "get", arguments: '{"q":"x y z"}' }], usage: { input: 9, output: 7, cached: 3 }, chunkSize: 4 };
    const server = await serve({ kind: "sse", frames: completionsStream(spec) });
    const { frames } = await readSse(await fetch(server.url));
    assert.ok(frames.every((f) => f.event === undefined));
    assert.equal(frames.at(-1)?.data, "[DONE]");
    const usageChunk = json(frames.at(-2));
    assert.deepEqual(usageChunk.choices, []);
    assert.equal(usageChunk.usage.prompt_tokens, 9);
    assert.equal(usageChunk.usage.prompt_tokens_details.cached_tokens, 3);
    assert.equal(json(frames[0]).usage, null, "other chunks carry usage: null");
    assert.equal(json(frames[0]).choices[0].delta.role, "assistant");
    assert.equal(contentOf(frames), "Answer.");
    assert.equal(contentOf(frames, "reasoning_content"), "Because.");
    const calls = frames.slice(0, -2).flatMap((f) => (json(f).choices[0].delta.tool_calls ?? []) as Json[]);
    assert.deepEqual(calls[0], { index: 0, id: "call_a", type: "function", function: { name: "get", arguments: "" } });
    assert.ok(calls.length > 2);
    assert.equal(calls.map((c) => c.function.arguments as string).join(""), '{"q":"x y z"}');
    assert.equal(json(frames.at(-3)).choices[0].finish_reason, "tool_calls");
    assert.deepEqual(json(frames.at(-3)).choices[0].delta, {});
  });

  test("OpenAI's chunk fields (pydantic-ai capture): service_tier after model, obfuscation last on every chunk", () => {
    const frames = completionsStream({ text: "The capital of the UK is London.", usage: { input: 78, output: 9 } }).filter((f) => f.data !== "[DONE]");
    for (const frame of frames) {
      const keys = Object.keys(json(frame));
      assert.deepEqual(keys.slice(3, 6), ["model", "service_tier", "system_fingerprint"]);
      assert.equal(keys.at(-1), "obfuscation");
      assert.match(json(frame).obfuscation as string, /^[0-9A-Za-z]+$/);
    }
    assert.deepEqual(json(frames[0]).choices[0].delta, { role: "assistant", content: "", refusal: null });
  });

  test("an answer that starts with a tool call has the role and the call's first piece in one chunk (pydantic-ai capture)", () => {
    const frames = completionsStream({ toolCalls: [{ id: "call_1", name: "get_capital", arguments: '{"country":"UK"}' }] });
    assert.deepEqual(json(frames[0]).choices[0].delta, {
      role: "assistant",
      content: null,
      tool_calls: [{ index: 0, id: "call_1", type: "function", function: { name: "get_capital", arguments: "" } }],
      refusal: null,
    });
    assert.equal(frames.filter((f) => f.data !== "[DONE]" && json(f).choices[0]?.delta.role !== undefined).length, 1, "one role");
  });

  test("orphan-think: reasoning then a split </think> in content, no usage chunk when usage is null", () => {
    const frames = completionsStream({ reasoning: "ab", text: "Hi!", reasoningField: "orphan-think", usage: null, chunkSize: 3 });
    const pieces = frames.slice(1, -2).map((f) => json(f).choices[0].delta.content as string);
    assert.deepEqual(pieces, ["ab<", "/th", "ink", ">Hi", "!"]);
    assert.ok(frames.every((f) => f.data === "[DONE]" || !("usage" in json(f))));
    assert.equal(json(frames.at(-2)).choices[0].finish_reason, "stop");
  });

  test("think-tags and delta.reasoning", () => {
    assert.equal(contentOf(completionsStream({ reasoning: "r", text: "t", reasoningField: "think-tags" })), "<think>r</think>t");
    const frames = completionsStream({ reasoning: "gpt-oss thinks", text: "t", reasoningField: "reasoning", finishReason: "length" });
    assert.equal(contentOf(frames, "reasoning"), "gpt-oss thinks");
    assert.equal(json(frames.at(-3)).choices[0].finish_reason, "length");
  });
});

describe("Anthropic Messages stream", () => {
  test("thinking, text and tool_use blocks with ping, signature and usage", async () => {
    const spec = { thinking: "Let me see.", signature: "sig==", text: "Here.", toolUses: [{ id: "toolu_01", name: "time", input: { tz: "UTC", n: [1, 2] } }], usage: { input: 50, output: 20, cacheRead: 40, cacheWrite: 5 }, chunkSize: 4 };
    const server = await serve({ kind: "sse", frames: anthropicStream(spec) });
    const { frames } = await readSse(await fetch(server.url));
    for (const frame of frames) assert.equal(frame.event, json(frame).type);
    const types = eventTypes(frames);
    assert.deepEqual(types.slice(0, 3), ["message_start", "content_block_start", "ping"]);
    assert.deepEqual(types.slice(-2), ["message_delta", "message_stop"]);
    assert.equal(frames[2]?.data, '{"type": "ping"}');
    const events = frames.map(json);
    assert.deepEqual(events[0]?.message.usage, { input_tokens: 50, cache_creation_input_tokens: 5, cache_read_input_tokens: 40, cache_creation: { ephemeral_5m_input_tokens: 5, ephemeral_1h_input_tokens: 0 }, output_tokens: 1, service_tier: "standard", inference_geo: "not_available" });
    const deltas = (index: number, field: string) => events.filter((e) => e.type === "content_block_delta" && e.index === index && field in e.delta).map((e) => e.delta[field] as string).join("");
    assert.equal(deltas(0, "thinking"), "Let me see.");
    assert.equal(deltas(0, "signature"), "sig==");
    assert.equal(deltas(1, "text"), "Here.");
    assert.deepEqual(JSON.parse(deltas(2, "partial_json")), spec.toolUses[0]?.input);
    assert.deepEqual(events.filter((e) => e.type === "content_block_start").map((e) => e.content_block.type), ["thinking", "text", "tool_use"]);
    assert.deepEqual(events.filter((e) => e.type === "content_block_stop").map((e) => e.index), [0, 1, 2]);
    const messageDelta = events.at(-2);
    assert.deepEqual(messageDelta?.delta, { stop_reason: "tool_use", stop_sequence: null });
    assert.equal(messageDelta?.usage.output_tokens, 20);
    assert.ok(frames.some((f) => / +\}$/.test(f.data)), "JSON padded before the closing brace like the real API");
    assert.match(frames.at(-1)?.data ?? "", /^\{"type":"message_stop" +\}$/, "message_stop padded too");
  });

  test("a tool_use without arguments streams one empty partial_json and nothing more (vercel/ai anthropic-tool-no-args)", () => {
    const events = anthropicStream({ toolUses: [{ id: "toolu_01", name: "refresh", input: {} }] }).map(json);
    const pieces = events.filter((e) => e.type === "content_block_delta").map((e) => e.delta.partial_json as string);
    assert.deepEqual(pieces, [""]);
  });

  test("anthropicStreamError", () => {
    assert.deepEqual(anthropicStreamError("overloaded_error", "Overloaded"), [{ event: "error", data: '{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}' }]);
  });
});

describe("error bodies", () => {
  test("statuses, headers and bodies reach the client", async () => {
    const cases: [Reply, number, (body: Json) => unknown][] = [
      [errors.lmstudioOverflow, 400, (b) => assert.match(b.error as string, /^Trying to keep the first 5000 tokens when context the overflows/)],
      [errors.lmstudioModelNotFound, 400, (b) => assert.equal(b.error.code, "model_not_found")],
      [errors.llamaCppOverflow, 400, (b) => assert.equal(b.error.type, "exceed_context_size_error")],
      [errors.llamaCppNKeep, 400, (b) => assert.match(b.error as string, /n_keep: \d+ >= n_ctx: \d+/)],
      [errors.vllmOverflow, 400, (b) => assert.equal(b.object, "error")],
      [errors.openaiContextLengthExceeded, 400, (b) => assert.equal(b.error.code, "context_length_exceeded")],
      [errors.openaiInvalidKey, 401, (b) => assert.equal(b.error.code, "invalid_api_key")],
      [errors.openaiRateLimited(7), 429, (b) => assert.equal(b.error.code, "rate_limit_exceeded")],
      [errors.openaiModelNotFound, 404, (b) => assert.equal(b.error.code, "model_not_found")],
      [errors.anthropicPromptTooLong, 400, (b) => assert.equal(b.error.message, "prompt is too long: 210000 tokens > 200000 maximum")],
      [errors.anthropicAuth, 401, (b) => assert.equal(b.error.type, "authentication_error")],
      [errors.anthropicRateLimited(3), 429, (b) => assert.equal(b.error.type, "rate_limit_error")],
      [errors.anthropicOverloaded, 529, (b) => assert.equal(b.error.type, "overloaded_error")],
      [errors.serverError500, 500, (b) => assert.equal(b.error.type, "server_error")],
      [errors.serviceUnavailable503, 503, (b) => assert.equal(b.error.type, "server_error")],
    ];
    const server = await serve(errors.serverError500);
    for (const [reply, status, check] of cases) {
      server.setHandler(() => reply);
      const response = await fetch(server.url, { method: "POST" });
      assert.equal(response.status, status);
      check((await response.json()) as Json);
    }
    server.setHandler(() => errors.openaiRateLimited(7));
    assert.equal((await fetch(server.url)).headers.get("retry-after"), "7");
    server.setHandler(() => errors.anthropicRateLimited(3));
    assert.equal((await fetch(server.url)).headers.get("retry-after"), "3");
  });
});

describe("LM Studio", () => {
  const lmServers: FakeServer[] = [];
  after(async () => Promise.all(lmServers.map((server) => server.close())));
  const start = async (options: LmStudioOptions) => {
    const server = await startLmStudio(options);
    lmServers.push(server);
    return server;
  };
  const models = () => [
    { id: "minimax-m2.1-gs32", loaded: true, loadedContextLength: 65536, maxContextLength: 196608, quantization: "4bit", arch: "minimax_m2" },
    { id: "openai/gpt-oss-20b", loaded: false, maxContextLength: 131072, quantization: "MXFP4", arch: "gpt-oss" },
  ];

  test("lists every downloaded model on /v1/models and both native APIs", async () => {
    const server = await start({ models: models() });
    const list = (await (await fetch(`${server.baseUrl}/models`)).json()) as Json;
    assert.deepEqual(list, { object: "list", data: [{ id: "minimax-m2.1-gs32", object: "model", owned_by: "organization_owner" }, { id: "openai/gpt-oss-20b", object: "model", owned_by: "organization_owner" }] });
    const v0 = (await (await fetch(`${server.url}/api/v0/models`)).json()) as Json;
    assert.deepEqual(v0.data[0], { id: "minimax-m2.1-gs32", object: "model", type: "llm", publisher: "lmstudio-community", arch: "minimax_m2", compatibility_type: "mlx", quantization: "4bit", state: "loaded", max_context_length: 196608, loaded_context_length: 65536, capabilities: ["tool_use"] });
    assert.equal(v0.data[1].state, "not-loaded");
    assert.ok(!("loaded_context_length" in v0.data[1]));
    assert.equal(v0.data[1].publisher, "openai");
    const v1 = (await (await fetch(`${server.url}/api/v1/models`)).json()) as Json;
    assert.equal(v1.models[0].key, "minimax-m2.1-gs32");
    assert.equal(v1.models[0].loaded_instances[0].config.context_length, 65536);
    assert.equal(v1.models[0].max_context_length, 196608);
    assert.deepEqual(v1.models[1].loaded_instances, []);
    assert.equal(v1.models[1].params_string, "20B");
  });

  test("older servers: v0 only, or no native API; missing Responses gets LM Studio's wording", async () => {
    const v0only = await start({ models: models(), nativeApi: "v0" });
    const missing = await fetch(`${v0only.url}/api/v1/models`);
    assert.equal(missing.status, 200, "the real LM Studio answers 200 to unknown endpoints (by default here too)");
    assert.deepEqual(await missing.json(), { error: "Unexpected endpoint or method. (GET /api/v1/models)" });
    assert.equal((await fetch(`${v0only.url}/api/v0/models`)).status, 200);
    const none = await start({ models: models(), nativeApi: "none", unexpectedEndpointStatus: 404 });
    const noNative = await fetch(`${none.url}/api/v0/models`);
    assert.equal(noNative.status, 404, "a test may ask for 404");
    const responses = await fetch(`${none.baseUrl}/responses`, { method: "POST", body: JSON.stringify({ model: "minimax-m2.1-gs32", stream: true }) });
    assert.deepEqual(await responses.json(), { error: "Unexpected endpoint or method. (POST /v1/responses)" });
  });

  test("routes inference, loads unloaded models just in time, rejects unknown models", async () => {
    const options: LmStudioOptions = {
      models: models(),
      jit: { loadMs: 150 },
      responses: () => ({ kind: "sse", frames: responsesStream({ flavor: "lmstudio", text: "ok" }) }),
      completions: () => ({ kind: "sse", frames: completionsStream({ text: "ok" }) }),
    };
    const server = await start(options);
    const post = (path: string, model: string, signal?: AbortSignal) => fetch(`${server.baseUrl}${path}`, { method: "POST", body: JSON.stringify({ model, stream: true }), signal });
    const warm = await readSse(await post("/responses", "minimax-m2.1-gs32"));
    assert.equal(json(warm.frames.at(-1)).type, "response.completed");
    const begin = performance.now();
    const cold = await post("/chat/completions", "openai/gpt-oss-20b");
    assert.ok(performance.now() - begin >= 120, "a cold load delays the headers");
    assert.equal((await readSse(cold)).frames.at(-1)?.data, "[DONE]");
    assert.equal(options.models[1]?.loaded, true);
    assert.equal(options.models[1]?.loadedContextLength, 4096);
    const unknown = await post("/responses", "gpt-4o");
    assert.equal(unknown.status, 400);
    assert.match(((await unknown.json()) as Json).error.message as string, /^Invalid model identifier "gpt-4o"\. Please specify a valid downloaded model \(e\.g\., minimax-m2\.1-gs32, openai\/gpt-oss-20b\)\.$/);
    options.models.forEach((m) => (m.loaded = false));
    options.jit = false;
    const none = await post("/responses", "minimax-m2.1-gs32");
    assert.deepEqual(await none.json(), { error: "No models loaded. Please load a model in the developer page or use the 'lms load' command." });
  });
});

test("closing every server leaves no sockets or servers open", async () => {
  const server = await serve({ kind: "sse", frames: [{ data: "1" }], after: "hang" });
  const hanging = await fetch(server.url);
  const body = hanging.body?.getReader();
  await body?.read();
  const reading = body?.read().catch(() => "closed");
  const closing = Promise.all(servers.map((s) => s.close()));
  const limit = new Promise((_, reject) => setTimeout(() => reject(new Error("close() did not finish: a hanging socket kept the server open")), 2000).unref());
  await Promise.race([closing, limit]);
  assert.equal(await reading, "closed");
  const open = () => process.getActiveResourcesInfo().filter((name) => name === "TCPServerWrap" || name === "TCPSocketWrap");
  for (let i = 0; i < 50 && open().length > 0; i++) await new Promise((resolve) => setTimeout(resolve, 20));
  assert.deepEqual(open(), [], "no TCP server or socket left open (LM Studio servers closed in their own after hook)");
});
