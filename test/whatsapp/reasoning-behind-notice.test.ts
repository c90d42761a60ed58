// Review s27 #4: the guard that takes out a reasoning block opening the model's text (final-text.ts) saw only the
// message's start — with the fallback notice or the "sent again" line in front, a `<THINK>…</THINK>` block's words
// reached the phone. The channel now applies it to the model's own text before it puts anything around it.
import assert from "node:assert/strict";
import { after, test } from "node:test";
import { PendingStore } from "../../src/channels/whatsapp/pending-store.js";
import { whatsappPaths } from "../../src/channels/whatsapp/state-paths.js";
import { tempDir } from "../helpers/run-cli.js";
import { ALICE, aliceChat, startChannel } from "./harness.js";
import { ScriptGateway } from "./script-gateway.js";

const temp = tempDir();
after(() => temp.cleanup());
const session = `whatsapp:${aliceChat}`;

test("a reasoning block in a spelling the splitter leaves goes with its words when the fallback notice stands before the answer", async () => {
  const gateway = new ScriptGateway(() => ({ ok: "<THINK>SECRET reasoning about the owner</THINK>The answer.", notice: "answered by Opus — Local (local server) unreachable" }));
  const { channel, whatsapp } = await startChannel({ gateway, dir: temp.dir, name: "notice", section: { fallbackNotice: true } });
  whatsapp.deliver(whatsapp.text(ALICE, "hi"));
  await channel.idle();
  channel.stop();
  assert.deepEqual(whatsapp.to(aliceChat), ["_answered by Opus — Local (local server) unreachable_\n\nThe answer."]);
});

test("a reasoning block goes with its words when the answer carries the line saying which message it answers", async () => {
  const gateway = new ScriptGateway(() => ({ ok: "<think >SECRET plan</think >The table is booked." }));
  gateway.transcripts.set(session, [
    { role: "user", text: "book the table", at: "2026-01-01T12:00:00.100Z", id: "E1" },
    { role: "user", text: "what time is it?", at: "2026-01-01T12:00:05.000Z", id: "E2" },
    { role: "assistant", text: "noon", at: "2026-01-01T12:00:06.000Z" },
  ]);
  new PendingStore(whatsappPaths(`${temp.dir}/resend`).pending).put({ id: "P1", chat: aliceChat, session, text: "book the table", number: `+${ALICE}`, receivedAt: "2026-01-01T12:00:00.050Z" });
  const { channel, whatsapp } = await startChannel({ gateway, dir: temp.dir, name: "resend" });
  await channel.idle();
  channel.stop();
  assert.deepEqual(whatsapp.to(aliceChat), ["_Answer to the message sent again: “book the table”_\n\nThe table is booked."]);
});
