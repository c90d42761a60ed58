import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, test, type TestContext } from "node:test";
import { startFakeServer, type FakeServer } from "../fakes/fake-server.js";
import { completionsStream } from "../fakes/openai-completions-stream.js";
import { hearthBin, tempDir } from "../helpers/run-cli.js";
import { conversationOf, lastUser } from "../helpers/scripted-model.js";

/**
 * `hearth chat` stays open for hours while the config is edited under it (t20 #4: the fallback removed,
 * the chat went on sending turns to it — a paid hosted model — under the names the config no longer
 * had). Each message is answered by the config as it is when the message is sent; an edit that cannot
 * be loaded leaves the last good config serving, and says so.
 */
const temp = tempDir();
const servers: FakeServer[] = [];
after(async () => {
  await Promise.all(servers.map((server) => server.close()));
  temp.cleanup();
});

/** The real `hearth chat` in a pipe (stdin written line by line); `answered` waits (15 s at most) until words show on stdout or stderr. */
function pipedChat(options: { args: readonly string[]; stateDir: string; t: TestContext }) {
  const child = spawn(process.execPath, [hearthBin, ...options.args], {
    env: { PATH: process.env.PATH, HOME: temp.dir, NO_COLOR: "1", HEARTH_STATE_DIR: options.stateDir, HEARTH_LMSTUDIO_URL: "http://127.0.0.1:1/v1" },
    stdio: ["pipe", "pipe", "pipe"],
  });
  // A failed assertion leaves the chat waiting for its next line: it must not keep the test file running.
  options.t.after(() => {
    if (child.exitCode === null) child.kill();
  });
  const said = { stdout: "", stderr: "" };
  child.stdout.on("data", (chunk: Buffer) => (said.stdout += String(chunk)));
  child.stderr.on("data", (chunk: Buffer) => (said.stderr += String(chunk)));
  const exited = new Promise<number | null>((resolve) => child.on("exit", resolve));
  const answered = async (words: string): Promise<void> => {
    for (let look = 0; look < 600 && !said.stdout.includes(words) && !said.stderr.includes(words); look++) await new Promise((resolve) => setTimeout(resolve, 25));
    assert.ok(said.stdout.includes(words) || said.stderr.includes(words), `"${words}" never came; stdout: ${said.stdout}\nstderr: ${said.stderr}`);
  };
  return { child, said, exited, answered };
}

const configText = (home: FakeServer, spare: FakeServer, fallbacks: string): string =>
  `{ agents: { defaults: { model: { primary: "home/m", fallbacks: ${fallbacks} } } }, models: { mode: "replace", providers: {
    home: { baseUrl: "${home.baseUrl}", api: "openai-completions", models: [{ id: "m", contextWindow: 32768, maxTokens: 256 }] },
    spare: { baseUrl: "${spare.baseUrl}", api: "openai-completions", models: [{ id: "m", contextWindow: 32768, maxTokens: 256 }] } } } }`;

