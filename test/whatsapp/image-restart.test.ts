// An image message cut short by a crash: after the restart it is answered once — with the image when
// the message had been saved with it, described in words when the crash came before (mid-download).
import assert from "node:assert/strict";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { PendingStore } from "../../src/channels/whatsapp/pending-store.js";
import { whatsappPaths } from "../../src/channels/whatsapp/state-paths.js";
import { startFakeServer, type FakeServer } from "../fakes/fake-server.js";
import { agentGateway } from "../helpers/agent-gateway.js";
import { tempDir } from "../helpers/run-cli.js";
import { scriptedModel } from "../helpers/scripted-model.js";
import { ALICE, aliceChat, startChannel } from "./harness.js";

const PIXEL = Buffer.from("89504e470d0a1a0a0000000d49484452", "hex");
type Part = { type: string; text?: string; image_url?: { url: string } };

const config = (server: FakeServer): string => `{ agents: { defaults: { model: "local/m", privacy: "local-only" } },
  models: { mode: "replace", providers: { local: { baseUrl: "${server.baseUrl}", api: "openai-completions", models: [{ id: "m", input: ["text", "image"], contextWindow: 32768, maxTokens: 512 }] } } } }`;

/** The last user message of each request the model server received. */
const turnRequests = (server: FakeServer) => server.requests.filter((request) => request.method === "POST" && request.path.endsWith("/chat/completions"));
const userContents = (server: FakeServer): (string | Part[])[] =>
  turnRequests(server).map((request) => ((request.body as { messages: { role: string; content: string | Part[] }[] }).messages.filter((message) => message.role === "user").at(-1)?.content ?? ""));

describe("an image message and a crash", () => {
  const temp = tempDir();
  const closers: (() => unknown)[] = [];
  after(async () => {
    for (const close of closers) await close();
    temp.cleanup();
  });

  async function modelServer(): Promise<{ server: FakeServer; hang: { on: boolean }; arrived: Promise<void> }> {
    const hang = { on: true };
    let arrive: () => void = () => undefined;
    const arrived = new Promise<void>((resolve) => (arrive = resolve));
    const server = await startFakeServer(
      scriptedModel("openai-completions", () => {
        if (hang.on) {
          arrive();
          return { reply: { kind: "hang-before-headers" } };
        }
        return { text: "a red pixel" };
      }),
    );
    closers.push(() => server.close());
    return { server, hang, arrived };
  }

  test("saved with its image before the crash: after the restart the model gets the image again, and the sender one answer", async () => {
    const { server, hang, arrived } = await modelServer();
    const dir = join(temp.dir, "saved");
    const before = await agentGateway(config(server), dir);
    closers.push(() => before.close());
    const first = await startChannel({ gateway: before, dir, name: "." });
    first.whatsapp.deliver(first.whatsapp.image(ALICE, PIXEL.length, "what colour?", PIXEL));
    await arrived;
    first.channel.stop();
    before.abortAll();
    await first.channel.idle();
    assert.deepEqual(first.whatsapp.sent, []);

    hang.on = false;
    const restarted = await agentGateway(config(server), dir);
    closers.push(() => restarted.close());
    const second = await startChannel({ gateway: restarted, dir, name: "." });
    await second.channel.idle();
    assert.deepEqual(second.whatsapp.to(aliceChat), ["a red pixel"]);
    const resent = userContents(server).at(-1);
    assert.ok(Array.isArray(resent), "the resent message has parts");
    assert.equal(resent.find((part) => part.type === "text")?.text, "what colour?");
    assert.equal(resent.find((part) => part.type === "image_url")?.image_url?.url, `data:image/jpeg;base64,${PIXEL.toString("base64")}`);
    const transcript = await restarted.sessions().transcript(`whatsapp:${aliceChat}`);
    assert.deepEqual(
      transcript.filter((item) => item.role === "user" || item.role === "assistant").map((item) => [item.role, item.text]),
      [["user", "what colour?"], ["assistant", "a red pixel"]],
      "resent as a retry of the saved message (shown once), not as a new one in other words",
    );
    assert.deepEqual(new PendingStore(whatsappPaths(second.stateDir).pending).list(), []);
    second.channel.stop();
  });

  test("the crash came mid-download, before the message was saved: after the restart it is answered with the image described", async () => {
    const { server, hang } = await modelServer();
    hang.on = false;
    const dir = join(temp.dir, "download");
    const before = await agentGateway(config(server), dir);
    closers.push(() => before.close());
    const first = await startChannel({ gateway: before, dir, name: "." });
    const message = first.whatsapp.image(ALICE, 2 * 1024 * 1024, "what colour?");
    first.whatsapp.media.set(message.key.id ?? "", "hang");
    first.whatsapp.deliver(message);
    const pending = new PendingStore(whatsappPaths(first.stateDir).pending).list();
    assert.equal(pending.length, 1, "taken in before the download");
    first.channel.stop();
    assert.equal(turnRequests(server).length, 0);

    const restarted = await agentGateway(config(server), dir);
    closers.push(() => restarted.close());
    const second = await startChannel({ gateway: restarted, dir, name: "." });
    await second.channel.idle();
    assert.deepEqual(second.whatsapp.to(aliceChat), ["a red pixel"]);
    assert.equal(turnRequests(server).length, 1, "asked once");
    const sent = userContents(server)[0] ?? "";
    const text = Array.isArray(sent) ? sent.map((part) => part.text ?? "").join("") : sent;
    assert.match(text, /what colour\?/);
    assert.match(text, /\[image, 2(\.0)? MB/, "the image is described, since it is not at hand");
    assert.deepEqual(new PendingStore(whatsappPaths(second.stateDir).pending).list(), []);
    second.channel.stop();
  });
});
