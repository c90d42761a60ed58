// Both OpenAI-style protocols against the real llama-server: multi-turn sessions through the real
// `bin/hearth agent --session`, streaming, usage and cached tokens, and the whole history shape.
import assert from "node:assert/strict";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import type { Api } from "../../src/ai/api.js";
import { HttpClient } from "../../src/ai/http/http-client.js";
import { createOpenAICompletionsAdapter } from "../../src/ai/providers/openai-completions/index.js";
import { createOpenAIResponsesAdapter } from "../../src/ai/providers/openai-responses/index.js";
import type { AssistantMessage, Context } from "../../src/ai/types.js";
import { modelSpec, run } from "../ai/adapter-contract.js";
import { runCli, tempDir } from "../helpers/run-cli.js";
import { realConfig, type AgentJson } from "./config.js";
import { startRealServer, type RealServer } from "./real-server.js";

const apis: Api[] = ["openai-responses", "openai-completions"];

describe("llama-server, both protocols", () => {
  let server: RealServer;
  let http: HttpClient;
  const temp = tempDir();
  before(async () => {
    server = await startRealServer();
    http = new HttpClient();
  });
  after(async () => {
    http.destroy();
    temp.cleanup();
    await server.kill();
  });
  const adapterFor = (api: Api) => (api === "openai-responses" ? createOpenAIResponsesAdapter({ http }) : createOpenAICompletionsAdapter({ http }));
  const model = (api: Api) => modelSpec(api, server.baseUrl, { id: server.alias, contextWindow: 2048, maxTokens: 48, apiKey: undefined });

  for (const api of apis) {
    test(`${api}: a four-turn session through bin/hearth agent --session; every later turn reuses the server's prompt cache`, async () => {
      const file = temp.write(`${api}.json5`, realConfig(server, { api }));
      const env = { HEARTH_STATE_DIR: join(temp.dir, api) };
      const turns: AgentJson[] = [];
      for (const message of ["Tell me about a cat.", "What did the cat do next?", "And the dog?", "How did it end?"]) {
        const result = await runCli(["agent", "--config", file, "--session", "story", "--json", "--message", message], { env });
        assert.equal(result.code, 0, `${message}: ${result.stderr}${result.stdout}`);
        turns.push(JSON.parse(result.stdout) as AgentJson);
      }
      for (const [index, turn] of turns.entries()) {
        assert.equal(turn.model, `llama/${server.alias}`);
        assert.ok(turn.text.length > 0, `turn ${index + 1} has text`);
        assert.equal(turn.usage.estimated, false, "the server's own counts");
        assert.ok(turn.usage.output > 0 && turn.usage.output <= 48);
      }
      for (const turn of turns.slice(1)) assert.ok(turn.usage.cacheRead > turn.usage.input, `most of the prompt came from the cache: ${JSON.stringify(turn.usage)}`);
    });

    test(`${api}: the answer streams in many deltas and ends at the reply limit`, async () => {
      const outcome = await run(adapterFor(api), model(api), { messages: [{ role: "user", content: "Once upon a time" }] }, { maxTokens: 32 });
      assert.equal(outcome.failure, undefined, outcome.failure?.message);
      assert.ok(outcome.events.filter((event) => event.type === "text-delta").length > 5, "token by token");
      assert.equal(outcome.end?.stopReason, "length");
      assert.equal(outcome.end?.usage.output, 32);
      assert.equal(outcome.end?.usage.estimated, false);
    });

    test(`${api}: the whole history shape is accepted — user, assistant text and reasoning, a tool call, its result`, async () => {
      const assistant: AssistantMessage = {
        role: "assistant",
        content: [
          { type: "reasoning", text: "The user wants the time." },
          { type: "text", text: "Let me look." },
          { type: "tool-call", id: "call_1", name: "time", arguments: {}, rawArguments: "{}" },
        ],
        model: `llama/${server.alias}`,
        api,
        stopReason: "tool-use",
        usage: { input: 10, output: 5, cacheRead: 0, cacheWrite: 0, reasoning: 0, estimated: false },
        cost: 0,
      };
      const history: Context = {
        systemPrompt: "You tell stories.",
        messages: [
          { role: "user", content: "What time is it?" },
          assistant,
          { role: "tool-result", toolCallId: "call_1", toolName: "time", content: "12:00", isError: false },
          { role: "user", content: [{ type: "text", text: "And then?" }] },
          { ...assistant, content: [{ type: "text", text: "Then a cat came." }], stopReason: "stop" },
          { role: "user", content: "Go on." },
        ],
      };
      const outcome = await run(adapterFor(api), model(api), history, { maxTokens: 8 });
      assert.equal(outcome.failure, undefined, outcome.failure?.message);
      assert.ok((outcome.end?.usage.input ?? 0) + (outcome.end?.usage.cacheRead ?? 0) > 20);
    });
  }
});
