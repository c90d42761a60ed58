// What an API client is told when another model answered than the first (agent mode's primary, or the
// model a proxy request named): the same "answered by … — <the model that failed> …" line everywhere —
// `x-hearth-notice` on a whole reply, a `: hearth:` comment in a stream, `metadata.hearth_notice` on
// Responses — and the attempts header listing the skipped attempts too. Real fake model servers on
// 127.0.0.1, the real routes, the official `openai` SDK as the client (its raw response where the
// comments are read: the SDK's parser skips them, as it should).
import assert from "node:assert/strict";
import { afterEach, describe, test } from "node:test";
import type OpenAI from "openai";
import { completionsStream } from "../fakes/openai-completions-stream.js";
import { responsesStream } from "../fakes/openai-responses-stream.js";
import { apiSetup, type ApiSetup } from "./openai-setup.js";

const attemptsOf = (response: Response): string[] => (JSON.parse(response.headers.get("x-hearth-attempts") ?? "null") as { model: string; outcome: string }[]).map((attempt) => `${attempt.model} ${attempt.outcome}`);
const noticeOf = (response: Response): string => decodeURIComponent(response.headers.get("x-hearth-notice") ?? "");
/** The `: hearth: …` comments of a stream's body. */
const commentsOf = (body: string): string[] => [...body.matchAll(/^: hearth: (.*)$/gm)].map((match) => match[1] ?? "");

const TOOLS: OpenAI.ChatCompletionTool[] = [{ type: "function", function: { name: "lookup", parameters: { type: "object", properties: {} } } }];

