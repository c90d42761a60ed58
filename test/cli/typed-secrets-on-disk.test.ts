import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { startFakeServer, type FakeServer } from "../fakes/fake-server.js";
import { completionsStream } from "../fakes/openai-completions-stream.js";
import { ptyMissing, runInPty } from "../helpers/pty.js";
import { tempDir } from "../helpers/run-cli.js";
import { startGateway, type RunningGateway } from "../helpers/run-gateway.js";
import { conversationOf, lastUser } from "../helpers/scripted-model.js";

/** A key only the environment knows (its variable's name says it is one), and a key known by its shape alone. */
const ENV_KEY = "relay-Zq7Hn3Kp9Wx2Lm5Tv8";
const SHAPED_KEY = "sk-proj-TESTSECRET0123456789abcdef";

/**
 * What a user types is kept on disk only as the session store keeps it: with every secret masked.
 * `hearth chat`'s line history and the gateway's journal of waiting messages (t1 finding 5).
 */
describe("secrets a user types are masked in every file that keeps their words", () => {
  const temp = tempDir();
  const servers: FakeServer[] = [];
  const gateways: RunningGateway[] = [];
  after(async () => {
    await Promise.all(gateways.map((gateway) => gateway.stop()));
    await Promise.all(servers.map((server) => server.close()));
    temp.cleanup();
  });

  /** A model that answers "noted"; the message "hold" is answered only once `release` is called. */
  async function model(name: string): Promise<{ file: string; asked: Promise<void>; release: () => void }> {
    let release = (): void => undefined;
    const held = new Promise<void>((resolve) => (release = resolve));
    let arrived = (): void => undefined;
    const asked = new Promise<void>((resolve) => (arrived = resolve));
    const server = await startFakeServer(async (request) => {
      if (request.method !== "POST") return { kind: "json", status: 404, body: {} };
      if (lastUser(conversationOf("openai-completions", request.body as Record<string, unknown>)) === "hold") {
        arrived();
        await held;
      }
      return { kind: "sse", frames: completionsStream({ text: "noted", chunkSize: 8 }) };
    });
    servers.push(server);
    const file = temp.write(`${name}.json5`, `{ agents: { defaults: { model: { primary: "p/m" } } }, models: { mode: "replace", providers: { p: { baseUrl: "${server.baseUrl}", api: "openai-completions", models: [{ id: "m" }] } } } }`);
    return { file, asked, release };
  }

  test("hearth chat on a terminal: the history file keeps the line with both keys masked", { timeout: 60_000, skip: ptyMissing }, async () => {
    const { file } = await model("chat");
    const state = join(temp.dir, "chat-state");
    const chat = runInPty(["chat", "--config", file, "--session", "typed"], { env: { HEARTH_STATE_DIR: state, MY_RELAY_KEY: ENV_KEY } });
    await chat.waitFor(/you › /);
    chat.send(`my key is ${SHAPED_KEY} and ${ENV_KEY} ok\r`);
    await chat.waitFor(/noted[^]*you › /);
    chat.send("\x04");
    assert.equal(await chat.exited, 0, chat.output);
    const history = readFileSync(join(state, "chat-history"), "utf8");
    assert.equal(history, "my key is *** and *** ok\n");
    const session = readFileSync(join(state, "sessions", "typed.jsonl"), "utf8");
    assert.match(session, /"my key is \*\*\* and \*\*\* ok"/, "as the session keeps it");
  });

  test("the gateway's journal of waiting messages keeps a queued web message with its keys masked", { timeout: 60_000 }, async () => {
    const { file, asked, release } = await model("journal");
    const state = join(temp.dir, "journal-state");
    const gateway = await startGateway(["--config", file], { HEARTH_STATE_DIR: state, MY_RELAY_KEY: ENV_KEY });
    gateways.push(gateway);
    const post = (text: string): Promise<Response> => fetch(`${gateway.url}/api/sessions/web1/messages`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ text }) });
    assert.equal((await post("hold")).status, 202);
    await asked;
    // Taken in (202) only once it is kept: it waits behind "hold", in the journal.
    assert.equal((await post(`my key is ${SHAPED_KEY} and ${ENV_KEY} ok`)).status, 202);
    const journal = readdirSync(join(state, "inbox")).map((name) => readFileSync(join(state, "inbox", name), "utf8")).join("");
    assert.match(journal, /"text":"my key is \*\*\* and \*\*\* ok"/);
    assert.ok(!journal.includes(SHAPED_KEY) && !journal.includes(ENV_KEY), journal);
    release();
  });
});
