import assert from "node:assert/strict";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { Agent } from "../../src/agent/agent.js";
import { agentSpec } from "../../src/agent/agent-spec.js";
import { KnownWindows } from "../../src/agent/context-windows.js";
import { createBuiltinTools } from "../../src/agent/tools/registry.js";
import { hostedCatalog } from "../../src/ai/catalog/hosted-catalog.js";
import { parseConfigValue } from "../../src/config/load.js";
import { parseJson5 } from "../../src/config/parse-json5.js";
import { resolveModels } from "../../src/models/resolve.js";
import { usageReport } from "../../src/ops/usage.js";
import { JsonlSessionStore } from "../../src/sessions/jsonl-session-store.js";
import { startLlamaCpp } from "../fakes/llamacpp-server.js";
import { tempDir } from "../helpers/run-cli.js";
import { testRouting } from "../helpers/routing.js";
import { scriptedModel } from "../helpers/scripted-model.js";

/**
 * `hearth usage` counts every call the server got (trial t5, item 3: the server saw 13 calls for a
 * session — context overflows, summaries, one answer — and usage said 1): a llama-server whose real
 * context is smaller than the config says, a conversation that outgrows it, and the server's own count
 * of POSTs set against the report's.
 */
describe("hearth usage: every call made to a model, summaries and overflows included", () => {
  const temp = tempDir();
  const closers: (() => unknown)[] = [];
  after(async () => {
    for (const close of closers) await close();
    temp.cleanup();
  });

  test("the report's calls are the server's; summaries and failed calls said as such", async () => {
    const server = await startLlamaCpp({ nCtx: 2048, completions: scriptedModel("openai-completions", (turns) => ({ text: turns.some((turn) => /summar/i.test(turn.text)) ? "they talked at length" : "ok" })) });
    closers.push(() => server.close());
    const text = `{ agents: { defaults: { model: "llama/stories260k" } },
      models: { mode: "replace", providers: { llama: { baseUrl: "${server.baseUrl}", api: "openai-completions", models: [{ id: "stories260k", contextWindow: 32768, maxTokens: 256 }] } } } }`;
    const source = { file: "hearth.json5", text };
    const { config } = parseConfigValue(parseJson5(text, source.file), source, {});
    const resolved = resolveModels(config, { env: {}, catalog: hostedCatalog, source });
    const routing = testRouting();
    closers.push(routing.close);
    const state = join(temp.dir, "state");
    // No window learnt ahead (the agent asks no server): the first large turn overflows the real 2048.
    const store = new JsonlSessionStore(state);
    const agent = new Agent(agentSpec(config, resolved), { router: routing.router, store, tools: createBuiltinTools(), catalog: resolved.catalog, stateDir: state, windows: new KnownWindows(undefined) });
    for (let turn = 0; turn < 4; turn++) await agent.turn("grow", `turn ${turn}: ${"many words here ".repeat(120)}`);

    const posts = server.requests.filter((request) => request.method === "POST" && request.path === "/v1/chat/completions");
    const summaryPosts = posts.filter((request) => JSON.stringify(request.body).includes("Write the updated summary")).length;
    const overflows = posts.length - summaryPosts - (await store.read("grow")).entries.filter((entry) => entry.type === "assistant").length;
    assert.ok(summaryPosts > 0, "the conversation was summarised at least once");
    assert.ok(overflows > 0, "at least one call overflowed the server's context");

    const report = await usageReport({ stateDir: state, by: "model", isLocal: () => true });
    const row = report.rows.find((entry) => entry.key === "llama/stories260k");
    assert.equal(row?.calls, posts.length, "every call the server got is counted");
    assert.equal(row?.summaries, summaryPosts);
    const failedSummaries = (await store.read("grow")).entries.flatMap((entry) => (entry.type === "compaction" || entry.type === "trim" ? (entry.calls ?? []) : [])).filter((call) => call.outcome !== "ok").length;
    assert.equal(row?.failed["context-overflow"], overflows + failedSummaries, JSON.stringify(row));
    assert.ok((row?.output ?? 0) > 0);
  });
});
