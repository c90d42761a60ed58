// Reasoning never reaches the answer's text, from any API, on either endpoint, streamed or not; a
// Responses server's reasoning summary stays a summary (the reasoning item's `summary`, summary_text),
// its raw reasoning stays the item's `content` (reasoning_text), and the client's `reasoning.summary`
// reaches a Responses server (said where the answering API has none). t7: an OpenAI Responses upstream's
// summary came back as the reasoning item's content. Through the real HTTP API with the official SDK,
// against fakes on 127.0.0.1 that answer as each server does (test/fakes/*-stream.ts), with the config's keys
// masked as the gateway command has it (a stream's deltas go through its TurnRedactor, which holds each apart).
import assert from "node:assert/strict";
import { after, before, beforeEach, describe, test } from "node:test";
import OpenAI from "openai";
import { anthropicStream } from "../fakes/anthropic-messages-stream.js";
import type { FakeServer, Handler, SseFrame } from "../fakes/fake-server.js";
import { ollamaStream } from "../fakes/ollama-chat-stream.js";
import { completionsStream } from "../fakes/openai-completions-stream.js";
import { responsesStream } from "../fakes/openai-responses-stream.js";
import { fourUpstreams, openAiOverGateway } from "../helpers/openai-over-gateway.js";
import { testGateway } from "../helpers/test-gateway.js";
import { lastBody } from "./openai-setup.js";

const THOUGHT = "Thinking it over: the user greets me.";
const ANSWER = "Hello there.";

const answers: Record<"completions" | "responses" | "anthropic" | "ollama", Handler> = {
  completions: () => ({ kind: "sse", frames: completionsStream({ reasoning: THOUGHT, text: ANSWER }) }),
  responses: () => ({ kind: "sse", frames: responsesStream({ reasoningSummary: THOUGHT, text: ANSWER }) }),
  anthropic: () => ({ kind: "sse", frames: anthropicStream({ thinking: THOUGHT, text: ANSWER }) }),
  ollama: (request) => (request.path === "/api/chat" ? ollamaStream({ thinking: THOUGHT, text: ANSWER }) : { kind: "json", status: 404, body: { error: "not found" } }),
};

/** A stream whose server sends its reasoning as output_text deltas of the reasoning item it opened (seen from servers that reuse their message path). */
function reasoningAsTextDeltas(): SseFrame[] {
  return responsesStream({ flavor: "lmstudio", reasoning: THOUGHT, text: ANSWER }).map((frame) => {
    const event = JSON.parse(frame.data) as { type: string };
    if (event.type !== "response.reasoning_text.delta") return frame;
    const renamed = { ...event, type: "response.output_text.delta", logprobs: [] };
    return { event: renamed.type, data: JSON.stringify(renamed) };
  });
}

