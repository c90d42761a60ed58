import assert from "node:assert/strict";
import { readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { startFakeServer, type FakeServer } from "../fakes/fake-server.js";
import { tempDir } from "../helpers/run-cli.js";
import { startGateway, type RunningGateway } from "../helpers/run-gateway.js";
import { scriptedModel } from "../helpers/scripted-model.js";
import { openSse, type SseConnection } from "../helpers/sse-client.js";
import { mountTmpfs } from "../helpers/state-faults.js";

/**
 * A web chat message answered 202 ("kept") whose session cannot be written when its turn comes (trial
 * t13, finding 2: `sessions/` on a full tmpfs, `inbox/` writable): its journal entry was taken whatever
 * happened, and the message was nowhere once space was back. Now it stays in the journal until its
 * session has it: the page is told so, and it is saved — unanswered — as soon as the session can be
 * written (the next message saved, that session's next message first), or at the next start.
 */
/** The notice beside a kept message saved later, and beside one a stopped gateway left in the journal. */
const SAVED_LATE = { role: "notice", text: "no answer: its session could not be written when it came: it was kept, and saved once the session could take it — Retry sends it" };
const SAVED_AT_START = { role: "notice", text: "no answer: hearth stopped before this message's turn began; nothing was lost — Retry sends it" };
const KEPT_WORDS = /your message is not lost: it is kept in .*inbox\/\d+\.jsonl and saved to this session, unanswered, as soon as the session can be written/;

interface Item {
  role: string;
  text: string;
  unanswered?: boolean;
}

describe("a message accepted while its session cannot be written (real tmpfs)", { timeout: 90_000 }, () => {
  const temp = tempDir();
  const servers: FakeServer[] = [];
  const gateways: RunningGateway[] = [];
  const unmounts: (() => void)[] = [];
  const events: SseConnection[] = [];
  after(async () => {
    for (const connection of events) connection.close();
    await Promise.all(gateways.map((gateway) => gateway.stop()));
    for (const unmount of unmounts) unmount();
    await Promise.all(servers.map((server) => server.close()));
    temp.cleanup();
  });

  const setup = async (name: string, t: { skip(message: string): void }) => {
    // Only sessions/ on the small disk: the journal (inbox/) and the log beside it can be written.
    const state = join(temp.dir, name);
    const sessions = join(state, "sessions");
    const unmount = mountTmpfs(sessions, { sizeKb: 256 });
    if (!unmount) {
      t.skip("mount is not permitted here");
      return undefined;
    }
    unmounts.push(unmount);
    const server = await startFakeServer(scriptedModel("openai-completions", () => ({ text: "fine" })));
    servers.push(server);
    const file = temp.write(`${name}.json5`, `{ agents: { defaults: { model: { primary: "local/m" } } }, models: { mode: "replace", providers: { local: { baseUrl: "${server.baseUrl}", api: "openai-completions", models: [{ id: "m" }] } } } }`);
    const fill = (): void => {
      try {
        writeFileSync(join(sessions, "filler"), Buffer.alloc(4 * 1024 * 1024));
      } catch {
        // Full: what the test wants.
      }
    };
    const free = (): void => rmSync(join(sessions, "filler"), { force: true });
    const start = async (): Promise<{ gateway: RunningGateway; listen: SseConnection }> => {
      const gateway = await startGateway(["--config", file], { HEARTH_STATE_DIR: state });
      gateways.push(gateway);
      const listen = await openSse(`${gateway.url}/api/events`);
      events.push(listen);
      return { gateway, listen };
    };
    return { state, fill, free, start };
  };

  /** Sends a web chat message and waits for its turn's end. */
  const send = async (gateway: RunningGateway, listen: SseConnection, session: string, text: string) => {
    const sent = await fetch(`${gateway.url}/api/sessions/${session}/messages`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ text }) });
    assert.equal(sent.status, 202, await sent.text());
    const end = await listen.next((message) => message.event === "turn-end" && (JSON.parse(message.data) as { session: string }).session === session);
    return (JSON.parse(end.data) as { result: { ok: boolean; error?: string } }).result;
  };
  const items = async (gateway: RunningGateway, session: string): Promise<Item[]> => {
    const response = await fetch(`${gateway.url}/api/sessions/${session}`);
    assert.equal(response.status, 200, `session ${session}`);
    return ((await response.json()) as { items: Item[] }).items.map(({ role, text, unanswered }) => ({ role, text, ...(unanswered ? { unanswered } : {}) }));
  };
  /** The journal's messages not yet taken, by text. */
  const journaled = (state: string): string[] => {
    const texts = new Map<string, string>();
    for (const name of readdirSync(join(state, "inbox"))) {
      // The gateway removes its journal once nothing waits in it: one listed a moment ago may be gone (nothing of it waits).
      let text: string;
      try {
        text = readFileSync(join(state, "inbox", name), "utf8");
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === "ENOENT") continue;
        throw error;
      }
      for (const line of text.split("\n").filter(Boolean)) {
        const parsed = JSON.parse(line) as { add?: { id: string; text: string }; take?: string };
        if (parsed.add) texts.set(parsed.add.id, parsed.add.text);
        if (parsed.take) texts.delete(parsed.take);
      }
    }
    return [...texts.values()];
  };
  /** The journal once every message in it was taken: a turn's message leaves it just after the turn's end is told (its take line is written then). */
  const journalEmptied = async (state: string): Promise<string[]> => {
    for (let look = 0; look < 100 && journaled(state).length > 0; look++) await new Promise((resolve) => setTimeout(resolve, 50));
    return journaled(state);
  };

  test("the page is told it is kept; once another message is saved (space is back) it is in its session, unanswered, and leaves the journal", async (t) => {
    const made = await setup("next-save", t);
    if (!made) return;
    const { state, fill, free, start } = made;
    const { gateway, listen } = await start();
    fill();
    const big = `kept one ${"x".repeat(6_000)}`;
    const failed = await send(gateway, listen, "s7", big);
    assert.equal(failed.ok, false);
    assert.match(failed.error ?? "", /the disk is full \(ENOSPC\)/);
    assert.match(failed.error ?? "", KEPT_WORDS);
    assert.deepEqual(journaled(state), [big], "still in the journal");
    // A page opened (or reloaded) meanwhile shows it waiting, with why — s7 has no file yet, and is no unknown session.
    const meanwhile = await fetch(`${gateway.url}/api/sessions/s7`);
    assert.equal(meanwhile.status, 200);
    const read = (await meanwhile.json()) as { items: Item[]; waiting: { text: string; why: string }[] };
    assert.deepEqual(read.items, []);
    assert.deepEqual(read.waiting.map(({ text, why }) => ({ text, why })), [{ text: big, why: "kept: this conversation's file could not be written when it came; saved here, unanswered, as soon as it can be (tried every 15 s)" }]);

    free();
    // The save of s8's message tells that the disk has room: s7's kept message is saved meanwhile (told as session-updated, before or after s8's end).
    const sent = await fetch(`${gateway.url}/api/sessions/s8/messages`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ text: "hello" }) });
    assert.equal(sent.status, 202);
    const awaited = new Set(["session-updated s7", "turn-end s8"]);
    while (awaited.size > 0) {
      const told = await listen.next((message) => awaited.has(`${message.event} ${(JSON.parse(message.data) as { session?: string }).session}`));
      awaited.delete(`${told.event} ${(JSON.parse(told.data) as { session: string }).session}`);
      if (told.event === "turn-end") assert.equal((JSON.parse(told.data) as { result: { ok: boolean } }).result.ok, true, told.data);
    }
    // A session-updated for s7 may also come from its file's watch (the write that failed on the full disk made the file): each tells the page to
    // read again, and the one after the save shows it saved — read until then.
    let shown = await items(gateway, "s7");
    for (let look = 0; look < 100 && shown.length === 0; look++) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      shown = await items(gateway, "s7");
    }
    assert.deepEqual(shown, [{ role: "user", text: big, unanswered: true }, SAVED_LATE]);
    assert.deepEqual(await journalEmptied(state), []);
  });

  test("the same session's next message: the kept one is saved first, in order; while the disk is full the next is kept too", async (t) => {
    const made = await setup("same-session", t);
    if (!made) return;
    const { state, fill, free, start } = made;
    const { gateway, listen } = await start();
    fill();
    assert.match((await send(gateway, listen, "s9", "first")).error ?? "", KEPT_WORDS);
    assert.match((await send(gateway, listen, "s9", "second")).error ?? "", KEPT_WORDS);
    assert.deepEqual(journaled(state), ["first", "second"]);
    free();
    const third = await send(gateway, listen, "s9", "third");
    assert.equal(third.ok, true, third.error);
    assert.deepEqual(await items(gateway, "s9"), [
      { role: "user", text: "first", unanswered: true },
      SAVED_LATE,
      { role: "user", text: "second", unanswered: true },
      SAVED_LATE,
      { role: "user", text: "third" },
      { role: "assistant", text: "fine" },
    ]);
    assert.deepEqual(await journalEmptied(state), []);
  });

  test("a gateway stopped while the message is kept: the next start saves it, unanswered", async (t) => {
    const made = await setup("restart", t);
    if (!made) return;
    const { state, fill, free, start } = made;
    const first = await start();
    fill();
    assert.match((await send(first.gateway, first.listen, "s10", "across a restart")).error ?? "", KEPT_WORDS);
    first.gateway.child.kill("SIGTERM");
    assert.equal(await first.gateway.exited, 0);
    assert.deepEqual(journaled(state), ["across a restart"], "left in the journal at the stop");
    free();
    const second = await start();
    await second.gateway.waitFor(/1 message\(s\) a stopped hearth had taken in but not answered are now in their sessions/, "stderr");
    assert.deepEqual(await items(second.gateway, "s10"), [{ role: "user", text: "across a restart", unanswered: true }, SAVED_AT_START]);
    assert.deepEqual(await journalEmptied(state), []);
  });
});
