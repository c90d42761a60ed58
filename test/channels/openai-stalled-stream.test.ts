import assert from "node:assert/strict";
import { afterEach, test } from "node:test";
import OpenAI from "openai";
import type { ResponseStreamEvent } from "openai/resources/responses/responses";
import { completionsStream } from "../fakes/openai-completions-stream.js";
import { apiSetup, type ApiSetup } from "./openai-setup.js";

/**
 * t3 finding 7: an agent-mode API stream whose local server goes silent in the middle of its answer
 * (the fallback is up, but a stream cannot restart once text went out): the error says so, with its own
 * code — not `no_model_available` — the same for chat completions and responses.
 */
let api: ApiSetup | undefined;
afterEach(async () => {
  await api?.close();
  api = undefined;
});

test("a stream whose server went silent mid-answer ends with upstream_stalled, for chat completions and responses alike", { timeout: 60_000 }, async () => {
  for (const endpoint of ["chat", "responses"] as const) {
    api = await apiSetup({ localExtras: "timeoutSeconds: 1," });
    api.local.setHandler(() => ({ kind: "sse", frames: completionsStream({ text: "Once upon a time there was" }).slice(0, 3), after: "hang" }));
    const { client } = api;
    if (endpoint === "chat") {
      const chat = await client.chat.completions.create({ model: "hearth", messages: [{ role: "user", content: "Tell me a story" }], stream: true }, { headers: { "x-hearth-session": "stalled" } });
      let shown = "";
      await assert.rejects(
        (async () => {
          for await (const chunk of chat) shown += chunk.choices[0]?.delta.content ?? "";
        })(),
        (error: unknown) => error instanceof OpenAI.APIError && error.code === "upstream_stalled" && /went silent/.test(error.message) && /cannot restart/.test(error.message),
      );
      assert.ok(shown.length > 0, "text went out before the stall");
      // What the client was shown is kept in the session: the turn's answer, marked cut off — not "no answer".
      const [key] = await api.gateway.store.keys();
      assert.ok(key);
      const entries = (await api.gateway.store.read(key)).entries;
      const answer = entries.find((entry) => entry.type === "assistant");
      assert.ok(answer?.type === "assistant", JSON.stringify(entries.map((entry) => entry.type)));
      assert.equal(answer.message.content.map((part) => (part.type === "text" ? part.text : "")).join(""), shown);
      assert.equal(answer.message.stopReason, "error");
      assert.ok(answer.notes?.some((note) => note.kind === "truncated" && /cut off: .*went silent/.test(note.text)), JSON.stringify(answer.notes));
      assert.equal(entries.filter((entry) => entry.type === "turn-failed").length, 0);
      // `/retry` (the terminal's, the web chat's) resends the message the stall cut off: once, without the cut-off answer.
      api.local.setHandler(() => ({ kind: "sse", frames: completionsStream({ text: "Once upon a time, a fox." }) }));
      const retried = await api.gateway.port.handle({ channel: "webchat", session: key, text: "/retry", canRestart: true });
      assert.equal(retried.kind, "turn", JSON.stringify(retried));
      assert.ok(retried.kind === "turn" && retried.result.ok, JSON.stringify(retried));
      // The turn's call (after the quick check the stalled server is asked first).
      const sent = (api.local.requests.filter((request) => request.method === "POST").at(-1)?.body ?? { messages: [] }) as { messages: { role: string; content: unknown }[] };
      const said = sent.messages.filter((message) => message.role !== "system").map((message) => `${message.role}: ${JSON.stringify(message.content)}`);
      assert.deepEqual(said.filter((line) => line.startsWith("user")).length, 1, said.join("\n"));
      assert.ok(!said.some((line) => line.startsWith("assistant")), `the cut-off answer is not sent again: ${said.join("\n")}`);
      assert.match(said[0] ?? "", /Tell me a story/);
    } else {
      const events: ResponseStreamEvent[] = [];
      for await (const event of await client.responses.create({ model: "hearth", input: "Tell me a story", stream: true })) events.push(event);
      const last = events.at(-1);
      assert.ok(last?.type === "response.failed", String(last?.type));
      assert.equal(last.response.error?.code, "server_error", "the Responses API's own value");
      assert.equal(last.response.metadata?.hearth_error_code, "upstream_stalled", "hearth's code, as Chat Completions has it");
      assert.match(last.response.error?.message ?? "", /went silent.*cannot restart/);
    }
    assert.equal(api.backup.requests.filter((request) => request.method === "POST").length, 0, "no fallback: the stream could not restart");
    await api.close();
    api = undefined;
  }
});

test("proxy mode: a stream whose server went silent or broke off after text ends with upstream_stalled / upstream_interrupted, not no_model_available", { timeout: 60_000 }, async () => {
  for (const [after, code] of [["hang", "upstream_stalled"], ["reset", "upstream_interrupted"]] as const) {
    api = await apiSetup({ localExtras: "timeoutSeconds: 1," });
    api.local.setHandler(() => ({ kind: "sse", frames: completionsStream({ text: "Once upon a time there was" }).slice(0, 3), after }));
    const chat = await api.client.chat.completions.create({ model: "local/m1", messages: [{ role: "user", content: "Tell me a story" }], stream: true });
    let shown = "";
    await assert.rejects(
      (async () => {
        for await (const chunk of chat) shown += chunk.choices[0]?.delta.content ?? "";
      })(),
      (error: unknown) => {
        assert.ok(error instanceof OpenAI.APIError, String(error));
        assert.equal(error.code, code, error.message);
        assert.match(error.message, /the answer so far was sent; a stream cannot restart on another model/);
        return true;
      },
    );
    assert.ok(shown.length > 0, "text went out before the failure");
    assert.equal(api.backup.requests.filter((request) => request.method === "POST").length, 0, "no fallback: the stream could not restart");
    await api.close();
    api = undefined;
  }
});
