import assert from "node:assert/strict";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { startFakeServer, type FakeServer } from "../fakes/fake-server.js";
import { llamaCppHandler } from "../fakes/llamacpp-server.js";
import { responsesStream } from "../fakes/openai-responses-stream.js";
import { runCli, tempDir } from "../helpers/run-cli.js";
import type { AgentJson } from "../realserver/config.js";

/**
 * Trial t18 #3: a turn planned while the server was stuck (it did not answer the ask for its context)
 * went out with the config's 32768/8192 to a llama-server run with -c 1024. The server filled its window
 * and stopped, and its Responses API says "completed" then (seen from the real server: status
 * "completed", usage input 55 + output 969 = 1024, no incomplete_details): the answer was reported
 * whole. The server answered, so hearth asks it its context then, and says the answer was cut off —
 * by the server's window, not the reply limit.
 */
describe("a first turn planned before a stuck server said its context", () => {
  const temp = tempDir();
  let server: FakeServer;
  /** The server answers nothing but the turn itself until that has been answered (SIGSTOP, then SIGCONT). */
  let stuck = true;
  /** How long the server, answering again, takes to say its context (a loaded machine): none unless a test says. */
  let propsDelayMs = 0;
  const llama = llamaCppHandler({
    nCtx: 1024,
    promptTokens: () => 352,
    responses: () => {
      stuck = false;
      return { kind: "sse", frames: responsesStream({ model: "stories260k", text: "Once upon a time there was a big blue with shiny sh", usage: { input: 352, output: 672 }, status: "completed" }) };
    },
  });
  before(async () => {
    server = await startFakeServer(async (request) => {
      if (stuck && !request.path.startsWith("/v1/responses")) return { kind: "hang-before-headers" };
      const reply = await llama(request);
      return request.path === "/props" && reply.kind === "json" ? { ...reply, delayMs: propsDelayMs } : reply;
    });
  });
  after(async () => {
    temp.cleanup();
    await server.close();
  });

  test("the answer that filled the served window is cut off at the model's context window (1024), not whole, and not at maxTokens", async () => {
    const file = temp.write("hearth.json5", `{ agents: { defaults: { model: { primary: "local/stories260k" } } },
      models: { mode: "replace", providers: { local: { baseUrl: "${server.baseUrl}", api: "openai-responses", models: [{ id: "stories260k", contextWindow: 32768, maxTokens: 8192 }] } } } }`);
    const result = await runCli(["agent", "--config", file, "--json", "-m", "tell me a story"], { env: { HEARTH_STATE_DIR: join(temp.dir, "state") } });
    assert.equal(result.code, 0, result.stderr);
    const sent = server.requests.find((request) => request.path.startsWith("/v1/responses"))?.body as { max_output_tokens?: number } | undefined;
    assert.equal(sent?.max_output_tokens, 8192, "planned against the config: the server had not said its context");
    const answer = JSON.parse(result.stdout) as AgentJson;
    assert.equal(answer.truncated, true, result.stdout);
    // Said as the agent says a cut-off (a fresh process, the server stuck again before its first turn).
    stuck = true;
    const said = await runCli(["agent", "--config", file, "-m", "tell me a story"], { env: { HEARTH_STATE_DIR: join(temp.dir, "said") } });
    assert.equal(said.code, 0, said.stderr);
    assert.match(said.stderr, /^the answer was cut off at the model's context window: the prompt \(352 tokens\) and the answer \(672\) filled its 1024, below the reply limit \(8192\)/m, said.stderr);
    assert.doesNotMatch(said.stderr, /maxTokens in the config/);
  });

  test("a server slow to say its context once it answered (longer than an ask's own limits): the answer is still cut off by its window", async () => {
    const file = temp.write("slow.json5", `{ agents: { defaults: { model: { primary: "local/stories260k" } } },
      models: { mode: "replace", providers: { local: { baseUrl: "${server.baseUrl}", api: "openai-responses", models: [{ id: "stories260k", contextWindow: 32768, maxTokens: 8192 }] } } } }`);
    stuck = true;
    // Past the one second the ask after a reply once had, and past the two seconds an ask waits for a first byte.
    propsDelayMs = 2_500;
    try {
      const result = await runCli(["agent", "--config", file, "--json", "-m", "tell me a story"], { env: { HEARTH_STATE_DIR: join(temp.dir, "slow") } });
      assert.equal(result.code, 0, result.stderr);
      const answer = JSON.parse(result.stdout) as AgentJson;
      assert.equal(answer.truncated, true, result.stdout);
    } finally {
      propsDelayMs = 0;
    }
  });
});
