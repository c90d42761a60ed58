// t15 #8: a real llama-server killed while it streams an answer. Measured (llama.cpp as built here):
// SIGKILL resets the connection at once; SIGTERM mostly closes the listening port at once and either
// holds the connection it is answering open and silent for ~30 s ("cleaning up before exit…") before
// the reset, or resets it at once — but now and then (one run in three or so) it keeps accepting
// connections on its port while the answer stays silent: its shutdown hung (its /health still says "ok", its
// model listing never answers). Where the port refuses, the call looks at it and fails over then; where it
// is open, the call asks for the model listing, and no answer in 2 s fails it over too — not at its idle
// limit, an hour here, so a fallback that answered at all answered because of those looks.
import assert from "node:assert/strict";
import { after, afterEach, test } from "node:test";
import type { RouterEvent } from "../../src/models/router-events.js";
import { createRouting } from "../../src/cli/wire-router.js";
import { startFakeServer, type FakeServer } from "../fakes/fake-server.js";
import { completionsStream } from "../fakes/openai-completions-stream.js";
import { resolveText } from "../helpers/config.js";
import { startRealServer, type RealServer } from "./real-server.js";
import { portState } from "../../src/ai/http/port-state.js";

/**
 * SIGTERM, then — where the server still accepts connections on its port after 2 s (its shutdown kept
 * the listener) — SIGKILL, which closes it: the test is about a port that refuses, not that race.
 */
