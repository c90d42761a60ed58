// A real llama-server whose model was trained for 2,048 tokens (its /v1/models meta.n_ctx_train), under a
// configured contextWindow of 8,192. A context error's fix raises the server's limit first where the server
// is what limits (the brief: "raise the server's limit"), never to a -c past the 2,048 llama.cpp would
// give: the trained context is named as the most it can have, and where even that cannot hold what is sent,
// the fix says so and gives no -c at all. Each fix, followed, is checked against the server it names.
import assert from "node:assert/strict";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { runCli, tempDir } from "../helpers/run-cli.js";
import { startGateway } from "../helpers/run-gateway.js";
import { realConfig } from "./config.js";
import { startRealServer, type RealServer } from "./real-server.js";

/** About 950 tokens to this model's tokenizer: more than a 1,024 window leaves a message, less than 2,048 does. */
const FITS_2048 = "Once upon a time there was a cat. ".repeat(47);
/** About 1,800 tokens: more than even 2,048 leaves beside the system prompt, the reply and the reserve. */
const BEYOND_2048 = "Once upon a time there was a cat. ".repeat(88);
const PAST_TRAINED = /-c (8192|16384)|--max-model-len 8192|context length 8192/;

describe("llama-server trained for 2,048 tokens, under contextWindow 8,192", () => {
  const temp = tempDir();
  const servers: RealServer[] = [];
  after(async () => {
    temp.cleanup();
    for (const server of servers) await server.kill();
  });
  const start = async (ctx: number): Promise<RealServer> => {
    const server = await startRealServer({ ctx });
    servers.push(server);
    return server;
  };
  const agent = (file: string, message: string, state: string) => runCli(["agent", "--config", file, "-m", message], { env: { HEARTH_STATE_DIR: join(temp.dir, state) } });

  test("served at 1,024: a message too large leads with the restart to -c 2048 (the most it can have); followed, the message is answered", async () => {
    const small = await start(1024);
    assert.match(await (await fetch(`${small.url}/v1/models`)).text(), /"n_ctx_train":2048/, "the server's own word on the maximum");
    const file = temp.write("small.json5", realConfig(small, { contextWindow: 8192 }));
    const refused = await agent(file, FITS_2048, "small");
    assert.equal(refused.code, 1, refused.stdout);
    assert.match(refused.stderr, /the message is too large: about [\d,]+ tokens, and the largest window in the chain \(llama\/stories260k, 1,024 tokens: what its server runs, contextWindow says 8,192\)/);
    assert.match(refused.stderr, /Fix: restart the server with 2,048 tokens of context, the most it can have \(llama\.cpp: -c 2048\) — or split it, or attach it as a file\. Nothing was sent\./);
    assert.doesNotMatch(refused.stderr, PAST_TRAINED);
    // The fix, followed: the same model served with -c 2048 answers the same message (contextWindow left at 8,192).
    const restarted = await start(2048);
    const answered = await agent(temp.write("restarted.json5", realConfig(restarted, { contextWindow: 8192 })), FITS_2048, "restarted");
    assert.equal(answered.code, 0, answered.stderr);
    assert.notEqual(answered.stdout.trim(), "");
    assert.doesNotMatch(answered.stderr, /too large/);
  });

  test("a message no context of this model can hold: said so, with no -c to try", async () => {
    const small = servers[0] ?? (await start(1024));
    const refused = await agent(temp.write("beyond.json5", realConfig(small, { contextWindow: 8192 })), BEYOND_2048, "beyond");
    assert.equal(refused.code, 1, refused.stdout);
    assert.match(refused.stderr, /Even the most context llama\/stories260k can have \(2,048 tokens, as its server says\) cannot hold it: split it, attach it as a file, or use a model with a larger window\. Nothing was sent\./);
    assert.doesNotMatch(refused.stderr, /-c \d|--max-model-len/);
    // Served at 2,048 already (no bottleneck): the same words, not "Split it" alone.
    const full = servers[1] ?? (await start(2048));
    const atFull = await agent(temp.write("beyond-full.json5", realConfig(full, { contextWindow: 8192 })), BEYOND_2048, "beyond-full");
    assert.match(atFull.stderr, /Even the most context llama\/stories260k can have \(2,048 tokens, as its server says\) cannot hold it/);
  });

  test("served at 256: no message fits, and every path's fix restarts it with -c 2048, never the 8,192 contextWindow says", async () => {
    const tiny = await start(256);
    const file = temp.write("tiny.json5", realConfig(tiny, { contextWindow: 8192 }));
    const FIX = /Fix: restart the server with 2,048 tokens of context, the most it can have \(llama\.cpp: -c 2048\)/;
    const refused = await agent(file, "hi", "tiny");
    assert.match(refused.stderr, /llama\/stories260k cannot take any message: the server runs llama\/stories260k with 256 tokens of context \(contextWindow says 8,192\)/);
    assert.match(refused.stderr, FIX);
    assert.doesNotMatch(refused.stderr, PAST_TRAINED);
    const status = await runCli(["models", "status", "--probe", "--json", "--config", file]);
    const [entry] = (JSON.parse(status.stdout) as { chain: { problems: { id: string; fix: string }[] }[] }).chain;
    const tooSmall = entry?.problems.find((problem) => problem.id === "context-too-small");
    assert.match(tooSmall?.fix ?? "", /^restart the server with 2,048 tokens of context, the most it can have \(llama\.cpp: -c 2048\)/, status.stdout);
    assert.doesNotMatch(tooSmall?.fix ?? "", PAST_TRAINED);
    // Proxy mode: the request passed on whole, refused with the server's count, and the same capped fix.
    const gateway = await startGateway(["--config", file], { HEARTH_STATE_DIR: join(temp.dir, "gateway") });
    try {
      const system = "You are a helpful assistant who tells short stories to children. ".repeat(6);
      const response = await fetch(`${gateway.url}/v1/chat/completions`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ model: "llama/stories260k", messages: [{ role: "system", content: system }, { role: "user", content: "hi" }] }) });
      const body = (await response.json()) as { error: { message: string } };
      assert.equal(response.status, 400, body.error.message);
      assert.match(body.error.message, /Fix: restart the server with 2,048 tokens of context, the most it can have \(llama\.cpp: -c 2048\)/);
      assert.doesNotMatch(body.error.message, PAST_TRAINED);
    } finally {
      await gateway.stop();
    }
  });
});
