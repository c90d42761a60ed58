import assert from "node:assert/strict";
import { afterEach, describe, test } from "node:test";
import OpenAI from "openai";
import type { ResponseStreamEvent } from "openai/resources/responses/responses";
import { completionsStream } from "../fakes/openai-completions-stream.js";
import { apiSetup, type ApiSetup } from "./openai-setup.js";

// What a client is told when models fail: each attempt's cause (as `hearth agent` shows it, secrets
// masked), the items a broken stream left, and the model that was answering — with the official SDK.

const KEY = "sk-hearth-secret-0123456789abcdef";
const SAID = "the secret plan";

type Endpoint = "chat" | "responses";

async function ask(client: OpenAI, request: { endpoint: Endpoint; model: string; stream: boolean }): Promise<unknown> {
  const { endpoint, model, stream } = request;
  if (endpoint === "chat") {
    if (!stream) return client.chat.completions.create({ model, messages: [{ role: "user", content: SAID }] });
    for await (const chunk of await client.chat.completions.create({ model, messages: [{ role: "user", content: SAID }], stream: true })) void chunk;
    return undefined;
  }
  if (!stream) return client.responses.create({ model, input: SAID });
  const events: ResponseStreamEvent[] = [];
  for await (const event of await client.responses.create({ model, input: SAID, stream: true })) events.push(event);
  return events;
}

async function responseEvents(client: OpenAI, model: string, input = "Go on"): Promise<ResponseStreamEvent[]> {
  const events: ResponseStreamEvent[] = [];
  for await (const event of await client.responses.create({ model, input, stream: true })) events.push(event);
  return events;
}

