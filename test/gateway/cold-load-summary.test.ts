// A local LM Studio model set to let the next model answer while it loads (`onColdLoad: "fallback"`) was
// asked, cold, for the summary a long conversation needed to fit its window: the turn waited for the load
// (up to compaction.timeoutSeconds) before the fallback answered. Now the summary is not waited for while
// the model loads (nor counted as a failed one): the fallback answers from the whole conversation at once,
// the load goes on, and once loaded the model writes the summary itself. Where nothing else answers after
// all, or the summary is a configured compaction.model's, the load is waited for and a summary written.
import assert from "node:assert/strict";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import type { AgentEvent, TurnResult } from "../../src/agent/agent-events.js";
import { createRuntime } from "../../src/cli/runtime.js";
import { startFakeServer, type RecordedRequest, type Reply } from "../fakes/fake-server.js";
import { lmStudioHandler, type LmStudioModel } from "../fakes/lmstudio-server.js";
import { completionsStream } from "../fakes/openai-completions-stream.js";
import { findFile } from "../helpers/find-file.js";
import { tempDir } from "../helpers/run-cli.js";

const temp = tempDir();
const closers: (() => unknown)[] = [];
after(async () => {
  for (const close of closers) await close();
  temp.cleanup();
});

const bodyText = (request: RecordedRequest | undefined): string => JSON.stringify((request?.body as { messages?: unknown } | undefined)?.messages ?? []);
const isSummary = (request: RecordedRequest): boolean => /Summary so far|Conversation to add/.test(bodyText(request));
/** About 300 tokens: the local window (2,048, about 1,600 for the prompt) holds four or five such turns. */
const story = (turn: number): string => `turn ${turn}: ${"a few words about the day, the weather and the plans. ".repeat(22)}`;
const answer = (request: RecordedRequest, text: string): Reply => ({ kind: "sse", frames: completionsStream({ model: "m", text, usage: { input: Math.ceil(JSON.stringify(request.body).length / 4), output: 3 } }) });

/** A model LM Studio may unload: while cold its listing says so, and each request to it waits until `finish()`. */
function coldable(id: string) {
  const state = { model: { id, loaded: true, loadedContextLength: id === "m" ? 2048 : 8192, maxContextLength: 32768 } as LmStudioModel, cold: false, done: Promise.resolve(), finish: () => undefined as unknown };
  return {
    state,
    unload: () => {
      state.model.loaded = false;
      state.cold = true;
      state.done = new Promise<void>((resolve) => (state.finish = resolve));
    },
    finishLoad: () => {
      state.model.loaded = true;
      state.cold = false;
      state.finish();
    },
  };
}

/**
 * A gateway runtime over an LM Studio (`lmstudio/m`, a 2,048 window, onColdLoad fallback; `lmstudio/s` for
 * compaction.model) and a 32k hosted fallback (`cloud/big`), three turns said while m is loaded.
 */
async function setUp(name: string, options: { compactionModel?: boolean } = {}) {
  const m = coldable("m");
  const s = coldable("s");
  const localPosts: RecordedRequest[] = [];
  const listing = lmStudioHandler({ models: [m.state.model, s.state.model] });
  const studio = await startFakeServer(async (request) => {
    if (request.method === "POST" && request.path === "/v1/chat/completions") {
      localPosts.push(request);
      const which = (request.body as { model?: string }).model === "s" ? s : m;
      if (which.state.cold) await which.state.done;
      return answer(request, isSummary(request) ? "SUMMARY: the user told of the days." : "Local here.");
    }
    return listing(request);
  });
  closers.push(() => studio.close());
  const cloud = { posts: [] as RecordedRequest[], down: false };
  const server = await startFakeServer((request) => {
    if (request.method !== "POST") return { kind: "json", status: 404, body: {} };
    cloud.posts.push(request);
    if (cloud.down) return { kind: "json", status: 503, body: { error: { message: "overloaded" } } };
    return answer(request, isSummary(request) ? "SUMMARY: written by the fallback." : "Big here.");
  });
  closers.push(() => server.close());
  const dir = join(temp.dir, name);
  mkdirSync(dir, { recursive: true });
  const file = join(dir, "hearth.json5");
  writeFileSync(
    file,
    `{ agents: { defaults: { model: { primary: "lmstudio/m", fallbacks: ["cloud/big"] }, tools: { allow: [] }, compaction: { timeoutSeconds: 600${options.compactionModel ? `, model: "lmstudio/s"` : ""} } } },
      models: { mode: "replace", providers: {
        lmstudio: { baseUrl: "${studio.url}/v1", api: "openai-completions", onColdLoad: "fallback", models: [{ id: "m", contextWindow: 2048, maxTokens: 256 }, { id: "s", contextWindow: 8192, maxTokens: 512 }] },
        cloud: { baseUrl: "${server.baseUrl}", api: "openai-completions", apiKey: "sk-test-cloud-0123456789abcdef", models: [{ id: "big", contextWindow: 32000, maxTokens: 1024 }] } } } }`,
  );
  const stateDir = join(dir, "state");
  const start = async () => {
    const started = await createRuntime({ env: { HEARTH_STATE_DIR: stateDir }, cwd: dir, config: file });
    closers.push(() => started.close());
    return started;
  };
  let runtime = await start();
  /** The compaction events of the turns said, in order (their phases). */
  const compactions: string[] = [];
  const say = async (text: string, session = "s"): Promise<Extract<TurnResult, { ok: true }>> => {
    const onEvent = (event: AgentEvent): void => void (event.type === "compaction" && compactions.push(event.phase));
    const handled = await runtime.gateway.handle({ channel: "webchat", session, text, onEvent });
    const result = handled.kind === "turn" ? handled.result : undefined;
    assert.ok(result?.ok, JSON.stringify(handled));
    return result;
  };
  const folds = (): string[] =>
    readFileSync(findFile(stateDir, "s.jsonl") ?? "", "utf8")
      .split("\n")
      .filter((line) => line.trim() !== "")
      .map((line) => (JSON.parse(line) as { type: string }).type)
      .filter((type) => type === "trim" || type === "compaction");
  for (let turn = 1; turn <= 3; turn++) assert.equal((await say(story(turn))).model, "lmstudio/m", `turn ${turn} fits the loaded model`);
  /** The next morning: LM Studio unloaded `which` overnight (its TTL), and the gateway starts again. */
  const overnight = async (which: "m" | "s"): Promise<void> => {
    await runtime.close();
    (which === "m" ? m : s).unload();
    runtime = await start();
  };
  return { m, s, localPosts, cloud, say, folds, overnight, compactions };
}

