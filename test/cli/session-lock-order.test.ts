import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { after, test } from "node:test";
import { startFakeServer, type FakeServer } from "../fakes/fake-server.js";
import { completionsStream } from "../fakes/openai-completions-stream.js";
import { hearthBin, tempDir } from "../helpers/run-cli.js";
import { startGateway, type RunningGateway } from "../helpers/run-gateway.js";
import { conversationOf, lastUser } from "../helpers/scripted-model.js";

/**
 * Arrival order across processes (issue 11): to one session, in this order, the web chat's "A" (its
 * answer held back), `hearth agent -s q1 -m B` (it waits for the session's lock), the web chat's "C"
 * and an SDK request's "D" (both wait in the gateway's line). When A's answer comes, B goes next: the
 * gateway's line does not take the lock back from a process that arrived before its messages. And
 * the other way round: a message waiting in the gateway's line keeps its place before a later `hearth agent`.
 */
const temp = tempDir();
const servers: FakeServer[] = [];
const gateways: RunningGateway[] = [];
after(async () => {
  await Promise.all(gateways.map((gateway) => gateway.stop()));
  await Promise.all(servers.map((server) => server.close()));
  temp.cleanup();
});

/** Resolves once `check` holds, looking again every 20 ms (the test's own timeout bounds it). */
async function until(check: () => boolean): Promise<void> {
  while (!check()) await sleep(20);
}

/** An SSE chat-completions stream read as it comes: wait for a line in it, then the whole answer's text. */
function streamText(response: Response): { heard: (line: string) => Promise<void>; content: () => Promise<string> } {
  const reader = response.body?.getReader();
  const decoder = new TextDecoder();
  let raw = "";
  let done = false;
  const more = async (): Promise<void> => {
    const chunk = await reader?.read();
    if (!chunk || chunk.done) done = true;
    else raw += decoder.decode(chunk.value, { stream: true });
  };
  return {
    heard: async (line) => {
      while (!raw.includes(line) && !done) await more();
      assert.ok(raw.includes(line), raw);
    },
    content: async () => {
      while (!done) await more();
      const data = raw.split("\n").filter((line) => line.startsWith("data: ") && line !== "data: [DONE]");
      return data.map((line) => (JSON.parse(line.slice(6)) as { choices: { delta?: { content?: string } }[] }).choices[0]?.delta?.content ?? "").join("");
    },
  };
}

interface Scene {
  state: string;
  file: string;
  url: string;
  /** Posts a web chat message to session q1 (202: taken in). */
  post(text: string): Promise<Response>;
  /** Starts `hearth agent -s q1 -m <text>`; resolves once it says it waits for the session. */
  agent(text: string): Promise<{ exit: Promise<number | null>; stdout: () => string; stderr: () => string }>;
  /** Resolves once the gateway's journal of waiting messages (the web chat's: those a crash keeps) has `text`. */
  waiting(text: string): Promise<void>;
  /** A's answer is let go. */
  releaseA(): void;
  askedA: Promise<void>;
  users(): (string | undefined)[];
}

