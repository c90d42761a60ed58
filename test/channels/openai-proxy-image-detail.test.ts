// An image's `detail` (Chat Completions `image_url.detail`, Responses `input_image.detail`) reaches the
// APIs that have the field as the client asked it, and where the answering API has no place for it the
// reply says it was not sent on. t7: every image went upstream as "auto". Through the real HTTP API with
// the official SDK, against fakes on 127.0.0.1 that record what each upstream received.
import assert from "node:assert/strict";
import { after, before, beforeEach, describe, test } from "node:test";
import OpenAI from "openai";
import { anthropicStream } from "../fakes/anthropic-messages-stream.js";
import type { FakeServer } from "../fakes/fake-server.js";
import { ollamaStream } from "../fakes/ollama-chat-stream.js";
import { completionsStream } from "../fakes/openai-completions-stream.js";
import { responsesStream } from "../fakes/openai-responses-stream.js";
import { fourUpstreams, openAiOverGateway } from "../helpers/openai-over-gateway.js";
import { testGateway } from "../helpers/test-gateway.js";
import { lastBody } from "./openai-setup.js";

const PNG = "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==";
const noticeOf = (response: Response): string => decodeURIComponent(response.headers.get("x-hearth-notice") ?? "");

/** A Chat Completions user message of some text and images, each with its detail (undefined: none given). */
function chatImages(...details: ("low" | "high" | "auto" | undefined)[]): OpenAI.ChatCompletionMessageParam[] {
  const images = details.map((detail): OpenAI.ChatCompletionContentPartImage => ({ type: "image_url", image_url: detail === undefined ? { url: PNG } : { url: PNG, detail } }));
  return [{ role: "user", content: [{ type: "text", text: "What is in these?" }, ...images] }];
}

/** The images of the last request a fake received, as its API carries them. */
function sentImages(server: FakeServer): unknown[] {
  const body = lastBody(server) as { messages?: { content: unknown }[]; input?: { content: unknown }[] };
  const parts = (body.messages ?? body.input ?? []).flatMap((message) => (Array.isArray(message.content) ? (message.content as { type: string }[]) : []));
  return parts.filter((part) => part.type !== "text" && part.type !== "input_text");
}

