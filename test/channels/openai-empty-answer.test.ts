// t13-replay #6: a json_object answer of the tiny model, cut at max_tokens 20, came back as `content: ""` (Chat) and
// `output: []` with status "incomplete" and 20 output tokens (Responses), while the same request sent straight
// returned whitespace. Found: llama.cpp's server streams no answer that is only whitespace (not streamed it gives
// it), and hearth streams from it; hearth itself passes every character on. So an answer of whitespace only comes
// back as it is (proxy mode), and a reply with no word in it says why in its notice (both modes) — never an empty
// reply that reads as an answer lost on the way. The fake streams exactly as llama-server did (its role chunk, then
// `finish_reason: "length"`, no content).
import assert from "node:assert/strict";
import { afterEach, beforeEach, describe, test } from "node:test";
import { completionsStream } from "../fakes/openai-completions-stream.js";
import { apiSetup, type ApiSetup } from "./openai-setup.js";

const WHITESPACE = " \n \n                ";
const SILENT = "Local produced 20 output tokens, and its server sent no text for them (llama.cpp's server, for one, streams no answer that is only whitespace)";

describe("an answer with no word in it", () => {
  let api: ApiSetup;
  beforeEach(async () => {
    api = await apiSetup();
  });
  afterEach(() => api.close());

  /** A stream's raw text (the SDK skips the `: hearth:` comments that carry its notices). */
  const rawStream = async (path: string, body: object): Promise<string> => {
    const response = await fetch(`${api.url}/v1/${path}`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ ...body, stream: true }) });
    assert.equal(response.status, 200);
    return await response.text();
  };
  const notice = (response: Response): string => decodeURIComponent(response.headers.get("x-hearth-notice") ?? "");

  test("the server sent no text for its output tokens (llama-server's stream of a whitespace answer): Chat and Responses say why, streamed or not", async () => {
    api.local.setHandler(() => ({ kind: "sse", frames: completionsStream({ text: "", finishReason: "length", usage: { input: 56, output: 20 } }) }));
    const chat = await api.client.chat.completions.create({ model: "Local", messages: [{ role: "user", content: "Give a person as JSON." }], max_tokens: 20, response_format: { type: "json_object" } }).withResponse();
    assert.equal(chat.data.choices[0]?.message.content, "");
    assert.equal(chat.data.usage?.completion_tokens, 20);
    assert.ok(notice(chat.response).split("\n").includes(`${SILENT}; the reply limit (max_tokens) ended it before any word — a larger one lets it go on`), notice(chat.response));

    const responses = await api.client.responses.create({ model: "Local", input: "Give a person as JSON.", max_output_tokens: 20 }).withResponse();
    assert.equal(responses.data.status, "incomplete");
    assert.deepEqual(responses.data.output, []);
    assert.equal(responses.data.usage?.output_tokens, 20);
    const said = `${SILENT}; the reply limit (max_output_tokens) ended it before any word — a larger one lets it go on`;
    assert.ok(String(responses.data.metadata?.hearth_notice).split("\n").includes(said), String(responses.data.metadata?.hearth_notice));
    assert.ok(notice(responses.response).split("\n").includes(said));
    assert.ok((await rawStream("responses", { model: "Local", input: "hi", max_output_tokens: 20 })).includes(`: hearth: ${said}\n\n`));
  });

  test("an answer of whitespace only is passed on as it is, streamed or not, and said", async () => {
    api.local.setHandler(() => ({ kind: "sse", frames: completionsStream({ text: WHITESPACE, finishReason: "length", usage: { input: 56, output: 20 } }) }));
    const said = `Local answered with whitespace only (${WHITESPACE.length} characters), no words; the reply limit (max_tokens) ended it before any word — a larger one lets it go on`;
    const chat = await api.client.chat.completions.create({ model: "Local", messages: [{ role: "user", content: "hi" }], max_tokens: 20 }).withResponse();
    assert.equal(chat.data.choices[0]?.message.content, WHITESPACE);
    assert.ok(notice(chat.response).split("\n").includes(said), notice(chat.response));
    let streamed = "";
    for await (const chunk of await api.client.chat.completions.create({ model: "Local", messages: [{ role: "user", content: "hi" }], max_tokens: 20, stream: true })) streamed += chunk.choices[0]?.delta.content ?? "";
    assert.equal(streamed, WHITESPACE);
    const responses = await api.client.responses.create({ model: "Local", input: "hi", max_output_tokens: 20 });
    assert.equal(responses.output_text, WHITESPACE);
    const final = await api.client.responses.stream({ model: "Local", input: "hi", max_output_tokens: 20 }).finalResponse();
    assert.equal(final.output_text, WHITESPACE);
  });

  test("agent mode shows an answer's words only: a reply of whitespace is an empty answer, and the notice says why", async () => {
    api.local.setHandler(() => ({ kind: "sse", frames: completionsStream({ text: WHITESPACE, usage: { input: 56, output: 20 } }) }));
    const { data, response } = await api.client.chat.completions.create({ model: "hearth", messages: [{ role: "user", content: "hi" }] }, { headers: { "x-hearth-session": "empty-answer" } }).withResponse();
    assert.equal(data.choices[0]?.message.content, "");
    assert.ok(notice(response).split("\n").includes(`Local answered with whitespace only (${WHITESPACE.length} characters), no words`), notice(response));
  });

  test("an answer with words, or a tool call alone, says nothing of it", async () => {
    api.local.setHandler(() => ({ kind: "sse", frames: completionsStream({ text: " {}", usage: { input: 56, output: 2 } }) }));
    const words = await api.client.chat.completions.create({ model: "Local", messages: [{ role: "user", content: "hi" }] }).withResponse();
    assert.doesNotMatch(notice(words.response), /no words|no text/);
    api.local.setHandler(() => ({ kind: "sse", frames: completionsStream({ toolCalls: [{ id: "call_1", name: "f", arguments: "{}" }], usage: { input: 56, output: 5 } }) }));
    const call = await api.client.chat.completions.create({ model: "Local", messages: [{ role: "user", content: "hi" }], tools: [{ type: "function", function: { name: "f", parameters: { type: "object", properties: {} } } }] }).withResponse();
    assert.equal(call.data.choices[0]?.message.tool_calls?.length, 1);
    assert.doesNotMatch(notice(call.response), /no words|no text/);
  });
});
