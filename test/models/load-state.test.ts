import assert from "node:assert/strict";
import { getEventListeners } from "node:events";
import { after, test } from "node:test";
import { HttpClient } from "../../src/ai/http/http-client.js";
import { LoadState } from "../../src/models/load-state.js";
import { startFakeServer } from "../fakes/fake-server.js";
import { lmStudioHandler, startLmStudio, type LmStudioOptions } from "../fakes/lmstudio-server.js";
import { completionsStream } from "../fakes/openai-completions-stream.js";
import { ManualClock } from "../helpers/manual-clock.js";
import { ask, chainFromServers, route, testRouting } from "../helpers/routing.js";

function onlyModel(baseUrl: string) {
  const [model] = chainFromServers({ local: baseUrl });
  assert.ok(model);
  return model;
}

const http = new HttpClient();
after(() => http.destroy());

const looks = (requests: readonly { method: string; path: string }[]): number => requests.filter((request) => request.method === "GET" && request.path.startsWith("/api/")).length;

test("callers asking at the same time whether a model is loaded share one look", async () => {
  const studio = await startLmStudio({ models: [{ id: "m", loaded: false, maxContextLength: 32768 }] });
  try {
    const model = onlyModel(studio.baseUrl);
    const state = new LoadState(http, new ManualClock());
    const answers = await Promise.all([1, 2, 3, 4].map(() => state.isLoaded(model, studio.baseUrl)));
    assert.deepEqual(answers, [false, false, false, false]);
    assert.equal(looks(studio.requests), 1);
    await state.isLoaded(model, studio.baseUrl);
    assert.equal(looks(studio.requests), 2, "a later question is a new look");
  } finally {
    await studio.close();
  }
});

test("a caller whose signal aborts stops waiting; the shared look goes on for the others", async () => {
  const studio = await startLmStudio({ models: [{ id: "m", loaded: true, loadedContextLength: 8192, maxContextLength: 32768 }] });
  try {
    const model = onlyModel(studio.baseUrl);
    const state = new LoadState(http, new ManualClock());
    const cancel = new AbortController();
    const abandoned = state.isLoaded(model, studio.baseUrl, cancel.signal);
    const kept = state.isLoaded(model, studio.baseUrl);
    cancel.abort();
    assert.equal(await abandoned, undefined);
    assert.equal(await kept, true);
    assert.equal(state.knownContext(model, studio.baseUrl), 8192);
  } finally {
    await studio.close();
  }
});

test("one warm-up per replica and model at a time", async () => {
  const studio = await startLmStudio({ models: [{ id: "m", loaded: false, maxContextLength: 32768 }] });
  try {
    const model = onlyModel(studio.baseUrl);
    const state = new LoadState(http, new ManualClock());
    let started = 0;
    const running: (() => void)[] = [];
    const warmUp = (): Promise<void> => {
      started++;
      return new Promise((resolve) => running.push(resolve));
    };
    const all = Promise.all([state.warmUp(model, studio.baseUrl, warmUp), state.warmUp(model, studio.baseUrl, warmUp), state.warmUp(model, `${studio.url}/other/v1`, warmUp)]);
    assert.equal(started, 2, "one for each replica");
    for (const finish of running) finish();
    await all;
    const failing = (): Promise<void> => {
      started++;
      return Promise.reject(new Error("refused"));
    };
    await state.warmUp(model, studio.baseUrl, failing);
    assert.equal(started, 3, "a finished warm-up does not stop the next");
  } finally {
    await studio.close();
  }
});

test("a server without LM Studio's native API is asked again after a few minutes", async () => {
  const options: LmStudioOptions = { models: [{ id: "m", loaded: true, loadedContextLength: 4096, maxContextLength: 32768 }], nativeApi: "none" };
  const studio = await startLmStudio(options);
  try {
    const model = onlyModel(studio.baseUrl);
    const clock = new ManualClock();
    const state = new LoadState(http, clock);
    assert.equal(await state.isLoaded(model, studio.baseUrl), undefined, "404 on both native paths");
    const asked = looks(studio.requests);
    options.nativeApi = "v1"; // LM Studio was updated, or started in place of another server
    assert.equal(await state.isLoaded(model, studio.baseUrl), undefined, "not asked again at once");
    assert.equal(looks(studio.requests), asked);
    // Nothing to wait for meanwhile: a caller's signal gets no listener (every call of a proxied request asks).
    const turn = new AbortController();
    const answer = state.isLoaded(model, studio.baseUrl, turn.signal);
    assert.equal(getEventListeners(turn.signal, "abort").length, 0);
    assert.equal(await answer, undefined);
    clock.advance(5 * 60_000);
    assert.equal(await state.isLoaded(model, studio.baseUrl), true);
    assert.equal(state.knownContext(model, studio.baseUrl), 4096);
  } finally {
    await studio.close();
  }
});

test("concurrent turns for an unloaded model send one look and one warm-up, and the next model answers each", async () => {
  const chats = (): number => studio.requests.filter((request) => request.method === "POST" && JSON.stringify(request.body).includes("hello")).length;
  let openLook = (): void => undefined;
  const gate = new Promise<void>((resolve) => (openLook = resolve));
  const listing = lmStudioHandler({ models: [{ id: "m", loaded: false, maxContextLength: 32768 }] });
  const studio = await startFakeServer(async (request) => {
    if (request.method === "POST") {
      if (chats() >= 3) openLook();
      return { kind: "hang-before-headers" };
    }
    if (request.path.startsWith("/api/")) await gate; // the look answers once every turn has asked
    return listing(request);
  });
  const spare = await startFakeServer(() => ({ kind: "sse", frames: completionsStream({ text: "from the spare", usage: { input: 1, output: 1 } }) }));
  const routing = testRouting();
  try {
    const chain = chainFromServers({ local: studio.baseUrl, spare: spare.baseUrl }, { local: 'onColdLoad: "fallback",' });
    const results = await Promise.all(["s1", "s2", "s3"].map((sessionKey) => route(routing.router, { chain, context: ask, sessionKey })));
    for (const result of results) assert.deepEqual(result.outcomes, ["local/m cold-loading", "spare/m ok"]);
    assert.equal(studio.requests.filter((request) => request.path.startsWith("/api/")).length, 1, "one look");
    const warmUps = studio.requests.filter((request) => request.method === "POST" && !JSON.stringify(request.body).includes("hello"));
    assert.equal(warmUps.length, 1, "one warm-up");
  } finally {
    routing.close();
    await Promise.all([studio.close(), spare.close()]);
  }
});
