// A message sent again more than once (s19 review #1, #3): a real `hearth gateway`, its HTTP API.
// A message a Retry already sent again and got answered is not sent again by a second Retry of it (two
// tabs, a page not re-read): `Nothing to retry`, as `/retry` says — its tools would run twice. A Retry of
// a regenerate that a `kill -9` cut replaces the answer the regenerate was to replace: the model is sent
// the question once, and only the latest answer.
import assert from "node:assert/strict";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { startFakeServer, type FakeServer, type Handler } from "../fakes/fake-server.js";
import { gatewayLauncher, localModelConfig as config, postMessage as post, sessionLines as entries, until } from "../helpers/cut-gateway.js";
import { tempDir } from "../helpers/run-cli.js";
import type { RunningGateway } from "../helpers/run-gateway.js";
import { lastUser, scriptedModel, type Turn } from "../helpers/scripted-model.js";
import { openSse } from "../helpers/sse-client.js";

/** A model that answers "answer N to <message>", or fails (`failing`), or holds its answer until `release` (`holding`); each conversation it was sent is kept. */
function model(): { handler: Handler; seen: Turn[][]; state: { failing: boolean; holding: boolean }; arrived: (count: number) => Promise<void>; release: () => void } {
  const seen: Turn[][] = [];
  const state = { failing: false, holding: false };
  let answers = 0;
  const answer = scriptedModel("openai-completions", (turns) => {
    seen.push(turns);
    return { text: `answer ${++answers} to ${lastUser(turns)}` };
  });
  let released: () => void = () => undefined;
  const gate = new Promise<void>((resolve) => (released = resolve));
  let received = 0;
  const waiting: { count: number; resolve: () => void }[] = [];
  return {
    seen,
    state,
    handler: async (request) => {
      if (request.path !== "/v1/chat/completions") return answer(request);
      received++;
      for (const waiter of waiting.filter((entry) => received >= entry.count)) waiter.resolve();
      if (state.failing) return { kind: "json", status: 400, body: { error: { message: "this model refuses the request" } } };
      if (state.holding) await gate;
      return answer(request);
    },
    arrived: (count) => (received >= count ? Promise.resolve() : new Promise((resolve) => waiting.push({ count, resolve }))),
    release: () => released(),
  };
}

const items = async (gateway: RunningGateway, session: string): Promise<{ role: string; text: string; id?: string }[]> =>
  ((await (await fetch(`${gateway.url}/api/sessions/${session}`)).json()) as { items: { role: string; text: string; id?: string }[] }).items;

describe("a message sent again more than once", { timeout: 120_000 }, () => {
  const temp = tempDir();
  const gateways = gatewayLauncher();
  const servers: FakeServer[] = [];
  after(async () => {
    gateways.killAll();
    await Promise.all(servers.map((server) => server.close()));
    temp.cleanup();
  });
  const launch = gateways.launch;

  test("a second Retry of a message a Retry already answered (another tab, a page not re-read) is refused as /retry is, and nothing runs again", async () => {
    const fake = model();
    const server = await startFakeServer(fake.handler);
    servers.push(server);
    const state = join(temp.dir, "tabs-state");
    const gateway = await launch(temp.write("tabs.json5", config(server.baseUrl)), state);
    const events = await openSse(`${gateway.url}/api/events`);
    try {
      fake.state.failing = true;
      assert.equal((await post(gateway, "tabs", { text: "Book the table" })).status, 202);
      await until(() => entries(state, "tabs"), (lines) => lines.at(-1)?.type === "turn-failed");
      const first = (await items(gateway, "tabs")).find((item) => item.role === "user")?.id;
      assert.ok(first);
      // One tab's Retry: sent again, answered.
      fake.state.failing = false;
      assert.equal((await post(gateway, "tabs", { text: "", retry: true, retryOf: first })).status, 202);
      await until(() => entries(state, "tabs"), (lines) => lines.at(-1)?.type === "assistant");
      const calls = fake.seen.length;
      // The other tab still shows the first try, and its Retry names it.
      assert.equal((await post(gateway, "tabs", { text: "", retry: true, retryOf: first })).status, 202);
      const refused = await events.next((message) => message.event === "command-result");
      assert.equal((JSON.parse(refused.data) as { text: string }).text, "Nothing to retry: that message was answered, or is not in this conversation.");
      // `/retry` in the same state says the same of the last message.
      assert.equal((await post(gateway, "tabs", { text: "/retry" })).status, 202);
      const said = await events.next((message) => message.event === "command-result");
      assert.equal((JSON.parse(said.data) as { text: string }).text, "Nothing to retry: every message of this conversation got its answer (or there is none).");
      const users = entries(state, "tabs").filter((entry) => entry.type === "user");
      assert.deepEqual(users.map((entry) => entry.retryOf), [undefined, first], "the message is kept twice (its try and the Retry), never a third time");
      assert.equal(fake.seen.length, calls, "the model was not asked again");
    } finally {
      events.close();
    }
    gateway.child.kill("SIGTERM");
    await gateway.exited;
  });

  test("a Retry of a regenerate a kill -9 cut replaces the answer the regenerate was to replace: the model is sent the question once", async () => {
    const fake = model();
    const server = await startFakeServer(fake.handler);
    servers.push(server);
    const file = temp.write("regen.json5", config(server.baseUrl));
    const state = join(temp.dir, "regen-state");
    const gateway = await launch(file, state);
    const ask = () => fetch(`${gateway.url}/v1/chat/completions`, { method: "POST", headers: { "content-type": "application/json", "x-hearth-session": "chain" }, body: JSON.stringify({ model: "hearth", messages: [{ role: "user", content: "What is 2+2?" }] }) });
    assert.equal((await ask()).status, 200);
    // The client's regenerate (the same conversation without the answer), cut by a kill -9 while its answer is held.
    fake.state.holding = true;
    const regenerate = ask().catch(() => undefined);
    await fake.arrived(2);
    gateway.child.kill("SIGKILL");
    assert.equal(await gateway.exited, "SIGKILL");
    await regenerate;
    fake.release();

    const restarted = await launch(file, state);
    await restarted.waitFor(/1 answer\(s\) a stopped hearth was writing were cut off by its stop/, "stderr");
    // The page's item names the latest try: its Retry sends the regenerate again.
    const question = (await items(restarted, "chain")).filter((item) => item.role === "user");
    assert.equal(question.length, 1, JSON.stringify(question));
    const latest = entries(state, "chain").filter((entry) => entry.type === "user").at(-1);
    assert.equal(question[0]?.id, latest?.id);
    assert.equal((await post(restarted, "chain", { text: "", retry: true, retryOf: latest?.id })).status, 202);
    const retried = (await until(() => entries(state, "chain"), (lines) => lines.at(-1)?.type === "assistant")).at(-1)?.message?.content[0]?.text;
    assert.match(retried ?? "", /^answer \d+ to What is 2\+2\?$/);
    assert.deepEqual(fake.seen.at(-1)?.filter((turn) => turn.role !== "system").map((turn) => turn.text), ["What is 2+2?"], "the question once, without the answer the regenerate was to replace");
    assert.equal((await post(restarted, "chain", { text: "and then?" })).status, 202);
    await until(() => entries(state, "chain"), (lines) => lines.at(-1)?.type === "assistant" && lines.at(-2)?.text === "and then?");
    assert.deepEqual(
      fake.seen.at(-1)?.filter((turn) => turn.role !== "system").map((turn) => turn.text),
      ["What is 2+2?", retried, "and then?"],
      "the Retry's answer took the first answer's place",
    );
    restarted.child.kill("SIGTERM");
    await restarted.exited;
  });
});
