// A turn stopped mid-answer — the web chat's Stop, an API client that goes away — with the real
// `bin/hearth gateway` process and a model server that streams words and then holds the answer open:
// what the channel showed is kept as the turn's answer, marked stopped by the user, on the page after a
// reload, in `sessions show`, and in what the model is sent next; a stop that showed nothing, or a
// channel that shows only the final text, leaves the turn unanswered as before.
import assert from "node:assert/strict";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import OpenAI from "openai";
import { STOPPED_NOTE } from "../../src/agent/build-context.js";
import { startFakeServer, type FakeServer, type RecordedRequest, type Reply } from "../fakes/fake-server.js";
import { sessionLines } from "../helpers/cut-gateway.js";
import { runCli, tempDir } from "../helpers/run-cli.js";
import { startGateway, type RunningGateway } from "../helpers/run-gateway.js";
import { openSse, type SseConnection } from "../helpers/sse-client.js";

const WORDS = ["word0 ", "word1 ", "word2 ", "word3 ", "word4 ", "word5 "];
const SHOWN = "word0 word1 word2 word3 word4 word5";

interface WireMessage {
  role: string;
  content?: string | null;
  tool_calls?: { id: string; function: { name: string; arguments: string } }[];
}

const chunk = (delta: Record<string, unknown>, finish: string | null = null) => ({ data: JSON.stringify({ id: "c1", object: "chat.completion.chunk", created: 0, model: "m", choices: [{ index: 0, delta, finish_reason: finish }] }) });

/**
 * "story": six words, then the answer is held open (never finished). "tool story": "Let me check." and
 * an exec call that sleeps (the tool runs when the stop comes). "silent": never answers. Anything
 * else: "continuing". Every request's messages are kept.
 */
function storyModel(): { handle: (request: RecordedRequest) => Reply; requests: WireMessage[][]; asked: (text: string) => Promise<void> } {
  const requests: WireMessage[][] = [];
  const waiting: { text: string; resolve: () => void }[] = [];
  const lastSaid = (messages: WireMessage[]): string => (typeof messages.at(-1)?.content === "string" ? (messages.at(-1)?.content as string) : "");
  return {
    requests,
    asked: (text) => (requests.some((messages) => lastSaid(messages) === text) ? Promise.resolve() : new Promise((resolve) => waiting.push({ text, resolve }))),
    handle: (request) => {
      if (request.path !== "/v1/chat/completions") return { kind: "json", status: 404, body: { error: { message: "not found" } } };
      const messages = (request.body as { messages: WireMessage[] }).messages;
      requests.push(messages);
      const last = messages.at(-1);
      const said = lastSaid(messages);
      for (const waiter of waiting.filter((entry) => entry.text === said)) waiter.resolve();
      if (last?.role === "user" && said.endsWith("tool story")) {
        const call = { index: 0, id: "call_1", type: "function", function: { name: "exec", arguments: JSON.stringify({ command: "sleep", args: ["30"] }) } };
        return { kind: "sse", frames: [chunk({ role: "assistant", content: "Let me check." }), chunk({ tool_calls: [call] }), chunk({}, "tool_calls"), { data: "[DONE]" }] };
      }
      if (last?.role === "user" && said.endsWith("story")) return { kind: "sse", frames: [chunk({ role: "assistant", content: "" }), ...WORDS.map((word) => chunk({ content: word }))], after: "hang" };
      if (last?.role === "user" && said.endsWith("silent")) return { kind: "hang-before-headers" };
      return { kind: "sse", frames: [chunk({ role: "assistant", content: "continuing" }), chunk({}, "stop"), { data: "[DONE]" }] };
    },
  };
}

function config(baseUrl: string): string {
  return `{
    agents: { defaults: { model: { primary: "local/m" }, tools: { allow: ["time", "exec"], exec: { commands: ["sleep"], sandbox: "off" } } } },
    models: { mode: "replace", providers: { local: { baseUrl: "${baseUrl}", api: "openai-completions", models: [{ id: "m", contextWindow: 32768, maxTokens: 1024 }] } } },
  }`;
}

interface TurnEnd {
  session: string;
  result: { ok: boolean; text?: string; stopped?: string; cause?: string };
}

