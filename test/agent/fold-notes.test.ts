// What a turn that trimmed says, live and after a reload: the same notes, words and order (no notice of
// the trim's own beside the note its answer keeps), the room the conversation outgrew (the tokens the
// prompt may use in the model's window), and — where a summary failed in another conversation — so.
import assert from "node:assert/strict";
import { after, describe, test } from "node:test";
import { Agent } from "../../src/agent/agent.js";
import { agentSpec } from "../../src/agent/agent-spec.js";
import { KnownWindows } from "../../src/agent/context-windows.js";
import { createBuiltinTools } from "../../src/agent/tools/registry.js";
import { hostedCatalog } from "../../src/ai/catalog/hosted-catalog.js";
import { applyAgentEvent, applyTurnResult, newLiveTurn, type TurnNote } from "../../src/channels/webchat/page/live-turn.js";
import { parseConfigValue } from "../../src/config/load.js";
import { parseJson5 } from "../../src/config/parse-json5.js";
import { transcriptItems } from "../../src/gateway/transcript.js";
import { resolveModels } from "../../src/models/resolve.js";
import type { ModelNames } from "../../src/models/waiting-notice.js";
import type { SessionEntry } from "../../src/sessions/entries.js";
import { JsonlSessionStore } from "../../src/sessions/jsonl-session-store.js";
import { startFakeServer, type FakeServer, type RecordedRequest, type Reply } from "../fakes/fake-server.js";
import { completionsStream } from "../fakes/openai-completions-stream.js";
import { tempDir } from "../helpers/run-cli.js";
import { testRouting } from "../helpers/routing.js";
import { lastUser } from "../helpers/scripted-model.js";
import { strictModel } from "../helpers/strict-model.js";

const SUMMARY_SAYS = /Summary so far|Conversation to add/;
const estimate = (request: RecordedRequest): number => Math.ceil(JSON.stringify(request.body).length / 4);
/** A summary the server cuts off at its reply limit: no summary can be written, so turns are trimmed. */
const cutOffSummary = (request: RecordedRequest): Reply => ({ kind: "sse", frames: completionsStream({ text: "SUMMARY: the user", finishReason: "length", usage: { input: estimate(request), output: 256 } }) });

function agentFor(at: { server: FakeServer; stateDir: string }): { agent: Agent; names: ModelNames; close: () => void } {
  const text = `{ agents: { defaults: { model: "local/m", models: { "local/m": { alias: "Home" } } } },
    models: { mode: "replace", providers: { local: { baseUrl: "${at.server.baseUrl}", api: "openai-completions", models: [{ id: "m", contextWindow: 2048, maxTokens: 256 }] } } } }`;
  const source = { file: "hearth.json5", text };
  const { config } = parseConfigValue(parseJson5(text, source.file), source, {});
  const resolved = resolveModels(config, { env: {}, catalog: hostedCatalog, source });
  const routing = testRouting();
  const agent = new Agent(agentSpec(config, resolved), { router: routing.router, store: new JsonlSessionStore(at.stateDir), tools: createBuiltinTools(), catalog: resolved.catalog, stateDir: at.stateDir, windows: new KnownWindows(routing.loadState) });
  return { agent, names: resolved.catalog, close: routing.close };
}

/** A server that answers at length (about 400 tokens, as a small model does) and cannot write a summary. */
async function longAnswers(): Promise<FakeServer> {
  return await startFakeServer(
    strictModel((turns, request) => {
      if (SUMMARY_SAYS.test(lastUser(turns))) return { reply: cutOffSummary(request) };
      const said = `Noted ${/^turn (\d+)/.exec(lastUser(turns))?.[1] ?? "?"}. ${"Once upon a time a small model told a long story. ".repeat(32)}`;
      return { reply: { kind: "sse", frames: completionsStream({ text: said, usage: { input: estimate(request), output: 400 } }) } };
    }),
  );
}

const message = (turn: number): string => `turn ${turn}: ${"a few words about the day. ".repeat(7)}`;

describe("a conversation that outgrows a 2,048-token window where no summary can be written", () => {
  const temp = tempDir();
  const closers: (() => unknown)[] = [];
  after(async () => {
    for (const close of closers) await close();
    temp.cleanup();
  });

  test("a reload shows each trimmed turn's notes as the live turn did: the same words, the same order, no notice of its own", async () => {
    const server = await longAnswers();
    const { agent, names, close } = agentFor({ server, stateDir: temp.dir });
    closers.push(close, () => server.close());
    const live: TurnNote[][] = [];
    for (let turn = 1; turn <= 8; turn++) {
      const shown = newLiveTurn();
      const result = await agent.turn("reload", message(turn), { onEvent: (event) => applyAgentEvent(shown, event, names) });
      assert.equal(result.ok, true, `turn ${turn}: ${result.ok ? "" : result.error}`);
      applyTurnResult(shown, result);
      live.push(shown.notes);
    }
    const trimmed = live.flat().filter((note) => note.kind === "compaction");
    assert.ok(trimmed.length >= 2, `the window filled more than once: ${JSON.stringify(live)}`);
    // What "too long" means, in the model's name as the page says it: the tokens its prompt may use in its window.
    for (const note of trimmed) assert.match(note.text, /^the conversation \([\d,]+ tokens\) is longer than the [\d,]+ tokens the prompt may use in Home's window: no summary could be written \(.+\): the oldest \d+ turns? (is|are) left out of what is sent, the latest \d+ turns? kept \(the transcript keeps them\)$/);
    const entries: SessionEntry[] = await agent.readSession("reload");
    assert.ok(entries.filter((entry) => entry.type === "trim").length >= 2, "the trims are saved");
    const items = transcriptItems(entries);
    assert.deepEqual(
      items.filter((item) => item.role === "notice").map((item) => item.text),
      [],
      "no line the live page never showed",
    );
    assert.deepEqual(
      items.filter((item) => item.role === "assistant").map((item) => item.notes ?? []),
      live,
      "each answer's notes, as the live turn showed them",
    );
  });

  test("a failed summary's cool-down, told in a conversation that never asked, says the summary failed in another one", async () => {
    const server = await longAnswers();
    const { agent, close } = agentFor({ server, stateDir: temp.dir });
    closers.push(close, () => server.close());
    const trims = new Map<string, string[]>();
    const talk = async (session: string, turns: number): Promise<void> => {
      for (let turn = 1; turn <= turns; turn++) {
        const result = await agent.turn(session, message(turn), {
          onEvent: (event) => {
            if (event.type === "compaction" && event.phase === "trimmed") trims.set(session, [...(trims.get(session) ?? []), event.message ?? ""]);
          },
        });
        assert.equal(result.ok, true, `${session} turn ${turn}: ${result.ok ? "" : result.error}`);
      }
    };
    await talk("first", 6);
    await talk("second", 6);
    const [failedHere, laterHere] = trims.get("first") ?? [];
    assert.match(failedHere ?? "", /^no summary could be written \(the summary was cut off at its reply limit \(\d+ tokens\)\): /, "the summary failed in this conversation");
    if (laterHere) assert.match(laterHere, /^no summary could be written \(the summary was cut off at its reply limit \(\d+ tokens\); local\/m is not asked for one again before \d\d:\d\d(?: \S+)?\): /);
    const [elsewhere] = trims.get("second") ?? [];
    assert.match(elsewhere ?? "", /^no summary could be written \(local\/m is not asked for one before \d\d:\d\d(?: \S+)?: it could not write one in another conversation — the summary was cut off at its reply limit \(\d+ tokens\)\): /, JSON.stringify([...trims]));
  });
});
