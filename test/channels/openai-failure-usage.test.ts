import assert from "node:assert/strict";
import { afterEach, describe, test } from "node:test";
import OpenAI from "openai";
import type { ChatCompletionChunk } from "openai/resources/chat/completions";
import { completionsStream } from "../fakes/openai-completions-stream.js";
import { responsesStream } from "../fakes/openai-responses-stream.js";
import { apiSetup, type ApiSetup } from "./openai-setup.js";

// What a failed answer had spent, told the way each API tells usage — with the official SDK as the
// client: a chat stream's usage chunk (stream_options.include_usage) before its error, and `usage`
// inside the error object of a request that got an error status (the SDK keeps that object whole).

/** 400 characters: about 100 tokens by hearth's estimate (four characters a token). */
const LONG = "The first part of a long answer, which the server will not finish. ".repeat(6).slice(0, 400);

interface ChatUsage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
}

/** The chunks of a chat stream up to the error the SDK raises, and that error. */
async function chatStreamUntilError(client: OpenAI, request: { model: string; includeUsage: boolean }): Promise<{ chunks: ChatCompletionChunk[]; error: InstanceType<typeof OpenAI.APIError> }> {
  const chunks: ChatCompletionChunk[] = [];
  const stream = await client.chat.completions.create({ model: request.model, messages: [{ role: "user", content: "Tell me a long story" }], stream: true, ...(request.includeUsage ? { stream_options: { include_usage: true } } : {}) });
  try {
    for await (const chunk of stream) chunks.push(chunk);
  } catch (error) {
    assert.ok(error instanceof OpenAI.APIError, String(error));
    return { chunks, error };
  }
  assert.fail(`${request.model}: the stream ended without the error`);
}

