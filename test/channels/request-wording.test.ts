// What a bad request is told names the field and what is wrong with it (a trial found "got undefined
// undefined" for a missing field, and a text part with a number for its text blamed the part's type).
import assert from "node:assert/strict";
import { test } from "node:test";
import { chatContext, parseChatRequest } from "../../src/channels/http/openai/chat-request.js";
import { RequestProblem } from "../../src/channels/http/openai/request-problem.js";
import { parseResponsesRequest } from "../../src/channels/http/openai/responses-request.js";

/** The context a chat request makes for a model (where its messages are read, part by part). */
const chat = (body: unknown) => chatContext(parseChatRequest(body), { model: "local/m", api: "openai-completions" });

const problem = (parse: () => unknown): { message: string; param: string | undefined } => {
  try {
    parse();
  } catch (error) {
    assert.ok(error instanceof RequestProblem, String(error));
    return { message: error.message, param: error.param };
  }
  throw new Error("the request was taken");
};

test("a missing field is said to be missing, not 'undefined undefined'", () => {
  const chatSaid = problem(() => chat({ model: "m", messages: [{ role: "user" }] }));
  assert.equal(chatSaid.param, "messages[0].content");
  assert.match(chatSaid.message, /got nothing \(the field is missing\)$/);
  const responses = problem(() => parseResponsesRequest({ model: "m" }));
  assert.equal(responses.param, "input");
  assert.match(responses.message, /got nothing \(the field is missing\)$/);
  for (const said of [chatSaid.message, responses.message]) assert.doesNotMatch(said, /undefined/);
});

test("a text part whose text is not a string blames its text, not its type", () => {
  const said = problem(() => chat({ model: "m", messages: [{ role: "user", content: [{ type: "text", text: 5 }] }] }));
  assert.equal(said.param, "messages[0].content[0].text");
  assert.match(said.message, /expected a string, got number 5$/);
});

test("a body nested deeper than hearth takes is refused naming where (it broke the functions that walk it, a 503 'no model available')", () => {
  let parameters: Record<string, unknown> = { type: "string" };
  for (let depth = 0; depth < 300_000; depth++) parameters = { type: "array", items: parameters };
  const chatSaid = problem(() => parseChatRequest({ model: "m", messages: [{ role: "user", content: "hi" }], tools: [{ type: "function", function: { name: "f", parameters } }] }));
  assert.match(chatSaid.param ?? "", /^tools\[0\]\.function\.parameters(\.items)+$/);
  assert.match(chatSaid.message, /nests deeper than 64 levels of objects and arrays/);
  const responsesSaid = problem(() => parseResponsesRequest({ model: "m", input: "hi", metadata: { a: parameters } }));
  assert.match(responsesSaid.param ?? "", /^metadata\.a(\.items)+$/);
  // A real schema, nested as deep as real ones are, is taken.
  let real: Record<string, unknown> = { type: "string" };
  for (let depth = 0; depth < 20; depth++) real = { type: "object", properties: { inner: real } };
  assert.equal(parseChatRequest({ model: "m", messages: [{ role: "user", content: "hi" }], tools: [{ type: "function", function: { name: "f", parameters: real } }] }).model, "m");
});

test("a message's fields hearth does not send on (a participant's name, cache_control) are said, not dropped in silence; what a client echoes back of an answer is not", () => {
  const request = parseChatRequest({
    model: "m",
    messages: [
      { role: "user", name: "alice", content: "I like blue" },
      { role: "assistant", content: "Noted.", refusal: null, annotations: [], audio: null, reasoning_content: "thinking" },
      { role: "user", name: "bob", content: [{ type: "text", text: "who likes blue?" }], cache_control: { type: "ephemeral" } },
    ],
  });
  // A participant's name is OpenAI's own field, said apart: known, not sent on.
  assert.deepEqual(request.unknownFields, ["messages[2].cache_control"]);
  assert.deepEqual(request.namesNotSent, ["messages[0].name", "messages[2].name"]);
});
