// Done when: an image sent on WhatsApp reaches a model whose `input` has "image" as an image part of
// the request (downloaded through the socket), and is described to a text-only model.
import assert from "node:assert/strict";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { WhatsAppChannel } from "../../src/channels/whatsapp/channel.js";
import { whatsappSettings } from "../../src/channels/whatsapp/settings.js";
import { startFakeServer, type FakeServer } from "../fakes/fake-server.js";
import { completionsStream } from "../fakes/openai-completions-stream.js";
import { agentGateway } from "../helpers/agent-gateway.js";
import { ManualClock } from "../helpers/manual-clock.js";
import { tempDir } from "../helpers/run-cli.js";
import { FakeWhatsApp } from "./fake-whatsapp.js";

const ALICE = "15550100001";
const PIXEL = Buffer.from("89504e470d0a1a0a0000000d49484452", "hex");
const quiet = { info: () => undefined, warn: () => undefined };

function config(server: FakeServer, input: string): string {
  return `{ agents: { defaults: { model: "local/m", privacy: "local-only" } },
    models: { mode: "replace", providers: { local: { baseUrl: "${server.baseUrl}", api: "openai-completions", models: [{ id: "m", input: ${input}, contextWindow: 32768, maxTokens: 4096 }] } } } }`;
}

type Part = { type: string; text?: string; image_url?: { url: string } };
const lastUserContent = (server: FakeServer): string | Part[] => {
  const body = server.requests.at(-1)?.body as { messages: { role: string; content: string | Part[] }[] };
  return body.messages.filter((message) => message.role === "user").at(-1)?.content ?? "";
};

describe("WhatsApp images", () => {
  const temp = tempDir();
  const closers: (() => unknown)[] = [];
  after(async () => {
    for (const close of closers) await close();
    temp.cleanup();
  });

  async function run(name: string, input: string, message: (whatsapp: FakeWhatsApp) => ReturnType<FakeWhatsApp["image"]>) {
    const server = await startFakeServer(() => ({ kind: "sse", frames: completionsStream({ text: "a cat", usage: { input: 10, output: 2 } }) }));
    const stateDir = join(temp.dir, name);
    const gateway = await agentGateway(config(server, input), stateDir);
    closers.push(() => server.close(), () => gateway.close());
    const whatsapp = new FakeWhatsApp();
    const channel = new WhatsAppChannel({ port: gateway, settings: whatsappSettings({ enabled: true, allowFrom: [`+${ALICE}`] }), stateDir, socketFactory: whatsapp.factory, logger: quiet, clock: new ManualClock() });
    closers.push(() => channel.stop());
    await channel.start();
    whatsapp.open();
    whatsapp.deliver(message(whatsapp));
    await channel.idle();
    return { server, whatsapp };
  }

  test("to a model that reads images: the image goes as an image part, with the caption", async () => {
    const { server, whatsapp } = await run("vision", `["text", "image"]`, (w) => w.image(ALICE, PIXEL.length, "what is this?", PIXEL));
    const content = lastUserContent(server);
    assert.ok(Array.isArray(content), "the user message has content parts");
    assert.deepEqual(content.find((part) => part.type === "text")?.text, "what is this?");
    assert.equal(content.find((part) => part.type === "image_url")?.image_url?.url, `data:image/jpeg;base64,${PIXEL.toString("base64")}`);
    assert.deepEqual(whatsapp.to(`${ALICE}@s.whatsapp.net`), ["a cat"]);
  });

  test("to a text-only model: the image is described", async () => {
    const { server } = await run("text-only", `["text"]`, (w) => w.image(ALICE, 2 * 1024 * 1024, "what is this?"));
    const content = lastUserContent(server);
    assert.equal(typeof content, "string");
    assert.match(content as string, /^\[image, 2 MB — this model reads text only\]\nwhat is this\?/);
  });

  test("an image over 5 MB is described, not stored", async () => {
    const { server } = await run("too-large", `["text", "image"]`, (w) => w.image(ALICE, 6 * 1024 * 1024, "big one"));
    const content = lastUserContent(server);
    assert.equal(typeof content, "string");
    assert.match(content as string, /big one\n\[image, 6 MB — too large/);
  });
});
