// t16 #8: a hosted Responses model is sent a prompt_cache_key for the conversation, so that OpenAI can
// route its turns to one cache. It was the session key itself: a proxied request's `user`
// ("ann@example.com", whose reply said it went to no model server) or x-hearth-session, an agent's
// session ("http:ann@example.com", a WhatsApp number's). It is a keyed digest now: the same for one
// conversation, another for the next, and none of the words it was made of — through the real HTTP
// API, with the official `openai` SDK, against a fake Responses server that records what it received.
import assert from "node:assert/strict";
import { statSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import type OpenAI from "openai";
import { startFakeServer, type FakeServer } from "../fakes/fake-server.js";
import { responsesStream } from "../fakes/openai-responses-stream.js";
import { openAiOverGateway } from "../helpers/openai-over-gateway.js";
import { runCli, tempDir } from "../helpers/run-cli.js";
import { testGateway } from "../helpers/test-gateway.js";
import { lastBody } from "./openai-setup.js";

describe("the prompt cache key sent to a hosted Responses model names no user and no session", () => {
  let hosted: FakeServer;
  let client: OpenAI;
  let close: () => Promise<void>;
  before(async () => {
    hosted = await startFakeServer(() => ({ kind: "sse", frames: responsesStream({ text: "hosted answer", usage: { input: 3, output: 2 } }) }));
    // The built-in openai provider, pointed at the fake: a hosted provider (a relay on loopback keeps it hosted).
    const gateway = await testGateway(`{
      agents: { defaults: { model: { primary: "openai/gpt-5.1" }, models: { "openai/gpt-5.1": { alias: "Hosted" } } } },
      models: { mode: "replace", providers: {
        openai: { baseUrl: "${hosted.baseUrl}", api: "openai-responses", apiKey: "sk-test-0000", models: [{ id: "gpt-5.1", contextWindow: 200000, maxTokens: 1000 }] },
      } },
    }`);
    ({ client, close } = await openAiOverGateway(gateway, [hosted]));
  });
  after(() => close());

  const cacheKey = (): string => String(lastBody(hosted).prompt_cache_key);

  test("proxy mode: user and x-hearth-session give a stable key of their own that holds neither", async () => {
    const { response } = await client.chat.completions.create({ model: "Hosted", user: "ann@example.com", messages: [{ role: "user", content: "Hi" }] }).withResponse();
    assert.match(decodeURIComponent(response.headers.get("x-hearth-notice") ?? ""), /not sent on: user .* sends it to no model server/);
    const ann = cacheKey();
    assert.ok(ann !== "undefined" && !ann.includes("ann") && !ann.includes("example"), ann);
    await client.chat.completions.create({ model: "Hosted", user: "ann@example.com", messages: [{ role: "user", content: "Hi again" }] });
    assert.equal(cacheKey(), ann, "one conversation keeps its key (its turns share OpenAI's cache)");
    await client.responses.create({ model: "Hosted", input: "Hi" }, { headers: { "x-hearth-session": "bob.smith@corp.example" } });
    const bob = cacheKey();
    assert.ok(bob !== ann && !bob.includes("bob") && !bob.includes("corp"), bob);
  });

  test("agent mode: the session's key is not sent either", async () => {
    await client.chat.completions.create({ model: "hearth", user: "ann@example.com", messages: [{ role: "user", content: "Hi" }] });
    const sent = cacheKey();
    assert.ok(sent !== "undefined" && !sent.includes("ann") && !sent.includes("http"), sent);
    assert.ok(!JSON.stringify(lastBody(hosted)).includes("ann@example.com"), "the session's key is nowhere in the request");
  });
});

// s22 review #8: the key's secret was a random one of each process, so a conversation got another key after a
// restart or from `hearth agent`, and lost OpenAI's cache. It is the state dir's `prompt-cache.key` now.
test("two processes of one state dir send a conversation the same prompt cache key, another state dir another", async () => {
  const hosted = await startFakeServer(() => ({ kind: "sse", frames: responsesStream({ text: "hosted answer", usage: { input: 3, output: 2 } }) }));
  const temp = tempDir();
  try {
    const file = temp.write("hearth.json5", `{
      agents: { defaults: { model: { primary: "openai/gpt-5.1" } } },
      models: { mode: "replace", providers: {
        openai: { baseUrl: "${hosted.baseUrl}", api: "openai-responses", apiKey: "sk-test-0000", models: [{ id: "gpt-5.1", contextWindow: 200000, maxTokens: 1000 }] },
      } },
    }`);
    const keyFrom = async (state: string, text: string): Promise<string> => {
      const run = await runCli(["agent", "--config", file, "-m", text], { env: { HOME: temp.dir, HEARTH_STATE_DIR: join(temp.dir, state) } });
      assert.equal(run.code, 0, run.stderr);
      return String(lastBody(hosted).prompt_cache_key);
    };
    const first = await keyFrom("one", "Hi");
    assert.match(first, /^hearth-[A-Za-z0-9_-]{32}$/);
    assert.equal(await keyFrom("one", "Hi again"), first, "the next process of the state dir keys the conversation alike");
    assert.equal(statSync(join(temp.dir, "one", "prompt-cache.key")).mode & 0o777, 0o600);
    assert.notEqual(await keyFrom("two", "Hi"), first, "another state dir has a secret of its own");
  } finally {
    temp.cleanup();
    await hosted.close();
  }
});
