// What a proxied reply says of how the answering model took the request. t7 #7: proxy mode sent a text-only model a request's image as a line saying it was left out, and told the
// client nothing (a 200 that read as if the image had been seen). The reply now says so.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { completionsStream } from "../fakes/openai-completions-stream.js";
import { responsesStream } from "../fakes/openai-responses-stream.js";
import { apiSetup, lastBody, type ApiSetup } from "./openai-setup.js";

let api: ApiSetup;
before(async () => {
  api = await apiSetup();
  api.local.setHandler(() => ({ kind: "sse", frames: completionsStream({ text: "A picture, I am told." }) }));
});
after(async () => {
  await api.close();
});

const PNG = "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==";

test("an image sent to a text-only model in proxy mode is left out and the reply says so; without images nothing is said", async () => {
  const { data, response } = await api.client.chat.completions
    .create({ model: "Local", messages: [{ role: "user", content: [{ type: "text", text: "What is in it?" }, { type: "image_url", image_url: { url: PNG } }] }] })
    .withResponse();
  assert.equal(data.choices[0]?.message.content, "A picture, I am told.");
  assert.match(decodeURIComponent(response.headers.get("x-hearth-notice") ?? ""), /Local reads text only: the request's image was left out/);
  assert.match(JSON.stringify(lastBody(api.local)), /left out: this model reads text only/);
  const plain = await api.client.chat.completions.create({ model: "Local", messages: [{ role: "user", content: "Hi" }] }).withResponse();
  assert.doesNotMatch(decodeURIComponent(plain.response.headers.get("x-hearth-notice") ?? ""), /reads text only/);
});

test("a reasoning effort asked of a model not configured to reason is said, not dropped in silence (t7 #11); of one that reasons, nothing is said", async () => {
  api.backup.setHandler(() => ({ kind: "sse", frames: responsesStream({ text: "Fine." }) }));
  const asked = await api.client.chat.completions.create({ model: "Backup", messages: [{ role: "user", content: "Hi" }], reasoning_effort: "low" }).withResponse();
  assert.match(decodeURIComponent(asked.response.headers.get("x-hearth-notice") ?? ""), /reasoning low asked: Backup is not configured to reason \(reasoning: true in its models entry\), so no reasoning effort was sent to it/);
  assert.equal("reasoning" in lastBody(api.backup), false);
  const reasons = await api.client.chat.completions.create({ model: "Local", messages: [{ role: "user", content: "Hi" }], reasoning_effort: "low" }).withResponse();
  assert.doesNotMatch(decodeURIComponent(reasons.response.headers.get("x-hearth-notice") ?? ""), /not configured to reason/);
});

test("an answer the model's context window cut below the client's max_tokens says so, as agent mode does (t9 #8); one cut at max_tokens says nothing more", async () => {
  const said = "the answer was cut off at the model's context window: the prompt (31990 tokens) and the answer (10) filled its 32000, below the reply limit (100); send fewer or shorter messages, or load the model with a larger context";
  // Local's window is 32,000 tokens: the prompt and the answer filled it, 90 tokens short of the client's limit.
  api.local.setHandler(() => ({ kind: "sse", frames: completionsStream({ text: "Whe fog out", finishReason: "length", usage: { input: 31990, output: 10 } }) }));
  const whole = await api.client.chat.completions.create({ model: "Local", messages: [{ role: "user", content: "The fox." }], max_tokens: 100 }).withResponse();
  assert.equal(whole.data.choices[0]?.finish_reason, "length");
  assert.equal(decodeURIComponent(whole.response.headers.get("x-hearth-notice") ?? ""), said);
  const streamed = await fetch(`${api.url}/v1/chat/completions`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ model: "Local", messages: [{ role: "user", content: "The fox." }], max_tokens: 100, stream: true }) });
  assert.ok((await streamed.text()).includes(`\n: hearth: ${said}\n`));
  const responses = await api.client.responses.create({ model: "Local", input: "The fox.", max_output_tokens: 100 });
  assert.equal((responses.metadata as Record<string, string> | null)?.hearth_notice, said);

  // Cut at the client's own max_tokens: finish_reason "length" says it all.
  api.local.setHandler(() => ({ kind: "sse", frames: completionsStream({ text: "Whe fog out", finishReason: "length", usage: { input: 20, output: 100 } }) }));
  const limited = await api.client.chat.completions.create({ model: "Local", messages: [{ role: "user", content: "The fox." }], max_tokens: 100 }).withResponse();
  assert.equal(limited.data.choices[0]?.finish_reason, "length");
  assert.equal(limited.response.headers.get("x-hearth-notice"), null);
});
