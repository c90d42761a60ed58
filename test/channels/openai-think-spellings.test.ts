// End to end through the gateway's OpenAI-compatible API (Router, Agent, HTTP routes, the official SDK as
// client): a local chat-completions server that leaves reasoning in the text in each spelling models use
// besides `<think>` (llama.cpp under `--reasoning-format none` streams the raw text, a token or less per
// delta: here every cut of 1 to 7 characters): Seed-OSS's `<seed:think>` and its orphan `</seed:think>`,
// Magistral's `[THINK]`, `<thinking>`, gpt-oss's harmony channels. In proxy mode (chat completions and
// Responses, streamed and not) and agent mode, the answer arrives whole and no reasoning word reaches it.
import assert from "node:assert/strict";
import { afterEach, beforeEach, describe, test } from "node:test";
import type OpenAI from "openai";
import { completionsStream } from "../fakes/openai-completions-stream.js";
import { apiSetup, type ApiSetup } from "./openai-setup.js";
import { chatStreamParts } from "../helpers/chat-stream-parts.js";

const REASONING = "PONDERING the greeting; [draft] <b>reply</b>.";
const ANSWER = "Hello there! Tags such as `</seed:think>`, `[/THINK]` and `<|end|>` are words here.";

/** Each spelling as the model writes it, and the reasoning and answer hearth must make of it. */
const SPELLINGS: { name: string; output: string }[] = [
  { name: "Seed-OSS, both tags", output: `<seed:think>${REASONING}</seed:think>\n\n${ANSWER}` },
  { name: "Seed-OSS, an orphan close (its template opened the block)", output: `${REASONING}\n</seed:think>\n\n${ANSWER}` },
  { name: "Magistral", output: `[THINK]${REASONING}[/THINK]${ANSWER}` },
  { name: "<thinking>", output: `<thinking>\n${REASONING}\n</thinking>\n\n${ANSWER}` },
  { name: "gpt-oss harmony", output: `<|channel|>analysis<|message|>${REASONING}<|end|><|start|>assistant<|channel|>final<|message|>${ANSWER}<|return|>` },
];

type Message = OpenAI.ChatCompletionMessage & { reasoning_content?: string };
const ask = [{ role: "user" as const, content: "hi" }];

describe("OpenAI-compatible API: reasoning in the text in every spelling", () => {
  let api: ApiSetup;
  beforeEach(async () => {
    api = await apiSetup();
  });
  afterEach(() => api.close());

  const serve = (content: string, chunkSize: number): void => {
    api.local.setHandler(() => ({ kind: "sse", frames: completionsStream({ model: "m1", text: content, chunkSize, usage: { input: 5, output: 5 } }) }));
  };

  const chatStream = async (model: string): Promise<{ text: string; reasoning: string }> => {
    const { text, reasoning } = await chatStreamParts(api.client, { model, messages: ask });
    return { text, reasoning: reasoning.trim() }; // the newlines around the tags are no words
  };

  const responsesStream = async (model: string): Promise<{ text: string; reasoning: string }> => {
    const stream = await api.client.responses.create({ model, input: "hi", stream: true });
    let text = "";
    let reasoning = "";
    for await (const event of stream) {
      if (event.type === "response.output_text.delta") text += event.delta;
      if (event.type === "response.reasoning_text.delta") reasoning += event.delta;
    }
    return { text, reasoning: reasoning.trim() };
  };

  for (const { name, output } of SPELLINGS) {
    test(`${name}: proxy mode (chat and Responses, streamed and not) and agent mode, cut every way`, async () => {
      for (const chunkSize of [1, 2, 3, 4, 5, 6, 7]) {
        const where = `${name}, deltas of ${chunkSize}`;
        serve(output, chunkSize);
        assert.deepEqual(await chatStream("local/m1"), { text: ANSWER, reasoning: REASONING }, `proxy chat stream: ${where}`);
        const whole = await api.client.chat.completions.create({ model: "local/m1", messages: ask });
        const message = whole.choices[0]?.message as Message;
        assert.deepEqual({ text: message.content, reasoning: message.reasoning_content?.trim() }, { text: ANSWER, reasoning: REASONING }, `proxy chat: ${where}`);
        assert.deepEqual(await responsesStream("local/m1"), { text: ANSWER, reasoning: REASONING }, `proxy Responses stream: ${where}`);
        const response = await api.client.responses.create({ model: "local/m1", input: "hi" });
        const item = response.output[0];
        assert.equal(item?.type === "reasoning" ? item.content?.[0]?.text.trim() : undefined, REASONING, `proxy Responses: ${where}`);
        assert.equal(response.output_text, ANSWER, `proxy Responses: ${where}`);
        assert.deepEqual(await chatStream("hearth"), { text: ANSWER, reasoning: "" }, `agent mode: ${where}`);
      }
    });
  }
});
