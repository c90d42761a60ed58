// A trial (t9) found a key-shaped token (`sk-proj-…`) that a model's stream split over deltas reaching
// every streaming client in clear — proxy and agent mode, Chat Completions and Responses, the web
// chat's /api/events — while the whole reply and the session masked it. Through the real gateway
// (bin/hearth) and a model server streaming each answer cut at every position, every channel that
// streams shows exactly what the non-streamed reply and the saved session say, the keys masked.
import assert from "node:assert/strict";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { contentPieces } from "../helpers/chat-completions-replies.js";
import { startFakeServer, type FakeServer, type RecordedRequest } from "../fakes/fake-server.js";
import { tempDir } from "../helpers/run-cli.js";
import { startGateway, type RunningGateway } from "../helpers/run-gateway.js";
import { openSse, type SseConnection } from "../helpers/sse-client.js";

/** The answers, each with what every channel must show of it. */
const ANSWERS = [
  { text: "my key is sk-proj-AbCdEfGhIjKlMnOpQrStUvWxYz0123456789abcdefGHIJ and that is it.", masked: "my key is *** and that is it." },
  {
    text: "gh ghp_AbCdEfGhIjKlMnOpQrStUvWxYz0123456789, aws AKIAABCDEFGHIJ234567, slack xoxb-1234567890-abcdef and Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.e30.sig end",
    masked: "gh ***, aws ***, slack *** and Authorization: Bearer *** end",
  },
];
// The config's own key, known to the gateway: the known secrets' masking runs beside the shapes'.
const KNOWN = "canary-KeyShapes-7d1e9b3f5a2c4086";

/** The answer for a request: "answer A cut C" is answer A cut at C and half its length further (two cuts a request), "answer A by one" a character a piece. */
function pieces(request: RecordedRequest): string[] {
  const messages = (request.body as { messages?: { role: string; content: unknown }[] }).messages ?? [];
  const said = JSON.stringify(messages.filter((message) => message.role === "user").at(-1)?.content ?? "");
  const found = /answer (\d+) (?:cut (\d+)|by one)/.exec(said);
  const text = ANSWERS[Number(found?.[1] ?? 0)]?.text ?? "";
  if (found?.[2] === undefined) return [...text];
  const cut = Number(found[2]);
  const second = cut + Math.ceil(text.length / 2);
  return [text.slice(0, cut), text.slice(cut, second), text.slice(second)].filter((piece) => piece !== "");
}

/** The text of a Chat Completions stream (its content deltas joined). */
function chatStreamText(body: string): string {
  return dataOf(body)
    .map((data) => (data as { choices?: { delta?: { content?: string } }[] }).choices?.[0]?.delta?.content ?? "")
    .join("");
}

/** The text of a Responses stream (its output_text deltas joined). */
function responsesStreamText(body: string): string {
  return dataOf(body)
    .filter((data) => (data as { type?: string }).type === "response.output_text.delta")
    .map((data) => (data as { delta: string }).delta)
    .join("");
}

function dataOf(body: string): unknown[] {
  return body
    .split("\n")
    .filter((line) => line.startsWith("data: ") && line !== "data: [DONE]")
    .map((line) => JSON.parse(line.slice(6)) as unknown);
}

