// A local LM Studio model set to let the next model answer while it loads (`onColdLoad: "fallback"`) was
// asked, cold, for the summary a long conversation needed to fit its window: the turn waited for the load
// (up to compaction.timeoutSeconds) before the fallback answered. Now the summary is not waited for while
// the model loads (nor counted as a failed one): the fallback answers from the whole conversation at once,
// the load goes on, and once loaded the model writes the summary itself.
import assert from "node:assert/strict";
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, test } from "node:test";
import type { TurnResult } from "../../src/agent/agent-events.js";
import { createRuntime } from "../../src/cli/runtime.js";
import { startFakeServer, type RecordedRequest, type Reply } from "../fakes/fake-server.js";
import { lmStudioHandler, type LmStudioModel } from "../fakes/lmstudio-server.js";
import { completionsStream } from "../fakes/openai-completions-stream.js";
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

test("a cold local model with onColdLoad fallback: no summary is waited for, the fallback answers from the whole conversation, and the loaded model summarises later", { timeout: 60_000 }, async () => {
  const model: LmStudioModel = { id: "m", loaded: true, loadedContextLength: 2048, maxContextLength: 32768 };
  /** While cold: the native listing says not loaded, and every request waits for the load to finish. */
  const load: { cold: boolean; done: Promise<void>; finish: () => void } = { cold: false, done: Promise.resolve(), finish: () => undefined };
  const localPosts: RecordedRequest[] = [];
  const listing = lmStudioHandler({ models: [model], jit: false });
  const studio = await startFakeServer(async (request) => {
    if (request.method === "POST" && request.path === "/v1/chat/completions") {
      localPosts.push(request);
      if (load.cold) await load.done;
      return answer(request, isSummary(request) ? "SUMMARY: the user told of the days." : "Local here.");
    }
    return listing(request);
  });
  closers.push(() => studio.close());
  const fallback: RecordedRequest[] = [];
  const cloud = await startFakeServer((request) => {
    if (request.method === "POST") fallback.push(request);
    return answer(request, isSummary(request) ? "SUMMARY: written by the fallback." : "Big here.");
  });
  closers.push(() => cloud.close());
  const dir = join(temp.dir, "cold");
  mkdirSync(dir, { recursive: true });
  const file = join(dir, "hearth.json5");
  writeFileSync(
    file,
    `{ agents: { defaults: { model: { primary: "lmstudio/m", fallbacks: ["cloud/big"] }, tools: { allow: [] }, compaction: { timeoutSeconds: 600 } } },
      models: { mode: "replace", providers: {
        lmstudio: { baseUrl: "${studio.url}/v1", api: "openai-completions", onColdLoad: "fallback", models: [{ id: "m", contextWindow: 2048, maxTokens: 256 }] },
        cloud: { baseUrl: "${cloud.baseUrl}", api: "openai-completions", apiKey: "sk-test-cloud-0123456789abcdef", models: [{ id: "big", contextWindow: 32000, maxTokens: 1024 }] } } } }`,
  );
  const stateDir = join(dir, "state");
  const start = async () => {
    const started = await createRuntime({ env: { HEARTH_STATE_DIR: stateDir }, cwd: dir, config: file });
    closers.push(() => started.close());
    return started;
  };
  let runtime = await start();
  const say = async (text: string): Promise<Extract<TurnResult, { ok: true }>> => {
    const handled = await runtime.gateway.handle({ channel: "webchat", session: "s", text });
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
  // The next morning: LM Studio unloaded it overnight (its TTL), and the gateway starts again. The listing says
  // so, and a request waits for the load.
  await runtime.close();
  model.loaded = false;
  load.cold = true;
  load.done = new Promise<void>((resolve) => (load.finish = resolve));
  runtime = await start();
  // Three stories at once: the conversation no longer fits the local window, so a summary would be needed for it.
  const result = await say(`${story(4)} ${story(5)} ${story(6)}`);
  assert.equal(result.model, "cloud/big", "the fallback answered while the local model loads");
  assert.equal(result.compaction, undefined, JSON.stringify(result.compaction));
  const sent = bodyText(fallback.at(-1));
  for (let turn = 1; turn <= 6; turn++) assert.match(sent, new RegExp(`turn ${turn}: `), `turn ${turn} reached the fallback`);
  assert.equal(fallback.filter(isSummary).length, 0, "the fallback wrote no summary for the local window");
  assert.deepEqual(folds(), [], "the session keeps no trim or summary made for the loading model");

  // The load ends: the local model answers again, and writes the summary its window needs (not 'not asked again before …').
  model.loaded = true;
  load.cold = false;
  load.finish();
  await waitFor(async () => (await runtime.gateway.handle({ channel: "webchat", session: "probe", text: "ok?" })).kind === "turn" && localPosts.length > 0);
  const summaries = localPosts.filter(isSummary).length;
  const back = await say(story(7));
  assert.equal(back.model, "lmstudio/m", JSON.stringify(back.attempts));
  assert.equal(back.compaction?.outcome, "compacted", JSON.stringify(back.compaction));
  assert.ok(localPosts.filter(isSummary).length > summaries, "the loaded model wrote the summary");
  assert.deepEqual(folds(), ["compaction"]);
});

async function waitFor(check: () => Promise<boolean>): Promise<void> {
  for (let tries = 0; tries < 200; tries++) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error("never came true");
}

function findFile(dir: string, name: string): string | undefined {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isFile() && entry.name === name) return path;
    if (entry.isDirectory()) {
      const found = findFile(path, name);
      if (found) return found;
    }
  }
  return undefined;
}
