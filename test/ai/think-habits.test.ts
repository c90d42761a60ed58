import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { ProviderAdapter } from "../../src/ai/adapter.js";
import { HttpClient } from "../../src/ai/http/http-client.js";
import { createOllamaAdapter } from "../../src/ai/providers/ollama/index.js";
import { createOpenAICompletionsAdapter } from "../../src/ai/providers/openai-completions/index.js";
import { createOpenAIResponsesAdapter } from "../../src/ai/providers/openai-responses/index.js";
import { serializeSseFrame, type SseFrame } from "../fakes/fake-server.js";
import { ollamaLines, type OllamaSpec } from "../fakes/ollama-chat-stream.js";
import { completionsStream, type CompletionsSpec } from "../fakes/openai-completions-stream.js";
import { responsesStream } from "../fakes/openai-responses-stream.js";
import { startStepServer, type StepChunk } from "../helpers/step-server.js";
import { modelSpec } from "./adapter-contract.js";

/**
 * t7 #1: a model hearth takes for a reasoner (by its id or `reasoning: true`) had every answer held back
 * until the end when its server sent no `</think>`: no streaming at all. The holding now lasts only while
 * an orphan `</think>` is plausible for the model on its server — learned from its answers.
 */

const ANSWER = "One fish. Two fish. Red fish. Blue fish.";
const PIECES = 4; // ANSWER in pieces of 10 characters

const completions = (spec: CompletionsSpec): StepChunk[] =>
  completionsStream({ chunkSize: 10, usage: { input: 3, output: 9 }, ...spec }).map((frame: SseFrame) => ({ data: serializeSseFrame(frame), token: /"content":"[^"]/.test(frame.data) }));
const ollama = (spec: OllamaSpec): StepChunk[] => ollamaLines({ chunkSize: 10, ...spec }).map((line) => ({ data: line, token: /"content":"[^"]/.test(line) }));
const responses = (text: string): StepChunk[] =>
  responsesStream({ text, chunkSize: 10, flavor: "lmstudio", usage: { input: 3, output: 9 } }).map((frame) => ({ data: serializeSseFrame(frame), token: frame.event === "response.output_text.delta" }));

const reasoningOf = (events: readonly { type: string; delta?: string }[]): string => events.map((event) => (event.type === "reasoning-delta" ? event.delta : "")).join("");