const sessionOf = (data: string): string => (JSON.parse(data) as { session?: string }).session ?? "";
const textShown = (events: SseConnection, session: string, text: string) =>
  events.next((message) => message.event === "turn-event" && sessionOf(message.data) === session && message.data.includes(text));
const turnEnd = async (events: SseConnection, session: string): Promise<TurnEnd> => JSON.parse((await events.next((message) => message.event === "turn-end" && sessionOf(message.data) === session)).data) as TurnEnd;

describe("a turn stopped mid-answer keeps what was shown (the real gateway process)", { timeout: 120_000 }, () => {
  const temp = tempDir();
  const model = storyModel();
  let server: FakeServer | undefined;
  let gateway: RunningGateway | undefined;
  let events: SseConnection | undefined;
  let state = "";
  let file = "";
  after(async () => {
    events?.close();
    await gateway?.stop();
    await server?.close();
    temp.cleanup();
  });
  const started = async (): Promise<{ gateway: RunningGateway; events: SseConnection }> => {
    if (gateway && events) return { gateway, events };
    server = await startFakeServer(model.handle);
    file = temp.write("hearth.json5", config(server.baseUrl));
    state = join(temp.dir, "state");
    gateway = await startGateway(["--config", file], { HEARTH_STATE_DIR: state });
    events = await openSse(`${gateway.url}/api/events`);
    return { gateway, events };
  };
  const post = async (session: string, path: string, body: unknown): Promise<Response> => {
    const { gateway: running } = await started();
    return await fetch(`${running.url}/api/sessions/${session}/${path}`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
  };

  test("web chat Stop: the words shown are the answer, marked stopped — after a reload, in `sessions show`, and sent to the model with the next message", async () => {
    const { gateway: running, events: live } = await started();
    assert.equal((await post("web-stop", "messages", { text: "tell me a story" })).status, 202);
    await textShown(live, "web-stop", "word5");
    assert.deepEqual(await (await post("web-stop", "cancel", {})).json(), { cancelled: true });
    const end = await turnEnd(live, "web-stop");
    assert.equal(end.result.ok, true, JSON.stringify(end));
    assert.equal(end.result.text, SHOWN);
    assert.match(end.result.stopped ?? "", /^stopped by the user/);

    const saved = sessionLines(state, "web-stop");
    assert.deepEqual(saved.map((line) => line.type), ["session", "user", "assistant"], "no failed turn: the answer shown is kept");
    const answer = saved[2];
    assert.equal(answer?.message?.stopReason, "aborted");
    assert.equal(answer?.message?.content.map((part) => part.text ?? "").join("").trim(), SHOWN);
    assert.ok(answer?.notes?.some((note) => note.kind === "notice" && /^stopped by the user/.test(note.text)), JSON.stringify(answer?.notes));

    // The page after a reload: the same words, the same note, the message answered.
    const reloaded = (await (await fetch(`${running.url}/api/sessions/web-stop`)).json()) as { items: { role: string; text: string; unanswered?: boolean; notes?: { kind: string; text: string }[] }[] };
    const [user, shown] = reloaded.items;
    assert.equal(user?.unanswered, undefined, JSON.stringify(reloaded.items));
    assert.equal(shown?.role, "assistant");
    assert.equal(shown?.text, SHOWN);
    assert.ok(shown?.notes?.some((note) => /^stopped by the user/.test(note.text)), JSON.stringify(shown));

    const show = await runCli(["sessions", "show", "web-stop", "--config", file], { env: { HEARTH_STATE_DIR: state } });
    assert.match(show.stdout, /word0 word1 word2 word3 word4 word5/, show.stdout + show.stderr);
    assert.doesNotMatch(show.stdout, /No answer/);
    // The transcript marks it as the page does: stopped, the words so far kept.
    assert.match(show.stdout, /stopped by the user/, show.stdout);

    // The next message: the model is sent the stopped answer, and told it was stopped.
    assert.equal((await post("web-stop", "messages", { text: "go on" })).status, 202);
    assert.equal((await turnEnd(live, "web-stop")).result.text, "continuing");
    const sent = model.requests.at(-1) ?? [];
    assert.deepEqual(
      sent.filter((message) => message.role !== "system").map((message) => [message.role, message.content]),
      [
        ["user", "tell me a story"],
        ["assistant", "word0 word1 word2 word3 word4 word5 "],
        ["user", `${STOPPED_NOTE}go on`],
      ],
    );
  });

  test("Stop while a tool runs: the words said before the tool call are the answer; the call gets its result and the model is told of the stop", async () => {
    const { events: live } = await started();
    assert.equal((await post("web-tool", "messages", { text: "a tool story" })).status, 202);
    await live.next((message) => message.event === "turn-event" && sessionOf(message.data) === "web-tool" && message.data.includes('"tool-start"'));
    assert.deepEqual(await (await post("web-tool", "cancel", {})).json(), { cancelled: true });
    const end = await turnEnd(live, "web-tool");
    assert.equal(end.result.ok, true, JSON.stringify(end));
    assert.equal(end.result.text, "Let me check.");
    const saved = sessionLines(state, "web-tool");
    assert.deepEqual(saved.map((line) => line.type), ["session", "user", "assistant", "tool-result", "assistant"]);
    assert.equal(saved[4]?.message?.stopReason, "aborted");
    assert.deepEqual(saved[4]?.message?.content, [], "stopped between steps: the mark has no words of its own");

    assert.equal((await post("web-tool", "messages", { text: "go on" })).status, 202);
    assert.equal((await turnEnd(live, "web-tool")).result.text, "continuing");
    const sent = (model.requests.at(-1) ?? []).filter((message) => message.role !== "system");
    assert.deepEqual(sent.map((message) => message.role), ["user", "assistant", "tool", "user"], JSON.stringify(sent));
    assert.equal(sent[1]?.content, "Let me check.");
    assert.equal(sent[1]?.tool_calls?.[0]?.function.name, "exec");
    assert.equal(sent[3]?.content, `${STOPPED_NOTE}go on`);
  });

  test("Stop before any word of an answer: the turn is unanswered (cancelled), as before", async () => {
    const { gateway: running, events: live } = await started();
    assert.equal((await post("web-silent", "messages", { text: "stay silent" })).status, 202);
    await model.asked("stay silent");
    assert.deepEqual(await (await post("web-silent", "cancel", {})).json(), { cancelled: true });
    const end = await turnEnd(live, "web-silent");
    assert.equal(end.result.ok, false);
    assert.equal(end.result.cause, "cancelled");
    assert.deepEqual(sessionLines(state, "web-silent").map((line) => line.type), ["session", "user", "turn-failed"]);
    const reloaded = (await (await fetch(`${running.url}/api/sessions/web-silent`)).json()) as { items: { role: string; unanswered?: boolean }[] };
    assert.equal(reloaded.items[0]?.unanswered, true);
  });

  test("an API stream whose client goes away keeps what it was sent; a whole reply's client, sent nothing, leaves the turn unanswered", async () => {
    const { gateway: running, events: live } = await started();
    const client = new OpenAI({ baseURL: `${running.url}/v1`, apiKey: "unused", maxRetries: 0 });
    const stream = await client.chat.completions.create({ model: "hearth", stream: true, messages: [{ role: "user", content: "an api story" }] }, { headers: { "x-hearth-session": "api-stop" } });
    let got = "";
    for await (const part of stream) {
      got += part.choices[0]?.delta.content ?? "";
      if (got.includes("word5")) break;
    }
    stream.controller.abort();
    const end = await turnEnd(live, "api-stop");
    assert.equal(end.result.ok, true, JSON.stringify(end));
    assert.equal(end.result.text, SHOWN);
    const saved = sessionLines(state, "api-stop");
    assert.deepEqual(saved.map((line) => line.type), ["session", "user", "assistant"]);
    assert.equal(saved[2]?.message?.stopReason, "aborted");

    // A whole reply (not streamed): the client was shown nothing when it left.
    const whole = new AbortController();
    const reply = client.chat.completions.create({ model: "hearth", messages: [{ role: "user", content: "a whole story" }] }, { headers: { "x-hearth-session": "api-whole" }, signal: whole.signal });
    const failed = reply.then(
      () => "answered",
      () => "aborted",
    );
    await textShown(live, "api-whole", "word5");
    whole.abort();
    assert.equal(await failed, "aborted");
    const wholeEnd = await turnEnd(live, "api-whole");
    assert.equal(wholeEnd.result.ok, false);
    assert.equal(wholeEnd.result.cause, "cancelled");
    assert.deepEqual(sessionLines(state, "api-whole").map((line) => line.type), ["session", "user", "turn-failed"]);
  });
});
