// Trial t21 #3 and #4: what the channel does with a message it answers later than it came — one a crash cut, or one
// that waited for a model. Answered in the order of its conversation's messages, it carries no "sent again" line (the
// sender sent nothing again); only an answer that comes after a later message's says which message it answers. And a
// sender taken out of allowFrom (or a group out of groups.allow) meanwhile gets nothing more: no model is asked for
// the message and nothing is sent to that chat.
import assert from "node:assert/strict";
import { after, describe, test } from "node:test";
import { PendingStore } from "../../src/channels/whatsapp/pending-store.js";
import { whatsappSettings } from "../../src/channels/whatsapp/settings.js";
import { whatsappPaths } from "../../src/channels/whatsapp/state-paths.js";
import { tempDir } from "../helpers/run-cli.js";
import { ALICE, aliceChat, startChannel } from "./harness.js";
import { ScriptGateway } from "./script-gateway.js";

const temp = tempDir();
after(() => temp.cleanup());
const session = `whatsapp:${aliceChat}`;
const HEALTH_UP = { type: "provider-health", health: { provider: "lmstudio", local: true, state: "up", firstTokenMs: [] } } as const;

describe("a message answered later than it came", () => {
  test("after a crash, three messages cut before their answers are answered in order, with no line saying they were sent again", async () => {
    const gateway = new ScriptGateway((inbound) => ({ ok: `answer to ${inbound.retryOf ?? "a new message"}` }));
    gateway.transcripts.set(session, [
      { role: "user", text: "one", at: "2026-01-01T12:00:00.100Z", id: "E1" },
      { role: "user", text: "two", at: "2026-01-01T12:00:00.200Z", id: "E2" },
      { role: "user", text: "three", at: "2026-01-01T12:00:00.300Z", id: "E3" },
    ]);
    const pending = new PendingStore(whatsappPaths(`${temp.dir}/in-order`).pending);
    for (const [index, text] of ["one", "two", "three"].entries()) pending.put({ id: `P${index + 1}`, chat: aliceChat, session, text, number: `+${ALICE}`, receivedAt: `2026-01-01T12:00:00.0${index + 5}0Z` });
    const { channel, whatsapp } = await startChannel({ gateway, dir: temp.dir, name: "in-order" });
    await channel.idle();
    assert.deepEqual(gateway.received.map((inbound) => inbound.retryOf), ["E1", "E2", "E3"]);
    assert.deepEqual(whatsapp.to(aliceChat), ["answer to E1", "answer to E2", "answer to E3"], "in the order of the messages: nothing to say which message each answers");
    channel.stop();
  });

  test("an answer that comes after a later message's says which message it answers", async () => {
    const gateway = new ScriptGateway((inbound) => ({ ok: `answer to ${inbound.retryOf ?? "a new message"}` }));
    gateway.transcripts.set(session, [
      { role: "user", text: "book the table", at: "2026-01-01T12:00:00.100Z", id: "E1" },
      { role: "user", text: "what time is it?", at: "2026-01-01T12:00:05.000Z", id: "E2" },
      { role: "assistant", text: "noon", at: "2026-01-01T12:00:06.000Z" },
    ]);
    new PendingStore(whatsappPaths(`${temp.dir}/after-later`).pending).put({ id: "P1", chat: aliceChat, session, text: "book the table", number: `+${ALICE}`, receivedAt: "2026-01-01T12:00:00.050Z" });
    const { channel, whatsapp } = await startChannel({ gateway, dir: temp.dir, name: "after-later" });
    await channel.idle();
    assert.deepEqual(whatsapp.to(aliceChat), ["_Answer to the message sent again: “book the table”_\n\nanswer to E1"]);
    channel.stop();
  });
});

test("a message that waited for a model, answered after a later message's turn brought the model back, says which message it answers (review s26-2 #3)", async () => {
  const gateway = new ScriptGateway((inbound) => ({ ok: `answer to ${inbound.retryOf ?? inbound.text}` }));
  gateway.transcripts.set(session, [{ role: "user", text: "book the table", at: "2026-01-01T12:00:00.100Z", id: "E1" }]);
  new PendingStore(whatsappPaths(`${temp.dir}/models-back`).pending).put({ id: "P1", chat: aliceChat, session, text: "book the table", number: `+${ALICE}`, receivedAt: "2026-01-01T12:00:00.050Z", waitingSince: "2026-01-01T12:00:01.000Z" });
  const { channel, whatsapp } = await startChannel({ gateway, dir: temp.dir, name: "models-back" });
  await channel.idle();
  // A later message's turn is under way when the model comes back: the waiting one is resent behind it.
  const arrived = gateway.hold();
  whatsapp.deliver(whatsapp.text(ALICE, "what time is it?"));
  await arrived;
  gateway.emit(HEALTH_UP);
  await new Promise((resolve) => setImmediate(resolve));
  gateway.release();
  await channel.idle();
  assert.deepEqual(whatsapp.to(aliceChat), ["answer to what time is it?", "_Answer to the message sent again: “book the table”_\n\nanswer to E1"]);
  channel.stop();
});

