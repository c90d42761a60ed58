import assert from "node:assert/strict";
import { after, test } from "node:test";
import { HttpClient } from "../../src/ai/http/http-client.js";
import { createRouting } from "../../src/cli/wire-router.js";
import { SERVED_WINDOW_MAX_AGE_MS } from "../../src/models/served-windows.js";
import { startLlamaCpp, type LlamaCppOptions } from "../fakes/llamacpp-server.js";
import type { FakeServer } from "../fakes/fake-server.js";
import { completionsStream } from "../fakes/openai-completions-stream.js";
import { resolveText } from "../helpers/config.js";
import { ManualClock } from "../helpers/manual-clock.js";
import { ask, route } from "../helpers/routing.js";

/**
 * t3 finding 1: a long-running gateway learns a server's context again — the server restarted with
 * another `-c` — after a bounded age, after the server came back from down, and after a reply that
 * reached the end of the context it knew; such a reply is cut off ("length") whatever the server said.
 */
const http = new HttpClient();
const servers: FakeServer[] = [];
after(async () => {
  http.destroy();
  await Promise.all(servers.map((server) => server.close()));
});

const props = (server: FakeServer): number => server.requests.filter((request) => request.path === "/props").length;

async function setUp(options: LlamaCppOptions) {
  const server = await startLlamaCpp(options);
  servers.push(server);
  const clock = new ManualClock();
  const routing = createRouting({ http, clock });
  routing.windows.clock = clock;
  const chain = resolveText(`{ agents: { defaults: { model: { primary: "llama/stories260k" } } },
    models: { mode: "replace", providers: { llama: { baseUrl: "${server.baseUrl}", api: "openai-completions", models: [{ id: "stories260k", contextWindow: 2048, maxTokens: 512 }] } } } }`).chain.map((entry) => entry.model);
  const model = chain[0];
  assert.ok(model);
  return { server, clock, windows: routing.windows, router: routing.router, chain, model };
}

test("a server restarted with another -c is asked again once its answer is older than the bound: not on every turn, one ask at a time", async () => {
  const options: LlamaCppOptions = { nCtx: 1024 };
  const { server, clock, windows, model } = await setUp(options);
  await windows.refresh(model);
  assert.equal(windows.effectiveWindow(model), 1024);
  options.nCtx = 2048; // restarted bigger
  const asked = props(server);
  await windows.refresh(model);
  assert.equal(props(server), asked, "a fresh answer is not asked again");
  assert.equal(windows.asked(model), true);
  clock.advance(SERVED_WINDOW_MAX_AGE_MS);
  assert.equal(windows.asked(model), false, "an old answer is asked again with the next turn");
  await Promise.all([windows.refresh(model), windows.refresh(model)]);
  assert.equal(props(server), asked + 1, "one ask in flight per server");
  assert.equal(windows.effectiveWindow(model), 2048, "the bigger context, learned");
  options.nCtx = 1024; // restarted smaller
  clock.advance(SERVED_WINDOW_MAX_AGE_MS);
  await windows.refresh(model);
  assert.equal(windows.effectiveWindow(model), 1024);
});

test("a server restarted with a smaller -c between two messages of a conversation, typed five seconds apart, is re-learned by the second", async () => {
  const options: LlamaCppOptions = { nCtx: 2048 };
  const { clock, windows, model } = await setUp(options);
  await windows.refresh(model);
  assert.equal(windows.effectiveWindow(model), 2048);
  options.nCtx = 1024; // llama-server restarted with -c 1024 while the user read the answer
  clock.advance(5_000);
  await windows.refresh(model);
  assert.equal(windows.effectiveWindow(model), 1024, "the second message is planned for the context the server runs now");
});

test("a server found down and answering again is asked again at once", async () => {
  const options: LlamaCppOptions = { nCtx: 1024 };
  const { windows, model, server } = await setUp(options);
  await windows.refresh(model);
  windows.markReachable(model, server.baseUrl, false);
  options.nCtx = 2048;
  windows.markReachable(model, server.baseUrl, true);
  assert.equal(windows.asked(model), false);
  await windows.refresh(model);
  assert.equal(windows.effectiveWindow(model), 2048);
});

test("a reply whose prompt and words reached the served context is cut off ('length') though the server said it stopped, and the context is asked again", async () => {
  const options: LlamaCppOptions = {
    nCtx: 1024,
    completions: () => ({ kind: "sse", frames: completionsStream({ text: "and then the", usage: { input: 892, output: 132 } }) }),
  };
  const { windows, model, router, chain, server } = await setUp(options);
  await windows.refresh(model);
  const asked = props(server);
  const cut = await route(router, { chain, context: ask });
  assert.equal(cut.end?.message.stopReason, "length", "892 in + 132 out = the 1024 served");
  assert.equal(windows.asked(model), false, "the context is asked again");
  await windows.refresh(model);
  assert.equal(props(server), asked + 1);
  options.completions = () => ({ kind: "sse", frames: completionsStream({ text: "the end.", usage: { input: 400, output: 12 } }) });
  const whole = await route(router, { chain, context: ask });
  assert.equal(whole.end?.message.stopReason, "stop", "a reply short of the context keeps its own stop");
});
