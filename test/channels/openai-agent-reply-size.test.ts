import assert from "node:assert/strict";
import { afterEach, describe, test } from "node:test";
import type { RecordedRequest } from "../fakes/fake-server.js";
import { completionsStream } from "../fakes/openai-completions-stream.js";
import { apiSetup, type ApiSetup } from "./openai-setup.js";

// Agent mode sets aside room for the reply when it checks that the conversation fits the window: the
// client's max_tokens where that is smaller than the config's maxTokens, so a client asking for short
// replies does not get its history compacted for room it never asked for.

const SESSION = "http:near-the-window";
/** local/m1 in the setup: contextWindow 32000, maxTokens 1000; the reserve is 10% of the window (3200). */
const PROMPT_ROOM_CONFIGURED = 32_000 - 1_000 - 3_200;
const PROMPT_ROOM_ASKED_100 = 32_000 - 100 - 3_200;

describe("OpenAI-compatible API, agent mode: the reply set aside is the client's max_tokens when smaller", () => {
  let api: ApiSetup | undefined;
  afterEach(async () => {
    await api?.close();
    api = undefined;
  });

  /**
   * A session whose next message brings the prompt between the two rooms (the config's reply size does
   * not leave room for it, 100 tokens of reply do), then that message with `maxTokens` or without.
   * Returns the chat requests the model server received and the last one.
   */
  async function nearTheWindow(maxTokens: number | undefined): Promise<{ posts: RecordedRequest[]; last: Record<string, unknown> }> {
    api = await apiSetup();
    // No window reported (a GET is answered 404): the configured one is the window.
    api.local.setHandler((request) => (request.method === "POST" ? { kind: "sse", frames: completionsStream({ text: "Noted.", usage: null }) } : { kind: "json", status: 404, body: { error: { message: "not here" } } }));
    const session = { headers: { "x-hearth-session": SESSION } };
    await api.client.chat.completions.create({ model: "hearth", messages: [{ role: "user", content: `Keep this for later: ${"a long note about the garden. ".repeat(2_700)}` }] }, session);
    const before = await api.gateway.port.sessions().contextUse(SESSION);
    const target = Math.round((PROMPT_ROOM_CONFIGURED + PROMPT_ROOM_ASKED_100) / 2);
    assert.ok(before.tokens < PROMPT_ROOM_CONFIGURED - 2_000, `the first turn leaves room for the second message: ${before.tokens}`);
    // The estimate counts four characters a token and 16 characters of framing a message.
    const text = "x".repeat((target - before.tokens) * 4 - 16);
    await api.client.chat.completions.create({ model: "hearth", messages: [{ role: "user", content: text }], ...(maxTokens === undefined ? {} : { max_tokens: maxTokens }) }, session);
    const posts = api.local.requests.filter((request) => request.method === "POST");
    return { posts, last: posts.at(-1)?.body as Record<string, unknown> };
  }

  test("without max_tokens, the config's reply size does not fit: the session is compacted before the reply", async () => {
    const { posts } = await nearTheWindow(undefined);
    assert.ok(posts.length >= 3, `the first turn, a summary, the second turn: ${posts.length} requests`);
  });

  test("with max_tokens 100, the conversation fits with room for that reply: nothing is compacted, the whole history goes out", async () => {
    const { posts, last } = await nearTheWindow(100);
    assert.equal(posts.length, 2, "the two turns, no summary");
    assert.equal(last.max_tokens ?? last.max_completion_tokens, 100);
    assert.match(JSON.stringify(last.messages), /Keep this for later: a long note about the garden/, "the first message is still in the prompt");
  });
});
