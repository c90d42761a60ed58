// llama.cpp's `timings` ({prompt_n, cache_n, predicted_n, prompt_per_second, …}) beside or instead of
// `usage`: the chat-completions last chunk and the Responses `response.completed` event carry it
// (tools/server/server-task.cpp: `deltas.back()["timings"]`, `server_sent_events.back().at("data")["timings"]`).
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { HttpClient } from "../../src/ai/http/http-client.js";
import { createOpenAICompletionsAdapter } from "../../src/ai/providers/openai-completions/index.js";
import { createOpenAIResponsesAdapter } from "../../src/ai/providers/openai-responses/index.js";
import { startFakeServer, type FakeServer, type SseFrame } from "../fakes/fake-server.js";
import { ask, chainFromServers, route, testRouting } from "../helpers/routing.js";
import { modelSpec, run } from "./adapter-contract.js";

const timings = { cache_n: 900, prompt_n: 120, prompt_ms: 60, prompt_per_token_ms: 0.5, prompt_per_second: 2000, predicted_n: 16, predicted_ms: 20, predicted_per_token_ms: 1.25, predicted_per_second: 800 };
const chunk = (fields: Record<string, unknown>): SseFrame => ({ data: JSON.stringify({ id: "chatcmpl-x", object: "chat.completion.chunk", created: 1767225600, model: "stories260k", system_fingerprint: "b1-x", ...fields }) });

describe("usage from llama.cpp's timings", () => {
  let server: FakeServer;
  let http: HttpClient;
  before(async () => {
    server = await startFakeServer(() => ({ kind: "json", body: {} }));
    http = new HttpClient();
  });
  after(async () => {
    http.destroy();
    await server.close();
  });

  test("chat completions without any usage: input, cached and output tokens from the timings, not estimated", async () => {
    server.setHandler(() => ({
      kind: "sse",
      frames: [
        chunk({ choices: [{ index: 0, delta: { role: "assistant", content: "Once" }, finish_reason: null }] }),
        chunk({ choices: [{ index: 0, delta: {}, finish_reason: "length" }], timings }),
        { data: "[DONE]" },
      ],
    }));
    const outcome = await run(createOpenAICompletionsAdapter({ http }), modelSpec("openai-completions", server.baseUrl));
    const usage = outcome.end?.usage;
    assert.deepEqual({ input: usage?.input, cacheRead: usage?.cacheRead, output: usage?.output, estimated: usage?.estimated, speed: usage?.promptPerSecond }, { input: 120, cacheRead: 900, output: 16, estimated: false, speed: 2000 });
  });

  test("chat completions with usage that lacks cached tokens: the cached share from cache_n", async () => {
    server.setHandler(() => ({
      kind: "sse",
      frames: [
        chunk({ choices: [{ index: 0, delta: { content: "Once" }, finish_reason: null }] }),
        chunk({ choices: [{ index: 0, delta: {}, finish_reason: "stop" }] }),
        chunk({ choices: [], usage: { completion_tokens: 16, prompt_tokens: 1020, total_tokens: 1036 }, timings }),
        { data: "[DONE]" },
      ],
    }));
    const outcome = await run(createOpenAICompletionsAdapter({ http }), modelSpec("openai-completions", server.baseUrl));
    assert.deepEqual([outcome.end?.usage.input, outcome.end?.usage.cacheRead, outcome.end?.usage.output], [120, 900, 16]);
  });

  test("the server's cached-token count wins where it sent one", async () => {
    server.setHandler(() => ({
      kind: "sse",
      frames: [
        chunk({ choices: [{ index: 0, delta: { content: "Once" }, finish_reason: "stop" }] }),
        chunk({ choices: [], usage: { completion_tokens: 16, prompt_tokens: 1020, total_tokens: 1036, prompt_tokens_details: { cached_tokens: 1000 } }, timings }),
        { data: "[DONE]" },
      ],
    }));
    const outcome = await run(createOpenAICompletionsAdapter({ http }), modelSpec("openai-completions", server.baseUrl));
    assert.deepEqual([outcome.end?.usage.input, outcome.end?.usage.cacheRead], [20, 1000]);
  });

  test("Responses: timings beside response.completed fill a usage without input_tokens_details", async () => {
    const response = { id: "resp_x", object: "response", status: "completed", model: "stories260k", output: [], usage: { input_tokens: 1020, output_tokens: 16, total_tokens: 1036 } };
    server.setHandler(() => ({
      kind: "sse",
      frames: [
        { event: "response.output_text.delta", data: JSON.stringify({ type: "response.output_text.delta", item_id: "msg_x", output_index: 0, content_index: 0, delta: "Once" }) },
        { event: "response.completed", data: JSON.stringify({ type: "response.completed", response, timings }) },
      ],
    }));
    const outcome = await run(createOpenAIResponsesAdapter({ http }), modelSpec("openai-responses", server.baseUrl));
    assert.deepEqual([outcome.end?.usage.input, outcome.end?.usage.cacheRead, outcome.end?.usage.output], [120, 900, 16]);
  });

  test("the router keeps the speed llama.cpp measured: it sets the first-token limit of the next long prompt", async () => {
    server.setHandler(() => ({
      kind: "sse",
      frames: [chunk({ choices: [{ index: 0, delta: { content: "Once" }, finish_reason: "stop" }], timings: { ...timings, prompt_per_second: 5000 } }), { data: "[DONE]" }],
    }));
    const routing = testRouting();
    const chain = chainFromServers({ local: server.baseUrl });
    const before = routing.prefill.firstTokenLimitMs("local/m", true, 30_000, 12_000);
    await route(routing.router, { chain, context: ask });
    routing.close();
    assert.equal(routing.prefill.tokensPerSecond("local/m"), 5000);
    assert.ok(routing.prefill.firstTokenLimitMs("local/m", true, 30_000, 12_000) < before, "a fast server gets a tighter limit than the modest default assumes");
  });
});
