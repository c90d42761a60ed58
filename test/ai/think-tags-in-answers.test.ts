// Answers that talk about think tags keep every word, through each protocol's adapter against a real
// local server, with the text streamed in two pieces split at every character boundary and in chunks
// of several sizes. Reasoning is recognised only where models put it: a <think> block at the start
// of the output, or (from a model known or configured to reason) leading text up to an orphan </think>,
// or a <think> block such a model opens after answer text (the text around it stays the answer).
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { ProviderAdapter } from "../../src/ai/adapter.js";
import type { Api } from "../../src/ai/api.js";
import { HttpClient } from "../../src/ai/http/http-client.js";
import type { ModelSpec } from "../../src/ai/model-spec.js";
import { createAnthropicMessagesAdapter } from "../../src/ai/providers/anthropic-messages/index.js";
import { createOpenAICompletionsAdapter } from "../../src/ai/providers/openai-completions/index.js";
import { createOpenAIResponsesAdapter } from "../../src/ai/providers/openai-responses/index.js";
import { anthropicStream } from "../fakes/anthropic-messages-stream.js";
import { startFakeServer, type FakeServer, type SseFrame } from "../fakes/fake-server.js";
import { completionsStream } from "../fakes/openai-completions-stream.js";
import { responsesStream } from "../fakes/openai-responses-stream.js";
import { modelSpec, run, textOf } from "./adapter-contract.js";

/** The answers of the adversarial run that lost text (issue 9). */
const ANSWERS = [
  "ECHO[A] tags <think> OPEN-KEPT",
  "Here is how it ends. The tag </think> closes a reasoning block. END-KEPT",
  "Models write <think>…</think> around reasoning.",
];

/** Answers that show the tags as Markdown code (what the orphan rule once cut at the first </think>). */
const CODE_ANSWERS = ["Use `<think>` and `</think>` tags.", "Like this:\n```\n<think>\nplan\n</think>\n```\nEND"];

const usage = { input: 5, output: 5 };

interface Protocol {
  api: Api;
  /** The frames of a reply whose text arrives as exactly these deltas. */
  frames(pieces: readonly string[]): SseFrame[];
  adapter(http: HttpClient): ProviderAdapter;
  baseUrl(server: FakeServer): string;
}

/** Builds the reply with the whole text in one delta, then replaces that delta by one frame per piece. */
function piecewise(whole: SseFrame[], text: string, deltaOf: (event: Record<string, unknown>) => Record<string, unknown> | undefined, key: string, pieces: readonly string[]): SseFrame[] {
  const index = whole.findIndex((frame) => {
    if (!frame.data.startsWith("{")) return false;
    return deltaOf(JSON.parse(frame.data) as Record<string, unknown>)?.[key] === text;
  });
  assert.ok(index >= 0, "the reply has one delta carrying the whole text");
  const template = whole[index] as SseFrame;
  const split = pieces.map((piece) => {
    const event = JSON.parse(template.data) as Record<string, unknown>;
    (deltaOf(event) as Record<string, unknown>)[key] = piece;
    return { ...template, data: JSON.stringify(event) };
  });
  return [...whole.slice(0, index), ...split, ...whole.slice(index + 1)];
}

const protocols: Protocol[] = [
  {
    api: "openai-completions",
    frames: (pieces) => {
      const text = pieces.join("");
      const choiceDelta = (event: Record<string, unknown>) => ((event.choices as Record<string, unknown>[] | undefined)?.[0]?.delta as Record<string, unknown> | undefined);
      return piecewise(completionsStream({ text, chunkSize: text.length, usage }), text, choiceDelta, "content", pieces);
    },
    adapter: (http) => createOpenAICompletionsAdapter({ http }),
    baseUrl: (server) => server.baseUrl,
  },
  {
    api: "openai-responses",
    frames: (pieces) => {
      const text = pieces.join("");
      return piecewise(responsesStream({ flavor: "lmstudio", text, chunkSize: text.length, usage }), text, (event) => (event.type === "response.output_text.delta" ? event : undefined), "delta", pieces);
    },
    adapter: (http) => createOpenAIResponsesAdapter({ http }),
    baseUrl: (server) => server.baseUrl,
  },
  {
    api: "anthropic-messages",
    frames: (pieces) => {
      const text = pieces.join("");
      return piecewise(anthropicStream({ text, chunkSize: text.length, usage }), text, (event) => (event.type === "content_block_delta" ? (event.delta as Record<string, unknown>) : undefined), "text", pieces);
    },
    adapter: (http) => createAnthropicMessagesAdapter({ http }),
    baseUrl: (server) => server.url,
  },
];

