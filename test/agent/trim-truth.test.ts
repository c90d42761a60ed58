// When no summary can be written, a trim keeps as many recent turns as fit the model's prompt budget
// (not "half the budget, else nothing"), its notice says how many turns it left out and kept — as the
// request the model got shows — and the turn's reported compaction is what the session file got, also
// when the server overflowed and the turn was folded again and retried.
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
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
import { JsonlSessionStore } from "../../src/sessions/jsonl-session-store.js";
import { startFakeServer, type FakeServer, type RecordedRequest, type Reply } from "../fakes/fake-server.js";
import { completionsStream } from "../fakes/openai-completions-stream.js";
import { tempDir } from "../helpers/run-cli.js";
import { testRouting } from "../helpers/routing.js";
import { lastUser } from "../helpers/scripted-model.js";
import { strictModel } from "../helpers/strict-model.js";

const SUMMARY_SAYS = /Summary so far|Conversation to add/;
const estimate = (request: RecordedRequest): number => Math.ceil(JSON.stringify(request.body).length / 4);
const userTurns = (request: RecordedRequest): string[] =>
  ((request.body as { messages: { role: string; content: unknown }[] }).messages ?? []).filter((message) => message.role === "user").map((message) => String(message.content));

/** A summary the server cuts off at its reply limit: no summary can be written, so turns are trimmed. */
const cutOffSummary = (request: RecordedRequest): Reply => ({ kind: "sse", frames: completionsStream({ text: "SUMMARY: the user", finishReason: "length", usage: { input: estimate(request), output: 256 } }) });

function agentFor(at: { server: FakeServer; stateDir: string; window: number; fallback?: FakeServer }): { agent: Agent; close: () => void } {
  const fallback = at.fallback ? `, big: { baseUrl: "${at.fallback.baseUrl}", api: "openai-completions", apiKey: "sk-test-big-0123456789abcdef", models: [{ id: "b", contextWindow: 32000, maxTokens: 512 }] }` : "";
  const text = `{ agents: { defaults: { model: { primary: "local/m", fallbacks: [${at.fallback ? '"big/b"' : ""}] } } },
    models: { mode: "replace", providers: { local: { baseUrl: "${at.server.baseUrl}", api: "openai-completions", models: [{ id: "m", contextWindow: ${at.window}, maxTokens: 256 }] }${fallback} } } }`;
  const source = { file: "hearth.json5", text };
  const { config } = parseConfigValue(parseJson5(text, source.file), source, {});
  const resolved = resolveModels(config, { env: {}, catalog: hostedCatalog, source });
  const routing = testRouting();
  const agent = new Agent(agentSpec(config, resolved), { router: routing.router, store: new JsonlSessionStore(at.stateDir), tools: createBuiltinTools(), catalog: resolved.catalog, stateDir: at.stateDir, windows: new KnownWindows(routing.loadState) });
  return { agent, close: routing.close };
}

/** The types of the session's fold entries (trim, compaction), in order. */
function foldsIn(stateDir: string, key: string): string[] {
  const file = join(stateDir, "sessions", `${key}.jsonl`);
  if (!existsSync(file)) return [];
  const lines = readFileSync(file, "utf8").split("\n").filter((line) => line.trim() !== "");
  return lines.map((line) => (JSON.parse(line) as { type: string }).type).filter((type) => type === "trim" || type === "compaction");
}

describe("a trim on a small window (tools and system prompt take much of it), no summary possible", () => {
  const temp = tempDir();
  const closers: (() => unknown)[] = [];
  after(async () => {
    for (const close of closers) await close();
    temp.cleanup();
  });

  test("keeps the recent turns that fit, and says how many it left out and kept, as the request sent shows", async () => {
    const answers: RecordedRequest[] = [];
    // Long answers (about 400 tokens), as a small model writes them: a turn and what is always sent (system prompt, tools) take more than half the budget.
    const server = await startFakeServer(
      strictModel((turns, request) => {
        if (SUMMARY_SAYS.test(lastUser(turns))) return { reply: cutOffSummary(request) };
        answers.push(request);
        const said = `Noted ${/^turn (\d+)/.exec(lastUser(turns))?.[1] ?? "?"}. ${"Once upon a time a small model told a long story. ".repeat(32)}`;
        return { reply: { kind: "sse", frames: completionsStream({ text: said, usage: { input: estimate(request), output: 400 } }) } };
      }),
    );
    const { agent, close } = agentFor({ server, stateDir: temp.dir, window: 2048 });
    closers.push(close, () => server.close());
    const trims: { turn: number; message: string }[] = [];
    for (let turn = 1; turn <= 12; turn++) {
      const result = await agent.turn("s", `turn ${turn}: ${"a few words about the day. ".repeat(7)}`, {
        onEvent: (event) => {
          if (event.type === "compaction" && event.phase === "trimmed") trims.push({ turn, message: event.message ?? "" });
        },
      });
      assert.equal(result.ok, true, `turn ${turn}: ${result.ok ? "" : result.error}`);
      if (trims.at(-1)?.turn === turn) assert.equal(result.compaction?.outcome, "trimmed", `turn ${turn} reports its trim`);
    }
    assert.ok(trims.length >= 2, `the window filled more than once: ${JSON.stringify(trims)}`);
    for (const trim of trims) {
      const sent = answers.find((request) => userTurns(request).at(-1)?.startsWith(`turn ${trim.turn}: `));
      assert.ok(sent, `turn ${trim.turn} was answered`);
      const earlier = userTurns(sent).length - 1;
      assert.ok(earlier >= 1, `turn ${trim.turn}: an earlier turn fits the budget beside this message and is kept: ${trim.message}`);
      assert.match(trim.message, new RegExp(`^no summary could be written \\(.*\\): the oldest \\d+ turns? (is|are) left out of what is sent, the latest ${earlier} turns? kept \\(the transcript keeps them\\)$`), `turn ${trim.turn}: the notice says what was sent`);
    }
  });
});

