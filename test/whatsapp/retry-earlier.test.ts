// `/retry` on WhatsApp when the message that got no answer is not the last one (t13-replay #2): the stand-in
// socket, a REAL Agent and router, a fake model server. The answer says which message it answers (WhatsApp
// shows only answers); the model is sent the history as it was, then that message; the saved conversation
// shows the question again above the answer, as every reader of the session does.
import assert from "node:assert/strict";
import { after, test } from "node:test";
import { startFakeServer } from "../fakes/fake-server.js";
import { agentGateway } from "../helpers/agent-gateway.js";
import { tempDir } from "../helpers/run-cli.js";
import { conversationOf, lastUser, scriptedModel } from "../helpers/scripted-model.js";
import { ALICE, aliceChat, startChannel } from "./harness.js";

const temp = tempDir();
const closers: (() => unknown)[] = [];
after(async () => {
  for (const close of closers.reverse()) await close();
  temp.cleanup();
});

test("/retry sends the latest message that got no answer, and its answer names it", async () => {
  const state = { refusing: true };
  const answer = scriptedModel("openai-completions", (turns) => ({ text: `home: ${lastUser(turns)}` }));
  const server = await startFakeServer((request) => {
    if (request.method === "GET" && request.path === "/v1/models") return { kind: "json", body: { object: "list", data: [{ id: "m", object: "model" }] } };
    if (state.refusing) return { kind: "json", status: 400, body: { error: { message: "invalid request: unknown field 'x'" } } };
    return answer(request);
  });
  closers.push(() => server.close());
  const config = `{ agents: { defaults: { model: "home/m" } },
    models: { mode: "replace", providers: { home: { baseUrl: "${server.baseUrl}", api: "openai-completions", models: [{ id: "m", contextWindow: 32768, maxTokens: 512 }] } } } }`;
  const gateway = await agentGateway(config, `${temp.dir}/state`);
  closers.push(() => gateway.close());
  const harness = await startChannel({ gateway, dir: temp.dir, name: "retry" });
  closers.push(() => harness.channel.stop());
  const say = async (text: string): Promise<void> => {
    harness.whatsapp.deliver(harness.whatsapp.text(ALICE, text));
    await harness.channel.idle();
  };

  await say("book the table for eight");
  assert.match(harness.whatsapp.to(aliceChat).at(-1) ?? "", /^Sorry — this message could not be answered/);
  state.refusing = false;
  await say("what time is it?");
  assert.equal(harness.whatsapp.to(aliceChat).at(-1), "home: what time is it?");

  await say("/retry");
  assert.equal(harness.whatsapp.to(aliceChat).at(-1), "_Answer to the message sent again: “book the table for eight”_\n\nhome: book the table for eight");
  const sent = server.requests.filter((request) => request.path === "/v1/chat/completions").at(-1);
  assert.deepEqual(
    conversationOf("openai-completions", sent?.body as Record<string, unknown>).filter((turn) => turn.role !== "system").map((turn) => turn.text),
    ["what time is it?", "home: what time is it?", "book the table for eight"],
  );
  const items = await gateway.sessions().transcript(`whatsapp:${aliceChat}`);
  assert.deepEqual(
    items.filter((item) => item.role !== "notice").map((item) => [item.role, item.text, item.sentAgain === true]),
    [
      ["user", "book the table for eight", false],
      ["user", "what time is it?", false],
      ["assistant", "home: what time is it?", false],
      ["user", "book the table for eight", true],
      ["assistant", "home: book the table for eight", false],
    ],
  );
  await say("/retry");
  assert.equal(harness.whatsapp.to(aliceChat).at(-1), "Nothing to retry: every message of this conversation got its answer (or there is none).");
});
