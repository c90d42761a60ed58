import assert from "node:assert/strict";
import { after, describe, test } from "node:test";
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
import { tempDir } from "../helpers/run-cli.js";
import { testRouting } from "../helpers/routing.js";
import { lastUser } from "../helpers/scripted-model.js";
import { strictModel, userTexts } from "../helpers/strict-model.js";

/** A real agent (real router, session files, tools) talking to one local server. */
function agentFor(server: FakeServer, stateDir: string) {
  const text = `{ agents: { defaults: { model: "local/m" } },
    models: { mode: "replace", providers: { local: { baseUrl: "${server.baseUrl}", api: "openai-completions", models: [{ id: "m", contextWindow: 32768, maxTokens: 512 }] } } } }`;
  const source = { file: "hearth.json5", text };
  const { config } = parseConfigValue(parseJson5(text, source.file), source, {});
  const resolved = resolveModels(config, { env: {}, catalog: hostedCatalog, source });
  const routing = testRouting();
  const store = new JsonlSessionStore(stateDir);
  const agent = new Agent(agentSpec(config, resolved), { router: routing.router, store, tools: createBuiltinTools(), catalog: resolved.catalog, stateDir, windows: new KnownWindows(routing.loadState) });
  return { agent, store, close: routing.close };
}

describe("a cancelled turn", () => {
  const temp = tempDir();
  const closers: (() => unknown)[] = [];
  after(async () => {
    for (const close of closers) await close();
    temp.cleanup();
  });

  test("is marked cancelled, absent from the next request body, and /retry can send it again", async () => {
    const problems: string[] = [];
    let arrived: (() => void) | undefined;
    const server = await startFakeServer(
      strictModel((turns) => {
        if (/slow/.test(lastUser(turns))) {
          arrived?.();
          return { reply: { kind: "hang-before-headers" } };
        }
        return { text: `seen: ${turns.filter((turn) => turn.role === "user").map((turn) => turn.text).join(" | ")}` };
      }, problems),
    );
    const { agent, store, close } = agentFor(server, temp.dir);
    closers.push(close, () => server.close());

    assert.equal((await agent.turn("s", "hello")).ok, true);
    const cancel = new AbortController();
    const reached = new Promise<void>((resolve) => (arrived = resolve));
    const pending = agent.turn("s", "a slow question", { signal: cancel.signal });
    await reached;
    cancel.abort();
    const cancelled = await pending;
    assert.equal(cancelled.ok, false);
    assert.equal(cancelled.ok ? undefined : cancelled.cause, "cancelled");
    assert.equal((await agent.retryable("s"))?.text, "a slow question", "the cancelled message is there to resend");

    const next = await agent.turn("s", "something else");
    assert.equal(next.ok ? next.text : next.error, "seen: hello | something else");
    const bodies = server.requests.filter((request) => request.method === "POST");
    assert.deepEqual(userTexts(bodies[bodies.length - 1]), ["hello", "something else"], "the cancelled message is not in the next request");
    assert.equal(await agent.retryable("s"), undefined, "the last message was answered: nothing to retry");
    assert.deepEqual(problems, [], "roles alternate in every request");

    const entries = (await store.read("s")).entries;
    assert.deepEqual(
      entries.flatMap((entry) => (entry.type === "user" ? [entry.text] : entry.type === "turn-failed" ? [`failed: ${entry.cause ?? "?"}`] : [])),
      ["hello", "a slow question", "failed: cancelled", "something else"],
      "the transcript keeps the cancelled message, marked",
    );
  });
});
