// Issue 9 on WhatsApp. Secrets are never shown, whatever path they take — here WhatsApp's replies, through the real
// composition (createRuntime with the secret redactor, as `hearth gateway` wires it), the channel on
// the Baileys stand-in, and a model server that echoes the key it was sent in its answer, in its
// reasoning and (refusing) in its error, as OpenAI's 401 does.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, test } from "node:test";
import { KEPT_NOT_ANSWERED, NOT_KEPT, WhatsAppChannel } from "../../src/channels/whatsapp/channel.js";
import { whatsappSettings } from "../../src/channels/whatsapp/settings.js";
import { createRuntime } from "../../src/cli/runtime.js";
import { SecretRedactor } from "../../src/shared/secret-redactor.js";
import { startFakeServer, type FakeServer } from "../fakes/fake-server.js";
import { ManualClock } from "../helpers/manual-clock.js";
import { tempDir } from "../helpers/run-cli.js";
import { lastUser, scriptedModel } from "../helpers/scripted-model.js";
import { FakeWhatsApp } from "./fake-whatsapp.js";

const ALICE = "15550100001";
const CONFIG_KEY = "canary-whatsapp-config-key-51c0e7";
const ENV_KEY = "canary-whatsapp-env-key-9a2d44";

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesUnder(path) : [path];
  });
}

const temp = tempDir();
const servers: FakeServer[] = [];
after(async () => {
  await Promise.all(servers.map((server) => server.close()));
  temp.cleanup();
});

test("WhatsApp replies, the channel's files and the sessions carry no key the server echoed", async () => {
  const echoing = scriptedModel("openai-completions", (turns, request) => ({
    text: `the key is ${String(request.headers.authorization)}, and ${ENV_KEY}; asked: ${lastUser(turns)}`,
    reasoning: `thinking about ${String(request.headers.authorization)}`,
  }));
  const server = await startFakeServer((request) =>
    lastUser(((request.body as { messages?: { role: string; content: string }[] }).messages ?? []).map((message) => ({ role: message.role, text: String(message.content) })) as never).includes("refuse")
      ? { kind: "json", status: 401, body: { error: { message: `Incorrect API key provided: ${String(request.headers.authorization).replace("Bearer ", "")}.`, type: "invalid_request_error", code: "invalid_api_key" } } }
      : echoing(request),
  );
  servers.push(server);
  const stateDir = join(temp.dir, "state");
  mkdirSync(stateDir, { recursive: true });
  const file = join(stateDir, "hearth.json5");
  writeFileSync(file, `{ agents: { defaults: { model: { primary: "p/m" } } }, models: { mode: "replace", providers: { p: { baseUrl: "${server.baseUrl}", api: "openai-completions", apiKey: "${CONFIG_KEY}", models: [{ id: "m", reasoning: true }] } } } }`);
  const secrets = new SecretRedactor([ENV_KEY]);
  const runtime = await createRuntime({ env: { HEARTH_STATE_DIR: stateDir }, cwd: stateDir, config: file, secrets });
  const whatsapp = new FakeWhatsApp();
  const channel = new WhatsAppChannel({
    port: runtime.gateway,
    settings: whatsappSettings({ enabled: true, allowFrom: [`+${ALICE}`] }),
    stateDir,
    socketFactory: whatsapp.factory,
    logger: { info: () => undefined, warn: () => undefined },
    clock: new ManualClock(),
  });
  await channel.start();
  whatsapp.open();
  for (const text of ["hello", "/status", "please refuse"]) {
    whatsapp.deliver(whatsapp.text(ALICE, text));
    await channel.idle();
  }
  channel.stop();
  await runtime.close();

  const replies = whatsapp.to(`${ALICE}@s.whatsapp.net`);
  // "***" is Markdown emphasis to WhatsApp's formatter: it arrives as "_*…*_"; what matters is that no key does.
  assert.ok(replies.some((reply) => /the key is Bearer \S*\*\S*, and \S*\*\S*; asked: hello/.test(reply)), `the echo arrived, masked: ${JSON.stringify(replies)}`);
  assert.ok(server.requests.some((request) => JSON.stringify(request.body).includes("please refuse")), "the refused turn was tried (a 401 is transient: it waits, its error in the channel's files)");
  assert.ok(server.requests.some((request) => request.headers.authorization === `Bearer ${CONFIG_KEY}`), "the key was really in play");
  for (const reply of replies) {
    assert.ok(!reply.includes(CONFIG_KEY) && !reply.includes(ENV_KEY), `a key reached WhatsApp: ${reply}`);
  }
  for (const path of filesUnder(stateDir).filter((path) => path !== file)) {
    const text = readFileSync(path, "utf8");
    assert.ok(!text.includes(CONFIG_KEY) && !text.includes(ENV_KEY), `${path} holds a key`);
  }
});

