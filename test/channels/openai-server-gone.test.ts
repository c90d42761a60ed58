import assert from "node:assert/strict";
import { afterEach, test } from "node:test";
import OpenAI from "openai";
import type { RecordedRequest, Reply } from "../fakes/fake-server.js";
import { completionsStream } from "../fakes/openai-completions-stream.js";
import { responsesStream } from "../fakes/openai-responses-stream.js";
import { apiSetup, type ApiSetup } from "./openai-setup.js";

/**
 * t15 #8 through the gateway's API: the local server is killed in the middle of its answer (its port
 * closes; the connection is reset, or held open and silent as llama-server holds it after SIGTERM). Its
 * idle limit is an hour: the fallback answers only because the call looked at the closed port.
 */
let api: ApiSetup | undefined;
afterEach(async () => {
  await api?.close();
  api = undefined;
});

interface HeaderAttempt {
  model: string;
  outcome: string;
  cause?: string;
}

/** The answer's first words, then the server dies; what the gateway asks beside the answer (its listing, its props) is not found. */
const dying =
  (after: "reset" | "hang") =>
  (request: RecordedRequest): Reply =>
    request.method === "POST" ? { kind: "sse", frames: completionsStream({ text: "Once upon a time there was a fox who lived in the woods", usage: null }).slice(0, 4), after, dies: true } : { kind: "json", status: 404, body: { error: { message: "not here" } } };

for (const after of ["reset", "hang"] as const) {
  test(`agent mode, a whole answer: the local server killed mid-answer (connection ${after === "reset" ? "dropped" : "held silent"}) — the fallback answers, and the attempt says the server went away`, { timeout: 40_000 }, async () => {
    api = await apiSetup({ localExtras: "timeoutSeconds: 3600," });
    api.local.setHandler(dying(after));
    api.backup.setHandler(() => ({ kind: "sse", frames: responsesStream({ text: "The fallback's story.", usage: { input: 20, output: 5 } }) }));
    const { data, response } = await api.client.chat.completions.create({ model: "hearth", messages: [{ role: "user", content: "Tell me a story" }] }, { headers: { "x-hearth-session": "gone" } }).withResponse();
    assert.equal(data.choices[0]?.message.content, "The fallback's story.");
    const attempts = JSON.parse(response.headers.get("x-hearth-attempts") ?? "[]") as HeaderAttempt[];
    assert.deepEqual(attempts.map((attempt) => `${attempt.model} ${attempt.outcome}`), ["local/m1 unreachable", "backup/m2 ok"]);
    const entries = (await api.gateway.store.read("gone")).entries;
    const reply = entries.find((entry) => entry.type === "assistant");
    assert.ok(reply?.type === "assistant");
    const cause = reply.attempts[0]?.message ?? "";
    assert.match(cause, new RegExp(`^local/m1: its server went away: .*, and ${new URL(api.local.url).host.replace(/\./g, "\\.")} now refuses connections`));
  });
}

test("agent mode, a stream that already showed words: it cannot restart, so it ends upstream_interrupted, saying the server went away; the words shown are the turn's cut-off answer", { timeout: 40_000 }, async () => {
  api = await apiSetup({ localExtras: "timeoutSeconds: 3600," });
  api.local.setHandler(dying("hang"));
  const chat = await api.client.chat.completions.create({ model: "hearth", messages: [{ role: "user", content: "Tell me a story" }], stream: true }, { headers: { "x-hearth-session": "gone-stream" } });
  let shown = "";
  await assert.rejects(
    (async () => {
      for await (const chunk of chat) shown += chunk.choices[0]?.delta.content ?? "";
    })(),
    (error: unknown) => error instanceof OpenAI.APIError && error.code === "upstream_interrupted" && /its server went away: nothing more came for 5 s in the middle of its answer, and .* now refuses connections/.test(error.message),
  );
  assert.ok(shown.length > 0, "words went out before the server died");
  const entries = (await api.gateway.store.read("gone-stream")).entries;
  const answer = entries.find((entry) => entry.type === "assistant");
  assert.ok(answer?.type === "assistant", JSON.stringify(entries.map((entry) => entry.type)));
  assert.equal(answer.message.content.map((part) => (part.type === "text" ? part.text : "")).join(""), shown);
  assert.ok(answer.notes?.some((note) => note.kind === "truncated" && /cut off: .*its server went away/.test(note.text)), JSON.stringify(answer.notes));
  assert.equal(api.backup.requests.filter((request) => request.method === "POST").length, 0, "no fallback: the stream could not restart");
});