describe("a sender no longer allowed", () => {
  test("an entry kept by an older hearth in a chat named by its LID, with no number to ask: answered, as when it came (review s26-2 #5)", async () => {
    const gateway = new ScriptGateway((inbound) => ({ ok: `answer to ${inbound.retryOf ?? "a new message"}` }));
    const lid = "98765432109876@lid";
    gateway.transcripts.set(`whatsapp:${lid}`, [{ role: "user", text: "still there?", at: "2026-01-01T12:00:00.100Z", id: "E1" }]);
    new PendingStore(whatsappPaths(`${temp.dir}/lid-legacy`).pending).put({ id: "P1", chat: lid, session: `whatsapp:${lid}`, text: "still there?", receivedAt: "2026-01-01T12:00:00.050Z" });
    const { channel, whatsapp } = await startChannel({ gateway, dir: temp.dir, name: "lid-legacy" });
    await channel.idle();
    assert.deepEqual(whatsapp.to(lid), ["answer to E1"]);
    channel.stop();
  });

  test("a message waiting for a model is dropped when its sender leaves allowFrom: no model asked, nothing sent", async () => {
    let down = true;
    const gateway = new ScriptGateway(() => (down ? { fail: "transient", error: "lmstudio unreachable" } : { ok: "an answer" }));
    const { channel, whatsapp, logs } = await startChannel({ gateway, dir: temp.dir, name: "removed-waiting" });
    whatsapp.deliver(whatsapp.text(ALICE, "are you there?"));
    await channel.idle();
    assert.equal(gateway.received.length, 1);
    channel.applySettings(whatsappSettings({ enabled: true, allowFrom: ["+15550109999"] }));
    down = false;
    gateway.emit(HEALTH_UP);
    await channel.idle();
    assert.equal(gateway.received.length, 1, "no model was asked for it again");
    assert.deepEqual(whatsapp.to(aliceChat), [], "nothing went to the number taken out");
    assert.ok(logs.some((line) => line.includes(`+${ALICE} is no longer in channels.whatsapp.allowFrom`)), logs.join("\n"));
    // Back on the list: a new message is answered as ever (the dropped one stays dropped).
    channel.applySettings(whatsappSettings({ enabled: true, allowFrom: [`+${ALICE}`] }));
    whatsapp.deliver(whatsapp.text(ALICE, "hello again"));
    await channel.idle();
    assert.deepEqual(whatsapp.to(aliceChat), ["an answer"]);
    channel.stop();
  });

  test("a message a crash cut is not answered after a restart whose config took its sender out; a group out of groups.allow neither", async () => {
    const gateway = new ScriptGateway((inbound) => ({ ok: `answer to ${inbound.retryOf ?? "a new message"}` }));
    const group = "120363000000000001@g.us";
    gateway.transcripts.set(session, [{ role: "user", text: "still there?", at: "2026-01-01T12:00:00.100Z", id: "E1" }]);
    const pending = new PendingStore(whatsappPaths(`${temp.dir}/removed-crash`).pending);
    pending.put({ id: "P1", chat: aliceChat, session, text: "still there?", number: `+${ALICE}`, receivedAt: "2026-01-01T12:00:00.050Z" });
    // An entry kept before entries held the number: the chat's own number is asked.
    pending.put({ id: "P2", chat: "15550100002@s.whatsapp.net", session: "whatsapp:15550100002@s.whatsapp.net", text: "me too", receivedAt: "2026-01-01T12:00:00.060Z" });
    pending.put({ id: "P3", chat: group, session: `whatsapp:${group}`, text: "@15550001111 dinner?", receivedAt: "2026-01-01T12:00:00.070Z" });
    // A held answer whose sender was taken out since it was made: not sent either (review s26-2 #4).
    pending.put({ id: "P4", chat: "15550100004@s.whatsapp.net", session: "whatsapp:15550100004@s.whatsapp.net", text: "held one", number: "+15550100004", receivedAt: "2026-01-01T12:00:00.080Z", answer: "the held answer" });
    const { channel, whatsapp, logs } = await startChannel({ gateway, dir: temp.dir, name: "removed-crash", section: { allowFrom: ["+15550109999"], groups: { enabled: true, allow: [], requireMention: true } } });
    await channel.idle();
    assert.deepEqual(gateway.received, [], "no model asked for any of them");
    assert.deepEqual(whatsapp.sent, []);
    assert.deepEqual(new PendingStore(whatsappPaths(`${temp.dir}/removed-crash`).pending).list(), [], "dropped, not kept for ever");
    assert.equal(logs.filter((line) => line.includes("taken earlier is not answered")).length, 4, logs.join("\n"));
    channel.stop();
  });
});
