// End to end through the gateway's OpenAI-compatible API (Router, Agent, HTTP routes, the official SDK as
// client), t9 #4: backup/m2 is not configured to reason and its name is no reasoner's, and its server's
// template opens <think> in the prompt: it answers `reasoning</think>\n\nanswer`. A whole reply is split;
// the first stream cannot unsay what it showed, so the reply says what was done (and the session keeps the
// split); from then on its answers are split as they stream — in proxy and in agent mode.
import assert from "node:assert/strict";
import { afterEach, beforeEach, describe, test } from "node:test";
import type OpenAI from "openai";
import { responsesStream } from "../fakes/openai-responses-stream.js";
import { apiSetup, type ApiSetup } from "./openai-setup.js";
import { chatStreamParts } from "../helpers/chat-stream-parts.js";

const REASONING = "NOOPEN-REASONING about things";
const ANSWER = "The visible answer.";
const ORPHAN = `${REASONING}</think>\n\n${ANSWER}`;
const SAID = /Backup began its answer with its reasoning, ended by <\/think>.*reasoning: true in its models entry splits them from the first/;

type Message = OpenAI.ChatCompletionMessage & { reasoning_content?: string };

describe("OpenAI-compatible API: an orphan </think> from a model not known to reason", () => {
  let api: ApiSetup;
  beforeEach(async () => {
    api = await apiSetup();
    api.backup.setHandler(() => ({ kind: "sse", frames: responsesStream({ text: ORPHAN, chunkSize: 6, flavor: "lmstudio", usage: { input: 5, output: 5 } }) }));
  });
  afterEach(() => api.close());

  const chatStream = (model: string, headers: Record<string, string> = {}): Promise<{ text: string; reasoning: string }> => chatStreamParts(api.client, { model, messages: [{ role: "user", content: "hi" }], headers });

  test("proxy mode, a whole reply first: split, and x-hearth-notice says what was done; the stream after it is split from its start", async () => {
    const { data, response } = await api.client.chat.completions.create({ model: "backup/m2", messages: [{ role: "user", content: "hi" }] }).withResponse();
    const message = data.choices[0]?.message as Message;
    assert.deepEqual({ text: message.content, reasoning: message.reasoning_content }, { text: ANSWER, reasoning: REASONING });
    assert.match(decodeURIComponent(response.headers.get("x-hearth-notice") ?? ""), SAID);
    assert.deepEqual(await chatStream("backup/m2"), { text: ANSWER, reasoning: REASONING });
  });

  test("proxy mode, a stream first: it showed the text as it came, and its end says what was done (a `: hearth:` line); the next is split", async () => {
    const response = await fetch(`${api.url}/v1/chat/completions`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ model: "backup/m2", stream: true, messages: [{ role: "user", content: "hi" }] }) });
    const body = await response.text();
    const text = body.split("\n").filter((line) => line.startsWith("data: {")).map((line) => (JSON.parse(line.slice(6)) as OpenAI.ChatCompletionChunk).choices[0]?.delta?.content ?? "").join("");
    assert.equal(text, ORPHAN, "what streamed went out as it came: no word lost");
    assert.match(decodeURIComponent(body.split("\n").find((line) => line.startsWith(": hearth:")) ?? ""), SAID);
    assert.deepEqual(await chatStream("backup/m2"), { text: ANSWER, reasoning: REASONING });
    const whole = await api.client.chat.completions.create({ model: "backup/m2", messages: [{ role: "user", content: "hi" }] }).withResponse();
    assert.equal(whole.response.headers.get("x-hearth-notice"), null, "said once: nothing went out as text since");
  });

  test("agent mode, streamed: the session keeps the answer and the reasoning apart, with the note; the next turn is split as it streams", async () => {
    const headers = { "x-hearth-session": "orphan" };
    await api.client.chat.completions.create({ model: "hearth", messages: [{ role: "user", content: "/model Backup" }] }, { headers });
    const first = await chatStream("hearth", headers);
    assert.equal(first.text, ORPHAN, "what streamed cannot be unsaid");
    const entries = (await api.gateway.store.read("orphan")).entries;
    const answer = entries.findLast((entry) => entry.type === "assistant");
    assert.ok(answer?.type === "assistant");
    assert.deepEqual(answer.message.content.map((part) => [part.type, part.type === "tool-call" ? "" : part.text]), [["reasoning", REASONING], ["text", ANSWER]]);
    assert.ok(answer.notes?.some((note) => SAID.test(note.text)), "the note is kept with the answer: a reloaded transcript shows it");
    assert.deepEqual(await chatStream("hearth", headers), { text: ANSWER, reasoning: "" }, "the next answer: split as it streams, the reasoning left out of the text");
    const whole = await api.client.chat.completions.create({ model: "hearth", messages: [{ role: "user", content: "hi" }] }, { headers });
    assert.equal(whole.choices[0]?.message.content, ANSWER);
  });

  test("agent mode, a whole reply first: its text is the answer alone", async () => {
    const headers = { "x-hearth-session": "orphan-whole" };
    await api.client.chat.completions.create({ model: "hearth", messages: [{ role: "user", content: "/model Backup" }] }, { headers });
    const { data, response } = await api.client.chat.completions.create({ model: "hearth", messages: [{ role: "user", content: "hi" }] }, { headers }).withResponse();
    assert.equal(data.choices[0]?.message.content, ANSWER);
    assert.match(decodeURIComponent(response.headers.get("x-hearth-notice") ?? ""), SAID);
  });
});
