import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { HttpClient } from "../../src/ai/http/http-client.js";
import { createOpenAICompletionsAdapter } from "../../src/ai/providers/openai-completions/index.js";
import { createOpenAIResponsesAdapter } from "../../src/ai/providers/openai-responses/index.js";
import type { AssistantMessage, StreamEvent } from "../../src/ai/types.js";
import { serializeSseFrame, type SseFrame } from "../fakes/fake-server.js";
import { completionsStream } from "../fakes/openai-completions-stream.js";
import { responsesStream } from "../fakes/openai-responses-stream.js";
import { startStepServer, type StepChunk } from "../helpers/step-server.js";
import { modelSpec } from "./adapter-contract.js";

/**
 * t9 #4: a model not on hearth's list of reasoners and not configured `reasoning: true` (what `models discover
 * --write` writes for a server without /props) whose chat template opens <think> in the prompt answered
 * `reasoning</think>\n\nanswer`: the reasoning and a literal </think> reached the text, every time. Now its first
 * answer's message holds the reasoning apart (the deltas that streamed cannot be unsaid), and the habit is learned:
 * its next answers are held and split. An answer about the tags (prose, quotes, code) keeps every word and teaches nothing.
 */

const REASONING = "NOOPEN-REASONING about things";
const ANSWER = "The visible answer.";
const ORPHAN = `${REASONING}</think>\n\n${ANSWER}`;

const completions = (text: string): StepChunk[] =>
  completionsStream({ text, chunkSize: 10, usage: { input: 3, output: 9 } }).map((frame: SseFrame) => ({ data: serializeSseFrame(frame), token: /"content":"[^"]/.test(frame.data) }));
const responses = (text: string): StepChunk[] =>
  responsesStream({ text, chunkSize: 10, flavor: "lmstudio", usage: { input: 3, output: 9 } }).map((frame) => ({ data: serializeSseFrame(frame), token: frame.event === "response.output_text.delta" }));

const reasoningOf = (events: readonly StreamEvent[]): string => events.map((event) => (event.type === "reasoning-delta" ? event.delta : "")).join("");
const messageOf = (events: readonly StreamEvent[]): AssistantMessage => {
  const end = events.find((event) => event.type === "response-end");
  assert.ok(end?.type === "response-end", "the reply ended");
  return end.message;
};
const partsOf = (message: AssistantMessage): [string, string][] => message.content.map((part) => [part.type, part.type === "tool-call" ? part.name : part.text]);

describe("an orphan </think> from a model hearth does not take for a reasoner", () => {
  let http: HttpClient;
  let sse: Awaited<ReturnType<typeof startStepServer>>;
  before(async () => {
    http = new HttpClient();
    sse = await startStepServer({ contentType: "text/event-stream", patienceMs: 500 });
  });
  after(async () => {
    http.destroy();
    await sse.close();
  });

  test("chat completions: the first answer streams as it comes and its message holds the reasoning apart; the next ones are held and split", async () => {
    const adapter = createOpenAICompletionsAdapter({ http });
    const model = modelSpec("openai-completions", `${sse.url}/v1`, { id: "noopen", reasoning: false });
    const first = await sse.run(adapter, model, completions(ORPHAN));
    assert.equal(first.text, ORPHAN, "streamed: what went out cannot be taken back, and no word is lost");
    assert.ok(first.shownInStep.every(Boolean), "not held: the model was not known to reason");
    const message = messageOf(first.events);
    assert.deepEqual(partsOf(message), [["reasoning", REASONING], ["text", ANSWER]], "the whole reply: reasoning apart, the answer after the tag");
    assert.equal(message.reasoningFromText, true, "the message says its reasoning had gone out as text");
    for (const round of [2, 3]) {
      const next = await sse.run(adapter, model, completions(ORPHAN));
      assert.equal(next.text, ANSWER, `answer ${round}: held from its start and split at the tag`);
      assert.equal(reasoningOf(next.events), REASONING);
      assert.equal(messageOf(next.events).reasoningFromText, undefined, `answer ${round}: nothing went out as text`);
    }
    // The habit is the model's on its server: another server has shown nothing yet.
    const elsewhere = await sse.run(adapter, { ...model, baseUrl: `${sse.url}/v1/` }, completions(ORPHAN));
    assert.equal(elsewhere.text, ORPHAN);
  });

  test("Responses (LM Studio): the same, and an answer without reasoning after the habit was learned is held and comes out whole", async () => {
    const adapter = createOpenAIResponsesAdapter({ http });
    const model = modelSpec("openai-responses", `${sse.url}/v1`, { id: "some-local-model", reasoning: false });
    const first = await sse.run(adapter, model, responses(ORPHAN));
    assert.equal(first.text, ORPHAN);
    assert.deepEqual(partsOf(messageOf(first.events)), [["reasoning", REASONING], ["text", ANSWER]]);
    const next = await sse.run(adapter, model, responses(ORPHAN));
    assert.equal(next.text, ANSWER);
    assert.equal(reasoningOf(next.events), REASONING);
    const plain = await sse.run(adapter, model, responses(ANSWER));
    assert.equal(plain.text, ANSWER, "every word");
    assert.equal(plain.deltas, 1, "held: the server's template opens reasoning in the prompt");
  });

  test("an answer that mentions the tag keeps every word and teaches nothing: prose, quotes, brackets, code, a fence, a <think> before it", async () => {
    const adapter = createOpenAICompletionsAdapter({ http });
    const model = modelSpec("openai-completions", `${sse.url}/v1`, { id: "chatty", reasoning: false });
    const mentions = [
      "The closing tag </think> ends the reasoning.",
      "Templates emit \"</think>\" after the reasoning.",
      "Reasoning ends at the tag (</think>), then the answer.",
      "Close it with **</think>** and go on.",
      "Write `</think>` after it.",
      "Models write <think>plan</think>then the answer.",
      "The format:\n\n```\nreasoning</think>\nanswer\n```\n\nThat is all.",
      "An example: \\</think> is escaped.",
    ];
    for (const text of mentions) {
      const reply = await sse.run(adapter, model, completions(text));
      assert.equal(reply.text, text, JSON.stringify(text));
      assert.deepEqual(partsOf(messageOf(reply.events)), [["text", text]], `${JSON.stringify(text)}: the whole reply keeps every word as text`);
      assert.equal(messageOf(reply.events).reasoningFromText, undefined);
    }
    const after = await sse.run(adapter, model, completions(ANSWER));
    assert.ok(after.shownInStep.every(Boolean) && after.deltas > 1, "still streamed as it arrives: no habit learned from a mention");
  });

  test("a tag with nothing after it: the reply keeps its text whole (no answer word is lost to a guess), and the habit is learned", async () => {
    const adapter = createOpenAICompletionsAdapter({ http });
    const model = modelSpec("openai-completions", `${sse.url}/v1`, { id: "terse", reasoning: false });
    const text = `${REASONING}</think>`;
    const first = await sse.run(adapter, model, completions(text));
    assert.deepEqual(partsOf(messageOf(first.events)), [["text", text]]);
    const next = await sse.run(adapter, model, completions(ORPHAN));
    assert.equal(next.text, ANSWER);
  });
});
