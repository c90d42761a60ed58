import assert from "node:assert/strict";
import { afterEach, beforeEach, describe, test } from "node:test";
import OpenAI from "openai";
import { completionsStream } from "../fakes/openai-completions-stream.js";
import { responsesStream } from "../fakes/openai-responses-stream.js";
import { apiSetup, lastBody, withEncryptedReasoning, type ApiSetup } from "./openai-setup.js";

describe("OpenAI-compatible API, proxy mode (a model ref or alias), with the official SDK", () => {
  // A fresh gateway for each test: cooldowns a failing server leaves must not steer the next test.
  let api: ApiSetup;
  beforeEach(async () => {
    api = await apiSetup();
  });
  afterEach(() => api.close());

  test("models.list names the agents first, then every ref and alias", async () => {
    const ids: string[] = [];
    for await (const model of api.client.models.list()) ids.push(model.id);
    assert.deepEqual(ids, ["hearth", "hearth/helper", "local/m1", "Local", "backup/m2", "Backup"]);
    assert.equal((await api.client.models.retrieve("backup/m2")).owned_by, "backup");
    await assert.rejects(api.client.models.retrieve("backup/none"), OpenAI.NotFoundError);
  });

  test("chat: the client's messages and tools pass through; reasoning is split from the text; usage and the model come back", async () => {
    api.local.setHandler(() => ({ kind: "sse", frames: completionsStream({ text: "Hello there", reasoning: "the user greets me", usage: { input: 30, output: 7, cached: 4, reasoning: 3 } }) }));
    const { data, response } = await api.client.chat.completions
      .create({
        model: "Local",
        user: "ann",
        messages: [
          { role: "system", content: "Be brief." },
          { role: "user", content: "Hi" },
        ],
        tools: [{ type: "function", function: { name: "lookup", description: "look a word up", parameters: { type: "object", properties: { word: { type: "string" } } } } }],
      })
      .withResponse();
    const message = data.choices[0]?.message as OpenAI.ChatCompletionMessage & { reasoning_content?: string };
    assert.equal(message.content, "Hello there");
    assert.equal(message.reasoning_content, "the user greets me");
    assert.equal(data.model, "local/m1");
    assert.equal(data.choices[0]?.finish_reason, "stop");
    assert.deepEqual({ prompt: data.usage?.prompt_tokens, completion: data.usage?.completion_tokens, cached: data.usage?.prompt_tokens_details?.cached_tokens }, { prompt: 30, completion: 7, cached: 4 });
    assert.equal(response.headers.get("x-hearth-model"), "local/m1");
    assert.deepEqual(JSON.parse(response.headers.get("x-hearth-attempts") ?? "null").map((attempt: { model: string; outcome: string }) => `${attempt.model} ${attempt.outcome}`), ["local/m1 ok"]);
    const sent = lastBody(api.local) as { model: string; messages: { role: string; content: string }[]; tools: { function: { name: string } }[] };
    assert.equal(sent.model, "m1");
    assert.deepEqual(sent.messages.map((entry) => `${entry.role}: ${entry.content}`), ["system: Be brief.", "user: Hi"]);
    assert.deepEqual(sent.tools.map((tool) => tool.function.name), ["lookup"]);
    assert.deepEqual(api.gateway.proxied.at(-1), { model: "local/m1", stickyKey: "ann", canRestart: true }, "the alias became its ref; the user keeps one replica");
    assert.deepEqual(await api.gateway.store.keys(), [], "proxy mode writes no session");
  });

  test("chat streaming: the local server fails, the fallback answers; the last chunk and the headers say so", async () => {
    api.local.setHandler(() => ({ kind: "json", status: 503, body: { error: { message: "overloaded" } } }));
    api.backup.setHandler(() => ({ kind: "sse", frames: responsesStream({ text: "From the backup", usage: { input: 12, output: 4 } }) }));
    const { data: stream, response } = await api.client.chat.completions.create({ model: "local/m1", messages: [{ role: "user", content: "Hi" }], stream: true, stream_options: { include_usage: true } }).withResponse();
    let text = "";
    const models: string[] = [];
    let usage: OpenAI.CompletionUsage | undefined;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? "";
      if (chunk.choices[0]?.delta.role) models.push(chunk.model);
      if (chunk.choices[0]?.finish_reason) models.push(chunk.model);
      if (chunk.usage) usage = chunk.usage;
    }
    assert.equal(text, "From the backup");
    assert.deepEqual(models, ["backup/m2", "backup/m2"], "the first chunk and the finish chunk name the model answering");
    assert.equal(usage?.completion_tokens, 4);
    assert.equal(response.headers.get("x-hearth-model"), "backup/m2");
    const attempts = JSON.parse(response.headers.get("x-hearth-attempts") ?? "[]") as { model: string; outcome: string }[];
    assert.deepEqual(attempts.map((attempt) => `${attempt.model} ${attempt.outcome}`), ["local/m1 overloaded"]);
    assert.equal(api.gateway.proxied.at(-1)?.canRestart, false);
  });

  test("a tool call goes back to the client, and its result round-trips to the model (chat)", async () => {
    api.local.setHandler((request) => {
      const messages = (request.body as { messages: { role: string }[] }).messages;
      if (messages.at(-1)?.role === "tool") return { kind: "sse", frames: completionsStream({ text: "It means a small house." }) };
      return { kind: "sse", frames: completionsStream({ toolCalls: [{ id: "call_7", name: "lookup", arguments: '{"word":"cottage"}' }] }) };
    });
    const tools: OpenAI.ChatCompletionTool[] = [{ type: "function", function: { name: "lookup", parameters: { type: "object", properties: { word: { type: "string" } } } } }];
    const question: OpenAI.ChatCompletionMessageParam = { role: "user", content: "What is a cottage?" };
    // The SDK's stream helper accumulates the chunks into the same completion a non-streaming call gives.
    const streamed = await api.client.chat.completions.stream({ model: "Local", messages: [question], tools }).finalChatCompletion();
    assert.deepEqual(streamed.choices[0]?.message.tool_calls?.map((entry) => entry.type === "function" && [entry.id, entry.function.name, entry.function.arguments]), [["call_7", "lookup", '{"word":"cottage"}']]);
    const first = await api.client.chat.completions.create({ model: "Local", messages: [question], tools });
    const call = first.choices[0]?.message.tool_calls?.[0];
    assert.equal(first.choices[0]?.finish_reason, "tool_calls");
    assert.ok(call && call.type === "function");
    assert.deepEqual({ id: call.id, name: call.function.name, arguments: JSON.parse(call.function.arguments) }, { id: "call_7", name: "lookup", arguments: { word: "cottage" } });
    const stream = await api.client.chat.completions.create({
      model: "Local",
      stream: true,
      tools,
      messages: [question, first.choices[0]?.message as OpenAI.ChatCompletionMessageParam, { role: "tool", tool_call_id: "call_7", content: "a small house" }],
    });
    let text = "";
    for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? "";
    assert.equal(text, "It means a small house.");
    const sent = lastBody(api.local) as { messages: { role: string; tool_call_id?: string; content: unknown; tool_calls?: { id: string }[] }[] };
    assert.deepEqual(sent.messages.map((entry) => entry.role), ["user", "assistant", "tool"]);
    assert.equal(sent.messages[1]?.tool_calls?.[0]?.id, "call_7");
    assert.deepEqual({ id: sent.messages[2]?.tool_call_id, content: sent.messages[2]?.content }, { id: "call_7", content: "a small house" });
  });

  test("a tool call round-trips through /v1/responses, streaming", async () => {
    api.backup.setHandler((request) => {
      const input = (request.body as { input: { type?: string }[] }).input;
      if (input.at(-1)?.type === "function_call_output") return { kind: "sse", frames: responsesStream({ text: "Sunny, 21 degrees." }) };
      return { kind: "sse", frames: responsesStream({ toolCalls: [{ callId: "call_w", name: "weather", arguments: '{"city":"Oslo"}' }] }) };
    });
    const tools: OpenAI.Responses.Tool[] = [{ type: "function", name: "weather", parameters: { type: "object", properties: { city: { type: "string" } } }, strict: false }];
    const stream = api.client.responses.stream({ model: "Backup", input: "Weather in Oslo?", tools });
    const deltas: string[] = [];
    stream.on("response.function_call_arguments.delta", (event) => deltas.push(event.delta));
    const first = await stream.finalResponse();
    const call = first.output.find((item) => item.type === "function_call");
    assert.ok(call && call.type === "function_call");
    assert.deepEqual({ call: call.call_id, name: call.name, arguments: call.arguments }, { call: "call_w", name: "weather", arguments: '{"city":"Oslo"}' });
    assert.equal(deltas.join(""), '{"city":"Oslo"}');
    // The response echoes the request's tools, as OpenAI's does.
    assert.deepEqual(first.tools.map((tool) => (tool.type === "function" ? [tool.name, tool.parameters] : [tool.type])), [["weather", { type: "object", properties: { city: { type: "string" } } }]]);
    const second = await api.client.responses.create({ model: "Backup", tools, input: [{ role: "user", content: "Weather in Oslo?" }, call, { type: "function_call_output", call_id: "call_w", output: "sunny, 21" }] });
    assert.equal(second.output_text, "Sunny, 21 degrees.");
    const sent = lastBody(api.backup) as { input: Record<string, unknown>[] };
    assert.deepEqual(sent.input.map((item) => item.type ?? item.role), ["message", "function_call", "function_call_output"]);
    assert.equal(sent.input[2]?.output, "sunny, 21");
  });

  test("responses: reasoning as a reasoning item, the text as a message, usage, and the model that answered", async () => {
    api.local.setHandler(() => ({ kind: "sse", frames: completionsStream({ text: "Paris.", reasoning: "capital of France", usage: { input: 20, output: 5 } }) }));
    const { data, response } = await api.client.responses.create({ model: "Local", instructions: "Answer in one word.", input: "Capital of France?" }).withResponse();
    assert.equal(data.output_text, "Paris.");
    assert.deepEqual(data.output.map((item) => item.type), ["reasoning", "message"]);
    const reasoning = data.output[0];
    assert.ok(reasoning?.type === "reasoning");
    assert.equal(reasoning.content?.[0]?.text, "capital of France");
    assert.equal(data.model, "local/m1");
    assert.equal(data.status, "completed");
    assert.deepEqual({ input: data.usage?.input_tokens, output: data.usage?.output_tokens }, { input: 20, output: 5 });
    assert.equal(response.headers.get("x-hearth-model"), "local/m1");
    const sent = lastBody(api.local) as { messages: { role: string; content: string }[] };
    assert.deepEqual(sent.messages.map((entry) => `${entry.role}: ${entry.content}`), ["system: Answer in one word.", "user: Capital of France?"]);
  });

  test("responses streaming is complete, event for event, and the final event holds the whole output", async () => {
    api.local.setHandler(() => ({ kind: "sse", frames: completionsStream({ text: "Blue, mostly.", reasoning: "sky colour", chunkSize: 4 }) }));
    const stream = await api.client.responses.create({ model: "Local", input: "Sky colour?", stream: true });
    const events: OpenAI.Responses.ResponseStreamEvent[] = [];
    for await (const event of stream) events.push(event);
    const types = events.map((event) => event.type).filter((type, index, all) => !(type.endsWith(".delta") && all[index - 1] === type));
    assert.deepEqual(types, [
      "response.created",
      "response.in_progress",
      "response.output_item.added",
      "response.content_part.added",
      "response.reasoning_text.delta",
      "response.reasoning_text.done",
      "response.content_part.done",
      "response.output_item.done",
      "response.output_item.added",
      "response.content_part.added",
      "response.output_text.delta",
      "response.output_text.done",
      "response.content_part.done",
      "response.output_item.done",
      "response.completed",
    ]);
    assert.deepEqual(events.map((event) => event.sequence_number), events.map((_, index) => index));
    const text = events.flatMap((event) => (event.type === "response.output_text.delta" ? [event.delta] : [])).join("");
    assert.equal(text, "Blue, mostly.");
    const completed = events.at(-1);
    assert.ok(completed?.type === "response.completed");
    assert.equal(completed.response.model, "local/m1");
    assert.equal(completed.response.metadata?.hearth_model, "local/m1");
    const message = completed.response.output.find((item) => item.type === "message");
    assert.ok(message?.type === "message");
    assert.deepEqual(message.content.map((part) => (part.type === "output_text" ? part.text : "")), ["Blue, mostly."]);
    assert.ok((completed.response.usage?.output_tokens ?? 0) > 0);

    const helper = api.client.responses.stream({ model: "Local", input: "Sky colour?" });
    const final = await helper.finalResponse();
    assert.equal(final.output_text, "Blue, mostly.");
  });

  test("replayed reasoning: hearth's own encrypted reasoning goes back to the provider that made it, and nowhere else", async () => {
    api.backup.setHandler(() => ({ kind: "sse", frames: withEncryptedReasoning(responsesStream({ reasoning: "weighing it", text: "Done." }), "ENC-FROM-BACKUP") }));
    const first = await api.client.responses.create({ model: "Backup", input: "Decide.", include: ["reasoning.encrypted_content"] });
    const encrypted = first.output.find((item) => item.type === "reasoning" && item.encrypted_content);
    assert.ok(encrypted && encrypted.type === "reasoning");
    assert.match(encrypted.encrypted_content ?? "", /^hearth1\./);
    const replay: OpenAI.Responses.ResponseInput = [
      { role: "user", content: "Decide." },
      ...(first.output as OpenAI.Responses.ResponseInputItem[]),
      // A reasoning item without an id, encrypted by some other server: clients replay such items.
      { type: "reasoning", summary: [], encrypted_content: "gAAAA-from-some-other-server" } as unknown as OpenAI.Responses.ResponseInputItem,
      { role: "user", content: "Again." },
    ];
    api.backup.setHandler(() => ({ kind: "sse", frames: responsesStream({ text: "Again done." }) }));
    await api.client.responses.create({ model: "Backup", input: replay });
    const toBackup = lastBody(api.backup) as { input: Record<string, unknown>[] };
    const reasoningItems = toBackup.input.filter((item) => item.type === "reasoning");
    assert.deepEqual(reasoningItems.map((item) => item.encrypted_content), ["ENC-FROM-BACKUP"]);

    api.local.setHandler(() => ({ kind: "sse", frames: completionsStream({ text: "Local too." }) }));
    await api.client.responses.create({ model: "Local", input: replay });
    const toLocal = JSON.stringify(lastBody(api.local));
    assert.ok(!toLocal.includes("ENC-FROM-BACKUP") && !toLocal.includes("gAAAA"), toLocal);
  });

  test("the chain of a named model is it, then the agent's fallbacks: never the agent's primary, which the config names no stand-in", async () => {
    // The agent: primary local/m1, fallbacks [backup/m2]. A client names the fallback, and it fails.
    api.local.setHandler(() => ({ kind: "sse", frames: completionsStream({ text: "From the primary" }) }));
    api.backup.setHandler(() => ({ kind: "json", status: 503, body: { error: { message: "down" } } }));
    await assert.rejects(api.client.chat.completions.create({ model: "Backup", messages: [{ role: "user", content: "Hi" }] }), (error: unknown) => {
      assert.ok(error instanceof OpenAI.InternalServerError, String(error));
      const attempts = (error.error as { attempts?: { model: string; outcome: string }[] }).attempts ?? [];
      assert.deepEqual(attempts.map((attempt) => attempt.model), ["backup/m2"], "the primary is not tried");
      return true;
    });
    assert.equal(api.local.requests.filter((request) => request.method === "POST").length, 0, "the primary's server got no request");
  });

  test("errors: an unknown model is a 404 naming the choices; a bad body a 400; every model down a 503 with the attempts", async () => {
    await assert.rejects(api.client.chat.completions.create({ model: "nope/none", messages: [{ role: "user", content: "x" }] }), (error: unknown) => {
      assert.ok(error instanceof OpenAI.NotFoundError);
      assert.equal(error.status, 404);
      assert.match(error.message, /"nope\/none" is not an agent or a model hearth serves; choose one of "hearth", "hearth\/helper", "local\/m1", "Local"/);
      return true;
    });
    // t16 #3: the id the server knows the model by (what a client pointed at that server before sends) names its ref.
    await assert.rejects(api.client.chat.completions.create({ model: "M1", messages: [{ role: "user", content: "x" }] }), (error: unknown) => {
      assert.ok(error instanceof OpenAI.NotFoundError);
      assert.match(error.message, /^404 model "M1" is the id local\/m1 sends to its server, not a name of hearth's: name local\/m1 \(or its alias Local\); choose one of "hearth"/);
      return true;
    });
    await assert.rejects(api.client.chat.completions.create({ model: "Local", messages: [] }), (error: unknown) => {
      assert.ok(error instanceof OpenAI.BadRequestError);
      assert.match(error.message, /messages: required/);
      return true;
    });
    await assert.rejects(api.client.responses.create({ model: "Local", input: [{ type: "item_reference", id: "msg_1" }] }), (error: unknown) => {
      assert.ok(error instanceof OpenAI.BadRequestError);
      assert.match(error.message, /hearth stores no responses/);
      return true;
    });
    api.local.setHandler(() => ({ kind: "json", status: 503, body: { error: { message: "down" } } }));
    api.backup.setHandler(() => ({ kind: "json", status: 503, body: { error: { message: "down too" } } }));
    for (const stream of [false, true]) {
      await assert.rejects(api.client.responses.create({ model: "Local", input: "Hi", stream }), (error: unknown) => {
        assert.ok(error instanceof OpenAI.InternalServerError, String(error));
        assert.equal(error.status, 503);
        assert.match(error.message, /no model could answer/);
        const attempts = (error.error as { attempts?: { model: string; outcome: string }[] }).attempts ?? [];
        assert.deepEqual(attempts.map((attempt) => attempt.model), ["local/m1", "backup/m2"]);
        assert.ok(error.headers.get("x-hearth-attempts")?.includes("backup/m2"));
        return true;
      });
    }
  });

  test("a failure after the stream began ends it with an error the SDK raises (chat) and response.failed (responses)", async () => {
    api.local.setHandler(() => ({ kind: "sse", frames: completionsStream({ text: "Partial answer that breaks" }).slice(0, 3), after: "reset" }));
    api.backup.setHandler(() => ({ kind: "json", status: 503, body: { error: { message: "down" } } }));
    const stream = await api.client.chat.completions.create({ model: "Local", messages: [{ role: "user", content: "Hi" }], stream: true });
    let text = "";
    await assert.rejects(
      (async () => {
        for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? "";
      })(),
      (error: unknown) => error instanceof OpenAI.APIError && /stream|broke|ended|reset/i.test(error.message),
    );
    assert.ok(text.length > 0);
    // The local model now cools down; the backup breaks the same way, mid-answer.
    api.backup.setHandler(() => ({ kind: "sse", frames: responsesStream({ text: "Another partial answer that breaks" }).slice(0, 5), after: "reset" }));
    const events: string[] = [];
    for await (const event of await api.client.responses.create({ model: "Local", input: "Hi", stream: true })) events.push(event.type);
    assert.equal(events.at(-1), "response.failed");
  });

  test("a stream whose first token is slow starts anyway (headers, then the error the API's way when no model answers)", async () => {
    await api.close();
    api = await apiSetup({ headersWaitMs: 1 });
    // Each server answers long after the 1 ms the headers wait (timers of one process fire in order).
    api.local.setHandler(() => ({ kind: "json", status: 503, delayMs: 200, body: { error: { message: "still down" } } }));
    api.backup.setHandler(() => ({ kind: "json", status: 503, delayMs: 200, body: { error: { message: "down" } } }));
    const { data: stream, response } = await api.client.chat.completions.create({ model: "Local", messages: [{ role: "user", content: "Hi" }], stream: true }).withResponse();
    assert.equal(response.status, 200);
    await assert.rejects(
      (async () => {
        for await (const chunk of stream) assert.equal(chunk.choices[0]?.delta.content ?? "", "");
      })(),
      (error: unknown) => error instanceof OpenAI.APIError && /no model could answer: local\/m1: overloaded — POST \/v1\/chat\/completions answered 503: still down/.test(error.message),
    );
    const events: OpenAI.Responses.ResponseStreamEvent[] = [];
    for await (const event of await api.client.responses.create({ model: "Local", input: "Hi", stream: true })) events.push(event);
    assert.deepEqual(events.map((event) => event.type), ["response.created", "response.in_progress", "response.failed"]);
    const failed = events.at(-1);
    assert.ok(failed?.type === "response.failed");
    assert.match(failed.response.error?.message ?? "", /no model could answer/);
    assert.match(failed.response.error?.message ?? "", /backup\/m2: overloaded — POST \/v1\/responses answered 503: down/, "each model's cause in the final event");
  });
  test("a stream quiet between tokens carries ': keep-alive' comments, and every token still arrives in order", async () => {
    await api.close();
    api = await apiSetup({ keepAliveMs: 20 });
    // A token every 60 ms (from the backup: the local model is a reasoner, whose leading text is held to its end):
    // the 20 ms keep-alive timer (in the same process, so it fires first) has its say between them.
    api.backup.setHandler(() => ({ kind: "sse", frames: responsesStream({ text: "Slow and steady", chunkSize: 5 }), frameDelayMs: 60 }));
    const response = await fetch(`${api.url}/v1/chat/completions`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ model: "Backup", stream: true, messages: [{ role: "user", content: "Hi" }] }) });
    assert.equal(response.status, 200);
    const body = await response.text();
    assert.match(body, /\n: keep-alive\n\n/);
    const chunks = body.split("\n\n").filter((part) => part.startsWith("data: {")).map((part) => JSON.parse(part.slice(6)) as OpenAI.ChatCompletionChunk);
    assert.equal(chunks.map((chunk) => chunk.choices[0]?.delta.content ?? "").join(""), "Slow and steady");
    assert.ok(body.trimEnd().endsWith("data: [DONE]"));
    // A comment comes only after a quiet time: never two writes of a token apart by less than it.
    assert.ok(body.indexOf(": keep-alive") > body.indexOf('"content":"Slow '));
  });
});
