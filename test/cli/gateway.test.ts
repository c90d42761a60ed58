import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { refusedUrl, startFakeServer, type FakeServer, type Handler } from "../fakes/fake-server.js";
import { runCli, tempDir } from "../helpers/run-cli.js";
import { startGateway, type RunningGateway } from "../helpers/run-gateway.js";
import { conversationOf, lastUser, scriptedModel } from "../helpers/scripted-model.js";
import { openSse } from "../helpers/sse-client.js";

const TOKEN = "gateway-test-token-0123456789abcdef";

function config(baseUrl: string, options: { alias?: string; gateway?: string } = {}): string {
  return `{
    agents: { defaults: { model: { primary: "local/m" }, models: { "local/m": { alias: "${options.alias ?? "Local"}" } } } },
    models: { mode: "replace", providers: { local: { baseUrl: "${baseUrl}", api: "openai-completions", models: [{ id: "m", contextWindow: 32768, maxTokens: 1024 }] } } },
    ${options.gateway ? `gateway: ${options.gateway},` : ""}
  }`;
}

/** A model that answers "echo: <message>", holding each answer until the test lets it go. */
function heldModel(): { handler: Handler; release: () => void; arrived: (count: number) => Promise<void> } {
  const answer = scriptedModel("openai-completions", (turns) => ({ text: `echo: ${lastUser(turns)}` }));
  let opened: () => void = () => undefined;
  let gate = new Promise<void>((resolve) => (opened = resolve));
  let received = 0;
  const waiting: { count: number; resolve: () => void }[] = [];
  return {
    handler: async (request) => {
      if (request.path === "/v1/chat/completions") {
        received++;
        for (const waiter of waiting.filter((entry) => received >= entry.count)) waiter.resolve();
        await gate;
      }
      return answer(request);
    },
    release: () => {
      opened();
      gate = Promise.resolve();
    },
    arrived: (count) => (received >= count ? Promise.resolve() : new Promise((resolve) => waiting.push({ count, resolve }))),
  };
}

const post = (gateway: RunningGateway, session: string, text: string, headers: Record<string, string> = {}) =>
  fetch(`${gateway.url}/api/sessions/${session}/messages`, { method: "POST", headers: { "content-type": "application/json", ...headers }, body: JSON.stringify({ text }) });

function sessionLines(stateDir: string, session: string): { type: string; id?: string; text?: string; message?: { content: { type: string; text?: string }[] } }[] {
  return readFileSync(join(stateDir, "sessions", `${session}.jsonl`), "utf8")
    .trim()
    .split("\n")
    .map((line) => JSON.parse(line) as { type: string });
}

