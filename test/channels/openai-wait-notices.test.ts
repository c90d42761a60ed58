// A streaming client of the OpenAI-compatible API hears what it waits for — a model silent for
// seconds, a local model loading, a turn queued behind its session, a failed attempt — as SSE
// comments (`: hearth: …`), which the official SDK's parser skips; and a stream kept open by
// `: keep-alive` while it waits. Real fake model servers on 127.0.0.1 that hold their answer; the
// routing's clock is a manual one, so "5 s of silence" is a step of the test, not a sleep.
import assert from "node:assert/strict";
import { afterEach, describe, test } from "node:test";
import OpenAI from "openai";
import type { RecordedRequest, Reply } from "../fakes/fake-server.js";
import { llamaCppHandler } from "../fakes/llamacpp-server.js";
import { lmStudioHandler } from "../fakes/lmstudio-server.js";
import { completionsStream } from "../fakes/openai-completions-stream.js";
import { responsesStream } from "../fakes/openai-responses-stream.js";
import { ManualClock } from "../helpers/manual-clock.js";
import { apiSetup, type ApiSetup } from "./openai-setup.js";

/** A reply held until the test releases it; `arrived` resolves when the request reached the server. */
function holdReply(reply: Reply): { handler: (request: RecordedRequest) => Promise<Reply>; arrived: Promise<void>; release(): void } {
  let arrive = (): void => undefined;
  let release = (): void => undefined;
  const arrived = new Promise<void>((resolve) => (arrive = resolve));
  const released = new Promise<void>((resolve) => (release = resolve));
  return {
    handler: async () => {
      arrive();
      await released;
      return reply;
    },
    arrived,
    release,
  };
}

/** A model server that is not LM Studio: its native listing is not there (no load state is known). */
const notLmStudio = (inference: (request: RecordedRequest) => Reply | Promise<Reply>) => (request: RecordedRequest) =>
  request.method === "POST" ? inference(request) : ({ kind: "json", status: 404, body: { error: "Unexpected endpoint or method." } } as Reply);

/** What a stream's body holds so far, and a wait for a pattern in it. */
interface RawBody {
  text(): string;
  until(pattern: RegExp): Promise<void>;
  ended: Promise<void>;
}

function readRaw(body: ReadableStream<Uint8Array>): RawBody {
  let text = "";
  let done = false;
  const waiters = new Set<() => void>();
  const ended = (async () => {
    const decoder = new TextDecoder();
    for await (const chunk of body as unknown as AsyncIterable<Uint8Array>) {
      text += decoder.decode(chunk, { stream: true });
      for (const wake of [...waiters]) wake();
    }
    done = true;
    for (const wake of [...waiters]) wake();
  })();
  return {
    text: () => text,
    ended,
    until: (pattern) =>
      new Promise<void>((resolve, reject) => {
        const check = (): void => {
          if (pattern.test(text)) {
            waiters.delete(check);
            resolve();
          } else if (done) {
            waiters.delete(check);
            reject(new Error(`the stream ended without ${pattern}; it held:\n${text}`));
          }
        };
        waiters.add(check);
        check();
      }),
  };
}

/** The official SDK as the client, its fetch teed: the test reads the same bytes the SDK parses. */
function recordingClient(url: string): { client: OpenAI; raw(): RawBody } {
  let last: RawBody | undefined;
  const client = new OpenAI({
    baseURL: `${url}/v1`,
    apiKey: "test-key",
    maxRetries: 0,
    fetch: async (input, init) => {
      const response = await fetch(input, init);
      if (!response.body) return response;
      const [forSdk, forTest] = response.body.tee();
      last = readRaw(forTest);
      return new Response(forSdk, { status: response.status, headers: response.headers });
    },
  });
  return {
    client,
    raw: () => {
      if (!last) throw new Error("the client made no request");
      return last;
    },
  };
}

async function postStream(url: string, body: unknown, headers: Record<string, string> = {}): Promise<{ response: Response; raw: RawBody }> {
  const response = await fetch(url, { method: "POST", headers: { "content-type": "application/json", ...headers }, body: JSON.stringify(body) });
  if (!response.body) throw new Error("no body");
  return { response, raw: readRaw(response.body) };
}

