import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { HttpClient } from "../../src/ai/http/http-client.js";
import { createOpenAICompletionsAdapter } from "../../src/ai/providers/openai-completions/index.js";
import { LEAST_REPLY_CHARACTERS, replyCharacterBound } from "../../src/ai/reply-bound.js";
import { startFakeServer, type FakeServer } from "../fakes/fake-server.js";
import { completionsStream } from "../fakes/openai-completions-stream.js";
import { modelSpec, run } from "./adapter-contract.js";

// A server that does not keep to the reply limit it was sent streams until the gateway's memory gives
// out: 400 MiB of deltas ended the gateway with a V8 fatal error (t17 #1). A reply past its bound fails.

const CHUNK = 64 * 1024;

describe("a reply far past its limit is stopped", () => {
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

  test("text past the bound: the call fails as a broken stream that says why, holding no more than the bound", async () => {
    const bound = replyCharacterBound(100);
    assert.equal(bound, LEAST_REPLY_CHARACTERS);
    server.setHandler(() => ({ kind: "sse", frames: completionsStream({ text: "A".repeat(bound + 4 * CHUNK), chunkSize: CHUNK }) }));
    const outcome = await run(createOpenAICompletionsAdapter({ http }), modelSpec("openai-completions", server.baseUrl, { maxTokens: 100 }));
    assert.equal(outcome.end, undefined, "the reply is not taken as complete");
    assert.equal(outcome.failure?.kind, "stream-broken");
    assert.match(outcome.failure?.message ?? "", /^test\/model-x: the answer passed 1,048,576 characters, far more than its reply limit of 100 tokens could hold: the server does not keep to the limit it was sent \(max_tokens\)/);
    assert.ok(outcome.text.length <= bound, `${outcome.text.length} characters given out`);
  });

  test("a server that goes on sending after the bound is not waited for", async () => {
    const bound = replyCharacterBound(100);
    const frames = completionsStream({ text: "B".repeat(bound + 2 * CHUNK), chunkSize: CHUNK }).slice(0, -2);
    server.setHandler(() => ({ kind: "sse", frames, after: "hang" }));
    const outcome = await run(createOpenAICompletionsAdapter({ http }), modelSpec("openai-completions", server.baseUrl, { maxTokens: 100 }), undefined, { timeouts: { connectMs: 1000, firstByteMs: 10_000, idleMs: 10_000 } });
    assert.equal(outcome.failure?.kind, "stream-broken");
    assert.match(outcome.failure?.message ?? "", /the answer passed 1,048,576 characters/);
  });

  test("tool-call arguments count toward it", async () => {
    const bound = replyCharacterBound(100);
    server.setHandler(() => ({ kind: "sse", frames: completionsStream({ toolCalls: [{ id: "c1", name: "memory", arguments: `{"note":"${"C".repeat(bound)}"}` }], chunkSize: CHUNK }) }));
    const outcome = await run(createOpenAICompletionsAdapter({ http }), modelSpec("openai-completions", server.baseUrl, { maxTokens: 100 }));
    assert.equal(outcome.failure?.kind, "stream-broken");
    assert.equal(outcome.events.filter((event) => event.type === "tool-call").length, 0, "no call past the bound is run");
  });

  test("a long reply within a larger limit's bound is read whole", async () => {
    const text = "D".repeat(LEAST_REPLY_CHARACTERS + 3 * CHUNK);
    server.setHandler(() => ({ kind: "sse", frames: completionsStream({ text, chunkSize: CHUNK }) }));
    const outcome = await run(createOpenAICompletionsAdapter({ http }), modelSpec("openai-completions", server.baseUrl, { maxTokens: 100_000 }));
    assert.equal(outcome.failure, undefined, outcome.failure?.message);
    assert.equal(outcome.text.length, text.length);
  });

  test("the bound: 16 characters a token, at least 1 Mi, at most 4 Mi", () => {
    assert.equal(replyCharacterBound(100_000), 100_000 * 16);
    assert.equal(replyCharacterBound(4096), LEAST_REPLY_CHARACTERS);
    assert.equal(replyCharacterBound(65_536), LEAST_REPLY_CHARACTERS);
    assert.equal(replyCharacterBound(10_000_000), 4 * 1024 * 1024);
    assert.equal(replyCharacterBound(Number.NaN), LEAST_REPLY_CHARACTERS);
  });
});