describe("proxy mode: an image's detail is carried where the API has the field, said where it has none", () => {
  let servers: Record<"completions" | "responses" | "anthropic" | "ollama", FakeServer>;
  let client: OpenAI;
  let close: () => Promise<void>;
  before(async () => {
    servers = await fourUpstreams({
      completions: () => ({ kind: "sse", frames: completionsStream({ text: "A dot." }) }),
      responses: () => ({ kind: "sse", frames: responsesStream({ text: "A dot." }) }),
      anthropic: () => ({ kind: "sse", frames: anthropicStream({ text: "A dot." }) }),
      ollama: (request) => (request.path === "/api/chat" ? ollamaStream({ text: "A dot." }) : { kind: "json", status: 404, body: { error: "not found" } }),
    });
    const gateway = await testGateway(`{
      agents: { defaults: { model: { primary: "llama/l" } } },
      models: { mode: "replace", providers: {
        llama: { baseUrl: "${servers.completions.baseUrl}", api: "openai-completions", models: [{ id: "l", contextWindow: 32000, maxTokens: 1000, input: ["text", "image"] }] },
        resp: { baseUrl: "${servers.responses.baseUrl}", api: "openai-responses", models: [{ id: "r", contextWindow: 32000, maxTokens: 1000, input: ["text", "image"] }] },
        claude: { baseUrl: "${servers.anthropic.url}", api: "anthropic-messages", apiKey: "test-anthropic-key", models: [{ id: "c", contextWindow: 32000, maxTokens: 1000, input: ["text", "image"] }] },
        olla: { baseUrl: "${servers.ollama.url}", api: "ollama", models: [{ id: "o", contextWindow: 32000, maxTokens: 1000, input: ["text", "image"] }] },
      } },
    }`);
    ({ client, close } = await openAiOverGateway(gateway, Object.values(servers)));
  });
  after(() => close());
  beforeEach(() => {
    for (const server of Object.values(servers)) server.requests.length = 0;
  });

  test("Chat Completions and Responses upstreams get each image's detail as the client asked it, from either endpoint; none asked, none invented", async () => {
    const chat = await client.chat.completions.create({ model: "llama/l", messages: chatImages("low", "high", undefined) }).withResponse();
    assert.deepEqual(sentImages(servers.completions).map((part) => (part as { image_url: { detail?: string } }).image_url.detail), ["low", "high", undefined]);
    assert.equal(noticeOf(chat.response), "");
    const responses = await client.chat.completions.create({ model: "resp/r", messages: chatImages("low", "auto", undefined) }).withResponse();
    assert.deepEqual(sentImages(servers.responses).map((part) => (part as { detail: string }).detail), ["low", "auto", "auto"], "input_image.detail is required: auto where none was asked");
    assert.equal(noticeOf(responses.response), "");
    await client.responses.create({ model: "resp/r", input: [{ role: "user", content: [{ type: "input_text", text: "And this?" }, { type: "input_image", image_url: PNG, detail: "original" }] }] });
    assert.deepEqual(sentImages(servers.responses).map((part) => (part as { detail: string }).detail), ["original"]);
    await client.responses.create({ model: "llama/l", input: [{ role: "user", content: [{ type: "input_text", text: "And this?" }, { type: "input_image", image_url: PNG, detail: "high" }] }] });
    assert.deepEqual(sentImages(servers.completions).map((part) => (part as { image_url: { detail?: string } }).image_url.detail), ["high"]);
  });

  test("Anthropic and Ollama have no image detail: the image goes, and the reply says its detail was not sent on", async () => {
    const claude = await client.chat.completions.create({ model: "claude/c", messages: chatImages("low", "high") }).withResponse();
    assert.equal(sentImages(servers.anthropic).length, 2);
    assert.equal(noticeOf(claude.response), `not sent on: image detail "low", "high" (2 images) — claude/c's API (anthropic-messages) has no image detail: the server's default was used`);
    const ollama = await client.chat.completions.create({ model: "olla/o", messages: chatImages("high") }).withResponse();
    assert.equal((lastBody(servers.ollama).messages as { images?: string[] }[])[0]?.images?.length, 1);
    assert.equal(noticeOf(ollama.response), `not sent on: image detail "high" — olla/o's API (ollama) has no image detail: the server's default was used`);
    const auto = await client.chat.completions.create({ model: "claude/c", messages: chatImages("auto", undefined) }).withResponse();
    assert.equal(noticeOf(auto.response), "", "auto asks for nothing");
    const streamed = await fetch(`${client.baseURL}/chat/completions`, { method: "POST", headers: { "content-type": "application/json", authorization: "Bearer test-key" }, body: JSON.stringify({ model: "olla/o", messages: chatImages("low"), stream: true }) });
    assert.match(await streamed.text(), /^: hearth: not sent on: image detail "low" — olla\/o's API \(ollama\) has no image detail/m);
  });

  test("Chat Completions has no \"original\" (the Responses API's): said when a Chat Completions model answers a Responses request asking it", async () => {
    const reply = await client.responses.create({ model: "llama/l", input: [{ role: "user", content: [{ type: "input_text", text: "And this?" }, { type: "input_image", image_url: PNG, detail: "original" }] }] });
    assert.deepEqual(sentImages(servers.completions).map((part) => (part as { image_url: { detail?: string } }).image_url.detail), [undefined]);
    assert.equal((reply.metadata as Record<string, string>).hearth_notice, `not sent on: image detail "original" — llama/l's API (openai-completions) has no "original" detail (the Responses API's): the server's default was used`);
  });

  test("a detail neither API knows is a 400 naming the part's field, before any call; agent mode says it sends its images at the default", async () => {
    const cases: [string, () => Promise<unknown>][] = [
      ["messages[0].content[1].image_url.detail", () => client.chat.completions.create({ model: "llama/l", messages: [{ role: "user", content: [{ type: "text", text: "?" }, { type: "image_url", image_url: { url: PNG, detail: "original" as "low" } }] }] })],
      ["input[0].content[1].detail", () => client.responses.create({ model: "resp/r", input: [{ role: "user", content: [{ type: "input_text", text: "?" }, { type: "input_image", image_url: PNG, detail: "max" as "low" }] }] })],
    ];
    for (const [param, call] of cases) {
      const error = await call().then(
        () => assert.fail(`${param} was accepted`),
        (failure: unknown) => failure,
      );
      assert.ok(error instanceof OpenAI.BadRequestError, String(error));
      assert.equal(error.param, param);
    }
    assert.equal(Object.values(servers).reduce((count, server) => count + server.requests.length, 0), 0);
    const agent = await client.chat.completions.create({ model: "hearth", messages: chatImages("high") }).withResponse();
    assert.match(noticeOf(agent.response), /^not sent on: image detail "high" — an agent sends its images at its model server's default detail \(name a model, proxy mode, to send yours\)/);
  });
});
