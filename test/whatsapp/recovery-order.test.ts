// The s26 closing note (t21 #3): after a crash the channel resends the messages the crash cut, one by one, and an
// answer says which message it is to ("Answer to the message sent again") only when a later message's answer went
// first. That was decided from the transcript as it was before the recovery: a message taken in during the recovery
// itself — its turn queued ahead of the next resend — was answered first, and the resent one's answer came after it
// with no line, reading as a second answer to the new message.
import assert from "node:assert/strict";
import { after, test } from "node:test";
import { PendingStore } from "../../src/channels/whatsapp/pending-store.js";
import { whatsappPaths } from "../../src/channels/whatsapp/state-paths.js";
import { ManualClock } from "../helpers/manual-clock.js";
import { tempDir } from "../helpers/run-cli.js";
import { ALICE, aliceChat, startChannel } from "./harness.js";
import { ScriptGateway } from "./script-gateway.js";

const temp = tempDir();
after(() => temp.cleanup());
const session = `whatsapp:${aliceChat}`;

test("a cut message answered after one that came during the recovery says which message it answers; the one before it, answered first, does not", async () => {
  const gateway = new ScriptGateway((inbound) => ({ ok: `answer to ${inbound.retryOf ?? inbound.text}` }));
  gateway.transcripts.set(session, [
    { role: "user", text: "book the table", at: "2026-01-01T12:00:00.100Z", id: "E1" },
    { role: "user", text: "and a taxi", at: "2026-01-01T12:00:00.200Z", id: "E2" },
  ]);
  const pending = new PendingStore(whatsappPaths(`${temp.dir}/during`).pending);
  pending.put({ id: "P1", chat: aliceChat, session, text: "book the table", number: `+${ALICE}`, receivedAt: "2026-01-01T12:00:00.050Z" });
  pending.put({ id: "P2", chat: aliceChat, session, text: "and a taxi", number: `+${ALICE}`, receivedAt: "2026-01-01T12:00:00.150Z" });
  // The first resend's turn is under way when a new message comes: its turn is queued before the second resend's.
  const arrived = gateway.hold();
  const { channel, whatsapp } = await startChannel({ gateway, dir: temp.dir, name: "during", clock: new ManualClock(Date.parse("2026-01-01T13:00:00Z")) });
  await arrived;
  whatsapp.deliver(whatsapp.text(ALICE, "what time is it?"));
  await new Promise((resolve) => setImmediate(resolve));
  gateway.release();
  await channel.idle();
  assert.deepEqual(
    gateway.received.map((inbound) => inbound.retryOf ?? inbound.text),
    ["E1", "what time is it?", "E2"],
    "the new message's turn went between the two resends",
  );
  assert.deepEqual(whatsapp.to(aliceChat), ["answer to E1", "answer to what time is it?", "_Answer to the message sent again: “and a taxi”_\n\nanswer to E2"]);
  channel.stop();
});

test("a message that came during the recovery and got a reply that is no model's answer counts too: the resend after it says which message it answers (review s27 #16)", async () => {
  const gateway = new ScriptGateway((inbound) => (inbound.text === "what time is it?" ? { fail: "permanent", error: "the request was refused" } : { ok: `answer to ${inbound.retryOf ?? inbound.text}` }));
  gateway.transcripts.set(session, [
    { role: "user", text: "book the table", at: "2026-01-01T12:00:00.100Z", id: "E1" },
    { role: "user", text: "and a taxi", at: "2026-01-01T12:00:00.200Z", id: "E2" },
  ]);
  const pending = new PendingStore(whatsappPaths(`${temp.dir}/sorry`).pending);
  pending.put({ id: "P1", chat: aliceChat, session, text: "book the table", number: `+${ALICE}`, receivedAt: "2026-01-01T12:00:00.050Z" });
  pending.put({ id: "P2", chat: aliceChat, session, text: "and a taxi", number: `+${ALICE}`, receivedAt: "2026-01-01T12:00:00.150Z" });
  const arrived = gateway.hold();
  const { channel, whatsapp } = await startChannel({ gateway, dir: temp.dir, name: "sorry", clock: new ManualClock(Date.parse("2026-01-01T13:00:00Z")) });
  await arrived;
  whatsapp.deliver(whatsapp.text(ALICE, "what time is it?"));
  await new Promise((resolve) => setImmediate(resolve));
  gateway.release();
  await channel.idle();
  assert.deepEqual(whatsapp.to(aliceChat), ["answer to E1", "Sorry — this message could not be answered: the request was refused", "_Answer to the message sent again: “and a taxi”_\n\nanswer to E2"]);
  channel.stop();
});
