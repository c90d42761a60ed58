// End to end through the gateway's OpenAI-compatible API (Router, Agent, HTTP routes, the official
// SDK as client): a model configured to reason (local/m1, `reasoning: true`) whose chat-completions
// stream carries think tags inline. An answer that shows the tags as code reaches the client whole
// with no reasoning; reasoning that mentions the tag as code stays reasoning, whole; a <think> block
// whose only closes are written as words ends at one, in agent and proxy mode, streamed or not.
import assert from "node:assert/strict";
import { afterEach, beforeEach, describe, test } from "node:test";
import type OpenAI from "openai";
import { completionsStream } from "../fakes/openai-completions-stream.js";
import { apiSetup, type ApiSetup } from "./openai-setup.js";

const usage = { input: 5, output: 5 };

describe("OpenAI-compatible API: think tags written as words by a reasoning model", () => {
  let api: ApiSetup;
  beforeEach(async () => {
    api = await apiSetup();
  });
  afterEach(() => api.close());

  /** The local model streams `content` in deltas of `chunkSize` characters. */
  const serve = (content: string, chunkSize: number): void => {
    api.local.setHandler(() => ({ kind: "sse", frames: completionsStream({ model: "m1", text: content, chunkSize, usage }) }));
  };

  const chatStream = async (model = "hearth"): Promise<{ text: string; reasoning: string }> => {
    const stream = await api.client.chat.completions.create({ model, messages: [{ role: "user", content: "How do tags work?" }], stream: true });
    let text = "";
    let reasoning = "";
    for await (const chunk of stream) {
      const delta = chunk.choices[0]?.delta as (OpenAI.ChatCompletionChunk.Choice.Delta & { reasoning_content?: string }) | undefined;
      text += delta?.content ?? "";
      reasoning += delta?.reasoning_content ?? "";
    }
    return { text, reasoning };
  };

  test("an answer that shows the tags as code: every word reaches chat streaming and /v1/responses, no reasoning", async () => {
    const answer = "Use `<think>` and `</think>` tags.\n```\n<think>\nplan\n</think>\n```\nThat is all.";
    for (const chunkSize of [1, 3, 7]) {
      serve(answer, chunkSize);
      assert.deepEqual(await chatStream(), { text: answer, reasoning: "" }, `deltas of ${chunkSize}`);
      const response = await api.client.responses.create({ model: "hearth", input: "How do tags work?", reasoning: { effort: "low" } });
      assert.deepEqual(response.output.map((item) => item.type), ["message"], `deltas of ${chunkSize}`);
      assert.equal(response.output_text, answer, `deltas of ${chunkSize}`);
    }
  });

  test("a <think> block whose only closes are written as words: the answer reaches chat streaming and /v1/responses", async () => {
    const cases: [string, string, string][] = [
      ["<think>RSN\n> ```\n> x</think>\nANS1 words", "RSN\n> ```\n> x", "ANS1 words"],
      ["<think>RSN `start </think>ANS1 and `ANS2 end", "RSN `start ", "ANS1 and `ANS2 end"],
      ["<think>RSN</think >\nANS1", "RSN", "ANS1"],
    ];
    for (const [output, reasoning, answer] of cases) {
      for (const chunkSize of [1, 3, 7]) {
        serve(output, chunkSize);
        assert.deepEqual(await chatStream(), { text: answer, reasoning: "" }, `${JSON.stringify(output)} in deltas of ${chunkSize}`);
        const response = await api.client.responses.create({ model: "hearth", input: "How do tags work?", reasoning: { effort: "low" } });
        const item = response.output[0];
        assert.ok(item?.type === "reasoning", `${JSON.stringify(output)} in deltas of ${chunkSize}`);
        assert.equal(item.content?.[0]?.text, reasoning);
        assert.equal(response.output_text, answer);
        assert.deepEqual(await chatStream("local/m1"), { text: answer, reasoning }, `proxy mode, ${JSON.stringify(output)} in deltas of ${chunkSize}`);
        const whole = await api.client.chat.completions.create({ model: "local/m1", messages: [{ role: "user", content: "How do tags work?" }] });
        const message = whole.choices[0]?.message as OpenAI.ChatCompletionMessage & { reasoning_content?: string };
        assert.deepEqual({ text: message.content, reasoning: message.reasoning_content }, { text: answer, reasoning }, "proxy mode, not streamed");
      }
    }
  });

  test("reasoning that mentions </think> as code is one reasoning item; the answer is the text after the real tag", async () => {
    for (const chunkSize of [1, 3, 7]) {
      serve("They ask about `</think>`.\n</think>\n\nIt ends reasoning.", chunkSize);
      assert.deepEqual(await chatStream(), { text: "It ends reasoning.", reasoning: "" }, `deltas of ${chunkSize}`);
      const response = await api.client.responses.create({ model: "hearth", input: "How do tags work?", reasoning: { effort: "low" } });
      assert.deepEqual(response.output.map((item) => item.type), ["reasoning", "message"], `deltas of ${chunkSize}`);
      const reasoning = response.output[0];
      assert.ok(reasoning?.type === "reasoning");
      assert.equal(reasoning.content?.[0]?.text, "They ask about `</think>`.\n");
      assert.equal(response.output_text, "It ends reasoning.");
    }
  });
});
