// t15 #8: a real llama-server killed while it streams an answer. Measured (llama.cpp as built here):
// SIGKILL resets the connection at once; SIGTERM mostly closes the listening port at once and either
// holds the connection it is answering open and silent for ~30 s ("cleaning up before exit…") before
// the reset, or resets it at once — but now and then (one run in three or so) it keeps accepting
// connections on its port while the answer stays silent, and then nothing tells it from a slow server:
// the idle limit decides. Where the port refuses, the call looks at it and fails over then, not at its
// idle limit — an hour here, so a fallback that answered at all answered because of that look.
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

for (const signal of ["SIGKILL", "SIGTERM"] as const) {
  test(`llama-server killed (${signal}) in the middle of its answer: the fallback answers, the attempt says the server went away and names its closed port`, { timeout: 60_000 }, async () => {
    server = await startRealServer();
    spare ??= await startFakeServer(() => ({ kind: "sse", frames: completionsStream({ text: "The spare's story.", usage: { input: 12, output: 4 } }) }));
    const chain = resolveText(`{ agents: { defaults: { model: { primary: "llama/${server.alias}", fallbacks: ["spare/m"] } } },
      models: { mode: "replace", providers: {
        llama: { baseUrl: "${server.baseUrl}", api: "openai-completions", timeoutSeconds: 3600, models: [{ id: "${server.alias}", contextWindow: 2048, maxTokens: 1500 }] },
        spare: { baseUrl: "${spare.baseUrl}", api: "openai-completions", models: [{ id: "m", contextWindow: 32000, maxTokens: 100 }] } } } }`).chain.map((entry) => entry.model);
    const routing = createRouting();
    const events: RouterEvent[] = [];
    try {
      for await (const event of routing.router.stream({ chain, context: { messages: [{ role: "user", content: "Tell me a long story about a big tree." }] }, canRestart: true })) {
        events.push(event);
        // The server dies as the answer's first words arrive (it writes ~1,500 tokens: seconds, at one thread).
        if (event.type === "text-delta" && events.filter((seen) => seen.type === "text-delta").length === 1) {
          if (signal === "SIGKILL") void server.kill();
          else void terminateClosingPort(server);
        }
      }
    } finally {
      routing.http.destroy();
    }
    const last = events.at(-1);
    assert.ok(last?.type === "route-end", JSON.stringify(last));
    assert.deepEqual(last.attempts.map((attempt) => `${attempt.model} ${attempt.outcome}`), [`llama/${server.alias} unreachable`, "spare/m ok"]);
    const cause = last.attempts[0]?.message ?? "";
    assert.ok(cause.startsWith(`llama/${server.alias}: its server went away: `), cause);
    assert.ok(cause.includes(`127.0.0.1:${server.port} now refuses connections`), cause);
    // SIGKILL: the reset is heard at once; SIGTERM: the silence at its first notice, or a reset.
    assert.match(cause, signal === "SIGKILL" ? /the connection (broke|closed)/ : /nothing more came for 5 s in the middle of its answer|the connection (broke|closed)/);
    const restart = events.findIndex((event) => event.type === "answer-restart");
    const firstWords = events.findIndex((event) => event.type === "text-delta");
    assert.ok(firstWords >= 0 && restart > firstWords, "the dead server's words, then the fallback's answer in their place");
    assert.equal(last.message.content.map((part) => (part.type === "text" ? part.text : "")).join(""), "The spare's story.");
    assert.equal(routing.cooldowns.reason(`llama/${server.alias}`), "unreachable", "cooled down as a server that cannot be reached");
  });
}
