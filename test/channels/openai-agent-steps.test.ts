// A turn whose model writes words, calls a tool, then writes more: every front end that shows the
// whole answer shows every word, in the order the stream showed them (the official `openai` SDK as the client).
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { WORDS_AROUND_A_TOOL as WHOLE, wordsAroundATool } from "../helpers/words-around-a-tool.js";
import { apiSetup, type ApiSetup } from "./openai-setup.js";

describe("agent mode: the words a model wrote before its tool call are part of the answer", () => {
  let api: ApiSetup;
  before(async () => {
    api = await apiSetup();
    api.local.setHandler(wordsAroundATool);
  });
  after(async () => api.close());
  const headers = (session: string) => ({ headers: { "x-hearth-session": session } });

  test("chat completions, streamed and whole: the same text", async () => {
    let streamed = "";
    for await (const chunk of await api.client.chat.completions.create({ model: "hearth", messages: [{ role: "user", content: "go" }], stream: true }, headers("steps-chat-stream"))) {
      streamed += chunk.choices[0]?.delta?.content ?? "";
    }
    assert.equal(streamed, WHOLE);
    const whole = await api.client.chat.completions.create({ model: "hearth", messages: [{ role: "user", content: "go" }] }, headers("steps-chat"));
    assert.equal(whole.choices[0]?.message.content, WHOLE);
  });

  test("responses, streamed and whole: the same text", async () => {
    let streamed = "";
    let completed = "";
    for await (const event of await api.client.responses.create({ model: "hearth", input: "go", stream: true }, headers("steps-responses-stream"))) {
      if (event.type === "response.output_text.delta") streamed += event.delta;
      // The final event's output holds the whole message (some clients read only that).
      if (event.type === "response.completed") completed = event.response.output.flatMap((item) => (item.type === "message" ? item.content.map((part) => (part.type === "output_text" ? part.text : "")) : [])).join("");
    }
    assert.equal(streamed, WHOLE);
    assert.equal(completed, WHOLE);
    const whole = await api.client.responses.create({ model: "hearth", input: "go" }, headers("steps-responses"));
    assert.equal(whole.output_text, WHOLE);
  });

  test("the transcript a reloaded page shows: one answer with both parts, as streamed", async () => {
    await api.client.chat.completions.create({ model: "hearth", messages: [{ role: "user", content: "go" }] }, headers("steps-transcript"));
    const items = await api.gateway.port.sessions().transcript("steps-transcript");
    assert.deepEqual(items.map((item) => [item.role, item.text]), [["user", "go"], ["assistant", WHOLE]]);
  });
});
