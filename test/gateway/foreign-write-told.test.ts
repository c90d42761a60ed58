import assert from "node:assert/strict";
import { appendFileSync } from "node:fs";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { createRuntime } from "../../src/cli/runtime.js";
import type { GatewayEvent } from "../../src/gateway/port.js";
import { JsonlSessionStore } from "../../src/sessions/jsonl-session-store.js";
import { startFakeServer, type FakeServer } from "../fakes/fake-server.js";
import { completionsStream } from "../fakes/openai-completions-stream.js";
import { tempDir } from "../helpers/run-cli.js";
import { startGateway, type RunningGateway } from "../helpers/run-gateway.js";
import { conversationOf, lastUser } from "../helpers/scripted-model.js";
import { openSse, type SseConnection } from "../helpers/sse-client.js";

/**
 * Another process's write to a session that lands just before a turn of the gateway takes the session's
 * lock (t20 #1: `hearth agent`'s answer saved 81 ms before an API message's turn began) is told as
 * `session-updated` before that turn's `turn-start`. The session watch alone hid it: it settles 50 ms, and
 * by then the gateway was writing the session itself (or had written it last), which the watch takes as
 * its own write — a page then never read the other process's answer. The real gateway's case below may have its
 * watch tell the write in time (it passed half the time without the fix); the one in process has a watch that never
 * does (it settles 60 s), so only the turn's look at the file as it takes the lock can tell it.
 */
describe("a write of another process just before a gateway turn (real gateway, real files)", { timeout: 60_000 }, () => {
  const temp = tempDir();
  let server: FakeServer | undefined;
  let gateway: RunningGateway | undefined;
  let events: SseConnection | undefined;
  after(async () => {
    events?.close();
    await gateway?.stop();
    await server?.close();
    temp.cleanup();
  });

  test("it is told as session-updated before the gateway's turn starts", async () => {
    server = await startFakeServer((request) => {
      if (request.method === "GET") return { kind: "json", body: { object: "list", data: [{ id: "m", object: "model" }] } };
      const message = lastUser(conversationOf("openai-completions", request.body as Record<string, unknown>));
      return { kind: "sse", frames: completionsStream({ model: "m", text: `Heard: ${message}` }) };
    });
    const state = join(temp.dir, "state");
    const config = temp.write("hearth.json5", `{ agents: { defaults: { model: { primary: "home/m" } } }, models: { mode: "replace", providers: { home: { baseUrl: "${server.baseUrl}", api: "openai-completions", models: [{ id: "m", contextWindow: 32768, maxTokens: 512 }] } } } }`);
    gateway = await startGateway(["--config", config], { HEARTH_STATE_DIR: state });
    const listen = await openSse(`${gateway.url}/api/events`);
    events = listen;
    const send = async (text: string): Promise<void> => {
      assert.ok(gateway);
      const sent = await fetch(`${gateway.url}/api/sessions/web-3/messages`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ text }) });
      assert.equal(sent.status, 202, await sent.text());
    };
    const ended = (): Promise<unknown> => listen.next((message) => message.event === "turn-end" && message.data.includes('"web-3"'));

    // The gateway wrote the session last: its own look of the file.
    await send("first");
    await ended();
    const seenBefore = listen.seen.length;

    // Another process's answer, then at once a message of the gateway's (within the watch's 50 ms settling).
    appendFileSync(join(state, "sessions", "web-3.jsonl"), `${JSON.stringify({ type: "user", id: "0badc0de", at: new Date().toISOString(), text: "written by another process", channel: "cli" })}\n`);
    await send("second");
    await ended();

    const told = listen.seen.slice(seenBefore).filter((message) => message.data.includes('"web-3"')).map((message) => message.event);
    const updated = told.indexOf("session-updated");
    assert.ok(updated >= 0, `the other process's write is told: ${told.join(", ")}`);
    assert.ok(updated < told.indexOf("turn-start"), `before the gateway's turn starts: ${told.join(", ")}`);
    const read = (await (await fetch(`${gateway.url}/api/sessions/web-3`)).json()) as { items: { role: string; text: string }[] };
    assert.deepEqual(
      read.items.filter((item) => item.role === "user").map((item) => item.text),
      ["first", "written by another process", "second"],
    );
  });
});

describe("a write of another process just before a gateway turn, the watch too slow to tell it (gateway in process, real files)", { timeout: 60_000 }, () => {
  const temp = tempDir();
  const closers: (() => unknown)[] = [];
  after(async () => {
    for (const close of closers.reverse()) await close();
    temp.cleanup();
  });

  test("the turn tells it as session-updated before its turn-start, once", async () => {
    const server = await startFakeServer((request) => {
      if (request.method === "GET") return { kind: "json", body: { object: "list", data: [{ id: "m", object: "model" }] } };
      const message = lastUser(conversationOf("openai-completions", request.body as Record<string, unknown>));
      return { kind: "sse", frames: completionsStream({ model: "m", text: `Heard: ${message}` }) };
    });
    closers.push(() => server.close());
    const state = join(temp.dir, "state");
    const config = temp.write("hearth.json5", `{ agents: { defaults: { model: { primary: "home/m" } } }, models: { mode: "replace", providers: { home: { baseUrl: "${server.baseUrl}", api: "openai-completions", models: [{ id: "m", contextWindow: 32768, maxTokens: 512 }] } } } }`);
    const store = new JsonlSessionStore(state, { watching: { settleMs: 60_000 } });
    const runtime = await createRuntime({ env: { HEARTH_STATE_DIR: state }, cwd: temp.dir, config, store });
    closers.push(() => runtime.close());
    const told: GatewayEvent[] = [];
    closers.push(runtime.gateway.subscribe((event) => void ("session" in event && event.session === "web-4" && told.push(event))));
    const send = async (text: string): Promise<void> => {
      const handled = await runtime.gateway.handle({ channel: "webchat", session: "web-4", text });
      assert.ok(handled.kind === "turn" && handled.result.ok, JSON.stringify(handled));
    };

    await send("first");
    const from = told.length;
    appendFileSync(join(state, "sessions", "web-4.jsonl"), `${JSON.stringify({ type: "user", id: "0badc0de", at: new Date().toISOString(), text: "written by another process", channel: "cli" })}\n`);
    await send("second");
    await send("third");

    const kinds = told.slice(from).map((event) => event.type);
    assert.deepEqual(kinds.slice(0, 2), ["session-updated", "turn-start"], `told before the second turn starts: ${kinds.join(", ")}`);
    assert.equal(kinds.filter((kind) => kind === "session-updated").length, 1, `and not again at the third: ${kinds.join(", ")}`);
  });
});
