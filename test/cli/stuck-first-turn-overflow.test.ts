import assert from "node:assert/strict";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { startFakeServer, type FakeServer } from "../fakes/fake-server.js";
import { llamaCppHandler, type LlamaCppOptions } from "../fakes/llamacpp-server.js";
import { completionsStream } from "../fakes/openai-completions-stream.js";
import { responsesStream } from "../fakes/openai-responses-stream.js";
import { runCli, tempDir } from "../helpers/run-cli.js";
import type { AgentJson } from "../realserver/config.js";

/**
 * Trial t18 #3: a turn planned while the server was stuck (it did not answer the ask for its context)
 * went out against the config's 32768 to a llama-server run with -c 1024, which refused it: "request
 * (N tokens) exceeds the available context size (1024 tokens)". That refusal teaches the served context:
 * the same model is asked again once, its conversation trimmed to 1024, before any fallback; where even
 * the turn alone cannot fit, the error says so in hearth's words, with the window and the fix.
 */
describe("a first turn planned before a stuck server said its context, refused as too long", () => {
  const temp = tempDir();
  let local: FakeServer;
  let spare: FakeServer;
  /** The server answers nothing but the turn itself (SIGSTOP until the call, then SIGCONT). */
  let stuck = false;
  /** The fallback refuses every call. */
  let spareDown = false;
  const options: LlamaCppOptions = {
    nCtx: 8192,
    responses: () => ({ kind: "sse", frames: responsesStream({ model: "stories260k", text: "Once upon a time.", usage: { input: 200, output: 5 }, status: "completed" }) }),
  };
  const llama = llamaCppHandler(options);
  before(async () => {
    local = await startFakeServer((request) => (stuck && !request.path.startsWith("/v1/responses") ? { kind: "hang-before-headers" } : llama(request)));
    spare = await startFakeServer(() => spareDown ? { kind: "json", status: 503, body: { error: { message: "down for the test" } } } : ({ kind: "sse", frames: completionsStream({ text: "spare answer", usage: { input: 10, output: 2 }, finishReason: "stop" }) }));
  });
  after(async () => {
    temp.cleanup();
    await Promise.all([local.close(), spare.close()]);
  });

  const config = (): string =>
    temp.write("hearth.json5", `{ agents: { defaults: { model: { primary: "local/stories260k", fallbacks: ["spare/s"] } } },
      models: { mode: "replace", providers: {
        local: { baseUrl: "${local.baseUrl}", api: "openai-responses", models: [{ id: "stories260k", contextWindow: 32768, maxTokens: 8192 }] },
        spare: { baseUrl: "${spare.baseUrl}", api: "openai-completions", models: [{ id: "s", contextWindow: 32768, maxTokens: 100 }] } } } }`);
  const posts = (server: FakeServer): number => server.requests.filter((request) => request.method === "POST" && request.path !== "/tokenize").length;

  test("a conversation too long for the window the refusal states is trimmed to it and sent to the same model again, not to the fallback", async () => {
    const file = config();
    const env = { HEARTH_STATE_DIR: join(temp.dir, "retry") };
    // Earlier turns, while the server ran with a larger context.
    for (const turn of [1, 2, 3]) {
      const earlier = await runCli(["agent", "--config", file, "-m", `Turn ${turn}: ${"The little dog ran to the park and played with a ball. ".repeat(22)}`], { env });
      assert.equal(earlier.code, 0, earlier.stderr);
    }
    options.nCtx = 1024;
    stuck = true;
    const sentBefore = posts(local);
    const result = await runCli(["agent", "--config", file, "--json", "-m", "And then?"], { env });
    stuck = false;
    assert.equal(result.code, 0, result.stderr);
    const answer = JSON.parse(result.stdout) as AgentJson;
    assert.equal(answer.model, "local/stories260k", result.stdout);
    assert.deepEqual(answer.attempts.map((attempt) => [attempt.model, attempt.outcome]), [["local/stories260k", "context-overflow"], ["local/stories260k", "ok"]]);
    // The refused call; the summaries of the earlier turns its window needs (asked of it, as any turn's compaction); the call again, held to that window.
    const sent = local.requests.filter((request) => request.path === "/v1/responses").slice(-(posts(local) - sentBefore)).map((request) => request.body as { max_output_tokens?: number; instructions?: string });
    const turnCalls = sent.filter((body) => !(body.instructions ?? "").startsWith("You write the memory"));
    assert.deepEqual(turnCalls.map((body) => body.max_output_tokens), [8192, 256], "planned against the config, then against the 1024 the refusal stated");
    assert.equal(posts(spare), 0, "no fallback call");
  });

  test("a turn that alone cannot fit the stated window: hearth's words, the window against contextWindow and the fix, not only the server's", async () => {
    options.nCtx = 1024;
    stuck = true;
    const result = await runCli(["agent", "--config", config(), "-m", "The little dog ran to the park and played with a ball. ".repeat(90)], { env: { HEARTH_STATE_DIR: join(temp.dir, "alone") } });
    stuck = false;
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stderr, /^local\/stories260k: the server's context is 1024 tokens, not the 32768 of contextWindow; planning against 1024 \(raise the server's context, or lower contextWindow\)$/m, result.stderr);
    assert.match(result.stderr, /answered by spare\/s — local\/stories260k \(local server\) context full/, result.stderr);
    // With no fallback that answers, the error gives the refusal in hearth's words: the window stated against contextWindow, and the fix.
    spareDown = true;
    stuck = true;
    const failed = await runCli(["agent", "--config", config(), "-m", "The little dog ran to the park and played with a ball. ".repeat(90)], { env: { HEARTH_STATE_DIR: join(temp.dir, "alone-failed") } });
    stuck = false;
    spareDown = false;
    assert.notEqual(failed.code, 0);
    assert.match(failed.stderr, /local\/stories260k: context-overflow — the server runs local\/stories260k with 1,024 tokens of context \(contextWindow says 32,768\), and the server counted [\d,]+ tokens for the request .*Fix: /, failed.stderr);
  });
});
