// The gateway's process lifecycle with the real `bin/hearth gateway` process: a stop that starts nothing
// new on any connection, cuts API streams with an error saying so, a terminal that goes away, and state
// folders removed while it runs.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync, readdirSync, readFileSync, rmSync, utimesSync } from "node:fs";
import { connect } from "node:net";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import OpenAI from "openai";
import { startFakeServer, type FakeServer, type Handler } from "../fakes/fake-server.js";
import { hearthBin, repoRoot, runCli, tempDir } from "../helpers/run-cli.js";
import { startGateway, type RunningGateway } from "../helpers/run-gateway.js";
import { lastUser, scriptedModel } from "../helpers/scripted-model.js";
import { TURN_QUEUED_NOTICE } from "../../src/models/waiting-notice.js";
import { openSse } from "../helpers/sse-client.js";

function config(baseUrl: string): string {
  return `{
    agents: { defaults: { model: { primary: "local/m" } } },
    models: { mode: "replace", providers: { local: { baseUrl: "${baseUrl}", api: "openai-completions", models: [{ id: "m", contextWindow: 32768, maxTokens: 1024 }] } } },
  }`;
}

/** A model that answers "echo: <message>", holding each answer until the test lets it go; `stuck`: it sends one token, then nothing more. */
function heldModel(options: { stuck?: boolean } = {}): { handler: Handler; release: () => void; arrived: (count: number) => Promise<void>; received: () => number } {
  const answer = scriptedModel("openai-completions", (turns) => ({ text: `echo: ${lastUser(turns)}` }));
  let opened: () => void = () => undefined;
  const gate = new Promise<void>((resolve) => (opened = resolve));
  let received = 0;
  const waiting: { count: number; resolve: () => void }[] = [];
  return {
    handler: async (request) => {
      if (request.path !== "/v1/chat/completions") return answer(request);
      received++;
      for (const waiter of waiting.filter((entry) => received >= entry.count)) waiter.resolve();
      if (options.stuck) {
        const chunk = { id: "c1", object: "chat.completion.chunk", created: 0, model: "m", choices: [{ index: 0, delta: { role: "assistant", content: "Once upon" }, finish_reason: null }] };
        return { kind: "sse", frames: [{ data: JSON.stringify(chunk) }], after: "hang" };
      }
      await gate;
      return answer(request);
    },
    release: () => opened(),
    arrived: (count) => (received >= count ? Promise.resolve() : new Promise((resolve) => waiting.push({ count, resolve }))),
    received: () => received,
  };
}

const post = (gateway: RunningGateway, session: string, text: string) =>
  fetch(`${gateway.url}/api/sessions/${session}/messages`, { method: "POST", headers: { "content-type": "application/json", connection: "close" }, body: JSON.stringify({ text }) });

function sessionUsers(stateDir: string, session: string): string[] {
  const file = join(stateDir, "sessions", `${session}.jsonl`);
  if (!existsSync(file)) return [];
  return readFileSync(file, "utf8")
    .trim()
    .split("\n")
    .map((line) => JSON.parse(line) as { type: string; text?: string })
    .flatMap((entry) => (entry.type === "user" ? [entry.text ?? ""] : []));
}

/** Everything one raw TCP connection receives until the server closes it. */
function rawConnection(url: string): { write: (text: string) => void; closed: Promise<string> } {
  const { hostname, port } = new URL(url);
  const socket = connect(Number(port), hostname);
  let received = "";
  socket.on("data", (chunk: Buffer) => (received += chunk.toString()));
  const closed = new Promise<string>((resolve) => socket.on("close", () => resolve(received)));
  socket.on("error", () => undefined);
  return { write: (text) => socket.write(text), closed };
}

function request(method: string, path: string, body?: unknown): string {
  const text = body === undefined ? "" : JSON.stringify(body);
  return `${method} ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: keep-alive\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(text)}\r\n\r\n${text}`;
}

