// s19 review #7: a streamed Responses reply in proxy mode kept the signed reasoning of a model that thought,
// signed, then broke before its words, when the next model answered (a stream fails over while no words
// went out). Its `hearth1.` item stood before the answer's message, and a replay named the failed model
// for the words that follow. The whole reply never carried it. Now what a failed attempt signed is never
// passed on: the reasoning it showed stays, cut there; each item's done event is the final output's; and
// an answer of several signed blocks still streams one item per block, in place, as whole.
import assert from "node:assert/strict";
import { afterEach, describe, test } from "node:test";
import type OpenAI from "openai";
import { decodeSignedReasoning } from "../../src/channels/http/openai/signed-reasoning.js";
import { anthropicStream } from "../fakes/anthropic-messages-stream.js";
import type { SseFrame } from "../fakes/fake-server.js";
import { responsesStream } from "../fakes/openai-responses-stream.js";
import { apiSetup, lastBody, withEncryptedReasoning, type ApiSetup } from "./openai-setup.js";

type Item = OpenAI.Responses.ResponseOutputItem;
type Reasoning = OpenAI.Responses.ResponseReasoningItem;

/** The output as a client sees it, the ids hearth makes up left out (each reply has new ones), and what finalResponse() adds (`parsed`). */
const shape = (output: readonly Item[]): unknown[] =>
  output.map((item) => ({ ...item, id: undefined, ...(item.type === "message" ? { content: item.content.map((part) => ({ ...part, parsed: undefined })) } : {}) }));
const frame = (value: { type: string; [field: string]: unknown }): SseFrame => ({ event: value.type, data: JSON.stringify(value) });

/** An Anthropic reply of two signed thinking blocks, then `text` — or, without text, a connection that breaks after them. */
function twoThoughts(text?: string): SseFrame[] {
  const around = anthropicStream({ text: "x" });
  const thought = (index: number, thinking: string, signature: string): SseFrame[] => [
    frame({ type: "content_block_start", index, content_block: { type: "thinking", thinking: "", signature: "" } }),
    frame({ type: "content_block_delta", index, delta: { type: "thinking_delta", thinking } }),
    frame({ type: "content_block_delta", index, delta: { type: "signature_delta", signature } }),
    frame({ type: "content_block_stop", index }),
  ];
  const thoughts = [...thought(0, "First, the facts.", "SIG-0"), ...thought(1, "Then, the answer.", "SIG-1")];
  if (text === undefined) return [around[0] as SseFrame, ...thoughts];
  const words = [
    frame({ type: "content_block_start", index: 2, content_block: { type: "text", text: "" } }),
    frame({ type: "content_block_delta", index: 2, delta: { type: "text_delta", text } }),
    frame({ type: "content_block_stop", index: 2 }),
  ];
  return [around[0] as SseFrame, ...thoughts, ...words, ...around.slice(-2)];
}

const request = { model: "Local", input: "Decide.", include: ["reasoning.encrypted_content" as const] };

/** Streams `request` with the SDK: each item's done event, and finalResponse(). */
async function streamed(api: ApiSetup): Promise<{ done: Item[]; final: OpenAI.Responses.Response }> {
  const stream = api.client.responses.stream(request);
  const done: Item[] = [];
  for await (const event of stream) if (event.type === "response.output_item.done") done.push(event.item);
  return { done, final: await stream.finalResponse() };
}

/** Which model each signed item's `hearth1.` value names. */
const signers = (output: readonly Item[]): (string | undefined)[] => output.filter((item): item is Reasoning => item.type === "reasoning" && item.encrypted_content != null).map((item) => decodeSignedReasoning(item.encrypted_content)?.model);

describe("Responses proxy mode: signed reasoning of a model that broke before its words", () => {
  let api: ApiSetup | undefined;
  afterEach(() => api?.close());

  test("the next model answers: the stream carries its signed reasoning alone, as the whole reply does, and a replay names it", async () => {
    api = await apiSetup({ localApi: "anthropic-messages" });
    api.local.setHandler(() => ({ kind: "sse", frames: twoThoughts(), after: "reset" }));
    api.backup.setHandler(() => ({ kind: "sse", frames: withEncryptedReasoning(responsesStream({ reasoning: "Backup weighs it.", text: "Backup decides." }), "ENC-B") }));

    const { done, final } = await streamed(api);
    assert.deepEqual(JSON.parse(final.metadata?.hearth_attempts ?? "[]").map((attempt: { model: string; outcome: string }) => `${attempt.model} ${attempt.outcome}`), ["local/m1 stream-broken", "backup/m2 ok"]);
    assert.deepEqual(signers(done), ["backup/m2"], "no done event carries what the failed model signed");
    assert.deepEqual(signers(final.output), ["backup/m2"]);
    assert.deepEqual(shape(done), shape(final.output), "each item's done event is the item the completed response holds");
    // What the failed model showed stays, cut where it broke (its second block, never shown, is not) — and is not signed.
    assert.deepEqual(final.output.map((item) => item.type), ["reasoning", "reasoning", "message"]);
    const cut = final.output[0] as Reasoning;
    assert.equal(cut.status, "incomplete");
    assert.deepEqual(cut.content, [{ type: "reasoning_text", text: "First, the facts." }]);
    assert.equal(cut.encrypted_content ?? undefined, undefined);

    const whole = await api.client.responses.create(request);
    assert.deepEqual(shape(final.output.slice(1)), shape(whole.output), "past what the failed model showed, streamed and whole give the same output");

    // Replayed, the answer's reasoning goes back to the model that signed it, and nothing of the failed one does.
    api.backup.setHandler(() => ({ kind: "sse", frames: responsesStream({ text: "Again." }) }));
    await api.client.responses.create({ model: "Backup", input: [{ role: "user", content: "Decide." }, ...(final.output as OpenAI.Responses.ResponseInputItem[]), { role: "user", content: "Sure?" }] });
    const upstream = (lastBody(api.backup) as { input: Record<string, unknown>[] }).input;
    assert.deepEqual(upstream.filter((item) => item.type === "reasoning").map((item) => item.encrypted_content), ["ENC-B"]);
  });

  test("a model that answers after two signed blocks: one item per block, each with its own signature, streamed as whole", async () => {
    api = await apiSetup({ localApi: "anthropic-messages" });
    api.local.setHandler(() => ({ kind: "sse", frames: twoThoughts("Decided.") }));
    const { done, final } = await streamed(api);
    const whole = await api.client.responses.create(request);
    assert.deepEqual(final.output.map((item) => item.type), ["reasoning", "reasoning", "message"]);
    assert.deepEqual(final.output.slice(0, 2).map((item) => (item as Reasoning).content), [[{ type: "reasoning_text", text: "First, the facts." }], [{ type: "reasoning_text", text: "Then, the answer." }]]);
    assert.deepEqual(final.output.slice(0, 2).map((item) => decodeSignedReasoning((item as Reasoning).encrypted_content)?.parts.map((part) => part.signature)), [["SIG-0"], ["SIG-1"]]);
    assert.deepEqual(shape(done), shape(final.output));
    assert.deepEqual(shape(final.output), shape(whole.output), "streamed and whole give the same output");
  });
});
