import assert from "node:assert/strict";
import { afterEach, beforeEach, describe, test } from "node:test";
import OpenAI from "openai";
import { responsesStream } from "../fakes/openai-responses-stream.js";
import { completionsStream } from "../fakes/openai-completions-stream.js";
import { apiSetup, type ApiSetup } from "./openai-setup.js";

// local/m1 is configured with 32,000 tokens of context, backup/m2 (its fallback) with 64,000.
const posts = (server: ApiSetup["local"]): number => server.requests.filter((request) => request.method === "POST").length;
const attemptsOf = (header: string | null): string[] => (JSON.parse(header ?? "[]") as { model: string; outcome: string }[]).map((attempt) => `${attempt.model} ${attempt.outcome}`);
/** A user message of about `tokens` tokens as hearth estimates them (four characters a token). */
const aboutTokens = (tokens: number): string => "lorem ipsum dolor sit amet ".repeat(Math.ceil((tokens * 4) / 27)).slice(0, tokens * 4);

describe("proxy mode: a candidate whose window cannot hold the client's conversation is skipped, never sent it", () => {
  let api: ApiSetup;
  beforeEach(async () => {
    api = await apiSetup();
  });
  afterEach(() => api.close());

  test("a 45,000-token conversation naming the 32,000-token Local goes to the 64,000-token fallback; Local is never called and the attempts say why", async () => {
    api.local.setHandler(() => ({ kind: "sse", frames: completionsStream({ text: "from local", usage: { input: 10, output: 2 } }) }));
    api.backup.setHandler(() => ({ kind: "sse", frames: responsesStream({ text: "from the backup", usage: { input: 45000, output: 3 } }) }));
    const { data, response } = await api.client.chat.completions.create({ model: "Local", messages: [{ role: "user", content: aboutTokens(45_000) }] }).withResponse();
    assert.equal(data.choices[0]?.message.content, "from the backup");
    assert.equal(posts(api.local), 0, "nothing was sent to the model too small for the conversation");
    assert.deepEqual(attemptsOf(response.headers.get("x-hearth-attempts")), ["local/m1 skipped-context", "backup/m2 ok"]);
    assert.ok(JSON.stringify(api.backup.requests.find((request) => request.method === "POST")?.body).includes(aboutTokens(45_000)), "the client's message went on whole, not shortened");
  });

  test("streaming: the headers sent with the first token already carry the skip", async () => {
    api.backup.setHandler(() => ({ kind: "sse", frames: responsesStream({ text: "streamed", usage: { input: 45000, output: 1 } }) }));
    const { data: stream, response } = await api.client.chat.completions.create({ model: "local/m1", messages: [{ role: "user", content: aboutTokens(45_000) }], stream: true }).withResponse();
    let text = "";
    for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? "";
    assert.equal(text, "streamed");
    assert.deepEqual(attemptsOf(response.headers.get("x-hearth-attempts")), ["local/m1 skipped-context"], "the attempts so far when the first token came");
    assert.equal(posts(api.local), 0);
  });

  test("too large for every model: a 400 context_length_exceeded naming the size and the largest window, and no server is sent anything", async () => {
    const failed = await api.client.chat.completions.create({ model: "Local", messages: [{ role: "system", content: "Be brief." }, { role: "user", content: aboutTokens(100_000) }] }).catch((error: unknown) => error);
    assert.ok(failed instanceof OpenAI.BadRequestError, String(failed));
    assert.equal(failed.code, "context_length_exceeded");
    assert.match(failed.message, /the request is too large for every model of the chain: about 100,0\d\d tokens, and the largest context window is 64,000 tokens \(backup\/m2\) — nothing was sent/);
    assert.deepEqual(attemptsOf(failed.headers.get("x-hearth-attempts")), ["local/m1 skipped-context", "backup/m2 skipped-context"]);
    const [local] = (failed.error as { attempts: { cause: string }[] }).attempts;
    assert.match(local?.cause ?? "", /^local\/m1 has 32,000 tokens of context \(its contextWindow\), and the request takes about 100,0\d\d tokens \(the system prompt about 3 tokens, no tools and the messages 100,0\d\d\), leaving no room for a reply of even 256: not sent to it/);
    // The fix speaks of the client's messages: the agent's systemPrompt and tools are no lever for a proxied request.
    assert.match(local?.cause ?? "", /or send fewer or shorter messages \(the client keeps its own history\), or name a model with a larger window$/);
    // The server said nothing of its kind: no server's flags are guessed at; the size is what this request needs (in 1,024s), not twice it.
    const size = /Fix: restart the server with ([\d,]+) tokens of context, and raise contextWindow to (\d+), or send fewer/.exec(local?.cause ?? "");
    assert.ok(size, local?.cause);
    const tokens = Number(/takes about ([\d,]+) tokens/.exec(local?.cause ?? "")?.[1]?.replace(/,/g, ""));
    assert.ok(Number(size[2]) >= tokens + 256 && Number(size[2]) < tokens + 256 + 1024, `${size[2]} for ${tokens}`);
    assert.doesNotMatch(local?.cause ?? "", /llama\.cpp|vLLM|LM Studio/);
    assert.doesNotMatch(failed.message, /systemPrompt|tools\.allow/);
    assert.equal(posts(api.local) + posts(api.backup), 0);
  });

  test("near the edge the request is sent and the server decides: 33,000 estimated tokens to a 32,000 window whose server never counted", async () => {
    api.local.setHandler(() => ({ kind: "sse", frames: completionsStream({ text: "it fit after all", usage: { input: 29000, output: 4 } }) }));
    const { data, response } = await api.client.chat.completions.create({ model: "Local", messages: [{ role: "user", content: aboutTokens(33_000) }] }).withResponse();
    assert.equal(data.choices[0]?.message.content, "it fit after all");
    assert.deepEqual(attemptsOf(response.headers.get("x-hearth-attempts")), ["local/m1 ok"]);
    // Once the server's rate is known (its reply counted 29,000 for about 33,000): 37,000 estimated is still sent (its lowest plausible
    // count, 0.8 of 32,500, leaves room); 47,000 (about 41,300 by the rate, 33,000 at the lowest) certainly does not fit.
    api.local.setHandler(() => ({ kind: "sse", frames: completionsStream({ text: "it fit again", usage: { input: 32400, output: 4 } }) }));
    const near = await api.client.chat.completions.create({ model: "Local", messages: [{ role: "user", content: aboutTokens(37_000) }] }).withResponse();
    assert.deepEqual(attemptsOf(near.response.headers.get("x-hearth-attempts")), ["local/m1 ok"]);
    api.backup.setHandler(() => ({ kind: "sse", frames: responsesStream({ text: "from the backup", usage: { input: 52000, output: 3 } }) }));
    const again = await api.client.chat.completions.create({ model: "Local", messages: [{ role: "user", content: aboutTokens(47_000) }] }).withResponse();
    assert.deepEqual(attemptsOf(again.response.headers.get("x-hearth-attempts")), ["local/m1 skipped-context", "backup/m2 ok"]);
    assert.equal(posts(api.local), 2);
  });
});

