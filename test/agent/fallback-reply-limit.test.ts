import assert from "node:assert/strict";
import { after, test } from "node:test";
import { Agent } from "../../src/agent/agent.js";
import { agentSpec } from "../../src/agent/agent-spec.js";
import { KnownWindows } from "../../src/agent/context-windows.js";
import { createBuiltinTools } from "../../src/agent/tools/registry.js";
import { hostedCatalog } from "../../src/ai/catalog/hosted-catalog.js";
import { parseConfigValue } from "../../src/config/load.js";
import { parseJson5 } from "../../src/config/parse-json5.js";
import { resolveModels } from "../../src/models/resolve.js";
import { JsonlSessionStore } from "../../src/sessions/jsonl-session-store.js";
import { startFakeServer, type FakeServer } from "../fakes/fake-server.js";
import { completionsStream } from "../fakes/openai-completions-stream.js";
import { tempDir } from "../helpers/run-cli.js";
import { testRouting } from "../helpers/routing.js";

/**
 * t3 finding 8: the turn is planned for the local model (a 1024-token window: 256 tokens for the
 * reply); when it fails, the fallback that answers is sent its own reply limit (its window, its
 * maxTokens), not the local model's.
 */
const temp = tempDir();
const servers: FakeServer[] = [];
after(async () => {
  await Promise.all(servers.map((server) => server.close()));
  temp.cleanup();
});

const bodies = (server: FakeServer): Record<string, unknown>[] =>
  server.requests.filter((request) => request.method === "POST").map((request) => request.body as Record<string, unknown>);

test("the fallback that answers after the local model failed carries its own reply limit, not the local one's", async () => {
  const local = await startFakeServer(() => ({ kind: "json", status: 500, body: { error: { message: "the slot crashed" } } }));
  const hosted = await startFakeServer(() => ({ kind: "sse", frames: completionsStream({ text: "a long answer", usage: { input: 40, output: 3 } }) }));
  servers.push(local, hosted);
  const text = `{ agents: { defaults: { model: { primary: "local/m", fallbacks: ["big/m"] } } },
    models: { mode: "replace", providers: {
      local: { baseUrl: "${local.baseUrl}", api: "openai-completions", models: [{ id: "m", contextWindow: 1024, maxTokens: 1000 }] },
      big: { baseUrl: "${hosted.baseUrl}", api: "openai-completions", models: [{ id: "m", contextWindow: 200000, maxTokens: 50000 }] } } } }`;
  const source = { file: "hearth.json5", text };
  const { config } = parseConfigValue(parseJson5(text, source.file), source, {});
  const resolved = resolveModels(config, { env: {}, catalog: hostedCatalog, source });
  const routing = testRouting();
  try {
    const agent = new Agent(agentSpec(config, resolved), { router: routing.router, store: new JsonlSessionStore(temp.dir), tools: createBuiltinTools(), catalog: resolved.catalog, stateDir: temp.dir, windows: new KnownWindows(routing.loadState) });
    const first = await agent.turn("s", "tell me a long story");
    assert.equal(first.ok, true);
    assert.equal(first.ok && first.text, "a long answer");
    assert.deepEqual(bodies(local).map((body) => body.max_tokens), [256], "the local model: a quarter of its 1024-token window");
    assert.deepEqual(bodies(hosted).map((body) => body.max_tokens), [50000], "the fallback: its own maxTokens (a quarter of its window is more)");
    // A client's smaller max_tokens still caps every candidate.
    const capped = await agent.turn("s", "and a short one", { maxTokens: 100 });
    assert.equal(capped.ok, true);
    assert.deepEqual(bodies(hosted).map((body) => body.max_tokens), [50000, 100]);
  } finally {
    routing.close();
  }
});
