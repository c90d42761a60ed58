import assert from "node:assert/strict";
import { afterEach, describe, test } from "node:test";
import type { AgentEvent, TurnResult } from "../../src/agent/agent-events.js";
import { applyAgentEvent, applyTurnResult, newLiveTurn } from "../../src/channels/webchat/page/live-turn.js";
import { transcriptItems } from "../../src/gateway/transcript.js";
import type { SessionEntry } from "../../src/sessions/entries.js";
import { completionsStream } from "../fakes/openai-completions-stream.js";
import { responsesStream } from "../fakes/openai-responses-stream.js";
import type { Handler } from "../fakes/fake-server.js";
import { apiSetup, type ApiSetup } from "../channels/openai-setup.js";

// t15 finding 8: the local server dies in the middle of an answer the web page was showing; the chain
// restarts the answer on the fallback (answer-restart), and the fallback fails too. The words the user
// was reading must not vanish — from the page nor from the session — as they do not on an API stream
// (which cannot restart and keeps them cut off): they are the turn's cut-off answer, and the next turn's
// model sees them. Real HTTP fake servers: "local" streams words then drops the connection.

const SHOWN = "Once upon a time there was a big tree in the park.";
const notFound = { kind: "json" as const, status: 404, body: { error: { message: "not here" } } };
/** Streams SHOWN (whole, in 8-character deltas), then resets the connection before the answer's end. */
const breaksMidAnswer: Handler = (request) => (request.method === "POST" ? { kind: "sse", frames: completionsStream({ text: SHOWN }).slice(0, -3), after: "reset" } : notFound);
const refusesKey: Handler = (request) => (request.method === "POST" ? { kind: "json", status: 401, body: { error: { message: "invalid x-api-key", type: "authentication_error" } } } : notFound);

const textOf = (entry: SessionEntry | undefined): string => (entry?.type === "assistant" ? entry.message.content.map((part) => (part.type === "text" ? part.text : "")).join("") : "");

