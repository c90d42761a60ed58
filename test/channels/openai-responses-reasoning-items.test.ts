// t13 #7: in proxy mode a Responses reply gave one reasoning as two items — the summary first, then a
// second item with hearth's signed `hearth1.` content after the message — and gave it unasked. Now: one
// item per reasoning, before what it led to, carrying encrypted_content only when `include` asks, the
// same streamed (event for event, and finalResponse()) as whole; a client replaying that output gets its
// reasoning back upstream in its place.
import assert from "node:assert/strict";
import { afterEach, describe, test } from "node:test";
import type OpenAI from "openai";
import { responsesStream } from "../fakes/openai-responses-stream.js";
import { apiSetup, lastBody, withEncryptedReasoning, type ApiSetup } from "./openai-setup.js";

type Item = OpenAI.Responses.ResponseOutputItem;

/** The output as a client sees it, the ids hearth makes up left out (each reply has new ones), and the SDK's own `parsed_arguments` (finalResponse() adds it). */
const shape = (output: readonly Item[]): unknown[] => output.map((item) => ({ ...item, id: undefined, parsed_arguments: undefined }));

describe("Responses proxy mode: reasoning items as OpenAI gives them", () => {
  let api: ApiSetup | undefined;
  afterEach(() => api?.close());

  test("one reasoning item, before the message, without encrypted_content unless include asks for it", async () => {
    api = await apiSetup();
    api.backup.setHandler(() => ({ kind: "sse", frames: withEncryptedReasoning(responsesStream({ reasoningSummary: "Weighing it.", text: "Done." }), "ENC-1") }));
    const unasked = await api.client.responses.create({ model: "Backup", input: "Decide.", instructions: "be nice" });
    assert.deepEqual(unasked.output.map((item) => item.type), ["reasoning", "message"]);
    const plain = unasked.output[0] as OpenAI.Responses.ResponseReasoningItem;
    assert.deepEqual(plain.summary, [{ type: "summary_text", text: "Weighing it." }]);
    assert.equal(plain.encrypted_content, undefined, "not asked: no encrypted content, as OpenAI");

    const asked = await api.client.responses.create({ model: "Backup", input: "Decide.", include: ["reasoning.encrypted_content"] });
    assert.deepEqual(asked.output.map((item) => item.type), ["reasoning", "message"]);
    const signed = asked.output[0] as OpenAI.Responses.ResponseReasoningItem;
    assert.deepEqual(signed.summary, [{ type: "summary_text", text: "Weighing it." }]);
    assert.match(signed.encrypted_content ?? "", /^hearth1\./, "hearth's signed content, in the item of the reasoning it is");
  });

  test("streamed, event for event: the reasoning item's output_item.done carries what the whole reply's does, and finalResponse() is the whole reply", async () => {
    api = await apiSetup();
    const frames = withEncryptedReasoning(responsesStream({ reasoning: "Two calls.", toolCalls: [{ callId: "call_a", name: "look", arguments: '{"q":"a"}' }, { callId: "call_b", name: "look", arguments: '{"q":"b"}' }] }), "ENC-2");
    api.backup.setHandler(() => ({ kind: "sse", frames }));
    const request = { model: "Backup", input: "Look twice.", include: ["reasoning.encrypted_content" as const], tools: [{ type: "function" as const, name: "look", parameters: { type: "object", properties: { q: { type: "string" } } }, strict: false }] };
    const whole = await api.client.responses.create(request);
    assert.deepEqual(whole.output.map((item) => item.type), ["reasoning", "function_call", "function_call"]);

    const stream = api.client.responses.stream(request);
    const done: Item[] = [];
    const added: string[] = [];
    for await (const event of stream) {
      if (event.type === "response.output_item.added") added.push(event.item.type);
      if (event.type === "response.output_item.done") done.push(event.item);
    }
    const final = await stream.finalResponse();
    assert.deepEqual(added, ["reasoning", "function_call", "function_call"]);
    assert.deepEqual(shape(done), shape(final.output), "each item's done event is the item the completed response holds");
    assert.deepEqual(shape(final.output), shape(whole.output), "streamed and whole give the same output");
    assert.match((final.output[0] as OpenAI.Responses.ResponseReasoningItem).encrypted_content ?? "", /^hearth1\./);

    // The client replays finalResponse().output with its tool results: the reasoning goes back upstream before its calls.
    api.backup.setHandler(() => ({ kind: "sse", frames: responsesStream({ text: "Both seen." }) }));
    const replay: OpenAI.Responses.ResponseInput = [
      { role: "user", content: "Look twice." },
      ...(final.output as OpenAI.Responses.ResponseInputItem[]),
      { type: "function_call_output", call_id: "call_a", output: "A" },
      { type: "function_call_output", call_id: "call_b", output: "B" },
    ];
    await api.client.responses.create({ ...request, input: replay });
    const upstream = (lastBody(api.backup) as { input: Record<string, unknown>[] }).input;
    assert.deepEqual(upstream.map((item) => item.type ?? item.role), ["message", "reasoning", "function_call", "function_call", "function_call_output", "function_call_output"]);
    assert.equal(upstream[1]?.encrypted_content, "ENC-2");
  });

  test("without include, the stream's items have no encrypted content either, and a replay of them sends no reasoning upstream", async () => {
    api = await apiSetup();
    api.backup.setHandler(() => ({ kind: "sse", frames: withEncryptedReasoning(responsesStream({ reasoning: "Thinking.", text: "Yes." }), "ENC-3") }));
    const stream = api.client.responses.stream({ model: "Backup", input: "Well?" });
    const done: Item[] = [];
    for await (const event of stream) if (event.type === "response.output_item.done") done.push(event.item);
    const final = await stream.finalResponse();
    assert.deepEqual(final.output.map((item) => item.type), ["reasoning", "message"]);
    assert.ok(done.every((item) => item.type !== "reasoning" || item.encrypted_content === undefined));
    assert.ok(!JSON.stringify(final).includes("hearth1."));
    api.backup.setHandler(() => ({ kind: "sse", frames: responsesStream({ text: "Again." }) }));
    await api.client.responses.create({ model: "Backup", input: [{ role: "user", content: "Well?" }, ...(final.output as OpenAI.Responses.ResponseInputItem[]), { role: "user", content: "And?" }] });
    const upstream = (lastBody(api.backup) as { input: Record<string, unknown>[] }).input;
    assert.equal(upstream.filter((item) => item.type === "reasoning").length, 0);
  });
});
