// A client that keeps its own history sends the whole conversation every time (t13 finding 2). Agent mode
// holds the request's earlier messages against the session's: the session's conversation without its last
// answer, asking its last message again (a "regenerate") → that message answered again as /retry does (kept
// once, the model sent it once and never the answer it replaces); earlier messages that differ (an edited
// question, another conversation) → answered after the session's own history, and the reply says so; the new
// message alone, or the session's latest messages before it → a new turn, nothing said. With the official SDK.
import assert from "node:assert/strict";
import { afterEach, beforeEach, describe, test } from "node:test";
import type OpenAI from "openai";
import { conversationOf, lastUser, scriptedModel, type Turn } from "../helpers/scripted-model.js";
import { apiSetup, type ApiSetup } from "./openai-setup.js";

type ChatMessage = OpenAI.Chat.Completions.ChatCompletionMessageParam;

describe("agent mode: the client's own history, held against the session's", () => {
  let api: ApiSetup;
  let answers = 0;
  let down = false;
  beforeEach(async () => {
    api = await apiSetup();
    answers = 0;
    down = false;
    const answer = scriptedModel("openai-completions", (turns) => ({ text: `answer ${++answers} to ${lastUser(turns)}` }));
    api.local.setHandler((request) => (down ? { kind: "json", status: 500, body: { error: { message: "down" } } } : answer(request)));
    api.backup.setHandler(() => ({ kind: "json", status: 500, body: { error: { message: "down" } } }));
  });
  afterEach(() => api.close());

  /** What the model was sent last, without the system prompt. */
  const sent = (): Turn[] => conversationOf("openai-completions", api.local.requests.filter((request) => request.method === "POST").at(-1)?.body as Record<string, unknown>).filter((turn) => turn.role !== "system");
  const ask = async (session: string, messages: ChatMessage[]): Promise<{ text: string; notice: string | null }> => {
    const { data, response } = await api.client.chat.completions.create({ model: "hearth", messages }, { headers: { "x-hearth-session": session } }).withResponse();
    const notice = response.headers.get("x-hearth-notice");
    return { text: data.choices[0]?.message.content ?? "", notice: notice === null ? null : decodeURIComponent(notice) };
  };
  const users = async (session: string): Promise<string[]> => (await api.gateway.port.sessions().transcript(session)).filter((item) => item.role === "user").map((item) => item.text);

  test("a regenerate is answered again in the earlier answer's place; the next request goes on from the new answer; an edit is said", async () => {
    const first = await ask("regen1", [{ role: "user", content: "Question A" }]);
    assert.deepEqual(first, { text: "answer 1 to Question A", notice: null });
    // Regenerate: the same conversation without the last answer.
    const again = await ask("regen1", [{ role: "user", content: "Question A" }]);
    assert.equal(again.text, "answer 2 to Question A");
    assert.equal(again.notice, "the request is session regen1's conversation without its last answer, and asks its last message again: this answer replaces that one (as /retry would), the message is kept once");
    assert.deepEqual(sent(), [{ role: "user", text: "Question A" }], "the model is sent the question once, and not the answer it replaces");
    assert.deepEqual(await users("regen1"), ["Question A"], "the transcript shows it once");
    const saved = (await api.gateway.store.read("regen1")).entries.filter((entry) => entry.type === "user");
    assert.equal(saved.length, 2);
    assert.equal(saved[1]?.type === "user" ? saved[1].retryOf : undefined, saved[0]?.id, "kept as a resend of the first");
    // The client's history now holds the new answer (its whitespace its own): the session's, so nothing is said.
    const next = await ask("regen1", [{ role: "user", content: "  Question A\n" }, { role: "assistant", content: "answer 2\n\nto   Question A " }, { role: "user", content: "Question B" }]);
    assert.deepEqual(next, { text: "answer 3 to Question B", notice: null });
    assert.deepEqual(sent(), [{ role: "user", text: "Question A" }, { role: "assistant", text: "answer 2 to Question A" }, { role: "user", text: "Question B" }]);
    // A regenerate further on: the conversation before it must match too.
    const regenerated = await ask("regen1", [{ role: "user", content: "Question A" }, { role: "assistant", content: "answer 2 to Question A" }, { role: "user", content: "Question B" }]);
    assert.equal(regenerated.text, "answer 4 to Question B");
    assert.match(regenerated.notice ?? "", /^the request is session regen1's conversation without its last answer/);
    assert.deepEqual(sent(), [{ role: "user", text: "Question A" }, { role: "assistant", text: "answer 2 to Question A" }, { role: "user", text: "Question B" }]);
    // An edit of the last question: answered as a new message after the session's own history, and said.
    const edited = await ask("regen1", [{ role: "user", content: "Question A" }, { role: "assistant", content: "answer 2 to Question A" }, { role: "user", content: "Question B (edited)" }]);
    assert.equal(edited.text, "answer 5 to Question B (edited)");
    assert.equal(edited.notice, "the request's 2 earlier messages differ from session regen1's history (4 messages): hearth used its own — an agent keeps the conversation itself (send the new message alone; a new x-hearth-session key, or /new, starts afresh)");
    assert.deepEqual(sent().map((turn) => turn.text), ["Question A", "answer 2 to Question A", "Question B", "answer 4 to Question B", "Question B (edited)"]);
    // The common case: the new message alone — a new turn, nothing said (the same words as the last question too).
    assert.deepEqual(await ask("regen1", [{ role: "user", content: "Question B (edited)" }]), { text: "answer 6 to Question B (edited)", notice: null });
    assert.deepEqual(await users("regen1"), ["Question A", "Question B", "Question B (edited)", "Question B (edited)"]);
  });

  test("a new session sent a conversation it never had: answered from its own (empty) history, and said", async () => {
    const reply = await ask("fresh", [{ role: "system", content: "be nice" }, { role: "user", content: "first" }, { role: "assistant", content: "ok" }, { role: "user", content: "second" }]);
    assert.equal(reply.text, "answer 1 to second");
    assert.ok(reply.notice?.split("\n").includes("the request's 2 earlier messages differ from session fresh's history (no messages yet): hearth used its own — an agent keeps the conversation itself (send the new message alone; a new x-hearth-session key, or /new, starts afresh)"), String(reply.notice));
    assert.deepEqual(sent(), [{ role: "user", text: "second" }]);
  });

  test("a regenerate that fails leaves the earlier answer in place; a question resent after its failed try is sent once", async () => {
    await ask("failing", [{ role: "user", content: "Q1" }]);
    down = true;
    await assert.rejects(ask("failing", [{ role: "user", content: "Q1" }]));
    down = false;
    // The client still shows the first answer: the session's own again, nothing said.
    const next = await ask("failing", [{ role: "user", content: "Q1" }, { role: "assistant", content: "answer 1 to Q1" }, { role: "user", content: "Q2" }]);
    assert.deepEqual(next, { text: "answer 2 to Q2", notice: null });
    assert.deepEqual(sent().map((turn) => turn.text), ["Q1", "answer 1 to Q1", "Q2"]);
    // Q3 fails; the client asks it again after the same history: that try sent again, kept once, no notice.
    down = true;
    await assert.rejects(ask("failing", [{ role: "user", content: "Q1" }, { role: "assistant", content: "answer 1 to Q1" }, { role: "user", content: "Q2" }, { role: "assistant", content: "answer 2 to Q2" }, { role: "user", content: "Q3" }]));
    down = false;
    const retried = await ask("failing", [{ role: "user", content: "Q1" }, { role: "assistant", content: "answer 1 to Q1" }, { role: "user", content: "Q2" }, { role: "assistant", content: "answer 2 to Q2" }, { role: "user", content: "Q3" }]);
    assert.deepEqual(retried, { text: "answer 3 to Q3", notice: null });
    assert.deepEqual(sent().map((turn) => turn.text), ["Q1", "answer 1 to Q1", "Q2", "answer 2 to Q2", "Q3"]);
    assert.deepEqual(await users("failing"), ["Q1", "Q2", "Q3"]);
  });

  test("Responses: a regenerate of an input array, said in metadata.hearth_notice; a client's in-chat command and its answer are no turn", async () => {
    const ask = (input: OpenAI.Responses.ResponseInput): Promise<OpenAI.Responses.Response> => api.client.responses.create({ model: "hearth", input }, { headers: { "x-hearth-session": "items" } });
    /** A response's output as the client sends it back (the SDK's own replay). */
    const items = (response: OpenAI.Responses.Response): OpenAI.Responses.ResponseInputItem[] => response.output as OpenAI.Responses.ResponseInputItem[];
    const first = await ask([{ role: "user", content: "hello" }]);
    assert.equal(first.output_text, "answer 1 to hello");
    // The client shows an in-chat command's answer in its history too.
    const status = await ask([{ role: "user", content: "hello" }, ...items(first), { role: "user", content: "/help" }]);
    const next = await ask([{ role: "user", content: "hello" }, ...items(first), { role: "user", content: "/help" }, ...items(status), { role: "user", content: "more" }]);
    assert.equal(next.output_text, "answer 2 to more");
    assert.equal(next.metadata?.hearth_notice, undefined);
    const regenerated = await ask([{ role: "user", content: "hello" }, ...items(first), { role: "user", content: "/help" }, ...items(status), { role: "user", content: "more" }]);
    assert.equal(regenerated.output_text, "answer 3 to more");
    assert.match(String(regenerated.metadata?.hearth_notice), /^the request is session items's conversation without its last answer, and asks its last message again/);
    assert.deepEqual(sent().map((turn) => turn.text), ["hello", "answer 1 to hello", "more"]);
  });
});