describe("fallback notices over the OpenAI-compatible API", () => {
  let api: ApiSetup;
  afterEach(() => api.close());

  test("agent mode: with the primary skipped (cooling down), every reply — both APIs, streamed or not — lists the skip and says the fallback", async () => {
    api = await apiSetup();
    api.local.setHandler(() => ({ kind: "json", status: 503, body: { error: { message: "down" } } }));
    api.backup.setHandler(() => ({ kind: "sse", frames: responsesStream({ text: "backup here" }) }));
    // The first turn: Local fails (and cools down), Backup answers.
    const { response: first } = await api.client.chat.completions.create({ model: "hearth", messages: [{ role: "user", content: "one" }] }).withResponse();
    assert.equal(noticeOf(first), "answered by Backup — Local (local server) overloaded");
    const calls = api.local.requests.filter((request) => request.method === "POST").length;
    const skipped = ["local/m1 skipped-cooldown", "backup/m2 ok"];
    const notice = "answered by Backup — Local (local server) skipped after failing recently";

    const { response: whole } = await api.client.chat.completions.create({ model: "hearth", messages: [{ role: "user", content: "two" }] }).withResponse();
    assert.deepEqual(attemptsOf(whole), skipped);
    assert.equal(noticeOf(whole), notice);

    const streamed = await api.client.chat.completions.create({ model: "hearth", stream: true, messages: [{ role: "user", content: "three" }] }).asResponse();
    assert.deepEqual(attemptsOf(streamed), ["local/m1 skipped-cooldown"], "a stream's headers list the attempts so far: the skipped primary too");
    const body = await streamed.text();
    assert.ok(commentsOf(body).includes(notice), body);

    const responses = await api.client.responses.create({ model: "hearth", stream: true, input: "four" }).asResponse();
    assert.deepEqual(attemptsOf(responses), ["local/m1 skipped-cooldown"]);
    const events = await responses.text();
    assert.ok(commentsOf(events).includes(notice), events);
    const completed = await api.client.responses.stream({ model: "hearth", input: "five" }).finalResponse();
    assert.equal(completed.metadata?.hearth_notice, notice);
    const { response: wholeResponses } = await api.client.responses.create({ model: "hearth", input: "six" }).withResponse();
    assert.equal(noticeOf(wholeResponses), notice);
    assert.equal(api.local.requests.filter((request) => request.method === "POST").length, calls, "the cooling primary was not called again");

    // The SDK reads such a stream as any other: the comments are skipped.
    let text = "";
    for await (const chunk of await api.client.chat.completions.create({ model: "hearth", stream: true, messages: [{ role: "user", content: "seven" }] })) text += chunk.choices[0]?.delta.content ?? "";
    assert.equal(text, "backup here");
  });

  test("proxy mode: a named model that cannot use the request's tools answers without them, said — header, comment, metadata; a tool call demanded of it is a 400, nothing sent anywhere", async () => {
    api = await apiSetup({ localExtras: "compat: { supportsTools: false }," });
    api.local.setHandler(() => ({ kind: "sse", frames: completionsStream({ text: "local here" }) }));
    api.backup.setHandler(() => ({ kind: "sse", frames: responsesStream({ text: "backup here" }) }));
    const messages: OpenAI.ChatCompletionMessageParam[] = [{ role: "user", content: "weather?" }];
    const toolsNotice = "Local cannot use tools (compat.supportsTools is false for it): it answered without the request's tools — name a model that supports tools to have them called";
    const bodies = (): Record<string, unknown>[] => api.local.requests.filter((request) => request.method === "POST").map((request) => request.body as Record<string, unknown>);

    const { data, response } = await api.client.chat.completions.create({ model: "Local", messages, tools: TOOLS }).withResponse();
    assert.equal(data.model, "local/m1");
    assert.equal(data.choices[0]?.message.content, "local here");
    assert.deepEqual(attemptsOf(response), ["local/m1 ok"]);
    assert.equal(noticeOf(response), toolsNotice);
    assert.equal(bodies().length, 1);
    assert.equal(bodies()[0]?.tools, undefined, "the named model was asked without the tools");

    const streamed = await api.client.chat.completions.create({ model: "Local", messages, tools: TOOLS, stream: true }).asResponse();
    assert.equal(noticeOf(streamed), toolsNotice, "a stream's headers say it too, once the words began (the SDK's withResponse() reads them)");
    assert.ok(commentsOf(await streamed.text()).includes(toolsNotice));

    const responsesTools = [{ type: "function" as const, name: "lookup", parameters: { type: "object", properties: {} }, strict: false }];
    const completed = await api.client.responses.stream({ model: "Local", input: "weather?", tools: responsesTools }).finalResponse();
    assert.equal(completed.metadata?.hearth_notice, toolsNotice);
    assert.equal(api.backup.requests.filter((request) => request.method === "POST").length, 0, "nothing went to the fallback for the tools");

    // A tool call demanded of it: refused, naming the fix — not moved to the fallback that could make one.
    const demanded = await fetch(`${api.url}/v1/chat/completions`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ model: "Local", messages, tools: TOOLS, tool_choice: "required" }) });
    const refused = (await demanded.json()) as { error: { code: string; message: string } };
    assert.equal(demanded.status, 400);
    assert.equal(refused.error.code, "tools_unsupported");
    assert.equal(refused.error.message, "the request's tool_choice asks for a tool call, and local/m1, the model it names, cannot use tools (compat.supportsTools is false for it): name a model that supports tools, or leave tool_choice out (local/m1 is then asked without the tools)");
    assert.equal(api.backup.requests.filter((request) => request.method === "POST").length, 0);
    assert.equal(bodies().length, 3);

    // The model named answered: nothing to say.
    const { response: own } = await api.client.chat.completions.create({ model: "Local", messages }).withResponse();
    assert.equal(own.headers.get("x-hearth-notice"), null);
    const ownStream = await api.client.chat.completions.create({ model: "Local", messages, stream: true }).asResponse();
    assert.equal(ownStream.headers.get("x-hearth-notice"), null);
    assert.deepEqual(commentsOf(await ownStream.text()), []);

    // The named model fails: the notice says how, of it.
    api.local.setHandler(() => ({ kind: "json", status: 401, body: { error: { message: "bad key" } } }));
    const { data: failedOver, response: keyRefused } = await api.client.chat.completions.create({ model: "local/m1", messages }).withResponse();
    assert.equal(failedOver.choices[0]?.message.content, "backup here");
    assert.equal(noticeOf(keyRefused), "answered by Backup — Local (local server) refused the API key");
    // Streamed, the headers go with the fallback's first words: they name it and say why, as the last comment does.
    const { data: stream, response: streamedOver } = await api.client.chat.completions.create({ model: "local/m1", messages, stream: true }).withResponse();
    assert.equal(streamedOver.headers.get("x-hearth-model"), "backup/m2");
    assert.equal(noticeOf(streamedOver), "answered by Backup — Local (local server) refused the API key");
    let streamedText = "";
    for await (const chunk of stream) streamedText += chunk.choices[0]?.delta.content ?? "";
    assert.equal(streamedText, "backup here");
    const responsesOver = await api.client.responses.create({ model: "local/m1", input: "weather?", stream: true }).asResponse();
    assert.equal(noticeOf(responsesOver), "answered by Backup — Local (local server) refused the API key");
    assert.ok(commentsOf(await responsesOver.text()).includes("answered by Backup — Local (local server) refused the API key"));
  });
});
