// t7 #10: the Response said tool_choice "auto", parallel_tool_calls true, temperature and top_p null — not what the
// request set and the upstream was sent. It echoes the request's settings, as OpenAI's does.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { responsesStream } from "../fakes/openai-responses-stream.js";
import { apiSetup, lastBody, type ApiSetup } from "./openai-setup.js";

let api: ApiSetup;
before(async () => {
  api = await apiSetup();
  api.backup.setHandler(() => ({ kind: "sse", frames: responsesStream({ text: "Sunny." }) }));
});
after(async () => {
  await api.close();
});

test("a Response echoes the request's tool_choice, parallel_tool_calls, temperature and top_p; unset ones keep OpenAI's defaults", async () => {
  const tools = [{ type: "function" as const, name: "weather", description: "the weather", parameters: { type: "object", properties: {} }, strict: false }];
  const response = await api.client.responses.create({ model: "Backup", input: "Weather?", tools, tool_choice: { type: "function", name: "weather" }, parallel_tool_calls: false, temperature: 0.4, top_p: 0.8 });
  assert.deepEqual(response.tool_choice, { type: "function", name: "weather" });
  assert.equal(response.parallel_tool_calls, false);
  assert.equal(response.temperature, 0.4);
  assert.equal(response.top_p, 0.8);
  const sent = lastBody(api.backup);
  assert.equal(sent.temperature, 0.4, "what the upstream was sent, which the response says");
  const plain = await api.client.responses.create({ model: "Backup", input: "Hi" });
  assert.equal(plain.tool_choice, "auto");
  assert.equal(plain.parallel_tool_calls, true);
  assert.equal(plain.temperature, null);
});
