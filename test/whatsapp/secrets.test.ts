// Issue 9: secrets are never shown, whatever path they take — here WhatsApp's replies, through the real
// composition (createRuntime with the secret redactor, as `hearth gateway` wires it), the channel on
// the Baileys stand-in, and a model server that echoes the key it was sent in its answer, in its
// reasoning and (refusing) in its error, as OpenAI's 401 does.
import assert from "node:assert/strict";
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, test } from "node:test";
import { WhatsAppChannel } from "../../src/channels/whatsapp/channel.js";
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
