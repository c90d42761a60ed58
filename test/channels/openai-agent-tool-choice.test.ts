// Agent mode and the client's `tool_choice` (t7-agent #3): an agent chooses among its own tools, so what
// it cannot honour is refused, or said, in words that name the field and what the agent does instead —
// not proxy mode's words about the request's tools. Through the gateway, with the official `openai` SDK.
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { afterEach, beforeEach, describe, test } from "node:test";
import OpenAI from "openai";
import { lastUser, scriptedModel } from "../helpers/scripted-model.js";
import { apiSetup, type ApiSetup } from "./openai-setup.js";

const TOOL = { type: "function" as const, function: { name: "my_tool", parameters: { type: "object", properties: {} } } };
const REFUSED = /^400 tool_choice: an agent decides itself which of its own tools to call \(run by hearth; no tool call goes back to the client\), so it takes "auto" or "none", not (.+); leave it out, or name a model \(proxy mode, GET \/v1\/models\) to choose among your own tools$/;

describe("agent mode: tool_choice, in words true of an agent", () => {
  let api: ApiSetup;
  beforeEach(async () => {
    api = await apiSetup();
    api.local.setHandler(scriptedModel("openai-completions", (turns) => ({ text: `you said ${lastUser(turns)}` })));
  });
  afterEach(() => api.close());

  const session = { headers: { "x-hearth-session": "choice" } };
  const posts = (): number => api.local.requests.filter((request) => request.method === "POST").length;
  const refusal = (work: Promise<unknown>): Promise<unknown> => work.then(() => "answered", (error: unknown) => error);

  test('"required", a function (one of the agent\'s own tools too) or another choice: a 400 naming tool_choice and what it got, on both endpoints, streaming or not; nothing saved, no model called', async () => {
    const chat = [
      ["required", '"required"'],
      [{ type: "function", function: { name: "time" } }, 'a function to call \\("time"\\)'],
      ["sometimes", 'the string "sometimes"'],
    ] as const;
    for (const stream of [false, true]) {
      for (const [choice, words] of chat) {
        const error = await refusal(api.client.chat.completions.create({ model: "hearth", stream, messages: [{ role: "user", content: "hi" }], tool_choice: choice as OpenAI.ChatCompletionToolChoiceOption }, session));
        assert.ok(error instanceof OpenAI.BadRequestError, String(error));
        assert.match(error.message, REFUSED);
        assert.match(error.message, new RegExp(`, not ${words};`));
        assert.equal(error.param, "tool_choice");
        assert.equal(error.code, "unsupported_parameter");
      }
      const named = await refusal(api.client.responses.create({ model: "hearth", stream, input: "hi", tool_choice: { type: "function", name: "web_fetch" } }, session));
      assert.ok(named instanceof OpenAI.BadRequestError, String(named));
      assert.match(named.message, REFUSED);
      assert.match(named.message, /, not a function to call \("web_fetch"\);/);
      const allowed = await refusal(api.client.responses.create({ model: "hearth", stream, input: "hi", tool_choice: { type: "allowed_tools", mode: "auto", tools: [] } }, session));
      assert.ok(allowed instanceof OpenAI.BadRequestError, String(allowed));
      assert.match(allowed.message, /, not a choice of type "allowed_tools";/);
    }
    assert.equal(posts(), 0, "no model called");
    assert.equal(existsSync(api.gateway.store.where("choice")), false, "nothing saved");
  });

  test("the request's tools with a tool_choice, or with parallel_tool_calls: false, are refused naming tools (what the others only mean something with)", async () => {
    const withTools = [
      { tool_choice: "required" as const },
      { tool_choice: { type: "function" as const, function: { name: "my_tool" } } },
      { parallel_tool_calls: false },
    ];
    for (const fields of withTools) {
      const error = await refusal(api.client.chat.completions.create({ model: "hearth", messages: [{ role: "user", content: "hi" }], tools: [TOOL], ...fields }, session));
      assert.ok(error instanceof OpenAI.BadRequestError, String(error));
      assert.equal(error.param, "tools", JSON.stringify(fields));
      assert.match(error.message, /^400 tools: an agent runs its own tools and cannot hand a tool call back to the client/);
    }
    assert.equal(posts(), 0);
  });

  test('"none" is answered, and the reply says it keeps the request\'s tools from the models, not the agent from its own', async () => {
    const note = 'tool_choice "none" applies to the request\'s own tools (they go to no model), not to the agent\'s: it still calls its own tools (run by hearth) as it needs them; name a model (proxy mode) for a reply that calls none';
    const { data, response } = await api.client.chat.completions.create({ model: "hearth", messages: [{ role: "user", content: "hi" }], tools: [TOOL], tool_choice: "none" }, session).withResponse();
    assert.equal(data.choices[0]?.message.content, "you said hi");
    assert.equal(decodeURIComponent(response.headers.get("x-hearth-notice") ?? ""), note);
    const streamed = await api.client.responses.stream({ model: "hearth", input: "again", tool_choice: "none" }, session).finalResponse();
    assert.equal(streamed.output_text, "you said again");
    assert.equal(streamed.metadata?.hearth_notice, note);
    // "auto" is what an agent does: nothing to say.
    const { response: auto } = await api.client.chat.completions.create({ model: "hearth", messages: [{ role: "user", content: "once more" }], tool_choice: "auto" }, session).withResponse();
    assert.equal(auto.headers.get("x-hearth-notice"), null);
    // Proxy mode carries "required" to the model, as before.
    await api.client.chat.completions.create({ model: "Local", messages: [{ role: "user", content: "hi" }], tools: [TOOL], tool_choice: "required" });
    assert.equal((api.local.requests.at(-1)?.body as { tool_choice?: unknown }).tool_choice, "required");
  });
});
