import assert from "node:assert/strict";
import { afterEach, describe, test } from "node:test";
import { Hono } from "hono";
import OpenAI from "openai";
import { openAiRoutes } from "../../src/channels/http/openai/routes.js";
import { startFakeServer, type FakeServer } from "../fakes/fake-server.js";
import { completionsStream } from "../fakes/openai-completions-stream.js";
import { serveApp, testGateway } from "../helpers/test-gateway.js";
import { lastUser, scriptedModel, type Turn } from "../helpers/scripted-model.js";

// Agent mode keeps the conversation: when it outgrows the model's context, hearth summarises or trims
// it, and the web chat and the terminal say so. An API client is told too: `x-hearth-notice` on a
// reply, a `: hearth: …` comment in a stream (which the SDK skips).

const SUMMARY_SAYS = /Summary so far|Conversation to add/;
const story = (turn: number): string => `turn ${turn}: ${"and a long story about that turn. ".repeat(6)}`;

describe("OpenAI-compatible API, agent mode: a conversation larger than the context is said to be summarised or trimmed", () => {
  const closing: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const close of closing.splice(0)) await close();
  });

  /** `summaries: "fail"`: the summariser's call answers 500, so hearth trims instead. */
  async function open(summaries: "work" | "fail"): Promise<{ server: FakeServer; url: string; client: OpenAI; summaries: string[]; answers: { down: boolean } }> {
    const asked: string[] = [];
    const answers = { down: false };
    const model = scriptedModel("openai-completions", (turns: Turn[]) => {
      const user = lastUser(turns);
      if (SUMMARY_SAYS.test(user)) {
        asked.push(user);
        return { text: "SUMMARY: the user told of many turns." };
      }
      return { text: `Noted. ${"More words to fill the window. ".repeat(8)}` };
    });
    const server = await startFakeServer((request) => {
      const summary = SUMMARY_SAYS.test(JSON.stringify(request.body));
      if (request.method === "POST" && (summary ? summaries === "fail" : answers.down)) return { kind: "json", status: 500, body: { error: { message: summary ? "the summariser broke" : "the model broke" } } };
      return model(request);
    });
    closing.push(() => server.close());
    const gateway = await testGateway(`{
      agents: { defaults: { model: "local/m", compaction: { keepRecentTokens: 300, reserveTokens: 100 } } },
      models: { mode: "replace", providers: { local: { baseUrl: "${server.baseUrl}", api: "openai-completions", models: [{ id: "m", contextWindow: 2048, maxTokens: 256 }] } } },
    }`);
    closing.push(() => gateway.close());
    const served = await serveApp(new Hono().route("/", openAiRoutes({ port: gateway.port, logger: { info: () => undefined, warn: () => undefined } })));
    closing.push(() => served.close());
    return { server, url: served.url, client: new OpenAI({ baseURL: `${served.url}/v1`, apiKey: "test-key", maxRetries: 0 }), summaries: asked, answers };
  }

  test("summarised: the reply of the turn that summarised carries it in x-hearth-notice, the others none", async () => {
    const { client, summaries } = await open("work");
    const notices: (string | null)[] = [];
    for (let turn = 1; turn <= 14 && summaries.length === 0; turn++) {
      const { response } = await client.chat.completions.create({ model: "hearth", messages: [{ role: "user", content: story(turn) }] }, { headers: { "x-hearth-session": "long" } }).withResponse();
      notices.push(response.headers.get("x-hearth-notice"));
    }
    assert.ok(summaries.length > 0, "the conversation outgrew the window and was summarised");
    assert.deepEqual(notices.slice(0, -1).filter((notice) => notice !== null), [], "no notice before");
    assert.match(decodeURIComponent(notices.at(-1) ?? ""), /^the conversation \([\d,]+ tokens\) was longer than the [\d,]+ tokens the prompt may use in [\w/.-]+'s window: its older turns are summarised \(the transcript keeps them\)$/);
  });

  test("trimmed (no summary could be written): the words the page shows, why included; a stream says it in a `: hearth:` comment before the answer, a reply (answered or failed) in x-hearth-notice", async () => {
    const { url, client, answers } = await open("fail");
    // The words the web chat shows (trimNote): why no summary could be written, in hearth's words (never the server's error text).
    const trimmed = /: hearth: the conversation \([\d,]+ tokens\) is longer than the [\d,]+ tokens the prompt may use in [\w/.-]+'s window: no summary could be written \([^()]*the summary could not be written: local\/m answered with a server error[^)]*\): the oldest \d+ turns? (are|is) left out[^\n]*\(the transcript keeps them\)\n\n/;
    let raw = "";
    const said: string[] = [];
    for (let turn = 1; turn <= 14 && !trimmed.test(raw); turn++) {
      const response = await fetch(`${url}/v1/chat/completions`, { method: "POST", headers: { "content-type": "application/json", "x-hearth-session": "trim" }, body: JSON.stringify({ model: "hearth", stream: true, messages: [{ role: "user", content: story(turn) }] }) });
      assert.equal(response.status, 200);
      raw = await response.text();
      said.push(...raw.split("\n").filter((line) => line.startsWith(": hearth:")));
    }
    assert.ok(trimmed.test(raw), `the stream said it: ${said.join("\n")}`);
    assert.ok(raw.indexOf(": hearth: the conversation") < raw.indexOf('"content":"Noted.'), "before the answer");
    // A non-streaming reply: in x-hearth-notice, on the turn that trimmed (another session, the same way there).
    const notices: string[] = [];
    for (let turn = 1; turn <= 14 && !notices.some((notice) => notice !== ""); turn++) {
      const { data, response } = await client.chat.completions.create({ model: "hearth", messages: [{ role: "user", content: story(turn) }] }, { headers: { "x-hearth-session": "trim-2" } }).withResponse();
      assert.match(data.choices[0]?.message.content ?? "", /^Noted\./);
      notices.push(decodeURIComponent(response.headers.get("x-hearth-notice") ?? ""));
    }
    assert.match(notices.at(-1) ?? "", /^the conversation \([\d,]+ tokens\) is longer than the [\d,]+ tokens the prompt may use in [\w/.-]+'s window: no summary could be written \([^()]*the summary could not be written: local\/m answered with a server error[^)]*\): the oldest \d+ turns? (are|is) left out.*\(the transcript keeps them\)$/);
    assert.ok(!(notices.at(-1) ?? "").includes("the summariser broke"), "the summariser's failure is not quoted");
    // The same conversation again, and the turn that would trim gets no answer: nothing was trimmed for a model that did not answer, and its failure does not say so.
    for (let turn = 1; turn < notices.length; turn++) await client.chat.completions.create({ model: "hearth", messages: [{ role: "user", content: story(turn) }] }, { headers: { "x-hearth-session": "trim-3" } });
    answers.down = true;
    const failed = await fetch(`${url}/v1/chat/completions`, { method: "POST", headers: { "content-type": "application/json", "x-hearth-session": "trim-3" }, body: JSON.stringify({ model: "hearth", messages: [{ role: "user", content: story(notices.length) }] }) });
    assert.equal(failed.status, 502);
    assert.doesNotMatch(decodeURIComponent(failed.headers.get("x-hearth-notice") ?? ""), /left out of what is sent/);
  });

  /** A gateway in agent mode before a server that answers every call with `frames` (a model of 4,096 tokens, replies of 256). */
  async function answering(frames: ReturnType<typeof completionsStream>): Promise<{ server: FakeServer; served: { url: string } }> {
    const server = await startFakeServer(() => ({ kind: "sse", frames }));
    closing.push(() => server.close());
    const gateway = await testGateway(`{
      agents: { defaults: { model: "local/m" } },
      models: { mode: "replace", providers: { local: { baseUrl: "${server.baseUrl}", api: "openai-completions", models: [{ id: "m", contextWindow: 4096, maxTokens: 256 }] } } },
    }`);
    closing.push(() => gateway.close());
    const served = await serveApp(new Hono().route("/", openAiRoutes({ port: gateway.port, logger: { info: () => undefined, warn: () => undefined } })));
    closing.push(() => served.close());
    return { server, served };
  }

  test("a reply cut at the request's own max_tokens says that limit, not the config's", async () => {
    const { server, served } = await answering(completionsStream({ text: "Once upon a", finishReason: "length", usage: { input: 10, output: 20 } }));
    const ask = (extra: Record<string, unknown>) =>
      fetch(`${served.url}/v1/chat/completions`, { method: "POST", headers: { "content-type": "application/json", "x-hearth-session": `cut-${JSON.stringify(extra).length}` }, body: JSON.stringify({ model: "hearth", messages: [{ role: "user", content: "tell a story" }], ...extra }) });
    const own = await ask({ max_tokens: 20 });
    assert.equal(own.status, 200, await own.clone().text());
    assert.match(decodeURIComponent(own.headers.get("x-hearth-notice") ?? ""), /cut off at the reply limit this request set \(max_tokens 20\)/);
    assert.equal((server.requests.at(-1)?.body as { max_tokens?: number } | undefined)?.max_tokens, 20, "the request's limit was the one sent");
    const configured = await ask({});
    assert.match(decodeURIComponent(configured.headers.get("x-hearth-notice") ?? ""), /cut off at the reply limit \(256 tokens: local\/m.s maxTokens in the config\)/);
  });

  test("the cut-off notice names the limit's field as the client sent it: max_output_tokens on /v1/responses, max_completion_tokens on chat", async () => {
    const { served } = await answering(completionsStream({ text: "Once upon a", finishReason: "length", usage: { input: 10, output: 20 } }));
    const post = (path: string, body: Record<string, unknown>) =>
      fetch(`${served.url}/v1/${path}`, { method: "POST", headers: { "content-type": "application/json", "x-hearth-session": `field-${path.length}` }, body: JSON.stringify({ model: "hearth", ...body }) });
    const responses = await post("responses", { input: "tell a story", max_output_tokens: 40 });
    assert.equal(responses.status, 200, await responses.clone().text());
    const said = decodeURIComponent(responses.headers.get("x-hearth-notice") ?? "");
    assert.match(said, /cut off at the reply limit this request set \(max_output_tokens 40\); send a larger max_output_tokens/);
    assert.doesNotMatch(said, /max_tokens/);
    const chat = await post("chat/completions", { messages: [{ role: "user", content: "tell a story" }], max_completion_tokens: 30 });
    assert.match(decodeURIComponent(chat.headers.get("x-hearth-notice") ?? ""), /cut off at the reply limit this request set \(max_completion_tokens 30\)/);
  });

  test("a reply of reasoning alone is said to the client, not left an empty answer", async () => {
    const { served } = await answering(completionsStream({ text: "", reasoning: "I should think about the question first.", usage: { input: 10, output: 20 } }));
    const reply = await fetch(`${served.url}/v1/chat/completions`, { method: "POST", headers: { "content-type": "application/json", "x-hearth-session": "thinker" }, body: JSON.stringify({ model: "hearth", messages: [{ role: "user", content: "why?" }] }) });
    assert.equal(reply.status, 200);
    const body = (await reply.json()) as { choices: { message: { content: string } }[] };
    assert.equal(body.choices[0]?.message.content, "");
    assert.match(decodeURIComponent(reply.headers.get("x-hearth-notice") ?? ""), /the model gave reasoning only, no answer/);
  });
});
