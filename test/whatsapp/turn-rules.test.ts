// The general rules of a turn hold on WhatsApp (the stand-in socket, a REAL Agent and router, fake model
// servers): a server that says nothing is named to the sender within 10 s; a cancelled or refused turn
// is absent from the next request the server receives; a model pinned with /model is tried while it
// cools down.
import assert from "node:assert/strict";
import { after, describe, test } from "node:test";
import { startFakeServer, type FakeServer, type Handler, type RecordedRequest } from "../fakes/fake-server.js";
import { agentGateway } from "../helpers/agent-gateway.js";
import { tempDir } from "../helpers/run-cli.js";
import { conversationOf, lastUser, scriptedModel } from "../helpers/scripted-model.js";
import { ALICE, aliceChat, startChannel } from "./harness.js";

/** Answers "<name>: <message>"; a message holding HANG gets no answer, BADREQ a 400; `limited` makes every other one a 429. */
function modelServer(name: string, state: { limited: boolean }): Handler {
  const answer = scriptedModel("openai-completions", (turns) => ({ text: `${name}: ${lastUser(turns)}` }));
  return (request) => {
    if (request.method === "GET" && request.path === "/v1/models") return { kind: "json", body: { object: "list", data: [{ id: "m", object: "model" }] } };
    const said = lastUser(conversationOf("openai-completions", request.body as Record<string, unknown>));
    if (said.includes("HANG")) return { kind: "hang-before-headers" };
    if (said.includes("BADREQ")) return { kind: "json", status: 400, body: { error: { message: "invalid request: unknown field 'x'" } } };
    if (state.limited) return { kind: "json", status: 429, body: { error: { message: "rate limited" } } };
    return answer(request);
  };
}

const calls = (server: FakeServer): RecordedRequest[] => server.requests.filter((request) => request.path === "/v1/chat/completions");
const sentText = (request: RecordedRequest | undefined): string => JSON.stringify(request?.body ?? null);

describe("WhatsApp keeps the turn rules", { timeout: 60_000 }, () => {
  const temp = tempDir();
  const closers: (() => unknown)[] = [];
  after(async () => {
    for (const close of closers.reverse()) await close();
    temp.cleanup();
  });

  const start = async (name: string) => {
    const homeState = { limited: false };
    const home = await startFakeServer(modelServer("home", homeState));
    const other = await startFakeServer(modelServer("other", { limited: false }));
    closers.push(() => home.close(), () => other.close());
    const config = `{
      agents: { defaults: { model: { primary: "home/m", fallbacks: ["other/m"] }, models: { "home/m": { alias: "Home" }, "other/m": { alias: "Other" } } } },
      models: { mode: "replace", providers: {
        home: { baseUrl: "${home.baseUrl}", api: "openai-completions", models: [{ id: "m", contextWindow: 32768, maxTokens: 512 }] },
        other: { baseUrl: "${other.baseUrl}", api: "openai-completions", models: [{ id: "m", contextWindow: 32768, maxTokens: 512 }] },
      } },
    }`;
    const gateway = await agentGateway(config, `${temp.dir}/${name}`);
    closers.push(() => gateway.close());
    const harness = await startChannel({ gateway, dir: temp.dir, name });
    closers.push(() => harness.channel.stop());
    const say = async (text: string): Promise<void> => {
      harness.whatsapp.deliver(harness.whatsapp.text(ALICE, text));
      await harness.channel.idle();
    };
    return { home, homeState, other, gateway, harness, say };
  };

  test("a silent server is named to the sender within 10 s, once; the cancelled turn is absent from the next request", async () => {
    const { home, gateway, harness, say } = await start("silent");
    harness.whatsapp.deliver(harness.whatsapp.text(ALICE, "HANG are you there?"));
    // Bounded only so that a missing note fails instead of hanging (the note itself says when it was sent).
    for (let tries = 0; harness.whatsapp.to(aliceChat).length === 0 && tries < 600; tries++) await new Promise((resolve) => setTimeout(resolve, 50));
    const [note] = harness.whatsapp.to(aliceChat);
    assert.match(note ?? "", /^_no reply from Home for [5-9] s \(prompt \d+ tokens[^)]*\) — trying Other if none by \d+ s \(its first-token limit\)_$/);
    gateway.abortAll();
    await harness.channel.idle();
    assert.deepEqual(harness.whatsapp.to(aliceChat), [note], "said once; a cancelled turn sends nothing more");

    await say("and now?");
    assert.deepEqual(harness.whatsapp.to(aliceChat).slice(1), ["home: and now?"]);
    const next = sentText(calls(home).at(-1));
    assert.match(next, /and now\?/);
    assert.doesNotMatch(next, /are you there/);
  });

  test("a refused message is told as such and absent from the next request", async () => {
    const { home, harness, say } = await start("refused");
    await say("BADREQ refused words");
    assert.match(harness.whatsapp.to(aliceChat)[0] ?? "", /^Sorry — this message could not be answered: .*400/);
    await say("the next words");
    assert.equal(harness.whatsapp.to(aliceChat)[1], "home: the next words");
    assert.doesNotMatch(sentText(calls(home).at(-1)), /refused words/);
  });

  test("a model pinned with /model is tried while it cools down", async () => {
    const { home, homeState, harness, say } = await start("pinned");
    await say("/model Home");
    homeState.limited = true;
    await say("sets home cooling");
    // Pinned: home is tried first (429), the fallback answers; home now cools down.
    assert.equal(harness.whatsapp.to(aliceChat).at(-1), "other: sets home cooling");
    homeState.limited = false;
    const before = calls(home).length;
    await say("pinned while cooling");
    assert.equal(calls(home).length, before + 1, "home was tried");
    assert.equal(harness.whatsapp.to(aliceChat).at(-1), "home: pinned while cooling");
  });
});
