// llama-server without -np: this llama.cpp runs 4 slots that share one 2,048-token KV cache
// (kv_unified). Parallel requests that together outgrow it all fail at once with "Context size has
// been exceeded." — the shapes the fake (test/fakes/llamacpp-server.ts) copies — and hearth's gateway
// keeps every parallel session's answers whole on it.
import assert from "node:assert/strict";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { LLAMACPP_SHARED_CACHE_FULL } from "../fakes/llamacpp-server.js";
import { runCli, tempDir } from "../helpers/run-cli.js";
import { startGateway } from "../helpers/run-gateway.js";
import { realConfig } from "./config.js";
import { startRealServer, type RealServer } from "./real-server.js";

const story = "Lily and Tom went to the park to play with a big red ball and a little dog. ";

describe("llama-server with 4 auto slots sharing one 2,048-token cache", () => {
  let server: RealServer;
  const temp = tempDir();
  before(async () => {
    server = await startRealServer({ parallel: "auto" });
  });
  after(async () => {
    temp.cleanup();
    await server.kill();
  });

  test("it says 4 slots of 2,048 (not that they share); parallel requests past the cache all fail, before a stream and inside one", async () => {
    assert.match(server.log(), /n_slots = 4, n_ctx_slot = 2048, kv_unified = 'true'/);
    const props = (await (await fetch(`${server.url}/props`)).json()) as { total_slots: number; default_generation_settings: { n_ctx: number } };
    assert.equal(props.total_slots, 4);
    assert.equal(props.default_generation_settings.n_ctx, 2048);
    const ask = (stream: boolean, index: number) =>
      fetch(`${server.baseUrl}/chat/completions`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ model: server.alias, messages: [{ role: "user", content: `${index} ${story.repeat(5)}` }], max_tokens: 1000, stream }),
      });
    // Each fits alone (about 400 + 1,000 tokens); four together cannot.
    const streamed = await Promise.all([0, 1, 2, 3].map(async (index) => {
      const response = await ask(true, index);
      return { status: response.status, frames: (await response.text()).split("\n\n").filter((frame) => frame.startsWith("data: ")).map((frame) => frame.slice(6)) };
    }));
    for (const { status, frames } of streamed) {
      assert.equal(status, 200, "the stream had begun");
      assert.ok(frames.length > 2, "text came before the error");
      assert.deepEqual(JSON.parse(frames[frames.length - 1] ?? "null"), LLAMACPP_SHARED_CACHE_FULL);
    }
    const plain = await Promise.all([0, 1, 2, 3].map(async (index) => {
      const response = await ask(false, index);
      return { status: response.status, body: (await response.json()) as unknown };
    }));
    for (const { status, body } of plain) {
      assert.equal(status, 500);
      assert.deepEqual(body, LLAMACPP_SHARED_CACHE_FULL);
    }
  });

  test("three sessions at once through the gateway: every turn answers whole, and nothing cools down", async () => {
    const file = temp.write("gateway.json5", realConfig(server, { maxTokens: 400 }));
    const gateway = await startGateway(["--config", file], { HEARTH_STATE_DIR: join(temp.dir, "gateway") });
    try {
      const turn = async (session: string, turn: number) => {
        const response = await fetch(`${gateway.url}/v1/chat/completions`, {
          method: "POST",
          headers: { "content-type": "application/json", "x-hearth-session": session },
          body: JSON.stringify({ model: "hearth", messages: [{ role: "user", content: `${session}.${turn}: ${story.repeat(6)}` }] }),
        });
        const body = (await response.json()) as { choices?: { message: { content: string }; finish_reason: string }[] };
        return { status: response.status, text: body.choices?.[0]?.message.content ?? JSON.stringify(body) };
      };
      const sessions = await Promise.all(["a", "b", "c"].map(async (session) => [await turn(session, 1), await turn(session, 2)]));
      for (const answer of sessions.flat()) {
        assert.equal(answer.status, 200, answer.text);
        assert.ok(answer.text.length > 0);
      }
      const status = await runCli(["models", "status", "--json", "--config", file], { env: { HEARTH_STATE_DIR: join(temp.dir, "gateway") } });
      assert.doesNotMatch(status.stdout, /coolingUntil/, "no cooldown was recorded");
    } finally {
      await gateway.stop();
    }
  });

  test("models status --probe says the slots may share the 2,048 tokens, and the flags that give each its own", async () => {
    const file = temp.write("status.json5", realConfig(server));
    const result = await runCli(["models", "status", "--probe", "--json", "--config", file]);
    const [entry] = (JSON.parse(result.stdout) as { chain: { servedContext: number | null; slots: number | null; problems: { id: string; title: string; fix: string }[] }[] }).chain;
    assert.equal(entry?.servedContext, 2048);
    assert.equal(entry?.slots, 4);
    const shared = entry?.problems.find((problem) => problem.id === "shared-cache");
    assert.match(shared?.title ?? "", /4 slots that may share one cache of 2048 tokens/);
    assert.match(shared?.fix ?? "", /-np 4 -c 8192 --no-kv-unified.*-np 1/);
  });
});
