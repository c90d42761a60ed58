// A real `hearth gateway` and what an attacker (or an accident) can leave in `<state dir>/inbox/`
// (trial t14-attack #2, #3): a FIFO named like a dead process's journal neither keeps the gateway from
// listening nor holds up any turn while recovery rounds run — it is said once, with what to do; a
// crafted journal's invalid pieces are dropped, each said with its file and line, and the rest saved.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { randomUUID } from "node:crypto";
import { existsSync, lstatSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { startFakeServer, type FakeServer } from "../fakes/fake-server.js";
import { tempDir } from "../helpers/run-cli.js";
import { startGateway, type RunningGateway } from "../helpers/run-gateway.js";
import { lastUser, scriptedModel } from "../helpers/scripted-model.js";

/** Process ids that are not running (past the kernel's largest). */
const GONE = 4_194_305;

interface Item {
  role: string;
  text: string;
  unanswered?: boolean;
}

const add = (session: string, text: string, fields: Record<string, unknown> = {}): string =>
  JSON.stringify({ add: { id: randomUUID(), session, text, channel: "webchat", agent: "main", at: new Date(Date.now() - 60_000).toISOString(), ...fields } });

/** Asks again until `done` holds (the gateway works in the background); the test's own timeout bounds it. */
async function until<T>(read: () => Promise<T>, done: (value: T) => boolean): Promise<T> {
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

const items = async (gateway: RunningGateway, session: string): Promise<Item[]> =>
  ((await (await fetch(`${gateway.url}/api/sessions/${session}`)).json()) as { items: Item[] }).items.map(({ role, text, unanswered }) => ({ role, text, ...(unanswered ? { unanswered } : {}) }));

/** A web chat message and an agent-mode request, each answered. */
async function bothChannelsAnswer(gateway: RunningGateway, tag: string): Promise<void> {
  const sent = await fetch(`${gateway.url}/api/sessions/web-${tag}/messages`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ text: `web chat ${tag}` }) });
  assert.equal(sent.status, 202);
  const web = await until(() => items(gateway, `web-${tag}`), (read) => read.some((item) => item.role === "assistant"));
  assert.deepEqual(web, [{ role: "user", text: `web chat ${tag}` }, { role: "assistant", text: `echo: web chat ${tag}` }]);
  const agent = await fetch(`${gateway.url}/v1/chat/completions`, { method: "POST", headers: { "content-type": "application/json", "x-hearth-session": `api-${tag}` }, body: JSON.stringify({ model: "hearth", messages: [{ role: "user", content: `agent ${tag}` }] }) });
  assert.equal(agent.status, 200);
  assert.equal(((await agent.json()) as { choices: { message: { content: string } }[] }).choices[0]?.message.content, `echo: agent ${tag}`);
}

const fifoWarning = (path: string): RegExp => new RegExp(`${path.replaceAll(/[.*+?^${}()|[\]\\/]/g, "\\$&")} is a named pipe \\(FIFO\\), not a message journal \\(those are regular files\\): it is not read, and no message is recovered from it; if you put it there, move it out of \\S+inbox, else remove it \\(rm \\S+\\)`);

