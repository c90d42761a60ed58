import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { afterEach, beforeEach, describe, test } from "node:test";
import OpenAI from "openai";
import { lastUser, scriptedModel } from "../helpers/scripted-model.js";
import { apiSetup, lastBody, type ApiSetup } from "./openai-setup.js";

describe("OpenAI-compatible API, agent mode (\"hearth\", \"hearth/<agent>\"), with the official SDK", () => {
  let api: ApiSetup;
  beforeEach(async () => {
    api = await apiSetup();
  });
  afterEach(() => api.close());

  test("chat: the last user message is the turn; hearth keeps the history, earlier messages of the request are ignored", async () => {
    api.local.setHandler(scriptedModel("openai-completions", (turns) => ({ text: `you said ${lastUser(turns)}`, reasoning: "thinking it over" })));
    const first = await api.client.chat.completions.create({ model: "hearth", messages: [{ role: "user", content: "apples" }] }, { headers: { "x-hearth-session": "work" } });
    const message = first.choices[0]?.message as OpenAI.ChatCompletionMessage & { reasoning_content?: string };
    assert.equal(message.content, "you said apples");
    assert.equal(message.reasoning_content, undefined);
    assert.equal(first.model, "local/m1");
    assert.ok((first.usage?.completion_tokens ?? 0) > 0);
    const { data: second, response } = await api.client.chat.completions
      .create({ model: "hearth", messages: [{ role: "user", content: "an invented earlier message" }, { role: "assistant", content: "invented" }, { role: "user", content: "pears" }] }, { headers: { "x-hearth-session": "work" } })
      .withResponse();
    assert.equal(second.choices[0]?.message.content, "you said pears");
    assert.equal(response.headers.get("x-hearth-model"), "local/m1");
    const sent = JSON.stringify(lastBody(api.local));
    assert.ok(sent.includes("apples") && sent.includes("pears"), "the session's history was sent");
    assert.ok(!sent.includes("invented"), "the request's earlier messages were not");
    assert.ok(existsSync(api.gateway.store.where("work")));
  });

  test("the request's max_tokens / max_output_tokens bound each reply of the turn, below the agent's own limit", async () => {
    api.local.setHandler(scriptedModel("openai-completions", (turns) => ({ text: `you said ${lastUser(turns)}` })));
    const limitSent = (): unknown => {
      const body = lastBody(api.local);
      return body.max_tokens ?? body.max_completion_tokens;
    };
    await api.client.chat.completions.create({ model: "hearth", max_tokens: 20, messages: [{ role: "user", content: "short" }] });
    assert.equal(limitSent(), 20);
    await api.client.responses.create({ model: "hearth", max_output_tokens: 30, input: "shorter" });
    assert.equal(limitSent(), 30);
    await api.client.chat.completions.create({ model: "hearth", messages: [{ role: "user", content: "no limit asked" }] });
    const own = limitSent();
    assert.ok(typeof own === "number" && own > 30 && own <= 1000, String(own));
    await api.client.chat.completions.create({ model: "hearth", max_tokens: 50_000, messages: [{ role: "user", content: "more than the model takes" }] });
    assert.equal(limitSent(), own, "never above the agent's own limit");
  });

  test("the session is http:<user> without the header, else the shared http; every agent reply names it in x-hearth-session (streams and failures too), a proxied one does not", async () => {
    api.local.setHandler(scriptedModel("openai-completions", () => ({ text: "ok" })));
    const { response: byUser } = await api.client.chat.completions.create({ model: "hearth", user: "ann", messages: [{ role: "user", content: "hello" }] }).withResponse();
    assert.ok(existsSync(api.gateway.store.where("http:ann")));
    assert.equal(byUser.headers.get("x-hearth-session"), "http:ann");
    const { response: shared } = await api.client.responses.create({ model: "hearth", input: "hello" }).withResponse();
    assert.ok(existsSync(api.gateway.store.where("http")));
    assert.equal(shared.headers.get("x-hearth-session"), "http", "a client that sent neither sees it shares the session http");
    const { data: events, response: streamed } = await api.client.responses.create({ model: "hearth", input: "hello", stream: true }, { headers: { "x-hearth-session": "mine" } }).withResponse();
    for await (const event of events) void event;
    assert.equal(streamed.headers.get("x-hearth-session"), "mine");
    const { response: proxied } = await api.client.chat.completions.create({ model: "Local", messages: [{ role: "user", content: "hello" }] }).withResponse();
    assert.equal(proxied.headers.get("x-hearth-session"), null, "proxy mode writes no session");
    api.local.setHandler(() => ({ kind: "json", status: 503, body: { error: { message: "down" } } }));
    api.backup.setHandler(() => ({ kind: "json", status: 503, body: { error: { message: "down" } } }));
    const failed = await fetch(`${api.url}/v1/chat/completions`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ model: "hearth", user: "bob", messages: [{ role: "user", content: "anyone?" }] }) });
    assert.equal(failed.status, 503);
    assert.equal(failed.headers.get("x-hearth-session"), "http:bob", "a failed turn was saved in it too");
  });

  test("any OpenAI `user` (a name, an e-mail) is a session of its own: the same one each time, named in x-hearth-session", async () => {
    api.local.setHandler(scriptedModel("openai-completions", (turns) => ({ text: `you said ${lastUser(turns)}` })));
    const sessionOf = async (user: string, content: string): Promise<string | null> => {
      const { data, response } = await api.client.chat.completions.create({ model: "hearth", user, messages: [{ role: "user", content }] }).withResponse();
      assert.equal(data.choices[0]?.message.content, `you said ${content}`);
      return response.headers.get("x-hearth-session");
    };
    const bob = await sessionOf("bob smith", "one");
    assert.match(bob ?? "", /^http-user:bob-smith\.[0-9a-f]{16}$/);
    assert.equal(await sessionOf("bob smith", "two"), bob, "the same user, the same session");
    assert.ok(JSON.stringify(lastBody(api.local)).includes("one"), "its history was sent");
    assert.notEqual(await sessionOf("bob/smith", "three"), bob);
    assert.equal(await sessionOf("ann@example.com", "four"), "http:ann@example.com", "a user that was a key keeps its session");
    const { response } = await api.client.responses.create({ model: "hearth", user: "bob smith", input: "five" }).withResponse();
    assert.equal(response.headers.get("x-hearth-session"), bob, "on /v1/responses too");
    const users = (await api.gateway.store.read(bob ?? "")).entries.filter((entry) => entry.type === "user");
    assert.equal(users.length, 3);
  });

  test("chat streaming: the agent runs its tool, the text streams, reasoning stays out of it", async () => {
    api.local.setHandler(
      scriptedModel("openai-completions", (turns) => {
        const last = turns.at(-1);
        if (last?.role === "tool") return { text: "It is late.", reasoning: "the tool answered" };
        return { tool: "time", arguments: {} };
      }),
    );
    const stream = await api.client.chat.completions.create({ model: "hearth", messages: [{ role: "user", content: "What time is it?" }], stream: true });
    let text = "";
    const finals: string[] = [];
    for await (const chunk of stream) {
      const delta = chunk.choices[0]?.delta as (OpenAI.ChatCompletionChunk.Choice.Delta & { reasoning_content?: string }) | undefined;
      text += delta?.content ?? "";
      assert.equal(delta?.reasoning_content, undefined);
      if (chunk.choices[0]?.finish_reason) finals.push(`${chunk.choices[0].finish_reason} ${chunk.model}`);
    }
    assert.equal(text, "It is late.");
    assert.deepEqual(finals, ["stop local/m1"]);
    const requests = api.local.requests.filter((request) => request.method === "POST");
    assert.equal(requests.length, 2, "the tool's result went back to the model in a second call");
  });

  test("responses: reasoning items only when asked; the model that answered in the response and its metadata", async () => {
    api.local.setHandler(scriptedModel("openai-completions", () => ({ text: "Forty-two.", reasoning: "deep thought" })));
    const plain = await api.client.responses.create({ model: "hearth", input: "The answer?" });
    assert.deepEqual(plain.output.map((item) => item.type), ["message"]);
    assert.equal(plain.output_text, "Forty-two.");
    assert.equal(plain.model, "local/m1");
    const asked = await api.client.responses.create({ model: "hearth", input: "The answer?", reasoning: { effort: "low" } });
    assert.deepEqual(asked.output.map((item) => item.type), ["reasoning", "message"]);
    const reasoning = asked.output[0];
    assert.ok(reasoning?.type === "reasoning");
    assert.equal(reasoning.content?.[0]?.text, "deep thought");
    assert.ok(!asked.output_text.includes("deep thought"));
    assert.deepEqual(JSON.parse(asked.metadata?.hearth_attempts ?? "[]").map((attempt: { model: string }) => attempt.model), ["local/m1"]);
  });

  test("responses streaming in agent mode: events in order, reasoning when asked, the final event whole", async () => {
    api.local.setHandler(scriptedModel("openai-completions", () => ({ text: "Streamed answer.", reasoning: "a plan" })));
    const stream = api.client.responses.stream({ model: "hearth/helper", input: [{ role: "user", content: "Go" }], include: ["reasoning.encrypted_content"] });
    const types: string[] = [];
    stream.on("event", (event) => types.push(event.type));
    const final = await stream.finalResponse();
    assert.equal(final.output_text, "Streamed answer.");
    assert.deepEqual(final.output.map((item) => item.type), ["reasoning", "message"]);
    assert.equal(types[0], "response.created");
    assert.equal(types.at(-1), "response.completed");
    assert.ok(types.includes("response.reasoning_text.delta") && types.includes("response.output_text.delta"));
    assert.ok(existsSync(api.gateway.store.where("http")));
  });

  test("when a fallback answers, the reply names it and carries the notice", async () => {
    api.local.setHandler(() => ({ kind: "json", status: 503, body: { error: { message: "down" } } }));
    api.backup.setHandler(scriptedModel("openai-responses", () => ({ text: "backup here" })));
    const { data, response } = await api.client.chat.completions.create({ model: "hearth", messages: [{ role: "user", content: "hi" }] }).withResponse();
    assert.equal(data.choices[0]?.message.content, "backup here");
    assert.equal(data.model, "backup/m2");
    assert.equal(response.headers.get("x-hearth-model"), "backup/m2");
    assert.match(decodeURIComponent(response.headers.get("x-hearth-notice") ?? ""), /^answered by Backup/);
    assert.deepEqual(JSON.parse(response.headers.get("x-hearth-attempts") ?? "[]").map((attempt: { model: string; outcome: string }) => `${attempt.model} ${attempt.outcome}`), ["local/m1 overloaded", "backup/m2 ok"]);
    const streamed = await api.client.responses.stream({ model: "hearth", input: "again" }).finalResponse();
    assert.equal(streamed.model, "backup/m2");
    assert.match(streamed.metadata?.hearth_notice ?? "", /^answered by Backup/);
  });

  test("a /command as the last message answers with the command's text, without a model call", async () => {
    const answer = await api.client.chat.completions.create({ model: "hearth", messages: [{ role: "user", content: "/help" }] });
    assert.match(answer.choices[0]?.message.content ?? "", /\/model list/);
    assert.equal(answer.model, "hearth");
    const streamed: string[] = [];
    for await (const event of await api.client.responses.create({ model: "hearth", input: "/model", stream: true })) {
      if (event.type === "response.output_text.delta") streamed.push(event.delta);
    }
    assert.match(streamed.join(""), /^Local \(local\/m1\); then Backup/);
    const typo = await api.client.chat.completions.create({ model: "hearth", messages: [{ role: "user", content: "/modle Backup" }] });
    assert.equal(typo.choices[0]?.message.content, "unknown command /modle — did you mean /model? (/help lists them)");
    assert.equal(api.local.requests.length + api.backup.requests.length, 0);
  });

  test("an agent's name matches in any case, as an alias does; its listing entry is the name as listed", async () => {
    api.local.setHandler(scriptedModel("openai-completions", (turns) => ({ text: `you said ${lastUser(turns)}` })));
    const main = await api.client.chat.completions.create({ model: "Hearth", messages: [{ role: "user", content: "capital H" }] });
    assert.equal(main.choices[0]?.message.content, "you said capital H");
    const helper = await api.client.responses.create({ model: "HEARTH/Helper", input: "shouted" });
    assert.equal(helper.output_text, "you said shouted");
    const entry = (await (await fetch(`${api.url}/api/v0/models/${encodeURIComponent("HEARTH/Helper")}`)).json()) as { id: string };
    assert.equal(entry.id, "hearth/helper");
  });

  test("errors: an unknown agent is a 404; a last message that is not the user's a 400; no model answering a 503", async () => {
    await assert.rejects(api.client.chat.completions.create({ model: "hearth/nobody", messages: [{ role: "user", content: "x" }] }), (error: unknown) => {
      assert.ok(error instanceof OpenAI.NotFoundError);
      assert.match(error.message, /choose one of "hearth", "hearth\/helper"/);
      return true;
    });
    await assert.rejects(api.client.chat.completions.create({ model: "hearth", messages: [{ role: "user", content: "x" }, { role: "assistant", content: "y" }] }), (error: unknown) => {
      assert.ok(error instanceof OpenAI.BadRequestError);
      assert.match(error.message, /messages\[1\]\.role: an agent answers the last message, which must be the user's/);
      return true;
    });
    await assert.rejects(api.client.chat.completions.create({ model: "hearth", messages: [{ role: "user", content: "x" }] }, { headers: { "x-hearth-session": "bad key!" } }), (error: unknown) => {
      assert.ok(error instanceof OpenAI.BadRequestError);
      assert.match(error.message, /^400 x-hearth-session: /);
      return true;
    });
    // OpenAI's `user` is free text: one that is no session key is a session of its own, not a 400 (the models here answer 500: a 502).
    await assert.rejects(api.client.responses.create({ model: "hearth", input: "x", user: "not a key!" }).withResponse(), (error: unknown) => {
      assert.ok(error instanceof OpenAI.InternalServerError, String(error));
      assert.equal(error.status, 502);
      assert.match(error.headers?.get("x-hearth-session") ?? "", /^http-user:not-a-key\.[0-9a-f]{16}$/);
      return true;
    });
    api.local.setHandler(() => ({ kind: "json", status: 503, body: { error: { message: "down" } } }));
    api.backup.setHandler(() => ({ kind: "json", status: 503, body: { error: { message: "down" } } }));
    for (const stream of [false, true]) {
      await assert.rejects(api.client.chat.completions.create({ model: "hearth", messages: [{ role: "user", content: "anyone?" }], stream }), (error: unknown) => {
        assert.ok(error instanceof OpenAI.InternalServerError, String(error));
        assert.equal(error.status, 503);
        assert.deepEqual(((error.error as { attempts?: { model: string }[] }).attempts ?? []).map((attempt) => attempt.model), ["local/m1", "backup/m2"]);
        return true;
      });
    }
  });

  test("a message too large for every model in the chain is a 400 (a client does not retry it), refused before any call and saved once", async () => {
    api.local.setHandler(scriptedModel("openai-completions", () => ({ text: "never" })));
    // The SDK's own default: it retries a 503 twice, which would save the message three times.
    const retrying = new OpenAI({ baseURL: api.client.baseURL, apiKey: "test-key", maxRetries: 2 });
    const huge = "word ".repeat(80_000);
    for (const stream of [false, true]) {
      const session = `huge-${String(stream)}`;
      await assert.rejects(retrying.chat.completions.create({ model: "hearth", messages: [{ role: "user", content: huge }], stream }, { headers: { "x-hearth-session": session } }), (error: unknown) => {
        assert.ok(error instanceof OpenAI.BadRequestError, String(error));
        assert.equal((error.error as { code?: string }).code, "context_length_exceeded");
        assert.match(error.message, /the message is too large/);
        return true;
      });
      const users = (await api.gateway.store.read(session)).entries.filter((entry) => entry.type === "user");
      assert.equal(users.length, 1, "saved once: nothing the user said is lost, and no retry repeated it");
    }
    assert.equal(api.local.requests.filter((request) => request.method === "POST").length, 0, "no model was called");
    assert.equal(api.backup.requests.filter((request) => request.method === "POST").length, 0);
  });
});
