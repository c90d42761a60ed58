import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { startFakeServer, type Reply } from "../fakes/fake-server.js";
import { startLlamaCpp } from "../fakes/llamacpp-server.js";
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
  });
});
