// The primary model is cooling down, refuses, overflows, or hangs, and a fallback with a far larger
// window answers: the fallback is sent the whole conversation (fitted to its own window), the session
// keeps no trim or summary made for the primary, and the turn says nothing of one. The summary a
// smaller window needs is asked of the model it is for, never of a model the router then skips.
import assert from "node:assert/strict";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import type { AgentEvent, TurnResult } from "../../src/agent/agent-events.js";
import { createRuntime } from "../../src/cli/runtime.js";
import { startFakeServer, type RecordedRequest, type Reply } from "../fakes/fake-server.js";
import { completionsStream } from "../fakes/openai-completions-stream.js";
import { findFile } from "../helpers/find-file.js";
import { tempDir } from "../helpers/run-cli.js";

const temp = tempDir();
const closers: (() => unknown)[] = [];
after(async () => {
  for (const close of closers) await close();
  temp.cleanup();
});

const SUMMARY_SAYS = /Summary so far|Conversation to add/;
const bodyText = (request: RecordedRequest | undefined): string => JSON.stringify((request?.body as { messages?: unknown } | undefined)?.messages ?? []);
const isSummary = (request: RecordedRequest): boolean => SUMMARY_SAYS.test(bodyText(request));
/** About 300 tokens: the primary's window (2,048, about 1,600 for the prompt) holds four or five such turns. */
const story = (turn: number): string => `turn ${turn}: ${"a few words about the day, the weather and the plans. ".repeat(22)}`;
/** An answer whose usage counts the prompt as about four characters a token, as the agent estimates it. */
const answer = (request: RecordedRequest, text: string): Reply => ({ kind: "sse", frames: completionsStream({ model: "m", text, usage: { input: Math.ceil(JSON.stringify(request.body).length / 4), output: 3 } }) });
const overflow = (tokens: number): Reply => ({ kind: "json", status: 400, body: { error: { code: 400, message: `request (${tokens} tokens) exceeds the available context size (1024 tokens), try increasing it`, type: "exceed_context_size_error" } } });

type Mode = "ok" | "refuse" | "overflow" | "hang";

/** A gateway over a primary of 2,048 tokens (its behaviour set by `mode`) and a fallback of 32,000 that records what it is sent. */
async function setUp(name: string) {
  const primary = { mode: "ok" as Mode, requests: [] as RecordedRequest[] };
  const local = await startFakeServer((request) => {
    if (request.method !== "POST") return { kind: "json", status: 404, body: {} };
    primary.requests.push(request);
    if (primary.mode === "refuse") return { kind: "json", status: 500, body: { error: { message: "the model broke" } } };
    if (primary.mode === "hang") return { kind: "hang-before-headers" };
    if (primary.mode === "overflow") return overflow(Math.ceil(JSON.stringify(request.body).length / 4));
    return answer(request, isSummary(request) ? "SUMMARY: the user told of several turns." : "Local here.");
  });
  closers.push(() => local.close());
  const fallback: RecordedRequest[] = [];
  const cloud = await startFakeServer((request) => {
    if (request.method === "POST") fallback.push(request);
    return answer(request, isSummary(request) ? "SUMMARY: written by the fallback." : "Big here.");
  });
  closers.push(() => cloud.close());
  const dir = join(temp.dir, name);
  mkdirSync(dir, { recursive: true });
  const file = join(dir, "hearth.json5");
  writeFileSync(
    file,
    `{ agents: { defaults: { model: { primary: "local/m", fallbacks: ["cloud/big"] }, tools: { allow: [] } } },
      models: { mode: "replace", providers: {
        local: { baseUrl: "${local.baseUrl}", api: "openai-completions", timeoutSeconds: 0.5, models: [{ id: "m", contextWindow: 2048, maxTokens: 256 }] },
        cloud: { baseUrl: "${cloud.baseUrl}", api: "openai-completions", apiKey: "sk-test-cloud-0123456789abcdef", models: [{ id: "big", contextWindow: 32000, maxTokens: 1024 }] } } } }`,
  );
  const stateDir = join(dir, "state");
  const runtime = await createRuntime({ env: { HEARTH_STATE_DIR: stateDir }, cwd: dir, config: file });
  closers.push(() => runtime.close());
  const events: AgentEvent[] = [];
  const say = async (text: string): Promise<Extract<TurnResult, { ok: true }>> => {
    const handled = await runtime.gateway.handle({ channel: "webchat", session: "s", text, onEvent: (event) => events.push(event) });
    assert.equal(handled.kind, "turn");
    const result = handled.kind === "turn" ? handled.result : undefined;
    assert.ok(result?.ok, JSON.stringify(result));
    return result;
  };
  /** The session file's entries of the types a fold writes. */
  const folds = (): string[] => {
    const found = findFile(stateDir, "s.jsonl");
    assert.ok(found, "the session file exists");
    return readFileSync(found, "utf8")
      .split("\n")
      .filter((line) => line.trim() !== "")
      .map((line) => (JSON.parse(line) as { type: string }).type)
      .filter((type) => type === "trim" || type === "compaction");
  };
  return { primary, fallback, say, events, folds };
}