describe("the gateway's stop, its terminal and its state folders (the real process)", { timeout: 120_000 }, () => {
  const temp = tempDir();
  const gateways: RunningGateway[] = [];
  const servers: FakeServer[] = [];
  after(async () => {
    await Promise.all(gateways.map((gateway) => gateway.stop()));
    await Promise.all(servers.map((server) => server.close()));
    temp.cleanup();
  });
  const setUp = async (name: string, model: { handler: Handler }) => {
    const server = await startFakeServer(model.handler);
    servers.push(server);
    const file = temp.write(`${name}.json5`, config(server.baseUrl));
    const state = join(temp.dir, `${name}-state`);
    const gateway = await startGateway(["--config", file], { HEARTH_STATE_DIR: state });
    gateways.push(gateway);
    return { gateway, file, state };
  };

  test("after SIGTERM a connection open before it starts nothing: a request pipelined on it is a 503 with Connection: close; the event stream ends with `stopping`", async () => {
    const model = heldModel();
    const { gateway, file, state } = await setUp("pipelined", model);
    const events = await openSse(`${gateway.url}/api/events`);
    const connection = rawConnection(gateway.url);
    connection.write(request("POST", "/v1/chat/completions", { model: "local/m", messages: [{ role: "user", content: "in flight" }] }));
    await model.arrived(1);
    gateway.child.kill("SIGTERM");
    await gateway.waitFor(/SIGTERM: stopping/);
    const stopping = await events.next((message) => message.event === "stopping");
    assert.deepEqual(JSON.parse(stopping.data), { type: "stopping", turns: 0, proxied: 1 }, "the proxied answer in flight finishes, counted as what it is");
    const status = await runCli(["gateway", "status", "--config", file], { env: { HEARTH_STATE_DIR: state } });
    assert.match(status.stdout, /^stopping: the gateway that was at http:\/\/127\.0\.0\.1:\d+\/ \(pid \d+\) is stopping, 1 proxied answer finishing;/m, status.stdout);
    await events.ended;
    // On the connection that was busy when the signal came: a web message after it.
    connection.write(request("POST", "/api/sessions/late/messages", { text: "sent after SIGTERM" }));
    await new Promise((resolve) => setTimeout(resolve, 300));
    model.release();
    const received = await connection.closed;
    const responses = received.split(/(?=HTTP\/1\.1 )/);
    assert.match(responses[0] ?? "", /^HTTP\/1\.1 200 /, "the request in flight is answered");
    assert.match(responses[0] ?? "", /echo: in flight/);
    assert.match(responses[1] ?? "", /^HTTP\/1\.1 503 /, received);
    assert.match(responses[1] ?? "", /\r\nconnection: close\r\n/i);
    assert.match(responses[1] ?? "", /"code":"gateway_stopping"/);
    assert.match(responses[1] ?? "", /the gateway is stopping: it takes no new requests \(1 proxied answer finishing\)/);
    assert.equal(await gateway.exited, 0);
    assert.deepEqual(sessionUsers(state, "late"), [], "nothing was run or saved for it");
    assert.equal(model.received(), 1);
  });

  test("a web message waiting behind the running turn is not started during the drain: the journal keeps it and the next start saves it unanswered; status says stopping", async () => {
    const model = heldModel();
    const { gateway, file, state } = await setUp("queued", model);
    assert.equal((await post(gateway, "line", "first")).status, 202);
    await model.arrived(1);
    assert.equal((await post(gateway, "line", "second, waiting")).status, 202);
    gateway.child.kill("SIGTERM");
    await gateway.waitFor(/SIGTERM: stopping/);
    const status = await runCli(["gateway", "status", "--config", file], { env: { HEARTH_STATE_DIR: state } });
    assert.match(status.stdout, /^stopping: the gateway that was at http:\/\/127\.0\.0\.1:\d+\/ \(pid \d+\) is stopping, 1 turn finishing/m, status.stdout);
    assert.doesNotMatch(status.stdout, /not running/);
    // A restart meanwhile (systemctl restart, a script) waits for the stopping gateway instead of being refused.
    const next = spawn(process.execPath, [hearthBin, "gateway", "--port", "0", "--config", file], { cwd: repoRoot, env: { PATH: process.env.PATH, HOME: "/nonexistent-home", NO_COLOR: "1", HEARTH_STATE_DIR: state }, stdio: ["ignore", "pipe", "pipe"] });
    const said = { stdout: "", stderr: "" };
    next.stdout.on("data", (chunk: Buffer) => (said.stdout += chunk.toString()));
    next.stderr.on("data", (chunk: Buffer) => (said.stderr += chunk.toString()));
    const nextExited = new Promise<void>((resolve) => next.once("exit", () => resolve()));
    after(async () => {
      next.kill("SIGKILL");
      await nextExited;
    });
    const until = async (what: string, check: () => boolean): Promise<void> => {
      for (let tries = 0; !check(); tries++) {
        if (tries > 600 || next.exitCode !== null) throw new Error(`never: ${what}\nstdout:\n${said.stdout}\nstderr:\n${said.stderr}`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    };
    await until("the restart says it waits", () => /^the gateway that was at http:\/\/127\.0\.0\.1:\d+\/ \(pid \d+\) is stopping, finishing 1 turn: this one starts once it has stopped \(up to 30 s\)$/m.test(said.stdout));
    assert.doesNotMatch(said.stdout + said.stderr, /already runs/);
    assert.ok(!/web chat at/.test(said.stdout), "it does not serve beside the stopping one");
    model.release();
    assert.equal(await gateway.exited, 0);
    assert.equal(model.received(), 1, "the waiting message was not started during the drain");
    assert.deepEqual(sessionUsers(state, "line").slice(0, 1), ["first"]);

    // Once it has stopped, the restarted one serves, and saves the message the stopped one had taken in.
    await until("the restarted gateway serves", () => /web chat at http:\/\//.test(said.stdout));
    await until("the journal's message is saved", () => /1 message\(s\) a stopped hearth had taken in but not answered are now in their sessions/.test(said.stderr));
    assert.deepEqual(sessionUsers(state, "line"), ["first", "second, waiting"]);
    assert.equal(model.received(), 1);
  });

  test("an API request waiting behind the running turn is told at the signal that it was not run (not once the turn ends, not 'cut off'); the running turn finishes", async () => {
    const model = heldModel();
    const { gateway, state } = await setUp("queued-api", model);
    const ask = (text: string, stream: boolean): Promise<Response> =>
      fetch(`${gateway.url}/v1/chat/completions`, { method: "POST", headers: { "content-type": "application/json", "x-hearth-session": "st1" }, body: JSON.stringify({ model: "hearth", stream, messages: [{ role: "user", content: text }] }) });
    const first = ask("first msg", false);
    await model.arrived(1);
    const second = await ask("second queued msg", true);
    assert.equal(second.status, 200);
    const reader = second.body?.getReader();
    assert.ok(reader);
    let body = "";
    const decoder = new TextDecoder();
    const readUntil = async (done: (text: string) => boolean): Promise<void> => {
      while (!done(body)) {
        const { value, done: ended } = await reader.read();
        if (ended) return;
        body += decoder.decode(value, { stream: true });
      }
    };
    await readUntil((text) => text.includes(TURN_QUEUED_NOTICE));
    gateway.child.kill("SIGTERM");
    await gateway.waitFor(/SIGTERM: stopping/);
    // Read to its end while the turn before it is still held: it is answered at the signal.
    await readUntil(() => false);
    assert.match(body, /not run: the gateway is stopping and started no new turn; the message was not saved/, body);
    assert.doesNotMatch(body, /cut off/);
    assert.match(body, /"code":"gateway_stopping"/);
    assert.equal(model.received(), 1, "the running turn is still held");
    model.release();
    const answered = await first;
    assert.equal(answered.status, 200);
    assert.match(await answered.text(), /echo: first msg/);
    assert.equal(await gateway.exited, 0);
    assert.equal(model.received(), 1, "the waiting request was never run");
    assert.deepEqual(sessionUsers(state, "st1"), ["first msg"], "nor saved");
  });

  test("API streams cut by the stop end with an error saying so, in each API's shape (the openai SDK as client); the log says 503, the terminal how many were cancelled", async () => {
    const model = heldModel({ stuck: true });
    const { gateway, state } = await setUp("cut", model);
    const client = new OpenAI({ baseURL: `${gateway.url}/v1`, apiKey: "unused", maxRetries: 0 });
    // Chat completions: the SDK throws the stream's `data: {"error": …}`; Responses: its last event is `response.failed`, with the error.
    const read = async (stream: AsyncIterable<unknown>): Promise<{ chunks: number; error: string | undefined; last: string | undefined }> => {
      let chunks = 0;
      let last: { type?: string; response?: { error?: { message?: string } } } | undefined;
      try {
        for await (const chunk of stream) {
          chunks++;
          last = chunk as typeof last;
        }
        return { chunks, error: last?.response?.error?.message, last: last?.type };
      } catch (error) {
        return { chunks, error: error instanceof Error ? error.message : String(error), last: last?.type };
      }
    };
    const proxied = read(await client.chat.completions.create({ model: "local/m", stream: true, messages: [{ role: "user", content: "tell a story" }] }));
    const agent = read(await client.responses.create({ model: "hearth", stream: true, input: "tell me another" }));
    await model.arrived(2);
    gateway.child.kill("SIGTERM");
    await gateway.waitFor(/SIGTERM: stopping/);
    gateway.child.kill("SIGTERM");
    const [proxyEnd, agentEnd] = await Promise.all([proxied, agent]);
    assert.ok(proxyEnd.chunks > 0);
    assert.match(proxyEnd.error ?? "", /the gateway is stopping/, JSON.stringify(proxyEnd));
    assert.match(agentEnd.error ?? "", /the gateway stopped partway through it; the part shown is kept in the session/, JSON.stringify(agentEnd));
    assert.equal(agentEnd.last, "response.failed");
    assert.equal(await gateway.exited, 0);
    assert.match(gateway.stdout(), /SIGTERM: stopping; 1 turn and 1 proxied answer in flight finish first \(up to \d+ s\)\n/);
    assert.match(gateway.stdout(), /stopped \(1 turn and 1 proxied answer cancelled\)\n$/);
    const lines = readFileSync(join(state, "logs", "gateway.log"), "utf8").trim().split("\n").map((line) => JSON.parse(line) as { msg: string; path?: string; answer?: number });
    const answers = lines.filter((line) => line.msg === "request" && (line.path === "/v1/chat/completions" || line.path === "/v1/responses")).map((line) => line.answer);
    assert.deepEqual(answers, [503, 503], "a stop, not 499 (the client went away)");
    // The agent turn's words that went out are its answer in the session, marked cut off.
    const kept = readdirSync(join(state, "sessions"))
      .filter((name) => name.endsWith(".jsonl"))
      .flatMap((name) => readFileSync(join(state, "sessions", name), "utf8").trim().split("\n"))
      .map((line) => JSON.parse(line) as { type: string; message?: { stopReason: string; content: { text?: string }[] } })
      .filter((entry) => entry.type === "assistant");
    assert.deepEqual(kept.map((entry) => [entry.message?.stopReason, entry.message?.content.map((part) => part.text ?? "").join("")]), [["error", "Once upon"]]);
  });

  test("`hearth gateway | head -2`: a stdout closed after two lines does not stop the gateway; the log says the terminal went away", async () => {
    const model = heldModel();
    model.release();
    const server = await startFakeServer(model.handler);
    servers.push(server);
    const file = temp.write("pipe.json5", config(server.baseUrl));
    const state = join(temp.dir, "pipe-state");
    const child = spawn(process.execPath, [hearthBin, "gateway", "--port", "0", "--config", file], { cwd: repoRoot, env: { PATH: process.env.PATH, HOME: "/nonexistent-home", NO_COLOR: "1", HEARTH_STATE_DIR: state }, stdio: ["ignore", "pipe", "ignore"] });
    const exited = new Promise((resolve) => child.once("exit", resolve));
    let out = "";
    const url = await new Promise<string>((resolve) => {
      child.stdout.on("data", (chunk: Buffer) => {
        out += chunk.toString();
        if (out.split("\n").length > 2) resolve(/(http:\/\/[^/\s]+)/.exec(out)?.[1] ?? "");
      });
    });
    child.stdout.destroy();
    try {
      // A line for the closed terminal: a config edit is reloaded and said there.
      const log = join(state, "logs", "gateway.log");
      const logged = (pattern: RegExp): Promise<void> =>
        new Promise((resolve) => {
          const look = (): void => void (pattern.test(readFileSync(log, "utf8")) ? resolve() : setTimeout(look, 50));
          look();
        });
      await logged(/"msg":"gateway started"/);
      const now = new Date();
      utimesSync(file, now, now);
      await logged(/the terminal went away \(stdout closed\): the gateway keeps running/);
      const health = await fetch(`${url}/health`);
      assert.equal(health.status, 200);
      const reply = await fetch(`${url}/v1/chat/completions`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ model: "hearth", messages: [{ role: "user", content: "still there?" }] }) });
      assert.equal(reply.status, 200);
      assert.equal(((await reply.json()) as { choices: { message: { content: string } }[] }).choices[0]?.message.content, "echo: still there?");
    } finally {
      child.kill("SIGKILL");
      await exited;
    }
  });

  test("sessions, inbox and logs removed while the gateway runs (`rm -rf`): made again; a web message is kept and answered, an agent request too", async () => {
    const model = heldModel();
    model.release();
    const { gateway, state } = await setUp("removed", model);
    assert.equal((await post(gateway, "before", "hello")).status, 202);
    const events = await openSse(`${gateway.url}/api/events`);
    await events.next((message) => message.event === "turn-end");
    for (const folder of ["sessions", "inbox", "logs"]) rmSync(join(state, folder), { recursive: true, force: true });
    const agent = await fetch(`${gateway.url}/v1/chat/completions`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ model: "hearth", user: "after-rm", messages: [{ role: "user", content: "after rm" }] }) });
    assert.equal(agent.status, 200, await agent.clone().text());
    assert.equal((await post(gateway, "web-rm", "kept after rm")).status, 202);
    const end = await events.next((message) => message.event === "turn-end" && (JSON.parse(message.data) as { session: string }).session === "web-rm");
    assert.equal((JSON.parse(end.data) as { result: { ok: boolean } }).result.ok, true, end.data);
    events.close();
    assert.deepEqual(sessionUsers(state, "web-rm"), ["kept after rm"]);
    // The log goes on in a new logs/ folder (the writer looks at its path before a line, at most every 100 ms).
    const log = join(state, "logs", "gateway.log");
    const logged = (): boolean => existsSync(log) && /"path":"\/health"/.test(readFileSync(log, "utf8"));
    while (!logged()) {
      await fetch(`${gateway.url}/health`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  });
});