describe("OpenAI-compatible API: why models failed, and what a broken stream leaves", () => {
  let api: ApiSetup;
  let opened: ApiSetup | undefined;
  afterEach(async () => {
    await opened?.close();
    opened = undefined;
  });
  const open = async (options: Parameters<typeof apiSetup>[0] = {}): Promise<ApiSetup> => {
    await opened?.close();
    opened = await apiSetup(options);
    return opened;
  };

  test("no model answering: the error's message, each attempt and the log line carry each cause, the key masked, no message text", async () => {
    api = await open({ backupExtras: `apiKey: "${KEY}",` });
    await api.local.close();
    // A server that repeats the key it was sent in its refusal (the gateway masks the config's secrets).
    api.backup.setHandler((request) => ({
      kind: "json",
      status: 401,
      body: { error: { message: `Incorrect API key provided: ${String(request.headers.authorization).replace(/^Bearer /, "")}.`, type: "invalid_request_error", param: null, code: "invalid_api_key" } },
    }));
    for (const endpoint of ["chat", "responses"] as const) {
      for (const model of ["hearth", "Local"]) {
        for (const stream of [false, true]) {
          const label = `${endpoint} ${model} stream=${String(stream)}`;
          await assert.rejects(ask(api.client, { endpoint, model, stream }), (error: unknown) => {
            assert.ok(error instanceof OpenAI.APIError, `${label}: ${String(error)}`);
            assert.equal(error.status, 502, label);
            const body = error.error as { message: string; attempts?: { model: string; outcome: string; cause?: string }[] };
            assert.match(body.message, /^no model could answer: local\/m1: unreachable — cannot reach 127\.0\.0\.1:\d+: connection refused: nothing is listening there/, label);
            assert.match(body.message, /; backup\/m2: auth — POST \/v1\/responses answered 401: Incorrect API key provided: \*\*\*\./, label);
            assert.deepEqual(
              (body.attempts ?? []).map((attempt) => `${attempt.model} ${attempt.outcome}`),
              ["local/m1 unreachable", "backup/m2 auth"],
              label,
            );
            assert.match(body.attempts?.[0]?.cause ?? "", /^cannot reach 127\.0\.0\.1:\d+: connection refused/, label);
            assert.match(body.attempts?.[1]?.cause ?? "", /^POST \/v1\/responses answered 401: Incorrect API key provided: \*\*\*\./, label);
            const whole = JSON.stringify(error.error);
            assert.ok(!whole.includes(KEY) && !whole.includes(KEY.slice(-12)), `${label}: the key is masked`);
            assert.ok(!whole.includes(SAID), `${label}: no message text`);
            return true;
          });
          const line = await api.waitForLog((fields) => fields.path === `/v1/${endpoint === "chat" ? "chat/completions" : "responses"}` && fields.requested === model && fields.stream === stream && fields.answer === 502);
          assert.match(String(line.failed), /^local\/m1: unreachable — cannot reach 127\.0\.0\.1:\d+: connection refused.*; backup\/m2: auth — POST \/v1\/responses answered 401: /, label);
          assert.equal(line.model, "backup/m2", `${label}: the last model called`);
          assert.ok(!JSON.stringify(line).includes(KEY.slice(-12)) && !JSON.stringify(line).includes(SAID), `${label}: the log line has neither the key nor the message`);
        }
      }
    }
  });

  test("a stream cut by the server dying: response.failed lists the cut message incomplete with its text so far, the model that was answering, and why", async () => {
    // A fresh gateway for each: the broken model cools down after it, and an agent would skip it.
    const fresh = async (): Promise<void> => {
      api = await open();
      api.local.setHandler(() => ({ kind: "sse", frames: completionsStream({ text: "Partial answer that breaks" }).slice(0, 3), after: "reset" }));
      api.backup.setHandler(() => ({ kind: "json", status: 503, body: { error: { message: "down" } } }));
    };
    for (const model of ["hearth", "Local"]) {
      await fresh();
      const events = await responseEvents(api.client, model);
      const streamed = events.flatMap((event) => (event.type === "response.output_text.delta" ? [event.delta] : [])).join("");
      assert.ok(streamed.length > 0, model);
      const last = events.at(-1);
      assert.ok(last?.type === "response.failed", `${model}: ${String(last?.type)}`);
      const { response } = last;
      assert.equal(response.status, "failed");
      assert.equal(response.model, "local/m1", `${model}: the model that was answering, not the name asked for`);
      const created = events[0];
      assert.ok(created?.type === "response.created", model);
      assert.equal(created.response.model, "local/m1", `${model}: response.created names the model answering, as the last event does`);
      // The cut answer read the prompt and wrote words: its usage says so (estimated: the server sent no counts before it died).
      assert.ok((response.usage?.input_tokens ?? 0) > 0 && (response.usage?.output_tokens ?? 0) > 0, `${model}: ${JSON.stringify(response.usage)}`);
      assert.equal(response.metadata?.hearth_model, "local/m1");
      const message = response.output[0];
      assert.ok(message?.type === "message", model);
      assert.equal(message.status, "incomplete", `${model}: the message the failure cut`);
      assert.deepEqual(message.content.map((part) => (part.type === "output_text" ? part.text : "")), [streamed]);
      const done = events.find((event) => event.type === "response.output_item.done");
      assert.ok(done?.type === "response.output_item.done" && done.item.type === "message");
      assert.equal(done.item.status, "incomplete");
      assert.match(response.error?.message ?? "", /local\/m1: the connection broke in the middle of the answer/, `${model}: the cause`);
      assert.equal(response.completed_at ?? null, null);
    }
    // Chat Completions: the final error event, which the SDK raises, carries the cause too.
    for (const model of ["hearth", "Local"]) {
      await fresh();
      const chat = await api.client.chat.completions.create({ model, messages: [{ role: "user", content: "Hi" }], stream: true });
      await assert.rejects(
        (async () => {
          for await (const chunk of chat) void chunk;
        })(),
        (error: unknown) => error instanceof OpenAI.APIError && /local\/m1: the connection broke in the middle of the answer/.test(error.message),
      );
    }
  });

  test("an agent turn that ran a tool, then broke: response.failed's usage counts the finished step and what the cut one used", async () => {
    api = await open();
    let calls = 0;
    api.local.setHandler((request) => {
      if (request.method !== "POST") return { kind: "json", status: 404, body: { error: { message: "not here" } } };
      calls += 1;
      if (calls === 1) return { kind: "sse", frames: completionsStream({ toolCalls: [{ id: "call_1", name: "time", arguments: "{}" }], finishReason: "tool_calls", usage: { input: 3000, output: 12 } }) };
      return { kind: "sse", frames: completionsStream({ text: "It is now about noon and" }).slice(0, 3), after: "reset" };
    });
    api.backup.setHandler(() => ({ kind: "json", status: 503, body: { error: { message: "down" } } }));
    const events = await responseEvents(api.client, "hearth", "What time is it?");
    assert.equal(calls, 2, "the tool step, then the reply that broke");
    const last = events.at(-1);
    assert.ok(last?.type === "response.failed", String(last?.type));
    const usage = last.response.usage;
    assert.ok(usage, "response.failed carries the usage");
    assert.ok(usage.input_tokens > 3000, `the tool step's 3000 prompt tokens and the cut reply's: ${JSON.stringify(usage)}`);
    assert.ok(usage.output_tokens > 12, `the tool step's 12 output tokens and the cut reply's words: ${JSON.stringify(usage)}`);
    assert.equal(usage.total_tokens, usage.input_tokens + usage.output_tokens);
  });

  test("an answer the reply limit cut: response.incomplete and the non-streaming body mark the message incomplete, without completed_at; a whole one is completed", async () => {
    api = await open();
    api.local.setHandler(() => ({ kind: "sse", frames: completionsStream({ text: "Cut short by the limit", finishReason: "length", usage: { input: 10, output: 5 } }) }));
    for (const model of ["hearth", "Local"]) {
      const body = await api.client.responses.create({ model, input: "Long one", max_output_tokens: 5 });
      assert.equal(body.status, "incomplete", model);
      assert.equal(body.incomplete_details?.reason, "max_output_tokens");
      assert.equal(body.model, "local/m1");
      assert.equal(body.output[0]?.type === "message" ? body.output[0].status : undefined, "incomplete", model);
      assert.equal(body.completed_at ?? null, null, `${model}: only a completed response has completed_at`);
      assert.ok((body.usage?.output_tokens ?? 0) > 0);
      const events = await responseEvents(api.client, model, "Long one");
      const last = events.at(-1);
      assert.ok(last?.type === "response.incomplete", `${model}: ${String(last?.type)}`);
      const message = last.response.output[0];
      assert.equal(message?.type === "message" ? message.status : undefined, "incomplete", model);
      assert.equal(last.response.completed_at ?? null, null);
      assert.ok((last.response.usage?.output_tokens ?? 0) > 0);
    }
    // A content filter cut it (OpenAI's finish_reason "content_filter"): incomplete too, saying so.
    api.local.setHandler(() => ({ kind: "sse", frames: completionsStream({ text: "Cut by a filter", finishReason: "content_filter", usage: { input: 10, output: 4 } }) }));
    const filtered = await api.client.responses.create({ model: "Local", input: "Risky one" });
    assert.equal(filtered.status, "incomplete");
    assert.equal(filtered.incomplete_details?.reason, "content_filter");
    assert.equal(filtered.output[0]?.type === "message" ? filtered.output[0].status : undefined, "incomplete");
    api.local.setHandler(() => ({ kind: "sse", frames: completionsStream({ text: "Whole answer", usage: { input: 10, output: 3 } }) }));
    const whole = await api.client.responses.create({ model: "Local", input: "Short one" });
    assert.equal(whole.status, "completed");
    assert.equal(whole.output[0]?.type === "message" ? whole.output[0].status : undefined, "completed");
    assert.equal(typeof whole.completed_at, "number");
  });
});
