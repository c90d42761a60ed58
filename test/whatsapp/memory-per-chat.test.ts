// t22 #1: the memory tool's notes are kept per WhatsApp chat. A note one sender had the assistant keep
// is never read in another chat — a group whose member is not on the allowlist least of all — nor are
// the owner's own notes (the terminal's and the web chat's). The stand-in socket, a REAL Agent and
// router, a scripted model server that calls `memory` and echoes what the tool gave back.
import assert from "node:assert/strict";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, test } from "node:test";
import { notesPath } from "../../src/agent/tools/memory.js";
import { startFakeServer, type Handler } from "../fakes/fake-server.js";
import { completionsStream } from "../fakes/openai-completions-stream.js";
import { agentGateway } from "../helpers/agent-gateway.js";
import { tempDir } from "../helpers/run-cli.js";
import { ME_NUMBER } from "./fake-whatsapp.js";
import { ALICE, GROUP, STRANGER, aliceChat, startChannel } from "./harness.js";

const temp = tempDir();
const closers: (() => unknown)[] = [];
after(async () => {
  for (const close of closers.reverse()) await close();
  temp.cleanup();
});

type Message = { role: string; content: unknown };
const textOf = (message: Message | undefined): string => (typeof message?.content === "string" ? message.content : JSON.stringify(message?.content ?? ""));

/** "remember X" appends X; "what do you remember" reads; a tool's result comes back as the answer, whole. */
const notesModel: Handler = (request) => {
  if (request.method !== "POST") return { kind: "json", status: 404, body: {} };
  const messages = (request.body as { messages: Message[] }).messages;
  const last = messages.at(-1);
  if (last?.role === "tool") return { kind: "sse", frames: completionsStream({ model: "m1", text: `TOOL SAID: ${textOf(last)}` }) };
  const asked = textOf(messages.filter((message) => message.role === "user").at(-1));
  const remember = /remember (.+)$/.exec(asked)?.[1];
  const call = remember ? { action: "append", text: remember } : { action: "read" };
  return { kind: "sse", frames: completionsStream({ model: "m1", toolCalls: [{ id: "call_m", name: "memory", arguments: JSON.stringify(call) }] }) };
};

test("a note kept in one WhatsApp chat is read in no other chat, and the owner's notes in none", async () => {
  const server = await startFakeServer(notesModel);
  closers.push(() => server.close());
  const stateDir = join(temp.dir, "state");
  // The owner's own notes, kept from the terminal.
  mkdirSync(join(stateDir, "memory"), { recursive: true });
  writeFileSync(notesPath(stateDir), "- 2026-12-01 09:00 +00:00: OWNER-NOTE the alarm code is 1234\n");
  const gateway = await agentGateway(`{ agents: { defaults: { model: "local/m1" } },
    models: { mode: "replace", providers: { local: { baseUrl: "${server.baseUrl}", api: "openai-completions", models: [{ id: "m1", contextWindow: 32768, maxTokens: 512 }] } } } }`, stateDir);
  closers.push(() => gateway.close());
  const harness = await startChannel({ gateway, dir: temp.dir, name: "memory", section: { groups: { enabled: true, allow: [GROUP] } } });
  closers.push(() => harness.channel.stop());

  harness.whatsapp.deliver(harness.whatsapp.text(ALICE, "remember ALICE-NOTE my PIN is 4242"));
  await harness.channel.idle();
  harness.whatsapp.deliver(harness.whatsapp.group(GROUP, STRANGER, `@${ME_NUMBER} what do you remember?`));
  await harness.channel.idle();
  harness.whatsapp.deliver(harness.whatsapp.text(ALICE, "what do you remember?"));
  await harness.channel.idle();

  const group = harness.whatsapp.to(GROUP).join("\n");
  assert.match(group, /TOOL SAID: no notes yet/);
  assert.doesNotMatch(group, /ALICE-NOTE|OWNER-NOTE/);
  const alice = harness.whatsapp.to(aliceChat);
  assert.equal(alice.length, 2);
  assert.match(alice[1] ?? "", /ALICE-NOTE my PIN is 4242/, "a chat reads back its own notes");
  assert.doesNotMatch(alice.join("\n"), /OWNER-NOTE/, "the owner's terminal notes stay out of WhatsApp");
});