test("a chat answers each message with the config as it is then: a fallback removed meanwhile is never called, a bad edit keeps the last good one", { timeout: 60_000 }, async (t) => {
  const spareAsked: string[] = [];
  const home = await startFakeServer((request) => {
    if (request.method === "GET") return { kind: "json", body: { object: "list", data: [{ id: "m", object: "model" }] } };
    const message = lastUser(conversationOf("openai-completions", request.body as Record<string, unknown>));
    if (message.startsWith("home fails")) return { kind: "json", status: 500, body: { error: { message: "the home server broke" } } };
    return { kind: "sse", frames: completionsStream({ model: "m", text: `Home heard: ${message}` }) };
  });
  const spare = await startFakeServer((request) => {
    if (request.method === "GET") return { kind: "json", body: { object: "list", data: [{ id: "m", object: "model" }] } };
    const message = lastUser(conversationOf("openai-completions", request.body as Record<string, unknown>));
    spareAsked.push(message);
    return { kind: "sse", frames: completionsStream({ model: "m", text: `Spare heard: ${message}` }) };
  });
  servers.push(home, spare);
  const file = temp.write("chat.json5", configText(home, spare, `["spare/m"]`));

  const { child, said, exited, answered } = pipedChat({ args: ["--config", file, "chat", "-s", "long-chat"], stateDir: join(temp.dir, "state"), t });

  // As started: the home server fails, the fallback answers.
  child.stdin.write("home fails once\n");
  await answered("Spare heard: home fails once");

  // The fallback taken out of the config while the chat is open.
  writeFileSync(file, configText(home, spare, "[]"));
  child.stdin.write("home fails again\n");
  await answered("no answer:");
  assert.deepEqual(spareAsked, ["home fails once"], "the removed fallback was not called");
  assert.match(said.stderr, /config reloaded/);

  // An edit that cannot be loaded: the last good config (no fallback) answers, and the chat says why.
  writeFileSync(file, `${configText(home, spare, `["spare/m"]`)} ]`);
  child.stdin.write("home fails after a bad edit\n");
  await answered("config reload failed, the config read before keeps serving this chat");
  await new Promise((resolve) => setTimeout(resolve, 0));
  child.stdin.write("hello\n");
  await answered("Home heard: hello");
  child.stdin.end();
  assert.equal(await exited, 1, "a message got no answer");
  assert.deepEqual(spareAsked, ["home fails once"], `the removed fallback was never called again; stderr: ${said.stderr}`);
  assert.doesNotMatch(said.stdout, /Spare heard: home fails (again|after)/);
});

test("an edit that takes the chat's agent out of the config: the chat stays open, keeps the message unanswered and says what to do; the agent put back answers it at /retry", { timeout: 60_000 }, async (t) => {
  const home = await startFakeServer((request) => {
    if (request.method === "GET") return { kind: "json", body: { object: "list", data: [{ id: "m", object: "model" }] } };
    const message = lastUser(conversationOf("openai-completions", request.body as Record<string, unknown>));
    return { kind: "sse", frames: completionsStream({ model: "m", text: `Home heard: ${message}` }) };
  });
  servers.push(home);
  const withAgents = (list: string): string =>
    `{ agents: { defaults: { model: { primary: "home/m" } }, list: ${list} }, models: { mode: "replace", providers: {
      home: { baseUrl: "${home.baseUrl}", api: "openai-completions", models: [{ id: "m", contextWindow: 32768, maxTokens: 256 }] } } } }`;
  const file = temp.write("agents.json5", withAgents(`[{ id: "helper" }]`));
  const stateDir = join(temp.dir, "state-agents");
  const { child, said, exited, answered } = pipedChat({ args: ["--config", file, "chat", "--agent", "Helper", "-s", "helper-chat"], stateDir, t });

  child.stdin.write("first\n");
  await answered("Home heard: first");

  // The agent taken out: the message is kept, unanswered; a command is not run; the chat reads the next line.
  writeFileSync(file, withAgents("[]"));
  child.stdin.write("second, typed after the edit\n");
  await answered('no answer: the config no longer has agent "helper" (agents: main); your message is kept in session helper-chat, unanswered (/retry sends it)');
  // The fix is its own line, written after it: it may come in a later chunk.
  await answered('put agent "helper" back in the config');
  assert.match(said.stderr, /put agent "helper" back in the config and this chat takes it at your next message, or leave \(Ctrl\+D\) and go on with another agent: \S*hearth --config \S+ chat --agent main -s helper-chat/);
  child.stdin.write("/status\n");
  await answered('hearth: the config no longer has agent "helper" (agents: main); /status was not run');
  const saved = readFileSync(join(stateDir, "sessions", "helper-chat.jsonl"), "utf8");
  assert.match(saved, /second, typed after the edit/, "the message typed after the edit is in its session");

  // Put back: the next message is answered by it, and /retry sends the kept one.
  writeFileSync(file, withAgents(`[{ id: "helper" }]`));
  child.stdin.write("/retry\n");
  await answered("Home heard: second, typed after the edit");
  child.stdin.end();
  assert.equal(await exited, 1, "a message got no answer while the agent was gone");
  assert.doesNotMatch(said.stderr, /no agent "/);
});
