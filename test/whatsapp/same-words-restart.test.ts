// Trial t21 #9: two messages with the same words, both cut by a crash (`kill -9`). After the restart each
// pending message looked for its entry in the transcript by its words, the last such entry: both took the
// second, so the second was answered (and its answer sent twice) and the first stayed unanswered.
import assert from "node:assert/strict";
import { after, test } from "node:test";
import { PendingStore } from "../../src/channels/whatsapp/pending-store.js";
import { whatsappPaths } from "../../src/channels/whatsapp/state-paths.js";
import { tempDir } from "../helpers/run-cli.js";
import { aliceChat, startChannel } from "./harness.js";
import { ScriptGateway } from "./script-gateway.js";

const temp = tempDir();
after(() => temp.cleanup());

test("after a crash, two pending messages with the same words each resend their own entry; an answer of the same words said earlier is never sent", async () => {
  const gateway = new ScriptGateway((inbound) => ({ ok: `answer to ${inbound.retryOf ?? "a new message"}` }));
  const session = `whatsapp:${aliceChat}`;
  gateway.transcripts.set(session, [
    { role: "user", text: "same words", at: "2026-01-01T09:00:00.000Z", id: "E0" },
    { role: "assistant", text: "the answer from this morning", at: "2026-01-01T09:00:02.000Z" },
    { role: "user", text: "same words", at: "2026-01-01T12:00:00.100Z", id: "E1" },
    { role: "user", text: "same words", at: "2026-01-01T12:00:00.200Z", id: "E2" },
  ]);
  const stateDir = `${temp.dir}/same-words`;
  const pending = new PendingStore(whatsappPaths(stateDir).pending);
  pending.put({ id: "P1", chat: aliceChat, session, text: "same words", receivedAt: "2026-01-01T12:00:00.050Z" });
  pending.put({ id: "P2", chat: aliceChat, session, text: "same words", receivedAt: "2026-01-01T12:00:00.060Z" });
  const { channel, whatsapp } = await startChannel({ gateway, dir: temp.dir, name: "same-words" });
  await channel.idle();
  assert.deepEqual(
    gateway.received.map((inbound) => inbound.retryOf),
    ["E1", "E2"],
    "each message resent by its own entry",
  );
  assert.deepEqual(whatsapp.to(aliceChat), ["answer to E1", "answer to E2"], "one answer each, in order; never this morning's");
  channel.stop();
});

test("after a crash, a pending message whose words were said earlier but that was never saved is sent afresh, not answered with the earlier answer", async () => {
  const gateway = new ScriptGateway((inbound) => ({ ok: `answer to ${inbound.retry ? (inbound.retryOf ?? "a retry") : "a new message"}` }));
  const session = `whatsapp:${aliceChat}`;
  gateway.transcripts.set(session, [
    { role: "user", text: "good night", at: "2026-01-01T09:00:00.000Z", id: "E0" },
    { role: "assistant", text: "the answer from last night", at: "2026-01-01T09:00:02.000Z" },
  ]);
  const stateDir = `${temp.dir}/unsaved`;
  new PendingStore(whatsappPaths(stateDir).pending).put({ id: "P1", chat: aliceChat, session, text: "good night", receivedAt: "2026-01-02T21:00:00.000Z" });
  const { channel, whatsapp } = await startChannel({ gateway, dir: temp.dir, name: "unsaved" });
  await channel.idle();
  assert.deepEqual(whatsapp.to(aliceChat), ["answer to a new message"]);
  channel.stop();
});
