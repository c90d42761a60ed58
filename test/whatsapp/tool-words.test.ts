// WhatsApp sends only a turn's final text: the words its model wrote before a tool call are in it, in
// the order a stream showed them (the stand-in socket, a REAL Agent and router, a fake model server).
import assert from "node:assert/strict";
import { after, test } from "node:test";
import { startFakeServer } from "../fakes/fake-server.js";
import { agentGateway } from "../helpers/agent-gateway.js";
import { tempDir } from "../helpers/run-cli.js";
import { WORDS_AROUND_A_TOOL, wordsAroundATool } from "../helpers/words-around-a-tool.js";
import { ALICE, aliceChat, startChannel } from "./harness.js";

const temp = tempDir();
const closers: (() => unknown)[] = [];
after(async () => {
  for (const close of closers.reverse()) await close();
  temp.cleanup();
});

test("a reply with words on both sides of a tool call reaches the sender whole", async () => {
  const server = await startFakeServer(wordsAroundATool);
  closers.push(() => server.close());
  const gateway = await agentGateway(`{ agents: { defaults: { model: "local/m1" } },
    models: { mode: "replace", providers: { local: { baseUrl: "${server.baseUrl}", api: "openai-completions", models: [{ id: "m1", contextWindow: 32768, maxTokens: 512 }] } } } }`, `${temp.dir}/state`);
  closers.push(() => gateway.close());
  const harness = await startChannel({ gateway, dir: temp.dir, name: "tool-words" });
  closers.push(() => harness.channel.stop());
  harness.whatsapp.deliver(harness.whatsapp.text(ALICE, "what time is it?"));
  await harness.channel.idle();
  assert.deepEqual(harness.whatsapp.to(aliceChat), [WORDS_AROUND_A_TOOL]);
});