describe("OpenAI-compatible API: the usage of an answer that failed", () => {
  let opened: ApiSetup | undefined;
  afterEach(async () => {
    await opened?.close();
    opened = undefined;
  });
  /** A fresh gateway each time: a model that broke cools down, and the next turn would skip it. */
  const open = async (): Promise<ApiSetup> => {
    await opened?.close();
    opened = await apiSetup();
    return opened;
  };

  test("a chat stream that broke: with include_usage, a usage chunk (what the cut answer spent) comes before the error, and the error says it too; without, no usage chunk", async () => {
    for (const model of ["Local", "hearth"]) {
      for (const includeUsage of [true, false]) {
        const label = `${model} include_usage=${String(includeUsage)}`;
        const api = await open();
        api.local.setHandler(() => ({ kind: "sse", frames: completionsStream({ text: LONG, chunkSize: 400 }).slice(0, 2), after: "reset" }));
        api.backup.setHandler(() => ({ kind: "json", status: 503, body: { error: { message: "down" } } }));
        const { chunks, error } = await chatStreamUntilError(api.client, { model, includeUsage });
        assert.equal(chunks.map((chunk) => chunk.choices[0]?.delta.content ?? "").join(""), LONG, `${label}: the words came before the break`);
        assert.match(error.message, /local\/m1: the connection broke in the middle of the answer/, label);
        const inError = (error.error as { usage?: ChatUsage }).usage;
        assert.ok(inError, `${label}: the error object carries the usage`);
        assert.ok(inError.prompt_tokens > 0 && inError.completion_tokens >= 100, `${label}: the prompt read and the 400 characters written: ${JSON.stringify(inError)}`);
        assert.equal(inError.total_tokens, inError.prompt_tokens + inError.completion_tokens, label);
        const usageChunks = chunks.filter((chunk) => chunk.choices.length === 0);
        if (!includeUsage) {
          assert.deepEqual(usageChunks, [], `${label}: no usage chunk was asked for`);
          continue;
        }
        assert.equal(usageChunks.length, 1, label);
        assert.equal(chunks.at(-1), usageChunks[0], `${label}: the usage chunk is the last before the error`);
        // The server sent no count of the cut answer: the error says its usage is an estimate.
        const { estimated, ...counted } = inError as ChatUsage & { estimated?: boolean };
        assert.equal(estimated, true, `${label}: an estimate, said so`);
        assert.deepEqual(usageChunks[0]?.usage, counted, `${label}: the chunk's usage is the error's`);
      }
    }
  });

  test("a chat stream whose first model broke in its reasoning and whose fallback broke in its answer: the usage chunk sums both", async () => {
    for (const model of ["Local", "hearth"]) {
      const api = await open();
      // Reasoning only, then the connection drops: no text went out, so the chain moves on.
      api.local.setHandler(() => ({ kind: "sse", frames: completionsStream({ reasoning: LONG, text: "never sent", chunkSize: 400 }).slice(0, 2), after: "reset" }));
      api.backup.setHandler(() => ({ kind: "sse", frames: responsesStream({ text: LONG, chunkSize: 400 }).slice(0, 5), after: "reset" }));
      const { chunks, error } = await chatStreamUntilError(api.client, { model, includeUsage: true });
      assert.equal(chunks.map((chunk) => chunk.choices[0]?.delta.content ?? "").join(""), LONG, `${model}: the fallback's words`);
      assert.match(error.message, /backup\/m2: the connection broke in the middle of the answer/, model);
      const usage = chunks.at(-1)?.usage;
      assert.ok(usage && chunks.at(-1)?.choices.length === 0, `${model}: a usage chunk last: ${JSON.stringify(chunks.at(-1))}`);
      // 100 tokens of reasoning from the first model, 100 of text from the second: either alone is not enough.
      assert.ok(usage.completion_tokens >= 200, `${model}: both attempts' words: ${JSON.stringify(usage)}`);
    }
  });

  test("an agent turn whose tool step was answered by the fallback after the first model broke, then whose reply broke: the usage counts the broken call of the answered step too", async () => {
    const api = await open();
    let localCalls = 0;
    api.local.setHandler((request) => {
      if (request.method !== "POST") return { kind: "json", status: 404, body: { error: { message: "not here" } } };
      localCalls += 1;
      // The first call reasons for 100 tokens and breaks; later ones are refused at once (nothing spent).
      if (localCalls === 1) return { kind: "sse", frames: completionsStream({ reasoning: LONG, text: "never sent", chunkSize: 400 }).slice(0, 2), after: "reset" };
      return { kind: "json", status: 503, body: { error: { message: "busy" } } };
    });
    let backupCalls = 0;
    api.backup.setHandler((request) => {
      if (request.method !== "POST") return { kind: "json", status: 404, body: { error: { message: "not here" } } };
      backupCalls += 1;
      if (backupCalls === 1) return { kind: "sse", frames: responsesStream({ toolCalls: [{ callId: "call_1", name: "time", arguments: "{}" }], usage: { input: 3000, output: 12 } }) };
      return { kind: "sse", frames: responsesStream({ text: LONG, chunkSize: 400 }).slice(0, 5), after: "reset" };
    });
    const { chunks, error } = await chatStreamUntilError(api.client, { model: "hearth", includeUsage: true });
    assert.match(error.message, /backup\/m2: the connection broke in the middle of the answer/);
    assert.equal(backupCalls, 2, "the tool step, then the reply that broke");
    const usage = chunks.at(-1)?.usage;
    assert.ok(usage, JSON.stringify(chunks.at(-1)));
    assert.ok(usage.prompt_tokens > 3000, JSON.stringify(usage));
    // 12 of the tool step, 100 of the first model's reasoning before it broke, 100 of the cut reply.
    assert.ok(usage.completion_tokens >= 212, `every call that spent tokens: ${JSON.stringify(usage)}`);
  });

  test("non-streaming: two models that each broke midway — the 502's error.usage sums what both spent, in each API's own usage shape", async () => {
    for (const model of ["Local", "hearth"]) {
      for (const endpoint of ["chat", "responses"] as const) {
        const label = `${endpoint} ${model}`;
        const api = await open();
        api.local.setHandler(() => ({ kind: "sse", frames: completionsStream({ text: LONG, chunkSize: 400 }).slice(0, 2), after: "reset" }));
        api.backup.setHandler(() => ({ kind: "sse", frames: responsesStream({ text: LONG, chunkSize: 400 }).slice(0, 5), after: "reset" }));
        const asked = endpoint === "chat" ? api.client.chat.completions.create({ model, messages: [{ role: "user", content: "Tell me a long story" }] }) : api.client.responses.create({ model, input: "Tell me a long story" });
        await assert.rejects(asked, (error: unknown) => {
          assert.ok(error instanceof OpenAI.APIError, `${label}: ${String(error)}`);
          assert.equal(error.status, 502, label);
          const body = error.error as { usage?: Record<string, number>; attempts?: { outcome: string }[] };
          assert.deepEqual(body.attempts?.map((attempt) => attempt.outcome), ["stream-broken", "stream-broken"], label);
          const usage = body.usage;
          assert.ok(usage, `${label}: the error carries the usage`);
          const [input, output] = endpoint === "chat" ? ["prompt_tokens", "completion_tokens"] : ["input_tokens", "output_tokens"];
          assert.ok((usage[input] ?? 0) > 0, `${label}: ${JSON.stringify(usage)}`);
          assert.ok((usage[output] ?? 0) >= 200, `${label}: both cut answers' words: ${JSON.stringify(usage)}`);
          assert.equal(usage.total_tokens, (usage[input] ?? 0) + (usage[output] ?? 0), label);
          return true;
        });
      }
    }
  });

  test("an agent's chat stream that failed before its first word, after a tool step: the error status's body carries the tool step's usage", async () => {
    const api = await open();
    let calls = 0;
    api.local.setHandler((request) => {
      if (request.method !== "POST") return { kind: "json", status: 404, body: { error: { message: "not here" } } };
      calls += 1;
      if (calls === 1) return { kind: "sse", frames: completionsStream({ toolCalls: [{ id: "call_1", name: "time", arguments: "{}" }], finishReason: "tool_calls", usage: { input: 3000, output: 12 } }) };
      return { kind: "json", status: 500, body: { error: { message: "the model crashed" } } };
    });
    api.backup.setHandler(() => ({ kind: "json", status: 503, body: { error: { message: "down" } } }));
    await assert.rejects(
      (async () => {
        for await (const chunk of await api.client.chat.completions.create({ model: "hearth", messages: [{ role: "user", content: "What time is it?" }], stream: true, stream_options: { include_usage: true } })) void chunk;
      })(),
      (error: unknown) => {
        assert.ok(error instanceof OpenAI.APIError && error.status !== undefined, String(error));
        const usage = (error.error as { usage?: ChatUsage }).usage;
        assert.deepEqual(usage && { prompt: usage.prompt_tokens, completion: usage.completion_tokens }, { prompt: 3000, completion: 12 }, JSON.stringify(usage));
        return true;
      },
    );
    assert.equal(calls, 2, "the tool step, then the reply that failed");
  });
});
