// A crash mid-turn: the message was saved by the gateway, the process went away before the answer.
// The next start answers it — through a REAL Agent on the same state dir.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { after, test } from "node:test";
import { whatsappPaths } from "../../src/channels/whatsapp/state-paths.js";
import { PendingStore } from "../../src/channels/whatsapp/pending-store.js";
import { startFakeServer } from "../fakes/fake-server.js";
import { agentGateway } from "../helpers/agent-gateway.js";
import { tempDir } from "../helpers/run-cli.js";
import { lastUser, scriptedModel } from "../helpers/scripted-model.js";
import { ALICE, aliceChat, startChannel } from "./harness.js";

const temp = tempDir();
const closers: (() => unknown)[] = [];
after(async () => {
  for (const close of closers) await close();
  temp.cleanup();
});

test("a crash mid-turn: the message is answered after restart", async () => {
  let hang = true;
  let arrived: (() => void) | undefined;
  const server = await startFakeServer(
    scriptedModel("openai-completions", (turns) => {
      if (hang) {
        arrived?.();
        return { reply: { kind: "hang-before-headers" } };
      }
      return { text: `answer to ${lastUser(turns)}` };
    }),
  );
  closers.push(() => server.close());
  const config = `{ agents: { defaults: { model: "local/m" } },
    models: { mode: "replace", providers: { local: { baseUrl: "${server.baseUrl}", api: "openai-completions", models: [{ id: "m", contextWindow: 32768, maxTokens: 512 }] } } } }`;

  const before = await agentGateway(config, temp.dir);
  closers.push(() => before.close());
  const first = await startChannel({ gateway: before, dir: temp.dir, name: "." });
  const reached = new Promise<void>((resolve) => (arrived = resolve));
  first.whatsapp.deliver(first.whatsapp.text(ALICE, "what is the plan?"));
  await reached;
  // The process goes away: the channel delivers nothing more, the turn dies with it.
  first.channel.stop();
  before.abortAll();
  await first.channel.idle();
  assert.deepEqual(first.whatsapp.sent, []);
  assert.deepEqual(
    new PendingStore(whatsappPaths(first.stateDir).pending).list().map((message) => message.text),
    ["what is the plan?"],
    "the message is still pending on disk",
  );

  hang = false;
  const afterRestart = await agentGateway(config, temp.dir);
  closers.push(() => afterRestart.close());
  const second = await startChannel({ gateway: afterRestart, dir: temp.dir, name: "." });
  await second.channel.idle();
  assert.deepEqual(second.whatsapp.to(aliceChat), ["answer to what is the plan?"]);
  assert.deepEqual(new PendingStore(whatsappPaths(second.stateDir).pending).list(), []);
  const transcript = await afterRestart.sessions().transcript(`whatsapp:${aliceChat}`);
  assert.deepEqual(
    transcript.map((item) => [item.role, item.text]),
    [
      ["user", "what is the plan?"],
      ["notice", "cancelled: no answer"],
      ["assistant", "answer to what is the plan?"],
    ],
    "saved before the model ran; the resend shown once, where it was first said",
  );
  const users = readFileSync(join(temp.dir, "sessions", `whatsapp:${aliceChat}.jsonl`), "utf8")
    .split("\n")
    .filter(Boolean)
    .map((line) => JSON.parse(line) as { type: string; id: string; retryOf?: string })
    .filter((entry) => entry.type === "user");
  assert.equal(users.length, 2, "the session file keeps both tries");
  assert.equal(users[1]?.retryOf, users[0]?.id, "resent as a retry of the saved message, not as a new one");
  second.channel.stop();
});

test("after a restart, an answer already in the transcript is sent, not asked again", async () => {
  const { ScriptGateway } = await import("./script-gateway.js");
  const gateway = new ScriptGateway();
  const session = `whatsapp:${aliceChat}`;
  gateway.transcripts.set(session, [
    { role: "user", text: "done before the crash?", at: "2026-01-01T00:00:00.000Z" },
    { role: "assistant", text: "yes, answered", at: "2026-01-01T00:00:01.000Z" },
  ]);
  const stateDir = `${temp.dir}/answered`;
  new PendingStore(whatsappPaths(stateDir).pending).put({ id: "X1", chat: aliceChat, session, text: "done before the crash?", receivedAt: "2026-01-01T00:00:00.000Z" });
  const { channel, whatsapp } = await startChannel({ gateway, dir: temp.dir, name: "answered" });
  await channel.idle();
  assert.deepEqual(whatsapp.to(aliceChat), ["yes, answered"]);
  assert.equal(gateway.received.length, 0);
  channel.stop();
});