describe("proxy mode: a fallback cooling down after its key was refused could not take the request either", () => {
  let api: ApiSetup;
  beforeEach(async () => {
    api = await apiSetup({ backupExtras: `apiKey: "sk-backup-wrong-0123456789abcdef",` });
  });
  afterEach(() => api.close());

  test("too large for Local, and the larger Backup refuses its key: 400 context_length_exceeded (a client compacts), not a 503 to wait on", async () => {
    api.backup.setHandler(() => ({ kind: "json", status: 401, body: { error: { message: "Incorrect API key provided: sk-back****cdef.", type: "invalid_request_error", param: null, code: "invalid_api_key" } } }));
    const refused = await api.client.chat.completions.create({ model: "Backup", messages: [{ role: "user", content: "hi" }] }).catch((error: unknown) => error);
    assert.ok(refused instanceof OpenAI.APIError && refused.status === 502, String(refused));
    const failed = await api.client.chat.completions.create({ model: "Local", messages: [{ role: "user", content: aboutTokens(45_000) }] }).catch((error: unknown) => error);
    assert.ok(failed instanceof OpenAI.BadRequestError, String(failed));
    assert.equal(failed.code, "context_length_exceeded");
    assert.deepEqual(attemptsOf(failed.headers.get("x-hearth-attempts")), ["local/m1 skipped-context", "backup/m2 skipped-cooldown"]);
    const attempts = (failed.error as { attempts: { model: string; keyRefused?: boolean; cause?: string }[] }).attempts;
    assert.equal(attempts.find((attempt) => attempt.model === "backup/m2")?.keyRefused, true, "the error's attempts say why waiting would not help");
    assert.match(failed.message, /too large for every model/);
    // The other fix is said beside it: the model whose window would hold it is skipped for its key.
    assert.match(failed.message, /backup\/m2 is skipped: the server refused the API key backup\/m2 was called with: the key is the config's models\.providers\.backup\.apiKey: write a valid one there; /);
    assert.equal(posts(api.local), 0);
  });

  test("a fallback cooling down for any other reason keeps the 503: waiting may bring it back", async () => {
    api.backup.setHandler(() => ({ kind: "json", status: 429, headers: { "retry-after": "30" }, body: { error: { message: "Rate limit reached", type: "requests", code: "rate_limit_exceeded" } } }));
    await api.client.chat.completions.create({ model: "Backup", messages: [{ role: "user", content: "hi" }] }).catch(() => undefined);
    const failed = await api.client.chat.completions.create({ model: "Local", messages: [{ role: "user", content: aboutTokens(45_000) }] }).catch((error: unknown) => error);
    assert.ok(failed instanceof OpenAI.APIError && failed.status === 503, String(failed));
    assert.deepEqual(attemptsOf(failed.headers.get("x-hearth-attempts")), ["local/m1 skipped-context", "backup/m2 skipped-cooldown"]);
  });
});
