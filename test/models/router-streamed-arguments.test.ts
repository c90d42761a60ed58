// s19 review #4: the mid-answer stall watch heard only what goes out as events, and a tool call goes out
// whole at its end. A model that said "I'll write the file:" and then streamed a long `write` argument for
// more than 5 s was said to have gone silent ("nothing more from … in the middle of its answer"), a notice
// WhatsApp sends as a real message. Every piece of the reply the server sends now counts, in every protocol
// that streams a call's arguments; a real silence after them is still said.
import assert from "node:assert/strict";
import { createServer, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { test } from "node:test";
import type { Api } from "../../src/ai/api.js";
import type { Context } from "../../src/ai/types.js";
import type { RouterEvent } from "../../src/models/router-events.js";
import { waitingNotice } from "../../src/models/waiting-notice.js";
import { modelSpec } from "../ai/adapter-contract.js";
import { anthropicStream } from "../fakes/anthropic-messages-stream.js";
import { serializeSseFrame, type SseFrame } from "../fakes/fake-server.js";
import { completionsStream } from "../fakes/openai-completions-stream.js";
import { responsesStream } from "../fakes/openai-responses-stream.js";
import { settle } from "../helpers/manual-clock.js";
import { testRouting } from "../helpers/routing.js";

const words = "I'll write the file:";
const input = { path: "notes/plan.md", content: "A plan, line after line, long enough to take a while to stream. ".repeat(6) };
const argumentsText = JSON.stringify(input);

const context: Context = {
  systemPrompt: "S",
  messages: [{ role: "user", content: "write the plan down" }],
  tools: [{ name: "write", description: "Writes a file.", parameters: { type: "object", properties: { path: { type: "string" }, content: { type: "string" } } } }],
};

/**
 * Each protocol's reply: the words, then one tool call whose arguments stream in many pieces. `piece`
 * finds a frame that carries some of them, `token` one that carries a token (a word or a piece): the
 * model makes one a second, and the frames around them come with them, as a server sends them.
 */
const protocols: { api: Api; frames: SseFrame[]; piece: RegExp; token: RegExp }[] = [
  { api: "openai-completions", frames: completionsStream({ text: words, toolCalls: [{ id: "call_1", name: "write", arguments: argumentsText }] }), piece: /"arguments":"[^"]/, token: /"(content|arguments)":"[^"]/ },
  { api: "anthropic-messages", frames: anthropicStream({ text: words, toolUses: [{ id: "toolu_1", name: "write", input }] }), piece: /"partial_json":"[^"]/, token: /"(text|partial_json)":"[^"]/ },
  { api: "openai-responses", frames: responsesStream({ text: words, toolCalls: [{ callId: "call_1", name: "write", arguments: argumentsText }] }), piece: /function_call_arguments\.delta/, token: /(output_text|function_call_arguments)\.delta/ },
];

/** A model server that holds its reply and writes it one frame at a time, each when the test says. */
async function startPacedServer() {
  let reply: ServerResponse | undefined;
  const waiting: (() => void)[] = [];
  const server = createServer((request, response) => {
    if (request.method !== "POST") return void response.writeHead(404).end();
    request.resume();
    request.on("end", () => {
      response.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" });
      response.flushHeaders();
      reply = response;
      for (const wake of waiting.splice(0)) wake();
    });
  });
  server.on("connection", (socket) => socket.setNoDelay(true));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    /** Resolves once the model was asked. */
    asked: (): Promise<void> => new Promise((resolve) => (reply ? resolve() : waiting.push(resolve))),
    write: (frame: SseFrame): Promise<void> => new Promise((resolve) => reply?.write(serializeSseFrame(frame), () => resolve())),
    end: (): void => void reply?.end(),
    close: (): Promise<void> => {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

for (const { api, frames, piece, token } of protocols) {
  test(`${api}: a tool call's arguments streaming for long after the words are no silence; a real silence after them is said once`, { timeout: 60_000 }, async () => {
    const routing = testRouting();
    const server = await startPacedServer();
    try {
      const pieces = frames.filter((frame) => piece.test(frame.data)).length;
      assert.ok(pieces >= 30, `the arguments stream in ${pieces} pieces: more than 5 s of them at a second each`);
      const lastPiece = frames.findLastIndex((frame) => piece.test(frame.data));
      const events: RouterEvent[] = [];
      const routed = (async () => {
        for await (const event of routing.router.stream({ chain: [modelSpec(api, server.url)], context })) events.push(event);
      })();
      await server.asked();
      // A second of the watches' clock per token; after the last piece of the arguments, a silence of 6 s.
      for (const [index, frame] of frames.entries()) {
        await server.write(frame);
        if (!token.test(frame.data)) continue;
        await settle(10);
        routing.clock.advance(index === lastPiece ? 6_000 : 1_000);
      }
      server.end();
      await routed;

      const end = events.at(-1);
      assert.equal(end?.type, "route-end", JSON.stringify(end));
      assert.equal(events.map((event) => (event.type === "text-delta" ? event.delta : "")).join(""), words);
      const call = events.findIndex((event) => event.type === "tool-call");
      const called = events[call];
      assert.deepEqual(called?.type === "tool-call" ? called.call.arguments : undefined, input, "the call came whole");
      const notices = events.filter((event) => event.type === "attempt-waiting");
      assert.equal(notices.length, 1, `one stall said, the silence after the arguments — not one while they streamed: ${notices.map((notice) => (notice.type === "attempt-waiting" ? waitingNotice(notice) : "")).join(" | ")}`);
      const [notice] = notices;
      assert.ok(notice?.type === "attempt-waiting" && notice.midAnswer === true && notice.waitedMs === 5_000, JSON.stringify(notice));
      assert.ok(events.indexOf(notice) < call, "said in the silence, before the call came");
    } finally {
      routing.close();
      await server.close();
    }
  });
}
