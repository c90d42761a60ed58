// What an agent sends turn after turn is the session as it is now: its kept wire form never carries a turn that failed, nor misses one.
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
import { startFakeServer } from "../fakes/fake-server.js";
import { completionsStream } from "../fakes/openai-completions-stream.js";
import { tempDir } from "../helpers/run-cli.js";
import { testRouting } from "../helpers/routing.js";

const temp = tempDir();
const closers: (() => unknown)[] = [];
after(async () => {
  for (const close of closers) await close();
  temp.cleanup();
});

interface Sent {
  role: string;
  content: unknown;
}

test("turns past the kept runs of a session, one refused and one written by another store between them, each send exactly the answered turns and the new message", async () => {
  const server = await startFakeServer((request) => {
    const messages = (request.body as { messages: Sent[] }).messages;
    const last = String(messages.at(-1)?.content);
    if (last.includes("refuse")) return { kind: "json", status: 400, body: { error: { message: "bad request", type: "invalid_request_error" } } };
    return { kind: "sse", frames: completionsStream({ model: "m", text: `answer to ${last}`, usage: { input: 10, output: 5 } }) };
  });
  closers.push(() => server.close());
  const text = `{ agents: { defaults: { model: "local/m" } },
    models: { mode: "replace", providers: { local: { baseUrl: "${server.baseUrl}", api: "openai-completions", models: [{ id: "m", contextWindow: 1000000, maxTokens: 256 }] } } } }`;
  const source = { file: "hearth.json5", text };
  const { config } = parseConfigValue(parseJson5(text, source.file), source, {});
  const resolved = resolveModels(config, { env: {}, catalog: hostedCatalog, source });
  const routing = testRouting();
  closers.push(routing.close);
  const stateDir = temp.dir;
  const store = new JsonlSessionStore(stateDir);
  const agent = new Agent(agentSpec(config, resolved), { router: routing.router, store, tools: createBuiltinTools(), catalog: resolved.catalog, stateDir, windows: new KnownWindows(routing.loadState) });

  const answered: Sent[] = [];
  for (let turn = 1; turn <= 45; turn++) {
    const words = turn === 30 ? `turn ${turn}: refuse this one` : `turn ${turn}: ${"é".repeat(turn % 3)}tell me more`;
    if (turn === 38) {
      // Another store (another process) appends a turn to the file: this store reads what was added.
      await new JsonlSessionStore(stateDir).append("s", [
        { type: "user", id: "other-u", at: new Date().toISOString(), text: "from another process" },
        { type: "assistant", id: "other-a", at: new Date().toISOString(), message: { role: "assistant", content: [{ type: "text", text: "written elsewhere" }], api: "openai-completions", model: "local/m", usage: { input: 1, output: 1, cacheRead: 0, cacheWrite: 0, reasoning: 0, estimated: false }, stopReason: "stop", cost: 0 }, attempts: [] },
      ]);
      answered.push({ role: "user", content: "from another process" }, { role: "assistant", content: "written elsewhere" });
    }
    const result = await agent.turn("s", words);
    const sent = (server.requests.at(-1)?.body as { messages: Sent[] }).messages.filter((message) => message.role !== "system");
    assert.deepEqual(
      sent.map((message) => ({ role: message.role, content: message.content })),
      [...answered, { role: "user", content: words }],
      `turn ${turn}`,
    );
    assert.equal(result.ok, turn !== 30, `turn ${turn}`);
    if (result.ok) answered.push({ role: "user", content: words }, { role: "assistant", content: `answer to ${words}` });
  }
  await store.close();
});
