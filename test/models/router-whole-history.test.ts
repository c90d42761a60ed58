import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { startFakeServer, type Reply } from "../fakes/fake-server.js";
import { startLlamaCpp } from "../fakes/llamacpp-server.js";
import { ollamaHandler } from "../fakes/ollama-server.js";
import { completionsStream } from "../fakes/openai-completions-stream.js";
import { serversClosedAfterEachTest } from "../helpers/fake-servers.js";
import { chainFromServers, route, routingPerTest } from "../helpers/routing.js";

const answer = (text: string): Reply => ({ kind: "sse", frames: completionsStream({ text, usage: { input: 10, output: 3 } }) });
/** A conversation of about `tokens` tokens as hearth estimates them (four characters a token, its framing aside). */
const conversation = (tokens: number) => ({ messages: [{ role: "user" as const, content: "x".repeat(tokens * 4 - 16) }] });

describe("a request passed on whole (proxy mode) is judged against the window the server really runs", () => {
  const routing = routingPerTest();
  const servers = serversClosedAfterEachTest();

  test("llama.cpp at -c 4096 under a configured 32,000, its tokenizer counted: a 5,200-token conversation is skipped for the window it runs; one near the edge is sent", async () => {
    const llama = await startLlamaCpp({ alias: "m", nCtx: 4096, completions: () => answer("from the small llama") });
    const spare = await startFakeServer(() => answer("from the spare"));
    servers.push(llama, spare);
    const chain = chainFromServers({ llama: llama.baseUrl, spare: spare.baseUrl });
    const result = await route(routing.router, { chain, context: conversation(5_200), askWindows: true, wholeHistory: true });
    assert.deepEqual(result.outcomes, ["llama/m skipped-context", "spare/m ok"]);
    assert.match(result.end?.attempts[0]?.message ?? "", /^the server runs llama\/m with 4,096 tokens of context \(contextWindow says 32,000\), and the request takes about 5,200 tokens/);
    assert.equal(llama.requests.filter((request) => request.path.includes("chat/completions")).length, 0, "nothing was sent to it");
    // 3,950 estimated and a reply of 256 may not fit 4,096, or may (a sample's rate is no count of this request): sent, the server decides.
    const nearEdge = await route(routing.router, { chain, context: conversation(3_950), askWindows: true, wholeHistory: true });
    assert.deepEqual(nearEdge.outcomes, ["llama/m ok"]);
    // Even past the window by the estimate (4,300 for 4,096): llama.cpp refuses an overflowing prompt, saying so, and counts it;
    // the estimate is no count (the real tiny model's prose took half the tokens its sample did), so it is sent and the server decides.
    // (This fake counts four characters a token, as the estimate does: it refuses, with its count, and the spare answers.)
    const before = llama.requests.filter((request) => request.path.includes("chat/completions")).length;
    const past = await route(routing.router, { chain, context: conversation(4_300), askWindows: true, wholeHistory: true });
    assert.deepEqual(past.outcomes, ["llama/m context-overflow", "spare/m ok"]);
    assert.equal(llama.requests.filter((request) => request.path.includes("chat/completions")).length, before + 1, "sent to llama.cpp, which decided");
  });

  test("a server that may not refuse an overflowing prompt (Ollama cuts its start in silence; /api/ps says 4,096): what the estimate rules out is not sent", async () => {
    const ollama = ollamaHandler([{ name: "m", parameterSize: "8B", quantization: "Q4_K_M", contextLength: 32768, loadedContext: 4096 }]);
    const olla = await startFakeServer((request) => (request.path.startsWith("/api/") ? ollama(request) : answer("from ollama, cut")));
    const spare = await startFakeServer(() => answer("from the spare"));
    servers.push(olla, spare);
    const chain = chainFromServers({ olla: olla.baseUrl, spare: spare.baseUrl });
    const result = await route(routing.router, { chain, context: conversation(4_300), askWindows: true, wholeHistory: true });
    assert.deepEqual(result.outcomes, ["olla/m skipped-context", "spare/m ok"]);
    assert.equal(olla.requests.filter((request) => request.path.includes("chat/completions")).length, 0, "nothing was sent to it");
  });

  test("in proxy mode every counted reply teaches the tokenizer's rate: one learnt from another kind of text does not judge the client's next request for as long as the gateway runs", async () => {
    let input = 2_000;
    const server = await startFakeServer(() => ({ kind: "sse", frames: completionsStream({ text: "ok", usage: { input, output: 2 } }) }));
    servers.push(server);
    const [model] = chainFromServers({ local: server.baseUrl });
    assert.ok(model);
    await route(routing.router, { chain: [model], context: conversation(1_000), wholeHistory: true });
    const first = routing.windows.tokenRatio(model);
    input = 1_000;
    await route(routing.router, { chain: [model], context: conversation(1_000), wholeHistory: true });
    assert.ok(first > 1.8, `the first reply's rate (${first})`);
    assert.ok(Math.abs(routing.windows.tokenRatio(model) - 1) < 0.1, `the latest reply's rate (${routing.windows.tokenRatio(model)}), not the first's`);
  });

  test("a rate learnt from other text (one overflow of JSON) does not keep a client's prose from llama.cpp before any call: it is sent, and counted", async () => {
    const llama = await startLlamaCpp({ alias: "m", nCtx: 4096, completions: () => answer("from the small llama") });
    servers.push(llama);
    const [model] = chainFromServers({ llama: llama.baseUrl });
    assert.ok(model);
    await route(routing.router, { chain: [model], context: conversation(100), askWindows: true, wholeHistory: true });
    // As an overflow of a JSON-heavy request teaches it: 3.5 server tokens per estimated token.
    routing.windows.learnTokens(model, 1_000, 3_500);
    const prose = await route(routing.router, { chain: [model], context: conversation(2_000), askWindows: true, wholeHistory: true });
    assert.deepEqual(prose.outcomes, ["llama/m ok"], "2,000 estimated: 7,000 by the JSON's rate, 2,000 as the server counts it");
  });
});
