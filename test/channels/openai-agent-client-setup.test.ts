// Agent mode ("hearth") answers with its own system prompt and tools: a client's `instructions`,
// `system`/`developer` messages and `tools` are refused with a 400 naming the field (t1 finding 7),
// on both endpoints, streaming or not, with the official `openai` SDK — never dropped without a word.
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { afterEach, beforeEach, describe, test } from "node:test";
import OpenAI from "openai";
import { lastUser, scriptedModel } from "../helpers/scripted-model.js";
import { apiSetup, type ApiSetup } from "./openai-setup.js";

const TOOL = { type: "function" as const, function: { name: "my_tool", description: "the client's tool", parameters: { type: "object", properties: {} } } };
const RESPONSES_TOOL = { type: "function" as const, name: "my_tool", description: "the client's tool", parameters: { type: "object", properties: {} }, strict: false };

describe("agent mode refuses the client's own instructions and tools, by name", () => {
  let api: ApiSetup;
  beforeEach(async () => {
    api = await apiSetup();
    api.local.setHandler(scriptedModel("openai-completions", (turns) => ({ text: `you said ${lastUser(turns)}` })));
  });
  afterEach(() => api.close());

  const posts = (): number => api.local.requests.filter((request) => request.method === "POST").length + api.backup.requests.filter((request) => request.method === "POST").length;
  const session = { headers: { "x-hearth-session": "setup" } };
  const refusal = (work: Promise<unknown>): Promise<unknown> => work.then(() => "answered", (error: unknown) => error);

  test("Chat Completions: a system or developer message, and tools, streaming or not", async () => {
    for (const stream of [false, true]) {
      const system = await refusal(api.client.chat.completions.create({ model: "hearth", stream, messages: [{ role: "system", content: "You are a pirate PIRATE2" }, { role: "user", content: "hi" }] }, session));
      assert.ok(system instanceof OpenAI.BadRequestError, String(system));
      assert.equal(system.message, "400 messages[0]: an agent answers with its own system prompt (its config's), so it takes no system message; leave it out, or name a model (proxy mode, GET /v1/models) to send your own");
      assert.equal(system.param, "messages[0].role");
      const developer = await refusal(api.client.chat.completions.create({ model: "hearth", stream, messages: [{ role: "user", content: "hi" }, { role: "developer", content: "be brief" }, { role: "user", content: "again" }] }, session));
      assert.ok(developer instanceof OpenAI.BadRequestError);
      assert.match(developer.message, /^400 messages\[1\]: .* so it takes no developer message;/);
      const tools = await refusal(api.client.chat.completions.create({ model: "hearth", stream, tools: [TOOL], messages: [{ role: "user", content: "hi" }] }, session));
      assert.ok(tools instanceof OpenAI.BadRequestError);
      assert.equal(tools.message, "400 tools: an agent runs its own tools and cannot hand a tool call back to the client, so it takes no tools; leave them out, or name a model (proxy mode, GET /v1/models) to send your own");
      assert.equal(tools.code, "unsupported_parameter");
    }
    assert.equal(posts(), 0, "no model called");
    assert.equal(existsSync(api.gateway.store.where("setup")), false, "nothing saved");
    // tool_choice "none" offers the tools to no model: nothing is lost, the agent answers.
    const none = await api.client.chat.completions.create({ model: "hearth", tools: [TOOL], tool_choice: "none", messages: [{ role: "user", content: "hi" }] }, session);
    assert.equal(none.choices[0]?.message.content, "you said hi");
    // Proxy mode carries them.
    const proxied = await api.client.chat.completions.create({ model: "Local", messages: [{ role: "system", content: "PIRATE2" }, { role: "user", content: "hi" }] });
    assert.equal(proxied.choices[0]?.message.content, "you said hi");
    assert.match(JSON.stringify(api.local.requests.at(-1)?.body), /PIRATE2/);
  });

  test("Responses: instructions, a system input item, and tools, streaming or not", async () => {
    for (const stream of [false, true]) {
      const instructions = await refusal(api.client.responses.create({ model: "hearth", stream, instructions: "You are a pirate PIRATE1", input: "hi" }, session));
      assert.ok(instructions instanceof OpenAI.BadRequestError, String(instructions));
      assert.equal(instructions.message, "400 instructions: an agent answers with its own system prompt (its config's), so it takes no instructions; leave them out, or name a model (proxy mode, GET /v1/models) to send your own");
      assert.equal(instructions.param, "instructions");
      const system = await refusal(api.client.responses.create({ model: "hearth", stream, input: [{ role: "system", content: "PIRATE1" }, { role: "user", content: "hi" }] }, session));
      assert.ok(system instanceof OpenAI.BadRequestError);
      assert.match(system.message, /^400 input\[0\]: .* so it takes no system message;/);
      const tools = await refusal(api.client.responses.create({ model: "hearth", stream, tools: [RESPONSES_TOOL], input: "hi" }, session));
      assert.ok(tools instanceof OpenAI.BadRequestError);
      assert.match(tools.message, /^400 tools: an agent runs its own tools and cannot hand a tool call back to the client/);
    }
    assert.equal(posts(), 0, "no model called");
    const plain = await api.client.responses.create({ model: "hearth", input: "hi" }, session);
    assert.equal(plain.output_text, "you said hi");
  });
});
