import assert from "node:assert/strict";
import { test } from "node:test";
import type { FakeServer, Reply } from "../fakes/fake-server.js";
import { completionsStream } from "../fakes/openai-completions-stream.js";
import { resolveText } from "../helpers/config.js";
import { fakeServersForSuite } from "../helpers/fake-servers.js";
import { waitingNotice } from "../../src/models/waiting-notice.js";
import { ask, routeWhileClockMoves, testRouting, type TestRouting } from "../helpers/routing.js";

const answer = (text: string): Reply => ({ kind: "sse", frames: completionsStream({ text, usage: { input: 10, output: 3 } }) });

/**
 * t1 finding 13: one llama.cpp server in the chain twice (two providers, the same baseUrl). When it
 * hangs, the first model times out; the second is not waited on again on the server that just proved
 * stuck — skipped, saying why — and the next server answers.
 */
const { hung, frozen, spare } = fakeServersForSuite({
  hung: () => ({ kind: "hang-before-headers" }),
  // t13 finding 6: a few words, then nothing more on an open connection (a server stopped mid-answer).
  frozen: () => ({ kind: "sse", frames: completionsStream({ text: "Once upon a time there was a fox", usage: null }).slice(0, 3), after: "hang" }),
  spare: () => answer("from the spare"),
});

const posts = (server: FakeServer): number => server.requests.filter((request) => request.method === "POST").length;

/**
 * The llama.cpp providers' limit (`timeoutSeconds`, first token and idle): the HTTP client holds it in real time, so
 * each test waits this long for real. Past the first wait notice (5 s on the manual clock, which moves a second
 * every few milliseconds) so that the wait is said before it runs out; the words name whatever the limit is.
 */
const LIMIT_SECONDS = 6;

function chain(models: string[], server: FakeServer = hung) {
  return resolveText(`{ agents: { defaults: { model: { primary: "${models[0]}", fallbacks: ${JSON.stringify(models.slice(1))} } } },
    models: { mode: "replace", providers: {
      llamacpp: { baseUrl: "${server.baseUrl}", api: "openai-completions", timeoutSeconds: ${LIMIT_SECONDS}, models: [{ id: "stories", contextWindow: 32000, maxTokens: 1000 }] },
      llamacc: { baseUrl: "${server.baseUrl}/", api: "openai-completions", timeoutSeconds: ${LIMIT_SECONDS}, models: [{ id: "stories", contextWindow: 32000, maxTokens: 1000 }] },
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
    // And the wait line before it ("— trying … if none by its first-token limit") names the model that would be tried, not the one on the same stuck server.
    const waiting = result.events.filter((event) => event.type === "attempt-waiting");
    assert.ok(waiting.length > 0, "the wait was said");
    for (const event of waiting) assert.equal(event.type === "attempt-waiting" ? event.next : "none", "spare/m");
  } finally {
    routing.close();
  }
});

/** Routes a turn whose channel can take a fresh answer (or not), moving the clock once the frozen server sent its words. */
function routeThroughFreeze(routing: TestRouting, canRestart: boolean) {
  return routeWhileClockMoves({ routing, request: { chain: chain(["llamacpp/stories", "llamacc/stories", "spare/m"], frozen), context: ask, canRestart }, clockStartsWhen: () => posts(frozen) > 0 });
}

test("a server that froze mid-answer is not waited on again for the next model on it, and the stall is said while it lasts (t13 #6)", { timeout: 60_000 }, async () => {
  const routing = testRouting();
  try {
    frozen.requests.length = 0;
    const result = await routeThroughFreeze(routing, true);
    assert.deepEqual(result.outcomes, ["llamacpp/stories timeout", "llamacc/stories skipped-cooldown", "spare/m ok"]);
    assert.equal(posts(frozen), 1, "the frozen server was sent one request, not two");
    assert.ok(result.events.some((event) => event.type === "answer-restart"), "the words shown before the freeze are replaced");
    const skipped = result.events.find((event) => event.type === "attempt-skipped");
    assert.match(skipped?.type === "attempt-skipped" ? (skipped.attempt.message ?? "") : "", /hung for llamacpp\/stories \d+ s ago: not waited on again$/);
    // The first stall is said while it lasts: from the last word, to the idle limit, naming the model then tried.
    const waiting = result.events.filter((event) => event.type === "attempt-waiting");
    assert.ok(waiting.length > 0, "the stall was said");
    for (const event of waiting) {
      assert.ok(event.type === "attempt-waiting" && event.midAnswer === true && event.next === "spare/m" && event.limitMs === LIMIT_SECONDS * 1000, JSON.stringify(event));
    }
    const firstWait = waiting[0];
    assert.equal(firstWait?.type === "attempt-waiting" ? waitingNotice(firstWait) : "", `nothing more from llamacpp/stories for 5 s in the middle of its answer — trying spare/m if nothing by ${LIMIT_SECONDS} s (its idle limit)`);
    const text = result.events.findIndex((event) => event.type === "text-delta");
    assert.ok(text >= 0 && text < result.events.indexOf(firstWait as never), "said after the words, not before them");
  } finally {
    routing.close();
  }
});

test("a freeze mid-answer on a channel that cannot take the answer back: the stall is said as the end of the turn (no next model named)", { timeout: 60_000 }, async () => {
  const routing = testRouting();
  try {
    frozen.requests.length = 0;
    const result = await routeThroughFreeze(routing, false);
    assert.deepEqual(result.outcomes, ["llamacpp/stories timeout"]);
    assert.ok(result.error?.shown, "what was shown is handed back");
    const waiting = result.events.find((event) => event.type === "attempt-waiting");
    assert.equal(waiting?.type === "attempt-waiting" ? waitingNotice(waiting) : "", `nothing more from llamacpp/stories for 5 s in the middle of its answer — giving up if nothing by ${LIMIT_SECONDS} s (its idle limit)`);
  } finally {
    routing.close();
  }
});