describe("what is left in inbox/ and a running gateway", { timeout: 90_000 }, () => {
  const temp = tempDir();
  const gateways: RunningGateway[] = [];
  let server: FakeServer | undefined;
  after(async () => {
    await Promise.all(gateways.map((gateway) => gateway.stop()));
    await server?.close();
    temp.cleanup();
  });
  /** A config answering "echo: <message>", and the state dir (its inbox/ made) a gateway will use. */
  const prepare = async (name: string): Promise<{ config: string; state: string; inbox: string }> => {
    server ??= await startFakeServer(scriptedModel("openai-completions", (turns) => ({ text: `echo: ${lastUser(turns)}` })));
    const config = temp.write(`${name}.json5`, `{ agents: { defaults: { model: { primary: "local/m" } } }, models: { mode: "replace", providers: { local: { baseUrl: "${server.baseUrl}", api: "openai-completions", models: [{ id: "m" }] } } } }`);
    const state = join(temp.dir, name);
    const inbox = join(state, "inbox");
    mkdirSync(inbox, { recursive: true, mode: 0o700 });
    return { config, state, inbox };
  };
  const launch = async (setup: { config: string; state: string }): Promise<RunningGateway> => {
    const gateway = await startGateway(["--config", setup.config], { HEARTH_STATE_DIR: setup.state });
    gateways.push(gateway);
    return gateway;
  };

  test("a FIFO and a crafted journal at the start: it listens, says each once, saves what is valid, and answers every channel", async () => {
    const setup = await prepare("start");
    const fifo = join(setup.inbox, `${GONE}.jsonl`);
    execFileSync("mkfifo", [fifo]);
    const journal = join(setup.inbox, `${GONE + 1}.jsonl`);
    writeFileSync(
      journal,
      [
        add("victim", "said by its sender"),
        add("victim", "INJECTED, dated 2099", { at: "2099-01-01T00:00:00.000Z", channel: "whatsapp" }),
        add("brandnew", "a channel with control characters", { channel: "\u001b[31mevil\nline", agent: "../../nonexistent" }),
        add("../../../../tmp/escape", "out of sessions/"),
        "",
      ].join("\n"),
    );
    // Before the fix the start opened the FIFO and waited for a writer forever, never listening.
    const gateway = await launch(setup);
    await gateway.waitFor(fifoWarning(fifo), "stderr");
    await gateway.waitFor(/1 message\(s\) a stopped hearth had taken in but not answered are now in their sessions/, "stderr");
    for (const [line, field] of [[2, "add.at"], [3, "add.channel"], [4, "add.session"]] as const) {
      assert.match(gateway.stderr(), new RegExp(`skipped line ${line} of \\S+/inbox/${GONE + 1}\\.jsonl \\(${field.replace(".", "\\.")}: [^\\n]*\\): that piece of a stopped hearth's journal is dropped, the rest is recovered`));
    }
    assert.ok(!gateway.stderr().includes("\u001b[31m"), "no raw control character from the journal reaches the terminal");
    assert.deepEqual((await items(gateway, "victim")).slice(0, 1), [{ role: "user", text: "said by its sender", unanswered: true }]);
    assert.ok(!existsSync(join(setup.state, "sessions", "brandnew.jsonl")), "no session made for a dropped piece");
    assert.ok(!existsSync(journal), "the journal is removed: its dropped pieces do not keep it");
    assert.ok(lstatSync(fifo).isFIFO(), "the FIFO is left where it is (said, not removed)");
    await bothChannelsAnswer(gateway, "start");
    assert.equal(gateway.stderr().split(fifo).length - 1, 2, "said once (its path, and the rm that removes it)");
  });

  test("a FIFO made while recovery rounds run (a journal of a running process is looked at every 5 s): no turn waits, and it is said once", async () => {
    const setup = await prepare("running");
    // This test's own process still runs: its journal is left, and the gateway asks again every 5 s.
    writeFileSync(join(setup.inbox, `${process.pid}.jsonl`), `${add("not-yet", "left while its process runs")}\n`);
    const gateway = await launch(setup);
    await bothChannelsAnswer(gateway, "before");

    const fifo = join(setup.inbox, `${GONE}.jsonl`);
    execFileSync("mkfifo", [fifo]);
    // The next round meets the FIFO: before the fix its read never ended, and every turn waited for it.
    await gateway.waitFor(fifoWarning(fifo), "stderr");
    await bothChannelsAnswer(gateway, "after");

    // A later round still runs (it saves a journal left meanwhile), and says the FIFO no more.
    writeFileSync(join(setup.inbox, `${GONE + 1}.jsonl`), `${add("later", "saved by a later round")}\n`);
    await gateway.waitFor(/1 message\(s\) a stopped hearth had taken in but not answered are now in their sessions/, "stderr");
    assert.deepEqual((await items(gateway, "later")).slice(0, 1), [{ role: "user", text: "saved by a later round", unanswered: true }]);
    assert.equal(gateway.stderr().split(fifo).length - 1, 2, "said once (its path, and the rm that removes it)");
  });
});
