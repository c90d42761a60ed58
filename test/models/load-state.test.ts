import assert from "node:assert/strict";
import { after, test } from "node:test";
import { HttpClient } from "../../src/ai/http/http-client.js";
import { LoadState } from "../../src/models/load-state.js";
import { startLmStudio, type LmStudioOptions } from "../fakes/lmstudio-server.js";
import { ManualClock } from "../helpers/manual-clock.js";
import { chainFromServers } from "../helpers/routing.js";

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
    clock.advance(5 * 60_000);
    assert.equal(await state.isLoaded(model, studio.baseUrl), true);
    assert.equal(state.knownContext(model, studio.baseUrl), 4096);
  } finally {
    await studio.close();
  }
});