describe("an answer restarted on another model after its words were shown", () => {
  let api: ApiSetup | undefined;
  afterEach(async () => {
    await api?.close();
    api = undefined;
  });

  /** A turn as the web page sends it (it can replace shown text, and shows words live), its events folded as the page folds them. */
  const pageTurn = async (setup: ApiSetup, session: string, text: string, more: { signal?: AbortSignal; onEvent?: (event: AgentEvent) => void } = {}) => {
    const events: AgentEvent[] = [];
    const live = newLiveTurn();
    const handled = await setup.gateway.port.handle({
      channel: "webchat",
      session,
      text,
      canRestart: true,
      showsLiveText: true,
      ...(more.signal ? { signal: more.signal } : {}),
      onEvent: (event) => {
        events.push(event);
        applyAgentEvent(live, event);
        more.onEvent?.(event);
      },
    });
    assert.equal(handled.kind, "turn", JSON.stringify(handled));
    const result = (handled as { result: TurnResult }).result;
    applyTurnResult(live, result);
    return { events, live, result };
  };

  test("no later model answers: the words shown stay on the page, are the turn's cut-off answer in the session, and the next turn's model sees them", { timeout: 60_000 }, async () => {
    api = await apiSetup();
    api.local.setHandler(breaksMidAnswer);
    api.backup.setHandler(refusesKey);
    const { events, live, result } = await pageTurn(api, "tree", "Tell me a story about a big tree");
    assert.ok(events.some((event) => event.type === "answer-restart"), "the answer was restarted on the fallback");
    assert.equal(api.backup.requests.filter((request) => request.method === "POST").length, 1, "the fallback was asked");

    assert.equal(result.ok, false);
    assert.ok(!result.ok && result.keptCutOff === SHOWN, JSON.stringify(result));
    // The page: the words it showed are still there, answered and cut off — no "no answer", no Retry.
    assert.equal(live.text, SHOWN);
    assert.equal(live.failed, false);
    assert.ok(live.notes.some((note) => note.kind === "truncated" && /cut off: no model could answer/.test(note.text)), JSON.stringify(live.notes));

    // The session: the words shown as the turn's answer, cut off; no turn-failed.
    const entries = (await api.gateway.store.read("tree")).entries;
    assert.deepEqual(entries.map((entry) => entry.type), ["session", "user", "assistant"]);
    const answer = entries[2];
    assert.ok(answer?.type === "assistant");
    assert.equal(textOf(answer), SHOWN);
    assert.equal(answer.message.stopReason, "error");
    assert.equal(answer.message.model, "local/m1", "the words are the model's that said them");
    // Reloaded, the page shows the same: the answer, its notes as the live turn showed them, no Retry.
    const items = transcriptItems(entries);
    assert.deepEqual(items.map((item) => [item.role, item.text]), [["user", "Tell me a story about a big tree"], ["assistant", SHOWN]]);
    assert.equal((items[0] as { unanswered?: boolean }).unanswered, undefined);
    assert.deepEqual(items[1]?.notes?.map((note) => note.kind), live.notes.map((note) => note.kind));
    assert.deepEqual(items[1]?.notes?.at(-1), live.notes.at(-1));

    // The next turn's model is sent the words it said (it can go on from them).
    let sent: { messages: { role: string; content: unknown }[] } | undefined;
    api.local.setHandler((request) => {
      if (request.method !== "POST") return notFound;
      sent = request.body as typeof sent;
      return { kind: "sse", frames: completionsStream({ text: "And then the tree grew." }) };
    });
    const next = await pageTurn(api, "tree", "go on");
    assert.ok(next.result.ok, JSON.stringify(next.result));
    const said = (sent?.messages ?? []).filter((message) => message.role !== "system").map((message) => [message.role, typeof message.content === "string" ? message.content : JSON.stringify(message.content)]);
    assert.deepEqual(said[1], ["assistant", SHOWN], JSON.stringify(said));
    assert.match(said[2]?.[1] ?? "", /go on/);
  });

  test("a later model answers: its first words take the place of the broken ones, on the page and in the session alike", { timeout: 60_000 }, async () => {
    api = await apiSetup();
    api.local.setHandler(breaksMidAnswer);
    api.backup.setHandler((request) => (request.method === "POST" ? { kind: "sse", frames: responsesStream({ text: "A fresh story from the spare." }) } : notFound));
    /** What the page showed at the moment the answer restarted, and when the fallback's first words came. */
    const seen: string[] = [];
    const probe = newLiveTurn();
    const { live, result } = await pageTurn(api, "fresh", "Tell me a story", {
      onEvent: (event) => {
        applyAgentEvent(probe, event);
        if (event.type === "answer-restart" || (event.type === "text-delta" && probe.text.startsWith("A fresh") && seen.length === 1)) seen.push(probe.text);
      },
    });
    assert.ok(result.ok, JSON.stringify(result));
    assert.deepEqual(seen, [SHOWN, "A fresh "], "the broken words stay shown while the fallback is asked, until its first words replace them");
    assert.equal(live.text, "A fresh story from the spare.");
    const entries = (await api.gateway.store.read("fresh")).entries;
    assert.deepEqual(entries.map((entry) => entry.type), ["session", "user", "assistant"]);
    assert.equal(textOf(entries[2]), "A fresh story from the spare.", "the session keeps the answer the page shows, which the conversation goes on from");
    const items = transcriptItems(entries);
    assert.deepEqual(items.map((item) => item.text), ["Tell me a story", live.text]);
  });

  test("stopped while the fallback is awaited: the words still shown are kept as the stopped answer", { timeout: 60_000 }, async () => {
    api = await apiSetup();
    api.local.setHandler(breaksMidAnswer);
    // The fallback takes the request and says nothing (the user stops the turn meanwhile).
    api.backup.setHandler((request) => (request.method === "POST" ? { kind: "sse", frames: [], after: "hang" } : notFound));
    const stop = new AbortController();
    const { live, result } = await pageTurn(api, "stopped", "Tell me a story", {
      signal: stop.signal,
      onEvent: (event) => {
        if (event.type === "attempt-start" && event.model === "backup/m2") setTimeout(() => stop.abort(), 100);
      },
    });
    assert.ok(result.ok && result.stopped !== undefined, JSON.stringify(result));
    assert.equal(result.ok && result.text, SHOWN);
    assert.equal(live.text, SHOWN);
    const entries = (await api.gateway.store.read("stopped")).entries;
    const answer = entries.find((entry) => entry.type === "assistant");
    assert.equal(textOf(answer), SHOWN);
    assert.equal(answer?.type === "assistant" && answer.message.stopReason, "aborted");
  });

  test("a channel that shows only the final text (hearth agent, WhatsApp, a whole API reply) showed no word: nothing is kept, the turn has no answer", { timeout: 60_000 }, async () => {
    api = await apiSetup();
    api.local.setHandler(breaksMidAnswer);
    api.backup.setHandler(refusesKey);
    const handled = await api.gateway.port.handle({ channel: "cli", session: "quiet", text: "Tell me a story", canRestart: true });
    assert.ok(handled.kind === "turn" && !handled.result.ok && handled.result.keptCutOff === undefined, JSON.stringify(handled));
    const entries = (await api.gateway.store.read("quiet")).entries;
    assert.deepEqual(entries.map((entry) => entry.type), ["session", "user", "turn-failed"]);
  });
});