/** Every way to stream `text` in two pieces, and in chunks of 1, 2, 3, 5 and 8 characters. */
function splits(text: string): string[][] {
  const chars = Array.from(text);
  const out: string[][] = [];
  for (let cut = 1; cut < chars.length; cut++) out.push([chars.slice(0, cut).join(""), chars.slice(cut).join("")]);
  for (const size of [1, 2, 3, 5, 8]) {
    const pieces: string[] = [];
    for (let start = 0; start < chars.length; start += size) pieces.push(chars.slice(start, start + size).join(""));
    out.push(pieces);
  }
  return out;
}

for (const protocol of protocols) {
  describe(`${protocol.api}: think tags inside an answer are text`, () => {
    let server: FakeServer;
    let http: HttpClient;
    let adapter: ProviderAdapter;
    let pieces: readonly string[] = [];
    before(async () => {
      server = await startFakeServer(() => ({ kind: "sse", frames: protocol.frames(pieces) }));
      http = new HttpClient();
      adapter = protocol.adapter(http);
    });
    after(async () => {
      http.destroy();
      await server.close();
    });

    // Timeouts are not what this tests: limits a loaded machine cannot trip, so a slow answer is never an empty one.
    const patient = { timeouts: { connectMs: 10_000, firstByteMs: 10_000, idleMs: 10_000 } };
    const stream = async (model: ModelSpec, split: readonly string[]) => {
      pieces = split;
      const outcome = await run(adapter, model, undefined, patient);
      assert.equal(outcome.failure, undefined, `the call failed, split as ${JSON.stringify(split)}: ${outcome.failure?.message ?? ""}`);
      return outcome;
    };

    for (const answer of ANSWERS) {
      test(`${JSON.stringify(answer)} from a model not known to reason, split at every boundary`, async () => {
        const model = modelSpec(protocol.api, protocol.baseUrl(server));
        for (const split of splits(answer)) {
          const outcome = await stream(model, split);
          const where = JSON.stringify(split);
          assert.equal(outcome.text, answer, `streamed text, split as ${where}`);
          assert.equal(textOf(outcome.end), answer, `final text, split as ${where}`);
          assert.equal(outcome.reasoning, "", `no reasoning, split as ${where}`);
        }
      });
    }

    test("an answer that opens a <think> tag, from a model configured to reason, is kept whole", async () => {
      const model = modelSpec(protocol.api, protocol.baseUrl(server), { reasoning: true });
      for (const split of splits(ANSWERS[0] ?? "")) {
        const outcome = await stream(model, split);
        assert.equal(textOf(outcome.end), ANSWERS[0], JSON.stringify(split));
        assert.equal(outcome.reasoning, "");
      }
    });

    test("an answer that shows the tags as code, from a model configured to reason that sent no reasoning, is kept whole", async () => {
      const model = modelSpec(protocol.api, protocol.baseUrl(server), { reasoning: true });
      for (const answer of CODE_ANSWERS) {
        for (const split of splits(answer)) {
          const outcome = await stream(model, split);
          const where = JSON.stringify(split);
          assert.equal(outcome.text, answer, `streamed text, split as ${where}`);
          assert.equal(textOf(outcome.end), answer, `final text, split as ${where}`);
          assert.equal(outcome.reasoning, "", `no reasoning, split as ${where}`);
        }
      }
    });

    if (protocol.api === "anthropic-messages") return; // Anthropic sends thinking in its own blocks only.

    test("reasoning that mentions </think> as code stays reasoning; the real tag after it ends the block", async () => {
      const model = modelSpec(protocol.api, protocol.baseUrl(server), { reasoning: true });
      for (const split of splits("<think>They ask about `</think>`.\n</think>\n\nIt ends reasoning.")) {
        const outcome = await stream(model, split);
        const where = JSON.stringify(split);
        assert.equal(outcome.reasoning, "They ask about `</think>`.\n", where);
        assert.equal(textOf(outcome.end), "It ends reasoning.", where);
      }
    });

    test("a <think> block whose only closes are written as words never swallows the answer: it ends at one", async () => {
      const model = modelSpec(protocol.api, protocol.baseUrl(server), { reasoning: true });
      const cases: [string, string, string][] = [
        ["<think>RSN\n> ```\n> x</think>\nANS1 words", "RSN\n> ```\n> x", "ANS1 words"],
        ["<think>RSN `start </think>ANS1 and `ANS2 end", "RSN `start ", "ANS1 and `ANS2 end"],
        ["<think>RSN</think >\nANS1", "RSN", "ANS1"],
      ];
      for (const [output, reasoning, answer] of cases) {
        for (const split of splits(output)) {
          const outcome = await stream(model, split);
          const where = JSON.stringify(split);
          assert.equal(outcome.reasoning, reasoning, where);
          assert.equal(outcome.text, answer, where);
          assert.equal(textOf(outcome.end), answer, where);
        }
      }
    });

    test("a <think> block at the start of the output (after whitespace) is reasoning, whatever the model", async () => {
      for (const reasoning of [false, true]) {
        const model = modelSpec(protocol.api, protocol.baseUrl(server), { reasoning });
        for (const split of splits("\n <think>Plan: explain the tags.</think>\n\nThe <think> tag opens a block and </think> closes it. END")) {
          const outcome = await stream(model, split);
          const where = `${JSON.stringify(split)}, reasoning: ${reasoning}`;
          assert.equal(outcome.reasoning, "Plan: explain the tags.", where);
          assert.equal(outcome.text, "The <think> tag opens a block and </think> closes it. END", where);
          assert.equal(textOf(outcome.end), outcome.text, where);
        }
      }
    });

    test("an orphan </think> from a model configured to reason ends the reasoning held back; from any other model the first streams as text and its message holds the reasoning apart", async () => {
      const output = "The user wants a haiku. I will count.</think>\n\nAutumn moon rises";
      const reasoner = modelSpec(protocol.api, protocol.baseUrl(server), { id: "some-new-model", reasoning: true });
      let index = 0;
      for (const split of splits(output)) {
        const held = await stream(reasoner, split);
        assert.equal(held.reasoning, "The user wants a haiku. I will count.", JSON.stringify(split));
        assert.equal(held.text, "Autumn moon rises");
        assert.equal(textOf(held.end), "Autumn moon rises");
        // A model of its own each time: its first answer, which nothing held.
        const plain = modelSpec(protocol.api, protocol.baseUrl(server), { id: `plain-model-${index++}` });
        const shown = await stream(plain, split);
        assert.equal(shown.text, output, `${JSON.stringify(split)}: nothing shown is taken back`);
        assert.equal(textOf(shown.end), "Autumn moon rises", `${JSON.stringify(split)}: the whole reply's text`);
        assert.equal(shown.end?.content.find((part) => part.type === "reasoning")?.text, "The user wants a haiku. I will count.");
        const next = await stream(plain, split);
        assert.equal(next.text, "Autumn moon rises", `${JSON.stringify(split)}: the next answer is held and split`);
        assert.equal(next.reasoning, "The user wants a haiku. I will count.");
      }
    });

    test("a model configured to reason that writes answer text, then a <think> block, then more: the answer keeps both, only the block is reasoning", async () => {
      const output = "Sure. <think>The user wants it short.</think> Done.";
      const reasoner = modelSpec(protocol.api, protocol.baseUrl(server), { id: "some-new-model", reasoning: true });
      for (const split of splits(output)) {
        const outcome = await stream(reasoner, split);
        assert.equal(outcome.reasoning, "The user wants it short.", JSON.stringify(split));
        assert.equal(outcome.text, "Sure. Done.", JSON.stringify(split));
        assert.equal(textOf(outcome.end), "Sure. Done.", JSON.stringify(split));
      }
    });
  });
}
