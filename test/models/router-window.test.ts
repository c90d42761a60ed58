import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { lmstudioOverflow } from "../fakes/error-bodies.js";
import { startFakeServer, type Reply } from "../fakes/fake-server.js";
import { llamaCppOverflow, startLlamaCpp } from "../fakes/llamacpp-server.js";
import { startLmStudio } from "../fakes/lmstudio-server.js";
import { completionsStream } from "../fakes/openai-completions-stream.js";
import { fakeServersForSuite, serversClosedAfterEachTest } from "../helpers/fake-servers.js";
import { ask, chainFromServers, route, routingPerTest } from "../helpers/routing.js";

const answer = (text: string): Reply => ({ kind: "sse", frames: completionsStream({ text, usage: { input: 10, output: 3 } }) });

describe("after an overflow, the next candidate must be larger than the window that really overflowed", () => {
  const routing = routingPerTest();
  const { spare } = fakeServersForSuite({ spare: () => answer("from the 32k spare") });
  const servers = serversClosedAfterEachTest();

  test("LM Studio loaded 4,096 of a configured 200,000: the 32k fallback is tried, not skipped as smaller (issue 8)", async () => {
    const lmstudio = await startLmStudio({ models: [{ id: "m", loaded: true, loadedContextLength: 4096, maxContextLength: 200000 }], completions: () => lmstudioOverflow });
    servers.push(lmstudio);
    const chain = chainFromServers({ bigstudio: lmstudio.baseUrl, spare: spare.baseUrl });
    const result = await route(routing.router, { chain, context: ask });
    assert.deepEqual(result.outcomes, ["bigstudio/m context-overflow", "spare/m ok"]);
    assert.equal(result.text, "from the 32k spare");
  });

  test("llama.cpp at -c 1024 under a configured 200,000: the window its overflow message names counts", async () => {
    const llama = await startLlamaCpp({ alias: "m", nCtx: 1024, completions: () => llamaCppOverflow(1060, 1024) });
    servers.push(llama);
    const chain = chainFromServers({ bigllama: llama.baseUrl, spare: spare.baseUrl });
    const result = await route(routing.router, { chain, context: ask });
    assert.deepEqual(result.outcomes, ["bigllama/m context-overflow", "spare/m ok"]);
    const [head] = chain;
    assert.ok(head);
    assert.equal(routing.windows.effectiveWindow(head), 1024, "learned from the message");
  });

  test("a candidate no larger than the real window is still skipped", async () => {
    const llama = await startLlamaCpp({ alias: "m", nCtx: 32000, completions: () => llamaCppOverflow(40000, 32000) });
    servers.push(llama);
    const chain = chainFromServers({ bigllama2: llama.baseUrl, spare: spare.baseUrl });
    const result = await route(routing.router, { chain, context: ask });
    assert.deepEqual(result.outcomes, ["bigllama2/m context-overflow", "spare/m skipped-context"]);
  });
});

describe("an image to a model that reads text only is counted as the line it is sent as", () => {
  const routing = routingPerTest();
  const servers = serversClosedAfterEachTest();

  test("a text-only llama.cpp at -c 512 takes a short message with a photo (sent as a line), not skipped as too small", async () => {
    const bodies: unknown[] = [];
    const llama = await startLlamaCpp({ alias: "m", nCtx: 512, completions: (request) => (bodies.push(request.body), answer("a line about the photo")) });
    const spare = await startFakeServer(() => answer("from the spare"));
    servers.push(llama, spare);
    const chain = chainFromServers({ smallllama: llama.baseUrl, spare: spare.baseUrl });
    // A photo of some size: counted as its bytes it would not fit 512 tokens; as the line a text-only model gets, it does.
    const photo = Buffer.alloc(6_000, 7).toString("base64");
    const context = { messages: [{ role: "user" as const, content: [{ type: "text" as const, text: "what is in this photo?" }, { type: "image" as const, mediaType: "image/jpeg", data: photo }] }] };
    const result = await route(routing.router, { chain, context, askWindows: true });
    assert.deepEqual(result.outcomes, ["smallllama/m ok"]);
    assert.equal(result.text, "a line about the photo");
    assert.match(JSON.stringify(bodies[0]), /image \(image\/jpeg\) left out: this model reads text only/);
  });
});