async function terminateClosingPort(server: RealServer): Promise<void> {
  server.terminate();
  for (let look = 0; look < 20; look++) {
    if ((await portState(server.url, { timeoutMs: 500 })) === "refused") return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  await server.kill();
}

let spare: FakeServer | undefined;
let server: RealServer | undefined;
afterEach(async () => {
  await server?.kill();
  server = undefined;
});
after(async () => {
  await spare?.close();
});

/** The chain: the real server (its idle limit an hour), then a spare fake elsewhere. */
async function chainFor(real: RealServer) {
  spare ??= await startFakeServer(() => ({ kind: "sse", frames: completionsStream({ text: "The spare's story.", usage: { input: 12, output: 4 } }) }));
  return resolveText(`{ agents: { defaults: { model: { primary: "llama/${real.alias}", fallbacks: ["spare/m"] } } },
    models: { mode: "replace", providers: {
      llama: { baseUrl: "${real.baseUrl}", api: "openai-completions", timeoutSeconds: 3600, models: [{ id: "${real.alias}", contextWindow: 2048, maxTokens: 1500 }] },
      spare: { baseUrl: "${spare.baseUrl}", api: "openai-completions", models: [{ id: "m", contextWindow: 32000, maxTokens: 100 }] } } } }`).chain.map((entry) => entry.model);
}

/** A long story asked of the real server; `strike` is called as its first words arrive (it writes ~1,500 tokens: seconds, at one thread). */
async function routeAndStrike(real: RealServer, strike: () => void): Promise<{ events: RouterEvent[]; routing: ReturnType<typeof createRouting> }> {
  const chain = await chainFor(real);
  const routing = createRouting();
  const events: RouterEvent[] = [];
  try {
    for await (const event of routing.router.stream({ chain, context: { messages: [{ role: "user", content: "Tell me a long story about a big tree." }] }, canRestart: true })) {
      events.push(event);
      if (event.type === "text-delta" && events.filter((seen) => seen.type === "text-delta").length === 1) strike();
    }
  } finally {
    routing.http.destroy();
  }
  return { events, routing };
}

/** The route failed over from the real server, as `unreachable`, to the spare, which answered in place of the words shown; the cause, as said. */
function failedOver(real: RealServer, outcome: { events: RouterEvent[]; routing: ReturnType<typeof createRouting> }): string {
  const { events, routing } = outcome;
  const last = events.at(-1);
  assert.ok(last?.type === "route-end", JSON.stringify(last));
  assert.deepEqual(last.attempts.map((attempt) => `${attempt.model} ${attempt.outcome}`), [`llama/${real.alias} unreachable`, "spare/m ok"], JSON.stringify(last.attempts));
  const cause = last.attempts[0]?.message ?? "";
  assert.ok(cause.startsWith(`llama/${real.alias}: its server went away: `), cause);
  const restart = events.findIndex((event) => event.type === "answer-restart");
  const firstWords = events.findIndex((event) => event.type === "text-delta");
  assert.ok(firstWords >= 0 && restart > firstWords, "the dead server's words, then the fallback's answer in their place");
  assert.equal(last.message.content.map((part) => (part.type === "text" ? part.text : "")).join(""), "The spare's story.");
  assert.equal(routing.cooldowns.reason(`llama/${real.alias}`), "unreachable", "cooled down as a server that cannot be reached");
  return cause;
}

for (const signal of ["SIGKILL", "SIGTERM"] as const) {
  test(`llama-server killed (${signal}) in the middle of its answer: the fallback answers, the attempt says the server went away and names its closed port`, { timeout: 60_000 }, async () => {
    const real = await startRealServer();
    server = real;
    const cause = failedOver(real, await routeAndStrike(real, () => void (signal === "SIGKILL" ? real.kill() : terminateClosingPort(real))));
    assert.ok(cause.includes(`127.0.0.1:${real.port} now refuses connections`), cause);
    // SIGKILL: the reset is heard at once; SIGTERM: the silence at its first notice, or a reset.
    assert.match(cause, signal === "SIGKILL" ? /the connection (broke|closed)/ : /nothing more came for 5 s in the middle of its answer|the connection (broke|closed)/);
  });
}

/**
 * s23: the port that stays open. A SIGTERM'd llama-server's shutdown hangs now and then (about one time in three here):
 * its port accepts, /health says "ok", but its model listing never answers and neither does the answer's connection.
 * It cannot be brought about on purpose, so SIGTERM is tried on fresh servers until one hangs (8 at most); each that
 * closed its port instead is checked as the test above checks it. Sent half a second into the answer: at its first
 * words (as above) the shutdown hung in none of 12 tries; half a second in, in 6 of 17 by hand and 3 of 9 in this
 * test (8 misses in a row, about 4 % of runs, skip it). The call looks at the listing at its first 5 s notice and
 * fails over then, not at its idle limit (an hour).
 */
test("llama-server SIGTERM'd mid-answer whose shutdown hangs with its port open: the listing look finds it silent, and the fallback answers", { timeout: 240_000 }, async (context) => {
  for (let attempt = 1; attempt <= 8; attempt++) {
    const real = await startRealServer();
    server = real;
    const outcome = await routeAndStrike(real, () => void setTimeout(() => real.terminate(), 500));
    const open = (await portState(real.url, { timeoutMs: 500 })) === "open";
    const health = open ? await fetch(`${real.url}/health`, { signal: AbortSignal.timeout(2_000) }).then((response) => response.status, () => 0) : 0;
    const cause = failedOver(real, outcome);
    await real.kill();
    server = undefined;
    if (!open) {
      assert.ok(cause.includes(`127.0.0.1:${real.port} now refuses connections`), cause);
      context.diagnostic(`SIGTERM ${attempt}: the port closed`);
      continue;
    }
    context.diagnostic(`SIGTERM ${attempt}: the shutdown hung, its port open, /health ${health}`);
    assert.equal(health, 200, "a hung shutdown still answers /health: the reason it is not the look");
    assert.ok(cause.includes(`127.0.0.1:${real.port} still takes connections but did not answer GET /v1/models within 2 s`), cause);
    assert.match(cause, /nothing more came for 5 s in the middle of its answer/);
    return;
  }
  context.skip("each of 8 SIGTERMs closed the port: the hung shutdown was not reached this run (each was checked as a closed port)");
});

test("llama-server stopped (SIGSTOP) mid-answer: its port accepts and nothing answers — the listing look finds it silent at the first 5 s notice, and the fallback answers", { timeout: 60_000 }, async () => {
  const real = await startRealServer();
  server = real;
  try {
    const cause = failedOver(real, await routeAndStrike(real, () => real.stop()));
    assert.ok(cause.includes(`127.0.0.1:${real.port} still takes connections but did not answer GET /v1/models within 2 s`), cause);
    assert.match(cause, /nothing more came for 5 s in the middle of its answer/);
  } finally {
    real.resume();
  }
});
