// s23 review #3: a silence's look at a local server (its listing, up to 2 s) could end a call whose reply had come
// back meanwhile: a live server then cooled down and was failed over. The verdict holds only while nothing came.
import assert from "node:assert/strict";
import { test } from "node:test";
import { startFakeServer } from "../fakes/fake-server.js";
import { resolveText } from "../helpers/config.js";
import { serversClosedAfterEachTest } from "../helpers/fake-servers.js";
import { goneWatch } from "../../src/models/server-gone.js";
import type { ModelSpec } from "../../src/ai/model-spec.js";

const servers = serversClosedAfterEachTest();

/** A server that takes connections and never answers its listing (a hung shutdown's, as the real llama-server's). */
async function hungServer(): Promise<ModelSpec> {
  const server = await startFakeServer((request) => (request.path === "/health" ? { kind: "json", body: { status: "ok" } } : { kind: "hang-before-headers" }));
  servers.push(server);
  const [model] = resolveText(`{ agents: { defaults: { model: "llama/m" } }, models: { mode: "replace", providers: {
    llama: { baseUrl: "${server.baseUrl}", api: "openai-completions", models: [{ id: "m", contextWindow: 32000, maxTokens: 1000 }] } } } }`).chain;
  assert.ok(model);
  return model.model;
}

const lookOver = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 3_000));

test("a reply that moved on while the look ran is not ended as its server gone", { timeout: 20_000 }, async () => {
  const model = await hungServer();
  let parts = 4;
  const cancel = new AbortController();
  const watch = goneWatch(model, { cancel, over: () => false, progress: () => parts });
  watch.onSilent(true)?.(5_000);
  // Tokens come again while the listing is still unanswered.
  setTimeout(() => (parts += 1), 200);
  await lookOver();
  assert.equal(cancel.signal.aborted, false, "a server whose reply came back is not gone");
  assert.equal(watch.endedWith(), undefined);
});

test("still silent through the look: ended as gone (the same server, nothing more came)", { timeout: 20_000 }, async () => {
  const model = await hungServer();
  const cancel = new AbortController();
  const watch = goneWatch(model, { cancel, over: () => false, progress: () => 4 });
  watch.onSilent(true)?.(5_000);
  await lookOver();
  assert.equal(cancel.signal.aborted, true);
  assert.match(watch.endedWith()?.message ?? "", /did not answer GET \/v1\/models within 2 s/);
});