/** Three stories at once: the conversation no longer fits the local window, so a summary is needed for it. */
const outgrowing = `${story(4)} ${story(5)} ${story(6)}`;

describe("a long conversation and a cold LM Studio model with onColdLoad fallback", { timeout: 60_000 }, () => {
  test("no summary is waited for: the fallback answers from the whole conversation, and the loaded model summarises later", async () => {
    const { m, localPosts, cloud, say, folds, overnight, compactions } = await setUp("fallback-answers");
    await overnight("m");
    compactions.length = 0;
    const result = await say(outgrowing);
    // The summary begun for the loading model is said to be set aside, not left "summarising" through the fallback's answer.
    assert.deepEqual(compactions, ["start", "deferred"]);
    assert.equal(result.model, "cloud/big", "the fallback answered while the local model loads");
    assert.equal(result.compaction, undefined, JSON.stringify(result.compaction));
    const sent = bodyText(cloud.posts.at(-1));
    for (let turn = 1; turn <= 6; turn++) assert.match(sent, new RegExp(`turn ${turn}: `), `turn ${turn} reached the fallback`);
    assert.equal(cloud.posts.filter(isSummary).length, 0, "the fallback wrote no summary for the local window");
    assert.deepEqual(folds(), [], "the session keeps no trim or summary made for the loading model");

    // The load ends: the local model answers again, and writes the summary its window needs (not 'not asked again before …').
    m.finishLoad();
    await waitFor(async () => (await say("ok?", "probe")).model === "lmstudio/m");
    const summaries = localPosts.filter(isSummary).length;
    const back = await say(story(7));
    assert.equal(back.model, "lmstudio/m", JSON.stringify(back.attempts));
    assert.equal(back.compaction?.outcome, "compacted", JSON.stringify(back.compaction));
    assert.ok(localPosts.filter(isSummary).length > summaries, "the loaded model wrote the summary");
    assert.deepEqual(folds(), ["compaction"]);
  });

  test("the fallback failing too: the turn goes back to the loading model and waits, and it writes the summary (never a trim made not waiting)", async () => {
    const { m, localPosts, cloud, say, folds, overnight, compactions } = await setUp("fallback-fails");
    await overnight("m");
    cloud.down = true;
    compactions.length = 0;
    // The load ends while the turn waits for it, after the fallback failed.
    const waited = waitFor(async () => cloud.posts.length > 0).then(() => setTimeout(() => m.finishLoad(), 200));
    const result = await say(outgrowing);
    await waited;
    assert.equal(result.model, "lmstudio/m", JSON.stringify(result.attempts));
    assert.equal(result.compaction?.outcome, "compacted", JSON.stringify(result.compaction));
    // Set aside while the fallback was tried, then begun again and written once the turn went back to wait for the model.
    assert.deepEqual(compactions, ["start", "deferred", "start", "end"]);
    assert.ok(localPosts.some(isSummary), "the loaded model wrote the summary");
    assert.deepEqual(folds(), ["compaction"]);
  });

  test("a configured compaction.model that is cold is waited for (the turn's own model is loaded and answers)", async () => {
    const { s, localPosts, cloud, say, folds, overnight } = await setUp("compaction-model", { compactionModel: true });
    await overnight("s");
    const waited = waitFor(async () => localPosts.some((request) => (request.body as { model?: string }).model === "s")).then(() => setTimeout(() => s.finishLoad(), 200));
    const result = await say(outgrowing);
    await waited;
    assert.equal(result.model, "lmstudio/m", JSON.stringify(result.attempts));
    assert.equal(result.compaction?.outcome, "compacted", JSON.stringify(result.compaction));
    assert.equal(cloud.posts.length, 0, "nothing went to the fallback");
    assert.deepEqual(folds(), ["compaction"]);
  });
});

async function waitFor(check: () => Promise<boolean>): Promise<void> {
  for (let tries = 0; tries < 200; tries++) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error("never came true");
}
