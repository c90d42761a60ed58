import assert from "node:assert/strict";
import { test } from "node:test";
import type { FakeServer, Reply } from "../fakes/fake-server.js";
import { completionsStream } from "../fakes/openai-completions-stream.js";
import { resolveText } from "../helpers/config.js";
import { fakeServersForSuite } from "../helpers/fake-servers.js";
import { ask, routeWhileClockMoves, testRouting, type TestRouting } from "../helpers/routing.js";

const answer = (text: string): Reply => ({ kind: "sse", frames: completionsStream({ text, usage: { input: 10, output: 3 } }) });

/**
 * t1 finding 13: one llama.cpp server in the chain twice (two providers, the same baseUrl). When it
 * hangs, the first model times out; the second is not waited on again on the server that just proved
 * stuck — skipped, saying why — and the next server answers.
 */
const { hung, spare } = fakeServersForSuite({ hung: () => ({ kind: "hang-before-headers" }), spare: () => answer("from the spare") });

const posts = (server: FakeServer): number => server.requests.filter((request) => request.method === "POST").length;

function chain(models: string[]) {
  return resolveText(`{ agents: { defaults: { model: { primary: "${models[0]}", fallbacks: ${JSON.stringify(models.slice(1))} } } },
    models: { mode: "replace", providers: {
      llamacpp: { baseUrl: "${hung.baseUrl}", api: "openai-completions", timeoutSeconds: 15, models: [{ id: "stories", contextWindow: 32000, maxTokens: 1000 }] },
      llamacc: { baseUrl: "${hung.baseUrl}/", api: "openai-completions", timeoutSeconds: 15, models: [{ id: "stories", contextWindow: 32000, maxTokens: 1000 }] },
      spare: { baseUrl: "${spare.baseUrl}", api: "openai-completions", models: [{ id: "m", contextWindow: 32000, maxTokens: 1000 }] } } } }`).chain.map((entry) => entry.model);
}

/** Runs the route, moving the manual clock on a second at a time once the hung server was asked (the timeouts run on it). */
function routeThroughHang(routing: TestRouting, models: string[]) {
  return routeWhileClockMoves({ routing, request: { chain: chain(models), context: ask }, clockStartsWhen: () => posts(hung) > 0 });
}

test("a server that just hung for one model is not waited on for the next model on it: skipped, saying which server and why", { timeout: 60_000 }, async () => {
  const routing = testRouting();
  try {
    hung.requests.length = 0;
    const result = await routeThroughHang(routing, ["llamacpp/stories", "llamacc/stories", "spare/m"]);
    assert.deepEqual(result.outcomes, ["llamacpp/stories timeout", "llamacc/stories skipped-cooldown", "spare/m ok"]);
    assert.equal(result.text, "from the spare");
    assert.equal(posts(hung), 1, "the stuck server was sent one request, not two");
    const skipped = result.events.find((event) => event.type === "attempt-skipped");
    assert.match(skipped?.type === "attempt-skipped" ? (skipped.attempt.message ?? "") : "", new RegExp(`^its server ${hung.baseUrl.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}/? hung for llamacpp/stories \\d+ s ago: not waited on again$`));
    assert.deepEqual(skipped?.type === "attempt-skipped" ? skipped.attempt.silentServer : undefined, { failed: "hung", model: "llamacpp/stories" }, "the notice reads it as data");
    // The live line names the candidate really called next, not the one skipped (trial: "LlamaCPP timed out — trying LlamaCC").
    const failed = result.events.find((event) => event.type === "attempt-failed");
    assert.equal(failed?.type === "attempt-failed" ? failed.next : "none", "spare/m");
    assert.ok(result.events.indexOf(failed as never) < result.events.indexOf(skipped as never), "said when it failed, before the skip");
    // And the wait line before it ("— trying … if none by 15 s (its first-token limit)") names the model that would be tried, not the one on the same stuck server.
    const waiting = result.events.filter((event) => event.type === "attempt-waiting");
    assert.ok(waiting.length > 0, "the wait was said");
    for (const event of waiting) assert.equal(event.type === "attempt-waiting" ? event.next : "none", "spare/m");
  } finally {
    routing.close();
  }
});