describe("proxy mode: reasoning stays apart from the text, a summary stays a summary", () => {
  let servers: Record<keyof typeof answers, FakeServer>;
  let client: OpenAI;
  let close: () => Promise<void>;
  before(async () => {
    servers = await fourUpstreams(answers);
    const gateway = await testGateway(`{
      agents: { defaults: { model: { primary: "resp/r" } } },
      models: { mode: "replace", providers: {
        llama: { baseUrl: "${servers.completions.baseUrl}", api: "openai-completions", models: [{ id: "l", contextWindow: 32000, maxTokens: 4000, reasoning: true }] },
        resp: { baseUrl: "${servers.responses.baseUrl}", api: "openai-responses", models: [{ id: "r", contextWindow: 32000, maxTokens: 4000, reasoning: true }] },
        claude: { baseUrl: "${servers.anthropic.url}", api: "anthropic-messages", apiKey: "test-anthropic-key", models: [{ id: "claude-sonnet-4-5", contextWindow: 32000, maxTokens: 4000, reasoning: true }] },
        olla: { baseUrl: "${servers.ollama.url}", api: "ollama", models: [{ id: "qwen3:8b", contextWindow: 32000, maxTokens: 4000, reasoning: true }] },
      } },
    }`, { secrets: true });
    ({ client, close } = await openAiOverGateway(gateway, Object.values(servers)));
  });
  after(() => close());
  beforeEach(() => {
    for (const [name, server] of Object.entries(servers)) server.setHandler(answers[name as keyof typeof answers]);
  });

  const models = ["llama/l", "resp/r", "claude/claude-sonnet-4-5", "olla/qwen3:8b"];

  test("Chat Completions, whole and streamed: the text is the answer alone, the reasoning in reasoning_content, from every API", async () => {
    for (const model of models) {
      const whole = await client.chat.completions.create({ model, messages: [{ role: "user", content: "Hi" }], reasoning_effort: "low" });
      const message = whole.choices[0]?.message as OpenAI.ChatCompletionMessage & { reasoning_content?: string };
      assert.deepEqual({ text: message.content, reasoning: message.reasoning_content }, { text: ANSWER, reasoning: THOUGHT }, model);
      const stream = await client.chat.completions.create({ model, messages: [{ role: "user", content: "Hi" }], reasoning_effort: "low", stream: true });
      let text = "";
      let reasoning = "";
      for await (const chunk of stream) {
        const delta = chunk.choices[0]?.delta as (OpenAI.ChatCompletionChunk.Choice.Delta & { reasoning_content?: string }) | undefined;
        text += delta?.content ?? "";
        reasoning += delta?.reasoning_content ?? "";
      }
      assert.deepEqual({ text, reasoning }, { text: ANSWER, reasoning: THOUGHT }, `${model} streamed`);
    }
  });

  test("Responses, whole and streamed: a Responses server's summary is the reasoning item's summary; other APIs' reasoning is its content; output_text the answer alone", async () => {
    for (const model of models) {
      const whole = await client.responses.create({ model, input: "Hi", reasoning: { effort: "low" } });
      assert.equal(whole.output_text, ANSWER, model);
      // (Claude's signed thinking comes as one more reasoning item, encrypted for replay: see "Replayed reasoning" in docs/openai-api.md.)
      const reasoning = whole.output.filter((item): item is OpenAI.Responses.ResponseReasoningItem => item.type === "reasoning" && !item.encrypted_content);
      assert.equal(reasoning.length, 1, model);
      const item = reasoning[0] as OpenAI.Responses.ResponseReasoningItem;
      if (model === "resp/r") assert.deepEqual({ summary: item.summary, content: item.content }, { summary: [{ type: "summary_text", text: THOUGHT }], content: undefined }, model);
      else assert.deepEqual({ summary: item.summary, content: item.content }, { summary: [], content: [{ type: "reasoning_text", text: THOUGHT }] }, model);
      const messages = whole.output.filter((output) => output.type === "message");
      assert.equal(JSON.stringify(messages).includes(THOUGHT), false, `${model}: no reasoning in a message`);

      const stream = await client.responses.create({ model, input: "Hi", reasoning: { effort: "low" }, stream: true });
      const deltas: Record<string, string> = {};
      let completed: OpenAI.Responses.Response | undefined;
      for await (const event of stream) {
        if (event.type.endsWith(".delta") && "delta" in event && typeof event.delta === "string") deltas[event.type] = (deltas[event.type] ?? "") + event.delta;
        if (event.type === "response.completed") completed = event.response;
      }
      const reasoningEvent = model === "resp/r" ? "response.reasoning_summary_text.delta" : "response.reasoning_text.delta";
      assert.deepEqual(deltas, { [reasoningEvent]: THOUGHT, "response.output_text.delta": ANSWER }, `${model} streamed`);
      assert.deepEqual(completed?.output.filter((output) => output.type !== "reasoning" || !output.encrypted_content).map((output) => output.type), ["reasoning", "message"]);
    }
  });

  test("a summary in several parts keeps them as paragraphs; a server's raw reasoning and summary each keep their place", async () => {
    servers.responses.setHandler(() => ({ kind: "sse", frames: responsesStream({ reasoningSummary: ["**Greeting**\n\nThe user says hi.", "**Reply**\n\nBe brief."], text: ANSWER }) }));
    const parts = await client.responses.create({ model: "resp/r", input: "Hi", reasoning: { effort: "low" } });
    assert.deepEqual((parts.output[0] as OpenAI.Responses.ResponseReasoningItem).summary, [{ type: "summary_text", text: "**Greeting**\n\nThe user says hi.\n\n**Reply**\n\nBe brief." }]);
    assert.equal(parts.output_text, ANSWER);
    servers.responses.setHandler(() => ({ kind: "sse", frames: responsesStream({ flavor: "lmstudio", reasoning: THOUGHT, reasoningSummary: "In short: greet back.", text: ANSWER }) }));
    const both = await client.responses.create({ model: "resp/r", input: "Hi", reasoning: { effort: "low" } });
    const items = both.output.filter((item): item is OpenAI.Responses.ResponseReasoningItem => item.type === "reasoning");
    assert.deepEqual(items.map((item) => ({ summary: item.summary, content: item.content })), [
      { summary: [{ type: "summary_text", text: "In short: greet back." }], content: undefined },
      { summary: [], content: [{ type: "reasoning_text", text: THOUGHT }] },
    ]);
    assert.equal(both.output_text, ANSWER);
  });

  test("text deltas of an item the server opened as reasoning are reasoning, never the answer", async () => {
    servers.responses.setHandler(() => ({ kind: "sse", frames: reasoningAsTextDeltas() }));
    const chat = await client.chat.completions.create({ model: "resp/r", messages: [{ role: "user", content: "Hi" }], reasoning_effort: "low" });
    const message = chat.choices[0]?.message as OpenAI.ChatCompletionMessage & { reasoning_content?: string };
    assert.deepEqual({ text: message.content, reasoning: message.reasoning_content }, { text: ANSWER, reasoning: THOUGHT });
    const responses = await client.responses.create({ model: "resp/r", input: "Hi", reasoning: { effort: "low" } });
    assert.equal(responses.output_text, ANSWER);
  });

  test("reasoning.summary reaches a Responses server as asked (auto where only an effort is); another API has none, and the reply says so", async () => {
    await client.responses.create({ model: "resp/r", input: "Hi", reasoning: { effort: "high", summary: "detailed" } });
    assert.deepEqual(lastBody(servers.responses).reasoning, { effort: "high", summary: "detailed" });
    await client.responses.create({ model: "resp/r", input: "Hi", reasoning: { summary: "concise" } });
    assert.deepEqual(lastBody(servers.responses).reasoning, { summary: "concise" }, "a summary asked without an effort: the server's own effort");
    await client.chat.completions.create({ model: "resp/r", messages: [{ role: "user", content: "Hi" }], reasoning_effort: "medium" });
    assert.deepEqual(lastBody(servers.responses).reasoning, { effort: "medium", summary: "auto" });
    const claude = await client.responses.create({ model: "claude/claude-sonnet-4-5", input: "Hi", reasoning: { effort: "low", summary: "detailed" } });
    assert.equal(
      (claude.metadata as Record<string, string>).hearth_notice,
      `not sent on: reasoning.summary "detailed" — claude/claude-sonnet-4-5's API (anthropic-messages) has no reasoning summaries: its reasoning comes back as the server gives it`,
    );
    const error = await client.responses.create({ model: "resp/r", input: "Hi", reasoning: { summary: "verbose" as "auto" } }).then(
      () => assert.fail("an unknown summary was accepted"),
      (failure: unknown) => failure,
    );
    assert.ok(error instanceof OpenAI.BadRequestError, String(error));
    assert.equal(error.param, "reasoning.summary");
  });
});