describe("hearth gateway (the real process)", { timeout: 120_000 }, () => {
  const temp = tempDir();
  const gateways: RunningGateway[] = [];
  const servers: FakeServer[] = [];
  after(async () => {
    await Promise.all(gateways.map((gateway) => gateway.stop()));
    await Promise.all(servers.map((server) => server.close()));
    temp.cleanup();
  });
  const launch = async (args: string[], env: NodeJS.ProcessEnv) => {
    const gateway = await startGateway(args, env);
    gateways.push(gateway);
    return gateway;
  };

  test("first run with no config: starts, /health is ok, and the page's status names what is missing (127.0.0.1:1234)", async () => {
    const home = join(temp.dir, "fresh-home");
    const gateway = await launch([], { HOME: home });
    const health = await fetch(`${gateway.url}/health`);
    assert.equal(health.status, 200);
    assert.equal(((await health.json()) as { status: string }).status, "ok");
    const status = (await (await fetch(`${gateway.url}/api/status`)).json()) as { setup: string[]; agents: { primary: string }[] };
    assert.equal(status.agents[0]?.primary, "lmstudio/minimax-m2.1-gs32", "the built-in default puts LM Studio first");
    assert.ok(status.setup.some((line) => line.includes("127.0.0.1:1234") && line.includes("hearth init")), JSON.stringify(status.setup));
    assert.match(gateway.stdout(), /needs setup: no model server at 127\.0\.0\.1:1234/);
    assert.match(gateway.stdout(), /config: none yet at .*hearth\.json5/);
    // The banner leaves to the setup line below what that line says: the sentence once, not twice.
    assert.equal(gateway.stdout().split("running on the built-in default").length - 1, 1, gateway.stdout());
    const log = readFileSync(join(home, ".hearth", "logs", "gateway.log"), "utf8");
    assert.match(log, /"msg":"gateway started"/);
    assert.match(log, /127\.0\.0\.1:1234/);
  });

  test("refuses to listen beyond loopback without a token (exit 2, saying why and the fix)", async () => {
    const result = await runCli(["gateway", "--bind", "0.0.0.0", "--port", "0"], { env: { HOME: join(temp.dir, "open-bind") } });
    assert.equal(result.code, 2);
    assert.match(result.stderr, /refusing to listen on 0\.0\.0\.0 without a token/);
    assert.match(result.stderr, /gateway\.auth\.token/);
    // The advice security audit and doctor give: the token in ~/.hearth/gateway.env, which the service reads too.
    assert.match(result.stderr, /fix: write a token: .*~\/\.hearth\/gateway\.env.*set gateway\.auth\.token to "\$\{HEARTH_GATEWAY_TOKEN\}"/);
  });

  test("a bad --port is exit 2; a port in use is exit 1 naming it", async () => {
    const env = { HOME: join(temp.dir, "ports") };
    const bad = await runCli(["gateway", "--port", "http"], { env });
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--port: "http" is not a port number/);
    const first = await launch([], env);
    // Another state dir's gateway (this one's is refused before it listens: one gateway per state dir).
    const taken = await runCli(["gateway", "--port", new URL(first.url).port], { env: { HOME: join(temp.dir, "ports-other") } });
    assert.equal(taken.code, 1);
    assert.match(taken.stderr, /cannot listen on 127\.0\.0\.1:\d+: the port is in use \(is a gateway already running\? `\.\/bin\/hearth gateway status`\)/, "the command as the user ran it");
  });

  test("a second signal while turns drain stops the gateway at once (the message is saved)", async () => {
    const model = heldModel();
    const server = await startFakeServer(model.handler);
    servers.push(server);
    const file = temp.write("twice.json5", config(server.baseUrl));
    const state = join(temp.dir, "twice-state");
    const gateway = await launch(["--config", file], { HEARTH_STATE_DIR: state });
    assert.equal((await post(gateway, "stuck", "slow one")).status, 202);
    await model.arrived(1);
    gateway.child.kill("SIGTERM");
    await gateway.waitFor(/SIGTERM: stopping/);
    gateway.child.kill("SIGINT");
    await gateway.waitFor(/SIGINT again: stopping now/);
    assert.equal(await gateway.exited, 0);
    model.release();
    assert.deepEqual(sessionLines(state, "stuck").filter((entry) => entry.type === "user").map((entry) => entry.text), ["slow one"]);
  });

  test("with a token every endpoint but /health, the page and its icon needs it; the token never reaches the log", async () => {
    const server = await startFakeServer(scriptedModel("openai-completions", () => ({ text: "hi" })));
    servers.push(server);
    const file = temp.write("token.json5", config(server.baseUrl, { gateway: `{ auth: { token: "${TOKEN}" } }` }));
    const state = join(temp.dir, "token-state");
    const gateway = await launch(["--config", file], { HEARTH_STATE_DIR: state });
    assert.equal((await fetch(`${gateway.url}/health`)).status, 200);
    // The page's icon, asked for by the browser before any token is known: served, not refused.
    for (const icon of ["/favicon.ico", "/favicon.svg"]) assert.equal((await fetch(`${gateway.url}${icon}`)).status, 200, icon);
    const refused = await fetch(`${gateway.url}/api/status`);
    assert.equal(refused.status, 401);
    assert.equal(((await refused.json()) as { error: { type: string } }).error.type, "authentication_error");
    assert.equal((await fetch(`${gateway.url}/api/status`, { headers: { authorization: "Bearer not-the-token" } })).status, 401);
    assert.equal((await fetch(`${gateway.url}/api/status`, { headers: { authorization: `Bearer ${TOKEN}` } })).status, 200);
    assert.doesNotMatch(readFileSync(join(state, "logs", "gateway.log"), "utf8"), new RegExp(TOKEN));
  });

  test("config reload: a good edit is used at once; a bad edit is reported and the old config keeps serving", async () => {
    const server = await startFakeServer(scriptedModel("openai-completions", () => ({ text: "hi" })));
    servers.push(server);
    const file = temp.write("reload.json5", config(server.baseUrl, { alias: "Before" }));
    const gateway = await launch(["--config", file], { HEARTH_STATE_DIR: join(temp.dir, "reload-state") });
    const aliases = async () => ((await (await fetch(`${gateway.url}/api/status`)).json()) as { models: { alias: string }[] }).models.map((model) => model.alias);
    assert.deepEqual(await aliases(), ["Before"]);

    writeFileSync(file, config(server.baseUrl, { alias: "After" }));
    await gateway.waitFor(/config reloaded/);
    assert.deepEqual(await aliases(), ["After"]);

    writeFileSync(file, "{ agents: { defaults: { model: { primary: 42 } } } }");
    await gateway.waitFor(/config reload failed, the old config keeps serving/, "stderr");
    await gateway.waitFor(/agents\.defaults\.model\.primary/, "stderr");
    assert.deepEqual(await aliases(), ["After"]);
    assert.equal((await fetch(`${gateway.url}/health`)).status, 200);
  });

  test("two messages to one session at once: both answered, in order, the second seeing the first; /api/events streams each turn", async () => {
    const model = heldModel();
    const server = await startFakeServer(model.handler);
    servers.push(server);
    const file = temp.write("order.json5", config(server.baseUrl));
    const state = join(temp.dir, "order-state");
    const gateway = await launch(["--config", file], { HEARTH_STATE_DIR: state });
    const events = await openSse(`${gateway.url}/api/events`);
    await events.next((message) => message.event === "setup");

    assert.equal((await post(gateway, "pair", "first")).status, 202);
    assert.equal((await post(gateway, "pair", "second")).status, 202);
    await model.arrived(1);
    model.release();

    const { turn, message, ...start } = JSON.parse((await events.next((message) => message.event === "turn-start")).data) as { session: string; channel: string; text: string; turn: string; message: string };
    assert.deepEqual(start, { type: "turn-start", session: "pair", channel: "webchat", text: "first" });
    // Its message's entry id (what a Retry of it names), as saved.
    assert.equal(message, sessionLines(state, "pair").find((line) => line.type === "user")?.id);
    // The turn's id, on each of its events; its events numbered from 1 (a page that took a snapshot of the turn takes each once).
    assert.match(turn, /^[a-z0-9]+-\d+$/);
    const delta = JSON.parse((await events.next((message) => message.event === "turn-event")).data) as { event: { type: string }; turn: string; seq: number };
    assert.equal(delta.event.type, "text-delta");
    assert.deepEqual([delta.turn, delta.seq], [turn, 1]);
    const firstEnd = JSON.parse((await events.next((message) => message.event === "turn-end")).data) as { result: { ok: boolean; text: string }; turn: string };
    assert.equal(firstEnd.result.text, "echo: first");
    assert.equal(firstEnd.turn, turn);
    const secondEnd = JSON.parse((await events.next((message) => message.event === "turn-end")).data) as { result: { ok: boolean; text: string } };
    assert.equal(secondEnd.result.text, "echo: second");
    events.close();

    const said = sessionLines(state, "pair").flatMap((entry) => (entry.type === "user" ? [`user: ${entry.text}`] : entry.type === "assistant" ? [`assistant: ${entry.message?.content.map((part) => part.text ?? "").join("")}`] : []));
    assert.deepEqual(said, ["user: first", "assistant: echo: first", "user: second", "assistant: echo: second"]);
    const requests = server.requests.filter((request) => request.path === "/v1/chat/completions");
    const secondConversation = conversationOf("openai-completions", requests[1]?.body as Record<string, unknown>).map((turn) => `${turn.role}: ${turn.text}`);
    assert.ok(secondConversation.includes("assistant: echo: first"), "the second turn was sent after the first was answered");

    const transcript = (await (await fetch(`${gateway.url}/api/sessions/pair`)).json()) as { items: { role: string; text: string }[] };
    assert.deepEqual(transcript.items.map((item) => `${item.role}: ${item.text}`), said);
  });

  test("SIGTERM with a turn in flight: no new connections, the turn finishes and is saved, then exit 0", async () => {
    const model = heldModel();
    const server = await startFakeServer(model.handler);
    servers.push(server);
    const file = temp.write("sigterm.json5", config(server.baseUrl));
    const state = join(temp.dir, "sigterm-state");
    const gateway = await launch(["--config", file], { HEARTH_STATE_DIR: state });
    assert.equal((await post(gateway, "busy", "finish me")).status, 202);
    await model.arrived(1);
    gateway.child.kill("SIGTERM");
    await gateway.waitFor(/SIGTERM: stopping/);
    await assert.rejects(fetch(`${gateway.url}/health`, { headers: { connection: "close" } }), "a stopping gateway takes no new connections");
    model.release();
    assert.equal(await gateway.exited, 0);
    const entries = sessionLines(state, "busy");
    const answer = entries.find((entry) => entry.type === "assistant");
    assert.equal(answer?.message?.content.map((part) => part.text ?? "").join(""), "echo: finish me");
    assert.match(gateway.stdout(), /stopped\n$/);
  });

  test("SIGTERM with proxy-mode requests in flight, streamed and not: each is answered whole by the model it named, then exit 0", async () => {
    const model = heldModel();
    const server = await startFakeServer(model.handler);
    servers.push(server);
    const file = temp.write("sigterm-proxy.json5", config(server.baseUrl));
    const gateway = await launch(["--config", file], { HEARTH_STATE_DIR: join(temp.dir, "sigterm-proxy-state") });
    const ask = (text: string, stream: boolean) =>
      fetch(`${gateway.url}/v1/chat/completions`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ model: "local/m", stream, messages: [{ role: "user", content: text }] }) });
    const plain = ask("plain one", false);
    const streamed = ask("streamed one", true);
    await model.arrived(2);
    gateway.child.kill("SIGTERM");
    await gateway.waitFor(/SIGTERM: stopping/);
    model.release();
    const plainReply = await plain;
    assert.equal(plainReply.status, 200);
    assert.equal(((await plainReply.json()) as { choices: { message: { content: string } }[] }).choices[0]?.message.content, "echo: plain one");
    assert.deepEqual(JSON.parse(plainReply.headers.get("x-hearth-attempts") ?? "[]").map((attempt: { model: string; outcome: string }) => `${attempt.model} ${attempt.outcome}`), ["local/m ok"]);
    const streamedReply = await streamed;
    const frames = await streamedReply.text();
    const text = frames.split("\n").filter((line) => line.startsWith("data: {")).map((line) => (JSON.parse(line.slice(6)) as { choices: { delta: { content?: string } }[] }).choices[0]?.delta.content ?? "").join("");
    assert.equal(text, "echo: streamed one");
    assert.match(frames, /data: \[DONE\]/);
    assert.equal(await gateway.exited, 0);
  });

  test("kill -9 mid-turn loses no user message", async () => {
    const model = heldModel();
    const server = await startFakeServer(model.handler);
    servers.push(server);
    const file = temp.write("kill.json5", config(server.baseUrl));
    const state = join(temp.dir, "kill-state");
    const gateway = await launch(["--config", file], { HEARTH_STATE_DIR: state });
    assert.equal((await post(gateway, "doomed", "remember this message")).status, 202);
    await model.arrived(1);
    gateway.child.kill("SIGKILL");
    assert.equal(await gateway.exited, "SIGKILL");
    model.release();
    const users = sessionLines(state, "doomed").filter((entry) => entry.type === "user");
    assert.deepEqual(users.map((entry) => entry.text), ["remember this message"]);
    assert.doesNotMatch(readFileSync(join(state, "logs", "gateway.log"), "utf8"), /remember this message/, "message bodies stay out of the log");
  });

  test("kill -9 loses no accepted message either that waited behind a running turn: the next start saves it, unanswered", async () => {
    const model = heldModel();
    const server = await startFakeServer(model.handler);
    servers.push(server);
    const file = temp.write("queued.json5", config(server.baseUrl));
    const state = join(temp.dir, "queued-state");
    const gateway = await launch(["--config", file], { HEARTH_STATE_DIR: state });
    assert.equal((await post(gateway, "line", "first, answered slowly")).status, 202);
    await model.arrived(1);
    // Accepted (202) while the first turn runs: it waits in the session's line.
    assert.equal((await post(gateway, "line", "second, still waiting")).status, 202);
    assert.equal((await post(gateway, "other", "a third, in another session, waiting for nothing")).status, 202);
    await model.arrived(2);
    gateway.child.kill("SIGKILL");
    assert.equal(await gateway.exited, "SIGKILL");
    model.release();
    assert.deepEqual(sessionLines(state, "line").filter((entry) => entry.type === "user").map((entry) => entry.text), ["first, answered slowly"], "before the restart the waiting message is in no session");

    const restarted = await launch(["--config", file], { HEARTH_STATE_DIR: state });
    // Saved in the background (the killed gateway's session lock has to go stale first), then said.
    await restarted.waitFor(/1 message\(s\) a stopped hearth had taken in but not answered are now in their sessions/, "stderr");
    const transcript = (await (await fetch(`${restarted.url}/api/sessions/line`)).json()) as { items: { role: string; text: string; unanswered?: boolean }[] };
    assert.deepEqual(
      transcript.items.filter((item) => item.role === "user").map((item) => [item.text, item.unanswered ?? false]),
      [["first, answered slowly", true], ["second, still waiting", true]],
      "both messages kept, both unanswered: /retry sends them",
    );
    assert.deepEqual(sessionLines(state, "other").filter((entry) => entry.type === "user").map((entry) => entry.text), ["a third, in another session, waiting for nothing"], "saved once: its turn had saved it already");
    restarted.child.kill("SIGTERM");
    await restarted.exited;
  });

  test("kill -9 while an API request runs and another waits on its session: the waiting one is not saved (its client sends it again), a web chat message waiting beside it is", async () => {
    const model = heldModel();
    const server = await startFakeServer(model.handler);
    servers.push(server);
    const file = temp.write("api-queued.json5", config(server.baseUrl));
    const state = join(temp.dir, "api-queued-state");
    const gateway = await launch(["--config", file], { HEARTH_STATE_DIR: state });
    const ask = (url: string, text: string, stream: boolean) =>
      fetch(`${url}/v1/chat/completions`, { method: "POST", headers: { "content-type": "application/json", "x-hearth-session": "api" }, body: JSON.stringify({ model: "hearth", stream, messages: [{ role: "user", content: text }] }) });
    const first = ask(gateway.url, "first API question", true).catch(() => undefined);
    await model.arrived(1);
    // The second waits behind the first: its stream says so before the process dies.
    const second = await ask(gateway.url, "second API question, waiting", true);
    const reader = second.body?.getReader();
    let heard = "";
    while (!heard.includes(": hearth: waiting for the turn before this one")) {
      const chunk = await reader?.read();
      if (!chunk || chunk.done) break;
      heard += new TextDecoder().decode(chunk.value);
    }
    assert.match(heard, /: hearth: waiting for the turn before this one in the same session to finish/);
    assert.equal((await post(gateway, "api", "a web chat message, waiting too")).status, 202);
    gateway.child.kill("SIGKILL");
    assert.equal(await gateway.exited, "SIGKILL");
    await reader?.read().catch(() => undefined);
    await first;

    const restarted = await launch(["--config", file], { HEARTH_STATE_DIR: state });
    // Only the web chat's message was promised to be kept (its 202): the API request's client got a broken connection instead.
    await restarted.waitFor(/1 message\(s\) a stopped hearth had taken in but not answered are now in their sessions/, "stderr");
    const users = () => sessionLines(state, "api").filter((entry) => entry.type === "user").map((entry) => entry.text);
    assert.deepEqual(users(), ["first API question", "a web chat message, waiting too"], "the running request's message (saved by its turn) and the web chat's; not the waiting API request's");
    // Its client sends it again, as an SDK does after a broken connection: now it is in the session once.
    model.release();
    const again = await ask(restarted.url, "second API question, waiting", false);
    assert.equal(again.status, 200);
    assert.deepEqual(users(), ["first API question", "a web chat message, waiting too", "second API question, waiting"]);
    restarted.child.kill("SIGTERM");
    await restarted.exited;
  });

  test("a model server that appears later: cooling, then up (the health monitor probes it), setup clears, and it answers without a restart", async () => {
    const url = await refusedUrl();
    const file = temp.write("appears.json5", config(`${url}/v1`));
    const gateway = await launch(["--config", file], { HEARTH_STATE_DIR: join(temp.dir, "appears-state") });
    const events = await openSse(`${gateway.url}/api/events`);
    const setup = JSON.parse((await events.next((message) => message.event === "setup")).data) as { problems: string[] };
    assert.match(setup.problems[0] ?? "", new RegExp(`no model server at ${new URL(url).host}`));
    const health = (state: string) => (message: { event?: string; data: string }) => message.event === "provider-health" && (JSON.parse(message.data) as { health: { state: string } }).health.state === state;
    await events.next(health("down"));

    assert.equal((await post(gateway, "later", "are you there?")).status, 202);
    const failed = JSON.parse((await events.next((message) => message.event === "turn-end")).data) as { result: { ok: boolean } };
    assert.equal(failed.result.ok, false);
    await events.next(health("cooling"));

    const answer = scriptedModel("openai-completions", (turns) => ({ text: `here: ${lastUser(turns)}` }));
    const listing: Handler = (request) => (request.method === "GET" && request.path === "/v1/models" ? { kind: "json", body: { object: "list", data: [{ id: "m", object: "model" }] } } : answer(request));
    const server = await startFakeServer(listing, { port: Number(new URL(url).port) });
    servers.push(server);
    const ready = JSON.parse((await events.next((message) => message.event === "setup")).data) as { problems: string[] };
    assert.deepEqual(ready.problems, []);
    await events.next(health("up"));
    assert.ok(server.requests.some((request) => request.path === "/v1/models"), "the server was probed");

    assert.equal((await post(gateway, "later", "now?")).status, 202);
    const answered = JSON.parse((await events.next((message) => message.event === "turn-end")).data) as { result: { ok: boolean; text: string } };
    assert.equal(answered.result.text, "here: now?");
    const sent = JSON.stringify(server.requests.filter((request) => request.path === "/v1/chat/completions").at(-1)?.body);
    assert.doesNotMatch(sent, /are you there/, "the message that failed while no server answered is not merged into the next one");
    events.close();
  });
});
