// What agent mode ("hearth") takes of the client's last message, on both endpoints, with the official
// `openai` SDK: an empty message is refused before anything is saved or sent (as `hearth agent`
// refuses one); images are taken as data: URLs — the refusal of a remote image URL says that, and
// following it is answered, never refused again.
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { afterEach, beforeEach, describe, test } from "node:test";
import OpenAI from "openai";
import { lastUser, scriptedModel } from "../helpers/scripted-model.js";
import { apiSetup, lastBody, type ApiSetup } from "./openai-setup.js";

/** A 1×1 PNG. */
const PNG = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==";

describe("agent mode over the OpenAI-compatible API: the message it takes", () => {
  let api: ApiSetup;
  beforeEach(async () => {
    api = await apiSetup();
    api.local.setHandler(scriptedModel("openai-completions", (turns) => ({ text: `you said ${lastUser(turns)}` })));
  });
  afterEach(() => api.close());

  const posts = (): number => api.local.requests.filter((request) => request.method === "POST").length + api.backup.requests.filter((request) => request.method === "POST").length;

  test("an empty or blank message is refused with 400 on both endpoints: nothing saved, no model called", async () => {
    const refusals: unknown[] = [];
    const session = { headers: { "x-hearth-session": "blank" } };
    for (const content of ["", "  \n\t ", "\u200B\u2060 \uFEFF", [{ type: "text" as const, text: " " }], []]) {
      refusals.push(await api.client.chat.completions.create({ model: "hearth", messages: [{ role: "user", content }] }, session).then(() => "answered", (error: unknown) => error));
      refusals.push(await api.client.chat.completions.create({ model: "hearth", stream: true, messages: [{ role: "user", content }] }, session).then(() => "answered", (error: unknown) => error));
    }
    for (const input of ["", "   ", [{ role: "user" as const, content: [{ type: "input_text" as const, text: "\n" }] }]]) {
      refusals.push(await api.client.responses.create({ model: "hearth", input }, session).then(() => "answered", (error: unknown) => error));
      refusals.push(await api.client.responses.create({ model: "hearth", input, stream: true }, session).then(() => "answered", (error: unknown) => error));
    }
    for (const refusal of refusals) {
      assert.ok(refusal instanceof OpenAI.BadRequestError, String(refusal));
      assert.match(refusal.message, /^400 (messages\[0\]\.content|input(\[0\]\.content)?): the message is empty: an agent answers the new message, which needs some text \(or an image\)/);
    }
    assert.equal(existsSync(api.gateway.store.where("blank")), false, "nothing saved");
    assert.equal(posts(), 0, "no model called");
    // Proxy mode passes the client's conversation on as it is.
    const proxied = await api.client.chat.completions.create({ model: "Local", messages: [{ role: "user", content: "" }] });
    assert.equal(proxied.choices[0]?.message.content, "you said ");
  });

  test("an image: a remote URL is refused saying what is taken; a data: URL is then taken, as WhatsApp's images are", async () => {
    const session = { headers: { "x-hearth-session": "pictures" } };
    const remote = await api.client.chat.completions
      .create({ model: "hearth", messages: [{ role: "user", content: [{ type: "text", text: "what is this?" }, { type: "image_url", image_url: { url: "http://127.0.0.1:9/cat.png" } }] }] }, session)
      .then(() => "answered", (error: unknown) => error);
    assert.ok(remote instanceof OpenAI.BadRequestError);
    assert.match(remote.message, /messages\[0\]\.content\[1\]\.image_url\.url: hearth takes images as data: URLs \(data:image\/png;base64,…\)/);
    assert.equal(posts(), 0);

    // A data: URL that holds no base64 is refused too (in agent and proxy mode alike), never sent on as a broken image.
    for (const [model, url] of [["hearth", "data:image/png;base64,@@@notbase64"], ["hearth", "data:image/png;base64,"], ["hearth", "data:image/png;base64,abcde"]] as const) {
      const broken = await api.client.chat.completions
        .create({ model, messages: [{ role: "user", content: [{ type: "text", text: "what is this?" }, { type: "image_url", image_url: { url } }] }] }, session)
        .then(() => "answered", (error: unknown) => error);
      assert.ok(broken instanceof OpenAI.BadRequestError, `${url}: ${String(broken)}`);
      assert.match(broken.message, /messages\[0\]\.content\[1\]\.image_url\.url: the image's data: URL does not hold base64 data/);
    }
    assert.equal(posts(), 0);

    const chat = await api.client.chat.completions.create({ model: "hearth", messages: [{ role: "user", content: [{ type: "text", text: "what is this?" }, { type: "image_url", image_url: { url: `data:image/png;base64,${PNG}` } }] }] }, session);
    // local/m1 reads text only: the agent tells it an image came (the session keeps the image for a model that reads them).
    assert.equal(chat.choices[0]?.message.content, "you said what is this?[image (image/png) left out: this model reads text only]");
    assert.equal(lastBody(api.local).model, "m1");
    const saved = await api.gateway.store.read("pictures");
    assert.ok(JSON.stringify(saved).includes(PNG), "the image is kept with the message");

    const responses = await api.client.responses.create({ model: "hearth", input: [{ role: "user", content: [{ type: "input_image", image_url: `data:image/png;base64,${PNG}`, detail: "auto" }] }] }, session);
    assert.equal(responses.status, "completed", "an image alone is a message");
  });
});
