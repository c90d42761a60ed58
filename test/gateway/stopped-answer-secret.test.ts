// A person's Stop keeps the answer shown so far (t9-stop) — while the gateway's masking held back its
// last characters, the beginning of a key the config knows (t9-secrets). The stream, ending there, masks
// that beginning (SecretStream.end: PARTIAL_MASKED characters of a key are a piece of it); the answer kept
// in the session, and the turn's result, must not give those characters away either.
import assert from "node:assert/strict";
import { test } from "node:test";
import type { AgentEvent } from "../../src/agent/agent-events.js";
import { startFakeServer } from "../fakes/fake-server.js";
import { completionsStream } from "../fakes/openai-completions-stream.js";
import { testGateway } from "../helpers/test-gateway.js";

const KEY = "Xq7vLp2Rt9Wm4Kd8Hs3Jz6Nb";

for (const length of [8, 15]) {
  test(`stopped after ${length} characters of a known key: the page, the kept answer and the result mask them alike`, async () => {
    const said = `The key starts ${KEY.slice(0, length)}`;
    // The answer's text in one delta, then the server goes quiet (no finish, no [DONE]): the person stops it.
    const frames = completionsStream({ text: said, chunkSize: 1000, usage: null }).slice(0, 2);
    const server = await startFakeServer(() => ({ kind: "sse", frames, after: "hang" }));
    const gateway = await testGateway(`{ agents: { defaults: { model: { primary: "home/m" } } }, models: { mode: "replace", providers: { home: { baseUrl: "${server.baseUrl}", apiKey: "${KEY}", api: "openai-completions", models: [{ id: "m", contextWindow: 32768, maxTokens: 1024 }] } } } }`, { secrets: true });
    try {
      const stop = new AbortController();
      const shown: AgentEvent[] = [];
      const handled = await gateway.port.handle({
        channel: "webchat",
        session: "stopped-key",
        text: "what is my key?",
        canRestart: false,
        showsLiveText: true,
        signal: stop.signal,
        onEvent: (event) => {
          shown.push(event);
          if (event.type === "text-delta") stop.abort();
        },
      });
      assert.equal(handled.kind, "turn");
      const result = handled.kind === "turn" ? handled.result : undefined;
      const live = shown.map((event) => (event.type === "text-delta" ? event.delta : "")).join("");
      assert.equal(live, "The key starts ***", "the page is shown the key's beginning masked");
      assert.equal(result?.ok, true, JSON.stringify(result));
      const kept = (await gateway.store.read("stopped-key")).entries.filter((entry) => entry.type === "assistant");
      const texts = kept.flatMap((entry) => (entry.type === "assistant" ? entry.message.content.flatMap((part) => (part.type === "text" ? [part.text] : [])) : []));
      assert.equal(kept.at(-1)?.type === "assistant" && kept.at(-1)?.message.stopReason, "aborted", "kept as stopped by the user");
      const piece = KEY.slice(0, 8);
      assert.ok(!JSON.stringify(texts).includes(piece), `the kept answer gives the key's beginning away: ${JSON.stringify(texts)}`);
      assert.ok(!JSON.stringify(result).includes(piece), `the turn's result gives the key's beginning away: ${result?.ok ? result.text : ""}`);
    } finally {
      await gateway.close();
      await server.close();
    }
  });
}