describe("a reasoning model's text streams once its server shows no orphan </think> is coming", () => {
  let http: HttpClient;
  let sse: Awaited<ReturnType<typeof startStepServer>>;
  let ndjson: Awaited<ReturnType<typeof startStepServer>>;
  before(async () => {
    http = new HttpClient();
    sse = await startStepServer({ contentType: "text/event-stream", patienceMs: 500 });
    ndjson = await startStepServer({ contentType: "application/x-ndjson", patienceMs: 500 });
  });
  after(async () => {
    http.destroy();
    await sse.close();
    await ndjson.close();
  });

  const streamedInStep = (outcome: { deltas: number; shownInStep: boolean[]; text: string }, what: string): void => {
    assert.equal(outcome.text, ANSWER, what);
    assert.deepEqual(outcome.shownInStep, Array(PIECES).fill(true), `${what}: each piece shown before the server sent the next`);
    assert.equal(outcome.deltas, PIECES, what);
  };

  test("llama-server under a Qwen3 name, no reasoning in its output: the first answer is held (nothing known yet), the next ones stream as they arrive", async () => {
    const adapter = createOpenAICompletionsAdapter({ http });
    const model = modelSpec("openai-completions", `${sse.url}/v1`, { id: "qwen3-8b" });
    const first = await sse.run(adapter, model, completions({ text: ANSWER }));
    assert.equal(first.text, ANSWER, "every word of the held answer");
    assert.equal(first.deltas, 1, "the first answer of a model known to reason is held until its end, as before");
    streamedInStep(await sse.run(adapter, model, completions({ text: ANSWER })), "second answer");
    streamedInStep(await sse.run(adapter, model, completions({ text: ANSWER })), "third answer");
    // Another server with the same model id has taught nothing yet.
    const elsewhere = await sse.run(adapter, { ...model, baseUrl: `${sse.url}/v1/` }, completions({ text: ANSWER }));
    assert.equal(elsewhere.deltas, 1, "habits are per model and server");
  });

  test("a server that sent reasoning_content for the model: its later answers without reasoning stream at once", async () => {
    const adapter = createOpenAICompletionsAdapter({ http });
    const model = modelSpec("openai-completions", `${sse.url}/v1`, { id: "deepseek-r1-distill-qwen-7b" });
    const first = await sse.run(adapter, model, completions({ reasoning: "The user greets.", reasoningField: "reasoning_content", text: ANSWER }));
    assert.equal(first.text, ANSWER);
    assert.equal(reasoningOf(first.events), "The user greets.");
    streamedInStep(await sse.run(adapter, model, completions({ text: ANSWER })), "an answer without reasoning, after the server separated it once");
  });

  test("an orphan </think> after the holding was lifted: that answer keeps every word as text, and the next ones are held and split again — an answer without reasoning no longer lifts it", async () => {
    const adapter = createOpenAICompletionsAdapter({ http });
    const model = modelSpec("openai-completions", `${sse.url}/v1`, { id: "some-model", reasoning: true });
    await sse.run(adapter, model, completions({ text: ANSWER }));
    const orphan = completions({ reasoning: "Think first.", reasoningField: "orphan-think", text: ANSWER });
    const shown = await sse.run(adapter, model, orphan);
    assert.equal(shown.text, `Think first.</think>${ANSWER}`, "streamed: nothing shown is taken back, no word lost");
    const held = await sse.run(adapter, model, orphan);
    assert.equal(held.text, ANSWER, "held again and split at the tag");
    assert.equal(reasoningOf(held.events), "Think first.");
    const plain = await sse.run(adapter, model, completions({ text: ANSWER }));
    assert.equal(plain.deltas, 1, "once the server sent an orphan tag, an answer without reasoning is held");
    const again = await sse.run(adapter, model, orphan);
    assert.equal(again.text, ANSWER, "still held after an answer without reasoning");
  });

  test("a tag that opens the output is still split once streaming is learned; a </think> written as code stays words and lifts nothing", async () => {
    const adapter = createOpenAICompletionsAdapter({ http });
    const model = modelSpec("openai-completions", `${sse.url}/v1`, { id: "qwq-32b" });
    await sse.run(adapter, model, completions({ text: ANSWER }));
    const tagged = await sse.run(adapter, model, completions({ reasoning: "Plan.", reasoningField: "think-tags", text: ANSWER }));
    assert.equal(tagged.text, ANSWER);
    assert.equal(reasoningOf(tagged.events), "Plan.");
    const code = "Models close reasoning with `</think>` in their output.";
    const about = await sse.run(adapter, model, completions({ text: code }));
    assert.equal(about.text, code);
    assert.ok(about.deltas > 1, "streamed");
    streamedInStep(await sse.run(adapter, model, completions({ text: ANSWER })), "after an answer that wrote the tag as code");
  });

  const chatml = "{%- for message in messages -%}{{- '<|im_start|>' + message.role + '\n' + message.content + '<|im_end|>\n' -}}{%- endfor -%}{%- if add_generation_prompt -%}{{- '<|im_start|>assistant\n' -}}{%- endif -%}";
  const props = (template: string, format: string): unknown => ({ chat_template: template, default_generation_settings: { n_ctx: 2048, params: { reasoning_format: format, chat_format: "Content-only" } } });
  const cases: [string, unknown, boolean][] = [
    ["a chat template that never opens <think> (the real llama-server's stories260K under a Qwen3 alias)", props(chatml, "none"), true],
    ["a server that takes reasoning out itself (--reasoning-format deepseek)", props(`${chatml}<think>`, "deepseek"), true],
    ["a template that opens <think> in the prompt, reasoning left in the text (--reasoning-format none)", props(`${chatml}{{- '<think>\n' -}}`, "none"), false],
    ["a server without /props (LM Studio, vLLM)", undefined, false],
  ];
  for (const [what, answer, streams] of cases) {
    test(`an answer cut at its token limit with no </think> settles nothing; llama.cpp's /props is asked once: ${what}`, async () => {
      const adapter = createOpenAICompletionsAdapter({ http });
      const model = modelSpec("openai-completions", `${sse.url}/v1`, { id: "qwen3-8b" });
      sse.props = answer;
      sse.propsAsked = 0;
      try {
        const cut = await sse.run(adapter, model, completions({ text: ANSWER, finishReason: "length" }));
        assert.equal(cut.text, ANSWER);
        assert.equal(cut.deltas, 1, "held: it may have been reasoning that never reached its </think>");
        const next = await sse.run(adapter, model, completions({ text: ANSWER, finishReason: "length" }));
        if (streams) streamedInStep(next, "the answer after the server's settings said no orphan tag comes");
        else assert.equal(next.deltas, 1, "still held");
        if (answer !== undefined) assert.equal(sse.propsAsked, 1);
      } finally {
        sse.props = undefined;
      }
    });
  }

  test("README's example id over openai-responses (LM Studio): streamed from the second answer", async () => {
    const adapter = createOpenAIResponsesAdapter({ http });
    const model = modelSpec("openai-responses", `${sse.url}/v1`, { id: "minimax-m2.1-gs32" });
    const first = await sse.run(adapter, model, responses(ANSWER));
    assert.equal(first.text, ANSWER);
    streamedInStep(await sse.run(adapter, model, responses(ANSWER)), "second answer");
  });

  test("Ollama asked to think takes the reasoning out itself: a Qwen3 answer without thinking streams from the first answer", async () => {
    const adapter = createOllamaAdapter({ http });
    const model = modelSpec("ollama", ndjson.url, { id: "qwen3:8b", reasoning: true });
    streamedInStep(await ndjson.run(adapter, model, ollama({ text: ANSWER })), "first answer");
    assert.equal(ndjson.requests.at(-1)?.think, true);
    const thought = await ndjson.run(adapter, model, ollama({ thinking: "Hmm.", text: ANSWER }));
    assert.equal(reasoningOf(thought.events), "Hmm.");
    assert.equal(thought.text, ANSWER);
  });

  test("Ollama not asked to think (a Qwen3 id, reasoning off in the config): held once, then streamed", async () => {
    const adapter = createOllamaAdapter({ http });
    const model = modelSpec("ollama", ndjson.url, { id: "qwen3:8b" });
    const first = await ndjson.run(adapter, model, ollama({ text: ANSWER }));
    assert.equal(first.text, ANSWER);
    assert.equal(first.deltas, 1);
    assert.equal("think" in (ndjson.requests.at(-1) ?? {}), false);
    streamedInStep(await ndjson.run(adapter, model, ollama({ text: ANSWER })), "second answer");
  });

  test("Ollama asked to think that still sends an orphan </think> in its text: the next answers are held and split", async () => {
    const adapter: ProviderAdapter = createOllamaAdapter({ http });
    const model = modelSpec("ollama", ndjson.url, { id: "qwen3:8b", reasoning: true });
    const orphan = ollama({ text: `Think first.\n</think>\n\n${ANSWER}` });
    const shown = await ndjson.run(adapter, model, orphan);
    assert.equal(shown.text, `Think first.\n</think>\n\n${ANSWER}`, "streamed as it came: every word");
    const held = await ndjson.run(adapter, model, orphan);
    assert.equal(held.text, ANSWER);
    assert.equal(reasoningOf(held.events), "Think first.\n");
  });
});