/** A gateway on a model that holds its answer to "A" until told, and answers anything else with what it saw. */
async function scene(name: string): Promise<Scene> {
  let releaseA: (() => void) | undefined;
  const heldA = new Promise<void>((resolve) => (releaseA = resolve));
  let arrivedA: (() => void) | undefined;
  const askedA = new Promise<void>((resolve) => (arrivedA = resolve));
  const server = await startFakeServer(async (request) => {
    if (request.method !== "POST") return { kind: "json", status: 404, body: {} };
    const turns = conversationOf("openai-completions", request.body as Record<string, unknown>);
    const message = lastUser(turns);
    if (message === "A") {
      arrivedA?.();
      await heldA;
    }
    const seen = turns.filter((turn) => turn.role === "user").map((turn) => turn.text).join(",");
    return { kind: "sse", frames: completionsStream({ text: `answer to ${message} having seen ${seen}`, chunkSize: 8 }) };
  });
  servers.push(server);
  const file = temp.write(`${name}.json5`, `{ agents: { defaults: { model: { primary: "p/m" } } }, models: { mode: "replace", providers: { p: { baseUrl: "${server.baseUrl}", api: "openai-completions", models: [{ id: "m" }] } } } }`);
  const state = join(temp.dir, name);
  const gateway = await startGateway(["--config", file], { HEARTH_STATE_DIR: state });
  gateways.push(gateway);
  const url = gateway.url;
  return {
    state,
    file,
    url,
    askedA,
    releaseA: () => releaseA?.(),
    post: (text) => fetch(`${url}/api/sessions/q1/messages`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ text }) }),
    agent: async (text) => {
      const cli = spawn(process.execPath, [hearthBin, "--config", file, "agent", "-s", "q1", "-m", text], { env: { PATH: process.env.PATH, HOME: "/nonexistent-home", NO_COLOR: "1", HEARTH_STATE_DIR: state }, stdio: ["ignore", "pipe", "pipe"] });
      let stdout = "";
      let stderr = "";
      cli.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
      cli.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
      const exit = new Promise<number | null>((resolve) => cli.once("exit", resolve));
      await until(() => /session "q1" is busy with a turn in another hearth process; waiting/.test(stderr));
      return { exit, stdout: () => stdout, stderr: () => stderr };
    },
    waiting: async (text) => {
      const inbox = join(state, "inbox", `${gateway.child.pid}.jsonl`);
      await until(() => existsSync(inbox) && readFileSync(inbox, "utf8").includes(`"text":${JSON.stringify(text)}`));
    },
    users: () =>
      readFileSync(join(state, "sessions/q1.jsonl"), "utf8")
        .trim()
        .split("\n")
        .map((line) => JSON.parse(line) as { type: string; text?: string })
        .filter((entry) => entry.type === "user")
        .map((entry) => entry.text),
  };
}

test("a `hearth agent` waiting for a session goes before the gateway's messages that arrived after it", { timeout: 120_000 }, async () => {
  const q = await scene("after");
  assert.equal((await q.post("A")).status, 202);
  await q.askedA;
  const b = await q.agent("B");
  assert.equal((await q.post("C")).status, 202);
  const sdk = await fetch(`${q.url}/v1/chat/completions`, { method: "POST", headers: { "content-type": "application/json", "x-hearth-session": "q1" }, body: JSON.stringify({ model: "hearth", stream: true, messages: [{ role: "user", content: "D" }] }) });
  // D waits in the gateway's line once its stream says so (an API request is not journalled: a crash does not keep it).
  const streamD = streamText(sdk);
  await streamD.heard(": hearth: waiting for the turn before this one in the same session to finish");

  q.releaseA();
  assert.equal(await b.exit, 0, b.stderr());
  assert.equal(b.stdout(), "answer to B having seen A,B\n", "B's turn saw A's, and nothing that arrived after it");
  assert.equal(await streamD.content(), "answer to D having seen A,B,C,D");
  assert.deepEqual(q.users(), ["A", "B", "C", "D"], "the session keeps the order the messages arrived in");
  assert.equal(existsSync(join(q.state, "sessions/q1.jsonl.waiting")), false, "no place in the line is left behind");
});

test("a message waiting in the gateway's line goes before a `hearth agent` that arrived after it", { timeout: 120_000 }, async () => {
  const q = await scene("before");
  assert.equal((await q.post("A")).status, 202);
  await q.askedA;
  assert.equal((await q.post("C")).status, 202);
  await q.waiting("C");
  const b = await q.agent("B");

  q.releaseA();
  assert.equal(await b.exit, 0, b.stderr());
  assert.equal(b.stdout(), "answer to B having seen A,C,B\n");
  assert.deepEqual(q.users(), ["A", "C", "B"]);
  assert.equal(existsSync(join(q.state, "sessions/q1.jsonl.waiting")), false, "no place in the line is left behind");
});