// Issue 9's state-dir faults on WhatsApp (found by an attack run in session 3): a message whose session
// file could not be read got no reply at all — the failure went only to a log line.
/** A WhatsApp channel on the real composition in `stateDir` (its session for ALICE a FIFO: not a file hearth can keep), sent "hello". */
async function helloToBrokenSession(stateDir: string, options: { journal: "writable" | "broken" }): Promise<{ replies: string[]; logs: string[]; sessionFile: string; calls: number }> {
  const server = await startFakeServer(scriptedModel("openai-completions", () => ({ text: "fine" })));
  servers.push(server);
  mkdirSync(join(stateDir, "sessions"), { recursive: true });
  const sessionFile = join(stateDir, `sessions/whatsapp:${ALICE}@s.whatsapp.net.jsonl`);
  execFileSync("mkfifo", [sessionFile]);
  // A file where the journal's folder should be: no message can be kept there either.
  if (options.journal === "broken") writeFileSync(join(stateDir, "inbox"), "not a folder");
  const file = join(stateDir, "hearth.json5");
  writeFileSync(file, `{ agents: { defaults: { model: { primary: "p/m" } } }, models: { mode: "replace", providers: { p: { baseUrl: "${server.baseUrl}", api: "openai-completions", models: [{ id: "m" }] } } } }`);
  const runtime = await createRuntime({ env: { HEARTH_STATE_DIR: stateDir }, cwd: stateDir, config: file, secrets: new SecretRedactor() });
  const whatsapp = new FakeWhatsApp();
  const logs: string[] = [];
  const channel = new WhatsAppChannel({
    port: runtime.gateway,
    settings: whatsappSettings({ enabled: true, allowFrom: [`+${ALICE}`] }),
    stateDir,
    socketFactory: whatsapp.factory,
    logger: { info: (line) => logs.push(line), warn: (line) => logs.push(line) },
    clock: new ManualClock(),
  });
  await channel.start();
  whatsapp.open();
  whatsapp.deliver(whatsapp.text(ALICE, "hello"));
  await channel.idle();
  channel.stop();
  await runtime.close();
  return { replies: whatsapp.to(`${ALICE}@s.whatsapp.net`), logs, sessionFile, calls: server.requests.filter((request) => request.method === "POST").length };
}

test("a message whose session cannot be written but is kept in the journal gets a reply saying it is kept (not 'send it again': it would be saved twice); the path and the fix go to the log", async () => {
  const stateDir = join(temp.dir, "fault");
  const { replies, logs, sessionFile, calls } = await helloToBrokenSession(stateDir, { journal: "writable" });
  assert.deepEqual(replies, [KEPT_NOT_ANSWERED]);
  assert.ok(logs.some((line) => line.includes(sessionFile) && /named pipe \(FIFO\)/.test(line) && /move .* aside/.test(line) && /kept but not answered/.test(line) && /your message is not lost/.test(line)), logs.join("\n"));
  const journals = readdirSync(join(stateDir, "inbox")).map((name) => readFileSync(join(stateDir, "inbox", name), "utf8"));
  assert.ok(journals.some((text) => text.includes('"text":"hello"')), `the message is in the journal: ${journals.join("\n")}`);
  assert.equal(calls, 0, "no model is called for a message whose session could not be written");
});

test("a message that could not be kept at all (its journal cannot be written either) gets a reply asking to send it again later", async () => {
  const stateDir = join(temp.dir, "fault-no-journal");
  const { replies, logs, calls } = await helloToBrokenSession(stateDir, { journal: "broken" });
  assert.deepEqual(replies, [NOT_KEPT]);
  assert.ok(logs.some((line) => /was not kept/.test(line) && line.includes(join(stateDir, "inbox"))), logs.join("\n"));
  assert.equal(calls, 0);
});
