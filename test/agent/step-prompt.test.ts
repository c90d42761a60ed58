import assert from "node:assert/strict";
import { after, test } from "node:test";
import { Agent } from "../../src/agent/agent.js";
import { agentSpec } from "../../src/agent/agent-spec.js";
import type { PromptView } from "../../src/agent/context-budget.js";
import { KnownWindows } from "../../src/agent/context-windows.js";
import { createBuiltinTools } from "../../src/agent/tools/registry.js";
import { hostedCatalog } from "../../src/ai/catalog/hosted-catalog.js";
import { parseConfigValue } from "../../src/config/load.js";
import { parseJson5 } from "../../src/config/parse-json5.js";
import { resolveModels } from "../../src/models/resolve.js";
import type { SessionEntry } from "../../src/sessions/entries.js";
import { JsonlSessionStore } from "../../src/sessions/jsonl-session-store.js";
import { startFakeServer, type FakeServer } from "../fakes/fake-server.js";
import { completionsStream } from "../fakes/openai-completions-stream.js";
import { tempDir } from "../helpers/run-cli.js";
import { testRouting } from "../helpers/routing.js";

/**
 * Issue 11: a long session's turn must not build the prompt of its whole history more than once per
 * step — the router's context and each candidate's (where it fits its window) are the one view, counted
 * per candidate's budget. Counted here, not timed.
 */
const temp = tempDir();
const servers: FakeServer[] = [];
after(async () => {
  await Promise.all(servers.map((server) => server.close()));
  temp.cleanup();
});

/** An agent that counts the whole-history prompts it builds (the empty one a size check asks for apart). */
class CountingAgent extends Agent {
  built = 0;
  override promptView(entries: readonly SessionEntry[], pending?: string): PromptView {
    if (entries.length > 0) this.built++;
    return super.promptView(entries, pending);
  }
}

const bodies = (server: FakeServer): { messages: { role: string; content: unknown }[] }[] =>
  server.requests.filter((request) => request.method === "POST").map((request) => request.body as { messages: { role: string; content: unknown }[] });

test("each step builds the whole history's prompt once: the router, the model that failed and the fallback that answered share it", async () => {
  const local = await startFakeServer(() => ({ kind: "json", status: 500, body: { error: { message: "the slot crashed" } } }));
  let toolAsked = false;
  const hosted = await startFakeServer((request) => {
    if (request.method !== "POST") return { kind: "json", status: 404, body: {} };
    // The first turn's first step asks for a tool (a second step follows); every other call answers.
    if (!toolAsked) {
      toolAsked = true;
      return { kind: "sse", frames: completionsStream({ toolCalls: [{ id: "call_1", name: "no_such_tool", arguments: "{}" }], finishReason: "tool_calls", usage: { input: 40, output: 3 } }) };
    }
    return { kind: "sse", frames: completionsStream({ text: "an answer", usage: { input: 40, output: 3 } }) };
  });
  servers.push(local, hosted);
  const text = `{ agents: { defaults: { model: { primary: "local/m", fallbacks: ["big/m"] } } },
    models: { mode: "replace", providers: {
      local: { baseUrl: "${local.baseUrl}", api: "openai-completions", models: [{ id: "m", contextWindow: 100000, maxTokens: 1000 }] },
      big: { baseUrl: "${hosted.baseUrl}", api: "openai-completions", models: [{ id: "m", contextWindow: 200000, maxTokens: 1000 }] } } } }`;
  const source = { file: "hearth.json5", text };
  const { config } = parseConfigValue(parseJson5(text, source.file), source, {});
  const resolved = resolveModels(config, { env: {}, catalog: hostedCatalog, source });
  const routing = testRouting();
  try {
    const agent = new CountingAgent(agentSpec(config, resolved), { router: routing.router, store: new JsonlSessionStore(temp.dir), tools: createBuiltinTools(), catalog: resolved.catalog, stateDir: temp.dir, windows: new KnownWindows(routing.loadState) });
    const first = await agent.turn("s", "look something up");
    assert.equal(first.ok && first.text, "an answer");
    assert.equal(agent.built, 2, "two steps (a tool call, then the answer): one whole-history prompt each");
    // The second turn: the local model may be cooling down or failing again; either way one build.
    const second = await agent.turn("s", "and again");
    assert.equal(second.ok && second.text, "an answer");
    assert.equal(agent.built, 3, "one step: one whole-history prompt, however many candidates were tried");
    // The one prompt is the whole history: the fallback's last request carries every earlier message.
    const last = bodies(hosted).at(-1);
    const said = (last?.messages ?? []).filter((message) => message.role === "user").map((message) => message.content);
    assert.deepEqual(said, ["look something up", "and again"]);
    const tried = bodies(local).length;
    assert.ok(tried >= 1, "the local model was tried (and failed) before the fallback answered");
  } finally {
    routing.close();
  }
});
