// streamAnswer has two ways to take a proxied answer's events: the lean one listens to the answer's
// EventStream (each event written as it is pushed), the general one iterates any other AsyncIterable
// (a promise per event). For a corpus of upstream answers — the recorded chat-completions captures of
// test/fixtures/captures/ and answers made to have reasoning (both wire forms), tool calls, usage, a key
// the server echoes split across frames, and a stream broken mid-answer — both give the client the
// same bytes (ids and timestamps normalised), through the real router, adapter and masking. A stream whose
// route set no header through Hono (proxy mode, `straight`) sends the same header lines as one through Hono's.
import assert from "node:assert/strict";
import http from "node:http";
import { after, before, describe, test } from "node:test";
import { Hono } from "hono";
import { streamAnswer } from "../../src/channels/http/openai/answer-stream.js";
import type { AnswerSource } from "../../src/channels/http/openai/answer-events.js";
import { chatContext, parseChatRequest } from "../../src/channels/http/openai/chat-request.js";
import { proxyAnswer } from "../../src/channels/http/openai/proxy-answer.js";
import { chatUsage } from "../../src/channels/http/openai/reply-meta.js";
import { chatSseWriter } from "../../src/channels/http/openai/sse-writers.js";
import { resolveTarget } from "../../src/channels/http/openai/target.js";
import { EventStream } from "../../src/shared/event-stream.js";
import { startFakeServer, type FakeServer, type Reply } from "../fakes/fake-server.js";
import { runtimeOverUpstream, serveApp } from "../helpers/test-gateway.js";
import { contentPieces, dataLines, frames, recorded } from "../helpers/chat-completions-replies.js";

const KEY = "sk-differential-Key-0123456789";

const corpus: { name: string; reply: Reply; says?: string }[] = [
  { name: "capture: api.openai.com gpt-4o-mini, text", reply: recorded("pydantic-ai/test_run_stream_sync_streams_real_model.0.sse") },
  { name: "capture: api.openai.com gpt-4o-mini, second answer", reply: recorded("pydantic-ai/test_run_stream_sync_streams_real_model.1.sse") },
  { name: "capture: DeepSeek tool call", reply: dataLines("vercel-ai/deepseek-tool-call.chunks.txt") },
  { name: "reasoning_content, text and usage", reply: frames({ text: "The answer is four.", reasoning: "Two and two make four.", reasoningField: "reasoning_content", usage: { input: 12, output: 9 } }), says: "The answer is four." },
  { name: "<think> tags inline", reply: frames({ text: "Paris.", reasoning: "The capital of France.", reasoningField: "think-tags", chunkSize: 3 }), says: "The capital of France.Paris." },
  { name: "tool calls", reply: frames({ toolCalls: [{ id: "call_1", name: "lookup", arguments: '{"city":"Paris"}' }], usage: { input: 20, output: 5 } }), says: "lookup" },
  { name: "a key echoed, split across frames", reply: contentPieces(["your key is sk-differ", "ential-Key-01234", "56789 as you sent it"]), says: "your key is *** as you sent it" },
  { name: "broken mid-answer", reply: contentPieces(["half an ans", "wer and then"], "reset"), says: "half an ans" },
];

