// The journal of waiting messages is bounded (s21): a photo that would take what the waiting messages hold past
// the bound is refused as it comes — the sender told at once why and what to do, nothing of it kept — while a
// message that fits is kept and answered. The real composition (createRuntime, the journal on disk), the channel
// on the Baileys stand-in, a model server that holds its first answer; the bound set small (6 KB) to reach it.
import assert from "node:assert/strict";
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, test } from "node:test";
import { JOURNAL_FULL, WhatsAppChannel } from "../../src/channels/whatsapp/channel.js";
import { whatsappSettings } from "../../src/channels/whatsapp/settings.js";
import { createRuntime } from "../../src/cli/runtime.js";
import { MessageInbox } from "../../src/gateway/message-inbox.js";
import { JournalFullFault } from "../../src/gateway/port.js";
import { SecretRedactor } from "../../src/shared/secret-redactor.js";
import { startFakeServer, type FakeServer } from "../fakes/fake-server.js";
import { ManualClock } from "../helpers/manual-clock.js";
import { tempDir } from "../helpers/run-cli.js";
import { lastUser, scriptedModel } from "../helpers/scripted-model.js";
import { FakeWhatsApp } from "./fake-whatsapp.js";

const ALICE = "15550100001";
const BOB = "15550100002";
const temp = tempDir();
const servers: FakeServer[] = [];
after(async () => {
  await Promise.all(servers.map((server) => server.close()));
  temp.cleanup();
});

/** Every journal line of every process in the state dir. */
function journalText(stateDir: string): string {
  const folder = join(stateDir, "inbox");
  if (!existsSync(folder)) return "";
  return readdirSync(folder)
    .map((name) => readFileSync(join(folder, name), "utf8"))
    .join("");
}

test("the journal's bound: past it a message is refused as it comes, with why and what to do; what it holds is given back as messages are answered", async () => {
  const inbox = new MessageInbox({ stateDir: join(temp.dir, "unit"), holdsBytes: 6_000 });
  const photo = { mediaType: "image/jpeg", data: "A".repeat(4_000) };
  const first = await inbox.add({ session: "a", text: "a photo", images: [photo], channel: "whatsapp", agent: "main", at: new Date().toISOString() });
  await assert.rejects(inbox.add({ session: "b", text: "another photo", images: [photo], channel: "whatsapp", agent: "main", at: new Date().toISOString() }), (error: unknown) => {
    assert.ok(error instanceof JournalFullFault);
    assert.match(error.message, /^not kept: the messages already waiting for their turn hold 0\.0 MB of the 0\.0 MB hearth keeps waiting \(1 message, in .*inbox\/\d+\.jsonl\), and this one \(0\.0 MB, with 1 image\) would go past it$/);
    assert.deepEqual(error.details, ["nothing of this message was kept: send it again once hearth has answered the messages before it, or send it without its images"]);
    return true;
  });
  assert.doesNotMatch(readFileSync(inbox.file, "utf8"), /another photo/, "nothing of it on disk");
  // Words alone still fit.
  const words = await inbox.add({ session: "b", text: "in words instead", channel: "whatsapp", agent: "main", at: new Date().toISOString() });
  await inbox.take(first);
  const again = await inbox.add({ session: "b", text: "another photo", images: [photo], channel: "whatsapp", agent: "main", at: new Date().toISOString() });
  await inbox.take(words);
  await inbox.take(again);
});

test("on WhatsApp: a photo past the bound gets the reply saying so at once; a message that fits waits and is answered", async () => {
  let release: () => void = () => undefined;
  const held = new Promise<void>((resolve) => (release = resolve));
  const answer = scriptedModel("openai-completions", (turns) => ({ text: `echo: ${lastUser(turns)}` }));
  const server = await startFakeServer(async (request) => {
    if (request.method === "POST" && JSON.stringify(request.body).includes("hold")) await held;
    return answer(request);
  });
  servers.push(server);
  const stateDir = join(temp.dir, "whatsapp");
  mkdirSync(stateDir, { recursive: true });
  const file = join(stateDir, "hearth.json5");
  writeFileSync(file, `{ agents: { defaults: { model: { primary: "p/m" } } }, models: { mode: "replace", providers: { p: { baseUrl: "${server.baseUrl}", api: "openai-completions", models: [{ id: "m", input: ["text", "image"] }] } } } }`);
  const runtime = await createRuntime({ env: { HEARTH_STATE_DIR: stateDir }, cwd: stateDir, config: file, secrets: new SecretRedactor(), journalHoldsBytes: 6_000 });
  const whatsapp = new FakeWhatsApp();
  const logs: string[] = [];
  const channel = new WhatsAppChannel({
    port: runtime.gateway,
    settings: whatsappSettings({ enabled: true, allowFrom: [`+${ALICE}`, `+${BOB}`] }),
    stateDir,
    socketFactory: whatsapp.factory,
    logger: { info: (line) => logs.push(line), warn: (line) => logs.push(line) },
    clock: new ManualClock(),
  });
  try {
    await channel.start();
    whatsapp.open();
    // Alice's photo (3,000 bytes: 4,000 in base64) is kept, and its answer held.
    whatsapp.deliver(whatsapp.image(ALICE, 3_000, "hold this photo"));
    while (!journalText(stateDir).includes("hold this photo")) await new Promise((resolve) => setTimeout(resolve, 20));
    // Bob's photo would take the journal past 6 KB: refused, and told so.
    whatsapp.deliver(whatsapp.image(BOB, 3_000, "and mine"));
    while (whatsapp.to(`${BOB}@s.whatsapp.net`).length === 0) await new Promise((resolve) => setTimeout(resolve, 20));
    assert.deepEqual(whatsapp.to(`${BOB}@s.whatsapp.net`), [JOURNAL_FULL]);
    assert.doesNotMatch(journalText(stateDir), /and mine/, "nothing of it kept");
    assert.ok(logs.some((line) => /was not kept: not kept: the messages already waiting for their turn hold/.test(line)), logs.join("\n"));
    // Bob's words alone fit: answered.
    whatsapp.deliver(whatsapp.text(BOB, "what I meant, in words"));
    while (whatsapp.to(`${BOB}@s.whatsapp.net`).length < 2) await new Promise((resolve) => setTimeout(resolve, 20));
    assert.equal(whatsapp.to(`${BOB}@s.whatsapp.net`)[1], "echo: what I meant, in words");
    release();
    await channel.idle();
    assert.deepEqual(whatsapp.to(`${ALICE}@s.whatsapp.net`), ["echo: hold this photo"]);
  } finally {
    release();
    channel.stop();
    await runtime.close();
  }
});