describe("a key-shaped token streamed in pieces cut anywhere: every channel shows what the reply and the session say", { timeout: 600_000 }, () => {
  const temp = tempDir();
  let server: FakeServer;
  let gateway: RunningGateway;
  let events: SseConnection;

  before(async () => {
    server = await startFakeServer((request) => contentPieces(pieces(request)));
    const file = temp.write(
      "hearth.json5",
      `{ agents: { defaults: { model: { primary: "p/m" } } },
  models: { mode: "replace", providers: { p: { baseUrl: "${server.baseUrl}", api: "openai-completions", apiKey: "${KNOWN}", models: [{ id: "m", contextWindow: 32768, maxTokens: 1024 }] } } } }`,
    );
    gateway = await startGateway(["--config", file], { HEARTH_STATE_DIR: join(temp.dir, "state") });
    events = await openSse(`${gateway.url}/api/events`);
  });
  after(async () => {
    events.close();
    await gateway.stop();
    await server.close();
    temp.cleanup();
  });

  const post = async (path: string, body: object, headers: Record<string, string> = {}): Promise<string> => {
    const reply = await fetch(`${gateway.url}${path}`, { method: "POST", headers: { "content-type": "application/json", ...headers }, body: JSON.stringify(body) });
    const text = await reply.text();
    assert.ok(reply.ok, `${path}: ${reply.status} ${text}`);
    return text;
  };

  /** The last assistant answer saved in a session, as the web chat reads it. */
  const saved = async (session: string): Promise<string> => {
    const reply = (await (await fetch(`${gateway.url}/api/sessions/${session}`)).json()) as { items: { role?: string; text?: string }[] };
    const answers = reply.items.filter((item) => item.role === "assistant");
    return answers.at(-1)?.text ?? JSON.stringify(reply.items);
  };

  /** What a web chat page watching /api/events is shown of a message's turn: its text deltas, joined. */
  const webChat = async (session: string, text: string): Promise<string> => {
    const seen = events.seen.length;
    await post(`/api/sessions/${session}/messages`, { text });
    const ofSession = (data: string): { type: string; session: string; event?: { type: string; delta?: string } } | undefined => {
      const parsed = JSON.parse(data) as { type: string; session: string; event?: { type: string; delta?: string } };
      return parsed.session === session ? parsed : undefined;
    };
    await events.next((message) => message.event === "turn-end" && ofSession(message.data) !== undefined);
    return events.seen
      .slice(seen)
      .map((message) => (message.event === "turn-event" ? ofSession(message.data)?.event : undefined))
      .map((event) => (event?.type === "text-delta" ? (event.delta ?? "") : ""))
      .join("");
  };

  for (const [index, answer] of ANSWERS.entries()) {
    test(`answer ${index}, cut at every position and a character a piece: proxy and agent mode, Chat and Responses, streamed or not, the web chat's events and the session`, async () => {
      const cuts = [...Array.from({ length: Math.ceil(answer.text.length / 2) }, (_, cut) => `cut ${cut + 1}`), "by one"];
      for (const cut of cuts) {
        const ask = `answer ${index} ${cut}`;
        const messages = [{ role: "user", content: ask }];
        const where = `${ask}`;
        const proxyWhole = JSON.parse(await post("/v1/chat/completions", { model: "p/m", messages })) as { choices: { message: { content: string } }[] };
        assert.equal(proxyWhole.choices[0]?.message.content, answer.masked, `${where}: proxy mode, not streamed`);
        assert.equal(chatStreamText(await post("/v1/chat/completions", { model: "p/m", stream: true, messages })), answer.masked, `${where}: proxy mode, Chat Completions streamed`);
        assert.equal(responsesStreamText(await post("/v1/responses", { model: "p/m", stream: true, input: ask })), answer.masked, `${where}: proxy mode, Responses streamed`);
        const session = `ks-${index}-${cut.replace(" ", "-")}`;
        assert.equal(chatStreamText(await post("/v1/chat/completions", { model: "hearth", stream: true, messages }, { "x-hearth-session": session })), answer.masked, `${where}: agent mode, Chat Completions streamed`);
        assert.equal(await saved(session), answer.masked, `${where}: agent mode's saved answer`);
        assert.equal(responsesStreamText(await post("/v1/responses", { model: "hearth", stream: true, input: ask }, { "x-hearth-session": `${session}-r` })), answer.masked, `${where}: agent mode, Responses streamed`);
        assert.equal(await webChat(`web-${session}`, ask), answer.masked, `${where}: the web chat's live events`);
        assert.equal(await saved(`web-${session}`), answer.masked, `${where}: the web chat's saved answer`);
      }
      // The server did split them: the key went out in pieces, and the known key was sent to it.
      assert.ok(server.requests.some((request) => pieces(request).length === answer.text.length));
      assert.ok(server.requests.every((request) => request.headers.authorization === `Bearer ${KNOWN}`));
    });
  }
});