describe("a server whose real window is half the configured one, counting twice the plain estimate", () => {
  const temp = tempDir();
  const closers: (() => unknown)[] = [];
  after(async () => {
    for (const close of closers) await close();
    temp.cleanup();
  });

  test("each turn reports the fold the session file got — trimmed, or none — across the retry after an overflow and a fallback", async () => {
    const window = 2048;
    const counted = (request: RecordedRequest): number => 2 * estimate(request);
    const server = await startFakeServer(
      strictModel((turns, request) => {
        if (SUMMARY_SAYS.test(lastUser(turns))) return { reply: cutOffSummary(request) };
        if (counted(request) > window) return { reply: { kind: "json", status: 400, body: { error: { code: 400, message: `request (${counted(request)} tokens) exceeds the available context size (${window} tokens), try increasing it`, type: "exceed_context_size_error" } } } };
        return { reply: { kind: "sse", frames: completionsStream({ text: `Noted ${/^turn (\d+)/.exec(lastUser(turns))?.[1] ?? "?"}.`, usage: { input: counted(request), output: 4 } }) } };
      }),
    );
    const big = await startFakeServer((request) => ({ kind: "sse", frames: completionsStream({ text: "Big here.", usage: { input: estimate(request), output: 3 } }) }));
    const { agent, close } = agentFor({ server, stateDir: temp.dir, window: 2 * window, fallback: big });
    closers.push(close, () => server.close(), () => big.close());
    const reported: string[] = [];
    let overflowed = 0;
    for (let turn = 1; turn <= 20; turn++) {
      const before = foldsIn(temp.dir, "s").length;
      // Every fifth message alone nearly fills the real window: trimmed for the local model, it still overflows there, and the fallback answers.
      const words = "a few words about the day and the weather. ".repeat(turn % 5 === 0 ? 100 : 4);
      const result = await agent.turn("s", `turn ${turn}: ${words}`, {
        onEvent: (event) => {
          if (event.type === "attempt-failed" && event.outcome === "context-overflow") overflowed++;
        },
      });
      assert.equal(result.ok, true, `turn ${turn}: ${result.ok ? "" : result.error}`);
      const added = foldsIn(temp.dir, "s").slice(before);
      const outcome = result.compaction?.outcome;
      reported.push(`${turn}:${result.ok ? result.model : ""}:${outcome ?? "-"}/${added.join("+") || "-"}`);
      assert.ok(added.length <= 1, `turn ${turn}: one fold saved at most: ${added.join(", ")}`);
      if (added[0] === "trim") assert.equal(outcome, "trimmed", `turn ${turn}: a saved trim is reported as such: ${reported.join(" ")}`);
      if (outcome === "trimmed") assert.deepEqual(added, ["trim"], `turn ${turn}: a reported trim is saved: ${reported.join(" ")}`);
      assert.notEqual(outcome, "skipped", `turn ${turn}: never "nothing to fold" for a turn that was folded: ${reported.join(" ")}`);
      if (turn === 5) {
        assert.equal(result.ok && result.model, "big/b", `turn 5 is too large for the local server: ${reported.join(" ")}`);
        assert.match(JSON.stringify(big.requests.at(-1)?.body), /turn 1: [\s\S]*turn 4: [\s\S]*turn 5: /, "the fallback got the earlier turns, not a history trimmed for the local window");
      }
    }
    assert.ok(overflowed >= 1, `the server overflowed at least once: ${reported.join(" ")}`);
    assert.ok(reported.some((line) => line.includes("trimmed/trim")), `a turn trimmed: ${reported.join(" ")}`);
  });
});