describe("streamAnswer: the listened and the iterated answer give the client the same bytes", () => {
  let upstream: FakeServer;
  let url: string;
  let close: () => Promise<void>;
  let reply: Reply = { kind: "json", status: 500, body: { error: { message: "no reply set" } } };

  before(async () => {
    upstream = await startFakeServer(() => reply);
    // A gateway's runtime as the gateway command makes it: with the secret redactor (the config's keys masked in what clients are shown).
    const runtime = await runtimeOverUpstream({ upstreamBaseUrl: upstream.baseUrl, apiKey: KEY, tempPrefix: "hearth-answer-paths-" });
    const { port } = runtime;
    const app = new Hono();
    app.post("/:path/v1/chat/completions", async (c) => {
      const request = parseChatRequest(await c.req.json());
      const target = resolveTarget(request.model, port.catalogue());
      if (target.mode !== "proxy") throw new Error("the test asks a model, not an agent");
      const controller = new AbortController();
      const answer = proxyAnswer(port, { model: target.ref, context: chatContext(request, { model: target.ref, api: target.api }), options: request.options, maxTokensField: request.maxTokensField, stickyKey: undefined, canRestart: false, controller });
      assert.ok(answer.events instanceof EventStream, "proxy mode's answer is an EventStream (the lean way applies)");
      // The general way: the same events behind an iterable that is not an EventStream.
      const source: AnswerSource = c.req.param("path") === "lean" ? answer : { ...answer, events: { [Symbol.asyncIterator]: () => answer.events[Symbol.asyncIterator]() } };
      // "straight": a route that set no header through Hono (proxy mode) hands its headers to Node as they are.
      const straight = c.req.param("path") === "straight";
      return streamAnswer({ c, source, controller, headersWaitMs: 20_000, keepAliveMs: 15_000, onDone: () => undefined, onError: (error) => assert.fail(String(error)), writer: chatSseWriter({ model: request.model, includeUsage: request.includeUsage, showReasoning: true }), usageShape: chatUsage, straight });
    });
    const served = await serveApp(app);
    url = served.url;
    // up/m is a reasoning model: its first answer is held to its end, later ones stream (ai/think-habits.ts). Both
    // paths are compared on answers after that first one, so each pair meets the adapter in the same state.
    reply = frames({ text: "Warm.", usage: { input: 1, output: 1 } });
    await ask("lean");
    close = async () => {
      await served.close();
      await runtime.close();
      await upstream.close();
    };
  });
  after(() => close());

  /** The header lines as sent (names, case, order; Date left out), times normalised. */
  function headerLines(path: "lean" | "straight"): Promise<string[]> {
    return new Promise((resolve, reject) => {
      const body = JSON.stringify({ model: "up/m", stream: true, messages: [{ role: "user", content: "hi" }] });
      const sent = http.request(`${url}/${path}/v1/chat/completions`, { method: "POST", headers: { "content-type": "application/json" } }, (response) => {
        const lines: string[] = [];
        for (let index = 0; index < response.rawHeaders.length; index += 2) {
          const name = response.rawHeaders[index] as string;
          if (name.toLowerCase() !== "date") lines.push(`${name}: ${(response.rawHeaders[index + 1] ?? "").replace(/"ms":\d+/g, '"ms":0')}`);
        }
        response.resume();
        response.on("end", () => resolve(lines));
      });
      sent.on("error", reject);
      sent.end(body);
    });
  }

  test("a straight stream (proxy mode) sends the header lines the stream through Hono's headers sends: names, case and order", async () => {
    reply = frames({ text: "Same headers.", usage: { input: 3, output: 2 } });
    const throughHono = await headerLines("lean");
    const straight = await headerLines("straight");
    assert.deepEqual(straight, throughHono);
    for (const line of ["content-type: text/event-stream", "cache-control: no-cache", "x-hearth-model: up/m"]) assert.ok(straight.includes(line), `${line} in:\n${straight.join("\n")}`);
  });

  /** The client's view: status, the hearth headers, and the body with ids and times normalised. */
  async function ask(path: "lean" | "general"): Promise<{ status: number; headers: string; body: string }> {
    const response = await fetch(`${url}/${path}/v1/chat/completions`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ model: "up/m", stream: true, stream_options: { include_usage: true }, messages: [{ role: "user", content: "hi" }] }),
    });
    const body = await response.text();
    const headers = ["content-type", "x-hearth-model", "x-hearth-attempts"].map((name) => `${name}: ${response.headers.get(name)}`).join("\n");
    const normal = (text: string): string => text.replace(/"id":"[^"]*"/g, '"id":"ID"').replace(/"created":\d+/g, '"created":0').replace(/"ms":\d+/g, '"ms":0');
    return { status: response.status, headers: normal(headers), body: normal(body) };
  }

  /** What the stream's chunks say, joined: text, reasoning and tool names (a phrase may be split over chunks). */
  function said(body: string): string {
    let text = "";
    for (const line of body.split("\n")) {
      if (!line.startsWith("data: {")) continue;
      const chunk = JSON.parse(line.slice(6)) as { choices?: { delta?: { content?: string; reasoning_content?: string; tool_calls?: { function?: { name?: string } }[] } }[] };
      const delta = chunk.choices?.[0]?.delta;
      text += (delta?.reasoning_content ?? "") + (delta?.content ?? "") + (delta?.tool_calls ?? []).map((call) => call.function?.name ?? "").join("");
    }
    return text;
  }

  for (const item of corpus) {
    test(item.name, async () => {
      reply = item.reply;
      const lean = await ask("lean");
      const general = await ask("general");
      assert.deepEqual(lean, general);
      assert.equal(lean.status, 200);
      assert.ok(lean.body.length > 0);
      if (item.says) assert.ok(said(lean.body).includes(item.says), `the answer says ${JSON.stringify(item.says)}:\n${lean.body}`);
      assert.ok(!lean.body.includes("sk-differ") && !lean.body.includes(KEY), "the echoed key is masked");
    });
  }
});
