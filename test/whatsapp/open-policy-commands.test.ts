// t22 #5: with `dmPolicy: "open"` anyone who writes is answered — and could switch their session to any
// model of the config with /model, a paid hosted one included, at the owner's cost (and list them all).
// A sender let in by "open" alone (neither in allowFrom nor approved) is answered, but the commands that
// choose what the owner pays for or sees — /model with anything after it, /reasoning, /compact — are
// refused by the channel and never reach the gateway. The owner's numbers keep every command.
import assert from "node:assert/strict";
import { after, test } from "node:test";
import { tempDir } from "../helpers/run-cli.js";
import { ALICE, STRANGER, aliceChat, startChannel } from "./harness.js";
import { ScriptGateway } from "./script-gateway.js";

const temp = tempDir();
const closers: (() => unknown)[] = [];
after(async () => {
  for (const close of closers.reverse()) await close();
  temp.cleanup();
});

test("a sender let in by dmPolicy open alone cannot choose the model, reasoning or a compaction; the owner's numbers can", async () => {
  const gateway = new ScriptGateway();
  const harness = await startChannel({ gateway, dir: temp.dir, name: "open", section: { dmPolicy: "open", allowFrom: [`+${ALICE}`] } });
  closers.push(() => harness.channel.stop());
  const strangerChat = `${STRANGER}@s.whatsapp.net`;
  const refused = ["/model anthropic/claude-opus-4-5", " /MODEL list", "/reasoning on", "/compact keep the prices"];
  for (const text of [...refused, "/help", "/new", "/model", "hello"]) {
    harness.whatsapp.deliver(harness.whatsapp.text(STRANGER, text));
    await harness.channel.idle();
  }
  harness.whatsapp.deliver(harness.whatsapp.text(ALICE, "/model anthropic/claude-opus-4-5"));
  await harness.channel.idle();

  const reached = gateway.received.map((inbound) => `${inbound.session} ${inbound.text}`);
  for (const text of refused) assert.ok(!reached.includes(`whatsapp:${strangerChat} ${text}`), `${text} never reaches the gateway: ${JSON.stringify(reached)}`);
  for (const text of ["/help", "/new", "/model", "hello"]) assert.ok(reached.includes(`whatsapp:${strangerChat} ${text}`), `${text} is the sender's to use`);
  assert.ok(reached.includes(`whatsapp:${aliceChat} /model anthropic/claude-opus-4-5`), "the owner's number chooses the model");
  const told = harness.whatsapp.to(strangerChat);
  assert.equal(told.filter((line) => /only the owner's numbers/i.test(line)).length, refused.length, JSON.stringify(told));
  assert.match(told[0] ?? "", /\(channels\.whatsapp\.allowFrom\) can use \/model here: nothing was changed/);
});
