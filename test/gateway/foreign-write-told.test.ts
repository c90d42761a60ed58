import assert from "node:assert/strict";
import { appendFileSync } from "node:fs";
import { join } from "node:path";
import { after, describe, test } from "node:test";
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
 * its own write — a page then never read the other process's answer.
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