/** What the turn's channel was told of a fold: a summary written, turns left out. */
const foldNotes = (events: readonly AgentEvent[]): string[] => events.flatMap((event) => (event.type === "compaction" && event.phase !== "start" ? [`${event.phase} ${event.message ?? ""}`] : []));

describe("a fallback with a larger window answers for a primary that cannot", () => {
  test("the primary cooling down after refusing: the fallback is sent every earlier turn, and no trim or summary is made for the primary", async () => {
    const { primary, fallback, say, events, folds } = await setUp("cooling");
    assert.equal((await say(story(1))).model, "local/m");
    primary.mode = "refuse";
    for (let turn = 2; turn <= 10; turn++) {
      const result = await say(story(turn));
      assert.equal(result.model, "cloud/big", `turn ${turn}`);
      assert.equal(result.compaction, undefined, `turn ${turn}: ${JSON.stringify(result.compaction)}`);
    }
    const last = bodyText(fallback.at(-1));
    for (let turn = 1; turn <= 10; turn++) assert.match(last, new RegExp(`turn ${turn}: `), `turn ${turn} reached the fallback`);
    assert.equal(fallback.filter(isSummary).length + primary.requests.filter(isSummary).length, 0, "no summary was asked for");
    assert.deepEqual(folds(), [], "the session keeps no trim or summary");
    assert.deepEqual(foldNotes(events), [], "and no turn said one was made");
  });

  test("the primary overflowing (400) with every request: the fallback is sent every earlier turn; nothing made for the primary is saved or said", async () => {
    const { primary, fallback, say, events, folds } = await setUp("overflow");
    primary.mode = "overflow";
    for (let turn = 1; turn <= 8; turn++) {
      const result = await say(story(turn));
      assert.equal(result.model, "cloud/big", `turn ${turn}`);
      assert.equal(result.compaction, undefined, `turn ${turn}: ${JSON.stringify(result.compaction)}`);
    }
    const last = bodyText(fallback.at(-1));
    for (let turn = 1; turn <= 8; turn++) assert.match(last, new RegExp(`turn ${turn}: `), `turn ${turn} reached the fallback`);
    assert.equal(fallback.filter(isSummary).length, 0, "the fallback wrote no summary for the primary's window");
    assert.deepEqual(folds(), [], "the session keeps no trim or summary");
    assert.deepEqual(foldNotes(events), [], "and no turn said one was made");
  });

  test("the primary hanging when the conversation outgrows it: the summary is asked of it once, it is then skipped, and the fallback gets the whole conversation", async () => {
    const { primary, fallback, say, events, folds } = await setUp("hang");
    for (let turn = 1; turn <= 3; turn++) assert.equal((await say(story(turn))).model, "local/m", `turn ${turn} fits the primary`);
    primary.mode = "hang";
    const before = primary.requests.length;
    // Three stories at once: the conversation no longer fits the primary's window, so a summary is needed for it.
    const result = await say(`${story(4)} ${story(5)} ${story(6)}`);
    assert.equal(result.model, "cloud/big");
    assert.equal(result.compaction, undefined, JSON.stringify(result.compaction));
    const asked = primary.requests.slice(before);
    assert.equal(asked.length, 1, "the hung primary was asked once");
    assert.ok(asked[0] && isSummary(asked[0]), "for the summary its window needed, and then skipped rather than called again");
    assert.ok(events.some((event) => event.type === "attempt-skipped" && event.model === "local/m" && event.outcome === "skipped-cooldown"), "said as a skip");
    const last = bodyText(fallback.at(-1));
    for (let turn = 1; turn <= 6; turn++) assert.match(last, new RegExp(`turn ${turn}: `), `turn ${turn} reached the fallback`);
    assert.equal(fallback.filter(isSummary).length, 0, "the fallback wrote no summary for the primary's window");
    // The next turn: the primary is cooling down; nothing is planned for it.
    const next = await say(story(7));
    assert.equal(next.model, "cloud/big");
    assert.match(bodyText(fallback.at(-1)), /turn 1: [\s\S]*turn 7: /);
    assert.deepEqual(folds(), [], "the session keeps no trim or summary");
    assert.deepEqual(foldNotes(events), [], "and no turn said one was made");
  });
});
