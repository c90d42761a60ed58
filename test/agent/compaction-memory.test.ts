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
import { startFakeServer, type FakeServer, type RecordedRequest, type Reply } from "../fakes/fake-server.js";
import { tempDir } from "../helpers/run-cli.js";
import { testRouting } from "../helpers/routing.js";
import { lastUser } from "../helpers/scripted-model.js";
import { strictModel } from "../helpers/strict-model.js";
import { completionsStream } from "../fakes/openai-completions-stream.js";

const WINDOW = 1_024;
const SUMMARY_SAYS = /Summary so far|Conversation to add/;
/** The server's count of a request's prompt: about four characters a token. */
const promptTokens = (request: RecordedRequest): number => Math.ceil(JSON.stringify(request.body).length / 4);

/** A summary the server cuts off at its reply limit: no summary can be written in this window. */
const cutOffSummary: Reply = {
  kind: "sse",
  frames: [
    { data: JSON.stringify({ id: "s", object: "chat.completion.chunk", created: 1, model: "m", choices: [{ index: 0, delta: { role: "assistant", content: "SUMMARY: the user" }, finish_reason: null }] }) },
    { data: JSON.stringify({ id: "s", object: "chat.completion.chunk", created: 1, model: "m", choices: [{ index: 0, delta: {}, finish_reason: "length" }] }) },
    { data: "[DONE]" },
  ],
};

function agentFor(at: { server: FakeServer; stateDir: string; window?: number }): { agent: Agent; close: () => void } {
  const { server, stateDir } = at;
  const text = `{ agents: { defaults: { model: "local/m" } },
    models: { mode: "replace", providers: { local: { baseUrl: "${server.baseUrl}", api: "openai-completions", models: [{ id: "m", contextWindow: ${at.window ?? WINDOW}, maxTokens: 256 }] } } } }`;
  const source = { file: "hearth.json5", text };
  const { config } = parseConfigValue(parseJson5(text, source.file), source, {});
  const resolved = resolveModels(config, { env: {}, catalog: hostedCatalog, source });
  const routing = testRouting();
  const agent = new Agent(agentSpec(config, resolved), { router: routing.router, store: new JsonlSessionStore(stateDir), tools: createBuiltinTools(), catalog: resolved.catalog, stateDir, windows: new KnownWindows(routing.loadState) });
  return { agent, close: routing.close };
}

describe("a small window where no summary can be written", () => {
  const temp = tempDir();
  const closers: (() => unknown)[] = [];
  after(async () => {
    for (const close of closers) await close();
    temp.cleanup();
  });

  test("the failed summary is remembered for the model: later turns trim at once, with headroom, so the next turns do not trim again", async () => {
    const summaries: RecordedRequest[] = [];
    const server = await startFakeServer(
      strictModel((turns, request) => {
        if (SUMMARY_SAYS.test(lastUser(turns))) {
          summaries.push(request);
          return { reply: cutOffSummary };
        }
        if (promptTokens(request) > WINDOW) return { reply: { kind: "json", status: 400, body: { error: { code: 400, message: `request (${promptTokens(request)} tokens) exceeds the available context size (${WINDOW} tokens), try increasing it`, type: "exceed_context_size_error" } } } };
        return { text: `Noted ${/^turn (\d+)/.exec(lastUser(turns))?.[1] ?? "?"}.` };
      }),
    );
    const { agent, close } = agentFor({ server, stateDir: temp.dir });
    closers.push(close, () => server.close());
    const outcomes: string[] = [];
    for (let turn = 1; turn <= 24; turn++) {
      const result = await agent.turn("s", `turn ${turn}: ${"a few words about the day and the weather. ".repeat(3)}`);
      assert.equal(result.ok, true, `turn ${turn}: ${result.ok ? "" : result.error}`);
      outcomes.push(result.compaction?.outcome ?? "-");
    }
    const trims = outcomes.filter((outcome) => outcome === "trimmed").length;
    assert.ok(trims >= 2, `the window filled more than once: ${outcomes.join(" ")}`);
    assert.equal(summaries.length, 1, `one summary was tried, then trims came at once: ${outcomes.join(" ")}`);
    for (let index = 1; index < outcomes.length; index++) {
      assert.ok(!(outcomes[index] === "trimmed" && outcomes[index - 1] === "trimmed"), `no two turns in a row trim: ${outcomes.join(" ")}`);
    }
    assert.ok(trims <= outcomes.length / 3, `trims leave room for several turns: ${outcomes.join(" ")}`);
  });
});