const comments = (text: string): string[] => text.split("\n").filter((line) => line.startsWith(":"));
/** The answer text of a chat-completions stream, its content deltas joined (a reasoning model's text streams once its server is known). */
const contentOf = (text: string): string =>
  text
    .split("\n")
    .filter((line) => line.startsWith("data: {"))
    .map((line) => (JSON.parse(line.slice(6)) as { choices?: { delta?: { content?: string } }[] }).choices?.[0]?.delta?.content ?? "")
    .join("");
const dataChunks = (text: string): OpenAI.ChatCompletionChunk[] =>
  text
    .split("\n\n")
    .filter((part) => part.startsWith("data: {"))
    .map((part) => JSON.parse(part.slice(6)) as OpenAI.ChatCompletionChunk);

describe("OpenAI-compatible streams say what the client waits for, as SSE comments", () => {
  let api: ApiSetup | undefined;
  afterEach(() => api?.close());

  test("proxy mode, chat: a silent model starts the stream at 5 s with a comment, then 15 s, keep-alives between; the SDK reads the answer past them", { timeout: 60_000 }, async () => {
    const clock = new ManualClock(Date.now());
    api = await apiSetup({ clock, keepAliveMs: 20 });
    const held = holdReply({ kind: "sse", frames: completionsStream({ text: "At last", reasoning: "my private musing" }) });
    api.local.setHandler(notLmStudio(held.handler));
    const { client, raw } = recordingClient(api.url);
    const pending = client.chat.completions.create({ model: "Local", stream: true, messages: [{ role: "user", content: "Tell me the secret plan" }] }).withResponse();
    await held.arrived;
    clock.advance(5_000);
    const { data: stream, response } = await pending;
    assert.equal(response.status, 200, "the stream started before any token");
    assert.equal(response.headers.get("x-hearth-model"), null, "no model is named before one answers");
    assert.equal(response.headers.get("x-hearth-attempts"), "[]");
    await raw().until(/^: hearth: no reply from Local for 5 s \(prompt \d+ tokens\) — trying Backup if none by \d+ s \(its first-token limit\)$/m);
    await raw().until(/\n: keep-alive\n\n/);
    clock.advance(10_000);
    await raw().until(/^: hearth: no reply from Local for 15 s/m);
    held.release();
    let text = "";
    let finishModel = "";
    const contentModels = new Set<string>();
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? "";
      if (chunk.choices[0]?.delta.content) contentModels.add(chunk.model);
      if (chunk.choices[0]?.finish_reason) finishModel = chunk.model;
    }
    assert.equal(text, "At last");
    assert.equal(finishModel, "local/m1", "the last chunk names the model that answered");
    assert.deepEqual([...contentModels], ["local/m1"], "the chunks with its words name it too, not the alias the request used");
    await raw().ended;
    const said = comments(raw().text());
    assert.ok(said.every((line) => !/secret plan|private musing|test-key/.test(line)), `no message text, reasoning or key in: ${said.join(" | ")}`);
  });

  test("proxy mode, responses: a local model that is loading is said at once (the SDK's stream starts), and the answer follows", { timeout: 60_000 }, async () => {
    api = await apiSetup();
    const held = holdReply({ kind: "sse", frames: completionsStream({ text: "Loaded and ready" }) });
    api.local.setHandler(lmStudioHandler({ models: [{ id: "m1", loaded: false, maxContextLength: 32000 }], completions: held.handler }));
    const { client, raw } = recordingClient(api.url);
    const pending = client.responses.create({ model: "local/m1", input: "Hi", stream: true }).withResponse();
    await held.arrived;
    const { data: stream, response } = await pending;
    assert.equal(response.status, 200);
    await raw().until(/^: hearth: loading Local on the local server — waiting for it$/m);
    held.release();
    const types: string[] = [];
    let completed: OpenAI.Responses.Response | undefined;
    for await (const event of stream) {
      types.push(event.type);
      if (event.type === "response.completed") completed = event.response;
    }
    assert.equal(types[0], "response.created");
    const said = completed?.output.flatMap((item) => (item.type === "message" ? item.content.map((part) => (part.type === "output_text" ? part.text : "")) : [])).join("");
    assert.equal(said, "Loaded and ready", "response.completed holds the whole message");
    assert.equal(completed?.model, "local/m1");
  });

  test("a failed attempt does not start the stream: said before the answer when another model answers, and a request no model answers keeps its error status", { timeout: 60_000 }, async () => {
    api = await apiSetup();
    api.local.setHandler(notLmStudio(() => ({ kind: "json", status: 503, body: { error: { message: "overloaded" } } })));
    api.backup.setHandler(() => ({ kind: "sse", frames: responsesStream({ text: "From the backup" }) }));
    const { client, raw } = recordingClient(api.url);
    const { data: stream, response } = await client.chat.completions.create({ model: "Local", stream: true, messages: [{ role: "user", content: "Hi" }] }).withResponse();
    assert.equal(response.headers.get("x-hearth-model"), "backup/m2", "the headers waited for the answer, and name who gives it");
    let text = "";
    for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? "";
    assert.equal(text, "From the backup");
    await raw().ended;
    const body = raw().text();
    // One stream calls one model one name: the alias, as the fallback notice does.
    assert.match(body, /^: hearth: Local overloaded — trying Backup$/m);
    assert.match(body, /^: hearth: answered by Backup — Local \(local server\) overloaded$/m);
    assert.ok(body.indexOf(": hearth: Local overloaded") < body.indexOf('"content":"From'), "said before the answer");

    api.backup.setHandler(() => ({ kind: "json", status: 503, body: { error: { message: "down too" } } }));
    await assert.rejects(client.chat.completions.create({ model: "Local", stream: true, messages: [{ role: "user", content: "Hi" }] }), (error: unknown) => error instanceof OpenAI.APIError && error.status === 503);
  });

  test("agent mode: a second message to a busy session hears it waits for the turn before it; the first hears its model is silent; no reasoning reaches either", { timeout: 60_000 }, async () => {
    const clock = new ManualClock(Date.now());
    api = await apiSetup({ clock });
    const held = holdReply({ kind: "sse", frames: completionsStream({ text: "First answer", reasoning: "hidden reasoning" }) });
    let calls = 0;
    api.local.setHandler(notLmStudio((request) => (++calls === 1 ? held.handler(request) : { kind: "sse", frames: completionsStream({ text: "Second answer", reasoning: "hidden reasoning" }) })));
    const url = `${api.url}/v1/chat/completions`;
    const headers = { "x-hearth-session": "desk" };
    const first = postStream(url, { model: "hearth", stream: true, messages: [{ role: "user", content: "first question" }] }, headers);
    await held.arrived;
    const second = await postStream(url, { model: "hearth", stream: true, messages: [{ role: "user", content: "second question" }] }, headers);
    assert.equal(second.response.status, 200, "the queued request's stream started");
    await second.raw.until(/^: hearth: waiting for the turn before this one in the same session to finish$/m);
    clock.advance(5_000);
    const one = await first;
    await one.raw.until(/^: hearth: no reply from Local for 5 s/m);
    held.release();
    await Promise.all([one.raw.ended, second.raw.ended]);
    const text = (body: string): string => dataChunks(body).map((chunk) => chunk.choices[0]?.delta.content ?? "").join("");
    assert.equal(text(one.raw.text()), "First answer");
    assert.equal(text(second.raw.text()), "Second answer");
    for (const body of [one.raw.text(), second.raw.text()]) assert.ok(!/hidden reasoning|question/.test(comments(body).join("\n")) && !body.includes("hidden reasoning"), body);
  });

  test("agent mode, responses: a session held by another process (its lock) is a wait the client hears", { timeout: 60_000 }, async () => {
    api = await apiSetup();
    api.local.setHandler(notLmStudio(() => ({ kind: "sse", frames: completionsStream({ text: "Your turn now" }) })));
    // What a one-shot `hearth agent` in the same session holds while it answers.
    const lock = await api.gateway.store.lock("desk");
    const { client, raw } = recordingClient(api.url);
    const { data: stream, response } = await client.responses.create({ model: "hearth", input: "Hi", stream: true }, { headers: { "x-hearth-session": "desk" } }).withResponse();
    assert.equal(response.status, 200);
    await raw().until(/^: hearth: waiting for the turn before this one in the same session to finish$/m);
    await lock.release();
    let text = "";
    for await (const event of stream) if (event.type === "response.output_text.delta") text += event.delta;
    assert.equal(text, "Your turn now");
  });
});

