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
 * `session-updated` (every page showing the conversation reads it again whole, wiping what only the screen holds:
 * a command's answer, reasoning opened, the scroll) is told of another process's write once, and never of the
 * gateway's own: not at the first turn of a conversation after a restart (the new process had not written it yet,
 * which was taken for another's write), nor again at the next turn after the watch told a write (s25 review #2).
 */
describe("session-updated is told once per write of another process (real gateway, real files)", { timeout: 90_000 }, () => {
  const temp = tempDir();
  const state = join(temp.dir, "state");
  let server: FakeServer | undefined;
  let gateway: RunningGateway | undefined;
  let events: SseConnection | undefined;
  let config = "";
  /** The gateway running now, listened to: `send` waits for its message's turn to end; `told` says web-5's events from an index of `seen`. */
  let running: { gateway: RunningGateway; send: (text: string) => Promise<void>; told: (from: number) => string[]; listen: SseConnection } | undefined;
  after(async () => {
    events?.close();
    await gateway?.stop();
    await server?.close();
    temp.cleanup();
  });

  /** A gateway on the state dir, listened to. */
  const start = async (): Promise<NonNullable<typeof running>> => {
    const started = await startGateway(["--config", config], { HEARTH_STATE_DIR: state });
    gateway = started;
    const listen = await openSse(`${started.url}/api/events`);
    events = listen;
    const send = async (text: string): Promise<void> => {
      const from = listen.seen.length;
      const sent = await fetch(`${started.url}/api/sessions/web-5/messages`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ text }) });
      assert.equal(sent.status, 202, await sent.text());
      await listen.next((message) => message.event === "turn-end" && message.data.includes('"web-5"') && listen.seen.indexOf(message) >= from);
    };
    const told = (from: number): string[] => listen.seen.slice(from).filter((message) => message.data.includes('"web-5"')).map((message) => message.event ?? "message");
    running = { gateway: started, send, told, listen };
    return running;
  };

  test("a restart, then a turn in a conversation of the last run: no session-updated", async () => {
    server = await startFakeServer((request) => {
      if (request.method === "GET") return { kind: "json", body: { object: "list", data: [{ id: "m", object: "model" }] } };
      const message = lastUser(conversationOf("openai-completions", request.body as Record<string, unknown>));
      return { kind: "sse", frames: completionsStream({ model: "m", text: `Heard: ${message}` }) };
    });
    config = temp.write("hearth.json5", `{ agents: { defaults: { model: { primary: "home/m" } } }, models: { mode: "replace", providers: { home: { baseUrl: "${server.baseUrl}", api: "openai-completions", models: [{ id: "m", contextWindow: 32768, maxTokens: 512 }] } } } }`);
    const first = await start();
    await first.send("before the restart");
    events?.close();
    await gateway?.stop();

    const second = await start();
    await second.send("after the restart");
    const told = second.told(0);
    assert.deepEqual(told.filter((event) => event === "session-updated"), [], `the gateway's own file is not another's write: ${told.join(", ")}`);
    assert.ok(told.includes("turn-start") && told.includes("turn-end"), told.join(", "));
  });

  test("another process's write the watch told is not told again at the gateway's next turn", async () => {
    assert.ok(running, "the gateway of the first test runs");
    const { send, told, listen } = running;
    const from = listen.seen.length;
    // One write (its watch's tell is waited for): another process's answer.
    appendFileSync(join(state, "sessions", "web-5.jsonl"), `${JSON.stringify({ type: "user", id: "0badc0df", at: new Date().toISOString(), text: "written by another process", channel: "cli" })}\n`);
    await listen.next((message) => message.event === "session-updated" && message.data.includes('"web-5"') && listen.seen.indexOf(message) >= from);
    const afterTell = listen.seen.length;
    await send("after the other process");
    const turn = told(afterTell);
    assert.deepEqual(turn.filter((event) => event === "session-updated"), [], `told once, by the watch: ${told(from).join(", ")}`);
    const read = (await (await fetch(`${running.gateway.url}/api/sessions/web-5`)).json()) as { items: { role: string; text: string }[] };
    assert.deepEqual(
      read.items.filter((item) => item.role === "user").map((item) => item.text),
      ["before the restart", "after the restart", "written by another process", "after the other process"],
    );
  });
});