describe("a small window, no summary, and a server that counts twice the plain estimate (a small-vocabulary tokenizer)", () => {
  const temp = tempDir();
  const closers: (() => unknown)[] = [];
  after(async () => {
    for (const close of closers) await close();
    temp.cleanup();
  });

  test("a trim leaves out enough by the server's count: the next turns do not trim again", async () => {
    const window = 4_096;
    const counted = (request: RecordedRequest): number => Math.ceil(2 * promptTokens(request));
    const server = await startFakeServer(
      strictModel((turns, request) => {
        if (SUMMARY_SAYS.test(lastUser(turns))) return { reply: cutOffSummary };
        if (counted(request) > window) return { reply: { kind: "json", status: 400, body: { error: { code: 400, message: `request (${counted(request)} tokens) exceeds the available context size (${window} tokens), try increasing it`, type: "exceed_context_size_error" } } } };
        const said = `Noted ${/^turn (\d+)/.exec(lastUser(turns))?.[1] ?? "?"}.`;
        return { reply: { kind: "sse", frames: completionsStream({ text: said, usage: { input: counted(request), output: 4 } }) } };
      }),
    );
    const { agent, close } = agentFor({ server, stateDir: temp.dir, window });
    closers.push(close, () => server.close());
    const outcomes: string[] = [];
    for (let turn = 1; turn <= 40; turn++) {
      const result = await agent.turn("s", `turn ${turn}: ${"a few words about the day and the weather. ".repeat(4)}`);
      assert.equal(result.ok, true, `turn ${turn}: ${result.ok ? "" : result.error}`);
      outcomes.push(result.compaction?.outcome ?? "-");
    }
    const trims = outcomes.filter((outcome) => outcome === "trimmed").length;
    assert.ok(trims >= 2, `the window filled more than once: ${outcomes.join(" ")}`);
    for (let index = 1; index < outcomes.length; index++) {
      assert.ok(!(outcomes[index] === "trimmed" && outcomes[index - 1] === "trimmed"), `no two turns in a row trim: ${outcomes.join(" ")}`);
    }
    assert.ok(trims <= outcomes.length / 3, `trims leave room for several turns: ${outcomes.join(" ")}`);
  });
});

describe("a window with room for little more than the turn's own message", () => {
  const temp = tempDir();
  const closers: (() => unknown)[] = [];
  after(async () => {
    for (const close of closers) await close();
    temp.cleanup();
  });

  test("the trim says every earlier turn is left out, not \"the oldest turns\"", async () => {
    const server = await startFakeServer(
      strictModel((turns) => {
        if (SUMMARY_SAYS.test(lastUser(turns))) return { reply: cutOffSummary };
        return { text: `Noted ${/^turn (\d+)/.exec(lastUser(turns))?.[1] ?? "?"}.` };
      }),
    );
    const { agent, close } = agentFor({ server, stateDir: temp.dir });
    closers.push(close, () => server.close());
    const said: string[] = [];
    for (let turn = 1; turn <= 4; turn++) {
      const result = await agent.turn("s", `turn ${turn}: ${"words about the day. ".repeat(30)}`, { onEvent: (event) => event.type === "compaction" && event.phase === "trimmed" && said.push(`${event.everyEarlierTurn === true} ${event.room?.tokens ?? "-"} ${event.message ?? ""}`) });
      assert.equal(result.ok, true, `turn ${turn}: ${result.ok ? "" : result.error}`);
    }
    assert.ok(said.length >= 2, `the window filled: ${said.join(" | ")}`);
    for (const line of said) assert.match(line, /^true 666 no summary could be written \(.*\): every earlier turn is left out of what is sent: not even the latest fits beside this message \(the transcript keeps them\)$/);
  });
});