describe("a turn that waits for room in a llama-server's shared cache", () => {
  /**
   * Two sessions' streams: the first's request is held at the server; the second, sent then, opens
   * (200) and says it waits for room in the cache Local's server shares before the first is let go.
   * Returns the second's whole body once both have ended.
   */
  async function secondWaitsForRoom(options: { url: string; body: (text: string) => unknown; held: ReturnType<typeof holdReply> }): Promise<string> {
    const { url, body, held } = options;
    const first = postStream(url, body("first"), { "x-hearth-session": "one" });
    first.catch(() => undefined);
    await held.arrived;
    const second = await postStream(url, body("second"), { "x-hearth-session": "two" });
    assert.equal(second.response.status, 200);
    await second.raw.until(/^: hearth: waiting for room in the cache that Local's server shares among its requests \(1 running, 0 waiting before this one\)$/m);
    held.release();
    const one = await first;
    await Promise.all([one.raw.ended, second.raw.ended]);
    return second.raw.text();
  }

  test("agent mode: the second session's stream starts with the wait said", { timeout: 60_000 }, async () => {
    const api = await apiSetup();
    try {
      const held = holdReply({ kind: "sse", frames: completionsStream({ text: "First answer" }) });
      let calls = 0;
      // Four slots sharing one cache (what /props reports): two turns that do not fit together go one after the other.
      api.local.setHandler(
        llamaCppHandler({ alias: "m1", totalSlots: 4, nCtx: 8192, promptTokens: () => 10, completions: (request) => (++calls === 1 ? held.handler(request) : { kind: "sse", frames: completionsStream({ text: "Second answer" }) }) }),
      );
      const url = `${api.url}/v1/chat/completions`;
      // About 2,000 tokens each (four characters a token): two such turns and their replies outgrow the 8,192-token cache.
      const body = (text: string) => ({ model: "hearth", stream: true, messages: [{ role: "user", content: `${text} ${"the cat sat on the mat. ".repeat(330)}` }] });
      assert.equal(contentOf(await secondWaitsForRoom({ url, body, held })), "Second answer");
    } finally {
      await api.close();
    }
  });

  test("proxy mode: once the server is known to share its cache, a proxied stream that waits for room hears so", { timeout: 60_000 }, async () => {
    const api = await apiSetup();
    try {
      const held = holdReply({ kind: "sse", frames: completionsStream({ text: "First answer" }) });
      let holding = false;
      // The server counts prompts far larger than hearth estimates them (calibration): each proxied prompt below holds the whole cache.
      const answered: Reply = { kind: "sse", frames: completionsStream({ text: "Answered", usage: { input: 100_000, output: 1 } }) };
      api.local.setHandler(llamaCppHandler({ alias: "m1", totalSlots: 4, nCtx: 8192, promptTokens: () => 10, completions: (request) => (holding ? ((holding = false), held.handler(request)) : answered) }));
      // An agent's turn asks the server what it runs (a proxied request does not): from then on the gate knows the shared cache.
      const warm = await fetch(`${api.url}/v1/chat/completions`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ model: "hearth", messages: [{ role: "user", content: "hello" }] }) });
      assert.equal(warm.status, 200);
      holding = true;
      const url = `${api.url}/v1/chat/completions`;
      const body = (text: string) => ({ model: "local/m1", stream: true, messages: [{ role: "user", content: `${text} ${"the cat sat on the mat. ".repeat(200)}` }] });
      assert.match(await secondWaitsForRoom({ url, body, held }), /"content":"Answered"/);
    } finally {
      await api.close();
    }
  });
});
