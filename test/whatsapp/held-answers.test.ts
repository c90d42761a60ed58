// An answer whose send failed (trial t21 #5): it is neither overtaken by a later answer in its chat, nor
// left waiting for a reconnect that may never come, nor sent again from its first part when only a later
// part failed. Through the channel on the Baileys stand-in, sends failing with the socket still open.
import assert from "node:assert/strict";
import { after, test } from "node:test";
import { HELD_RETRY_MS } from "../../src/channels/whatsapp/held-answers.js";
import { whatsappPaths } from "../../src/channels/whatsapp/state-paths.js";
import { readFileSync } from "node:fs";
import { tempDir } from "../helpers/run-cli.js";
import { ALICE, aliceChat, startChannel } from "./harness.js";
import { ScriptGateway } from "./script-gateway.js";

const temp = tempDir();
after(() => temp.cleanup());

const pendingIds = (stateDir: string): string[] => (JSON.parse(readFileSync(whatsappPaths(stateDir).pending, "utf8")) as { id: string }[]).map((message) => message.id);

test("a later message's answer waits behind an earlier answer whose send failed: the chat gets them in the order of its messages", async () => {
  const { channel, whatsapp, stateDir } = await startChannel({ gateway: new ScriptGateway(), dir: temp.dir, name: "order" });
  whatsapp.failSends();
  whatsapp.deliver(whatsapp.text(ALICE, "first"));
  await channel.idle();
  assert.deepEqual(whatsapp.sent, []);
  whatsapp.sendsWork();
  whatsapp.deliver(whatsapp.text(ALICE, "second"));
  await channel.idle();
  assert.deepEqual(whatsapp.to(aliceChat), ["re: first", "re: second"]);
  assert.deepEqual(pendingIds(stateDir), [], "both answered, nothing kept");
  channel.stop();
});

test("a held answer goes out once sending works again, with no reconnect and no later message", async () => {
  const { channel, whatsapp, clock } = await startChannel({ gateway: new ScriptGateway(), dir: temp.dir, name: "timer" });
  whatsapp.failSends();
  whatsapp.deliver(whatsapp.text(ALICE, "hello"));
  await channel.idle();
  clock.advance(HELD_RETRY_MS);
  await channel.idle();
  assert.deepEqual(whatsapp.sent, [], "still failing: still held");
  whatsapp.sendsWork();
  clock.advance(HELD_RETRY_MS);
  await channel.idle();
  assert.deepEqual(whatsapp.to(aliceChat), ["re: hello"]);
  channel.stop();
});

test("an answer of several messages cut by a failed send goes on from the part that did not go, after the reconnect: no part twice", async () => {
  const first = `${"First paragraph words. ".repeat(7).trim()}`;
  const second = `${"Second paragraph words. ".repeat(7).trim()}`;
  const gateway = new ScriptGateway(() => ({ ok: `${first}\n\n${second}` }));
  const { channel, whatsapp, clock } = await startChannel({ gateway, dir: temp.dir, name: "parts", section: { textChunkLimit: 200 } });
  whatsapp.failSends(1);
  whatsapp.deliver(whatsapp.text(ALICE, "a long one"));
  await channel.idle();
  assert.deepEqual(whatsapp.to(aliceChat), [first], "the first part went");
  whatsapp.sendsWork();
  whatsapp.socket.end();
  whatsapp.close(408);
  clock.advance(2_000);
  await new Promise((resolve) => setImmediate(resolve));
  whatsapp.open();
  await channel.idle();
  assert.deepEqual(whatsapp.to(aliceChat), [first, second]);
  channel.stop();
});

test("a wait note about a later message does not go ahead of an earlier answer still held (review s26 #7)", async () => {
  const waiting = { type: "attempt-waiting", model: "local/m", waitedMs: 5_000, limitMs: 60_000, promptTokens: 100, state: "unknown", next: undefined } as const;
  const gateway = new ScriptGateway((inbound) => (inbound.text === "second" ? { ok: "re: second", events: [waiting] } : { ok: `re: ${inbound.text}` }));
  const { channel, whatsapp } = await startChannel({ gateway, dir: temp.dir, name: "note-behind-held" });
  whatsapp.failSends();
  whatsapp.deliver(whatsapp.text(ALICE, "first"));
  await channel.idle();
  whatsapp.sendsWork();
  whatsapp.deliver(whatsapp.text(ALICE, "second"));
  await channel.idle();
  assert.deepEqual(whatsapp.to(aliceChat), ["re: first", "re: second"], "the answers in order, no note about the second before the first's answer");
  channel.stop();
});
