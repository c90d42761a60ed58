import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, test } from "node:test";
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

const configText = (home: FakeServer, spare: FakeServer, fallbacks: string): string =>
  `{ agents: { defaults: { model: { primary: "home/m", fallbacks: ${fallbacks} } } }, models: { mode: "replace", providers: {
    home: { baseUrl: "${home.baseUrl}", api: "openai-completions", models: [{ id: "m", contextWindow: 32768, maxTokens: 256 }] },
    spare: { baseUrl: "${spare.baseUrl}", api: "openai-completions", models: [{ id: "m", contextWindow: 32768, maxTokens: 256 }] } } } }`;

test("a chat answers each message with the config as it is then: a fallback removed meanwhile is never called, a bad edit keeps the last good one", { timeout: 60_000 }, async () => {
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

  const child = spawn(process.execPath, [hearthBin, "--config", file, "chat", "-s", "long-chat"], {
    env: { PATH: process.env.PATH, HOME: temp.dir, NO_COLOR: "1", HEARTH_STATE_DIR: join(temp.dir, "state"), HEARTH_LMSTUDIO_URL: "http://127.0.0.1:1/v1" },
    stdio: ["pipe", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (chunk: Buffer) => (stdout += String(chunk)));
  child.stderr.on("data", (chunk: Buffer) => (stderr += String(chunk)));
  const exited = new Promise<number | null>((resolve) => child.on("exit", resolve));
  const answered = async (words: string): Promise<void> => {
    for (let look = 0; look < 600 && !stdout.includes(words) && !stderr.includes(words); look++) await new Promise((resolve) => setTimeout(resolve, 25));
    assert.ok(stdout.includes(words) || stderr.includes(words), `"${words}" never came; stdout: ${stdout}\nstderr: ${stderr}`);
  };

  // As started: the home server fails, the fallback answers.
  child.stdin.write("home fails once\n");
  await answered("Spare heard: home fails once");

  // The fallback taken out of the config while the chat is open.
  writeFileSync(file, configText(home, spare, "[]"));
  child.stdin.write("home fails again\n");
  await answered("no answer:");
  assert.deepEqual(spareAsked, ["home fails once"], "the removed fallback was not called");
  assert.match(stderr, /config reloaded/);

  // An edit that cannot be loaded: the last good config (no fallback) answers, and the chat says why.
  writeFileSync(file, `${configText(home, spare, `["spare/m"]`)} ]`);
  child.stdin.write("home fails after a bad edit\n");
  await answered("config reload failed, the config read before keeps serving this chat");
  await new Promise((resolve) => setTimeout(resolve, 0));
  child.stdin.write("hello\n");
  await answered("Home heard: hello");
  child.stdin.end();
  assert.equal(await exited, 1, "a message got no answer");
  assert.deepEqual(spareAsked, ["home fails once"], `the removed fallback was never called again; stderr: ${stderr}`);
  assert.doesNotMatch(stdout, /Spare heard: home fails (again|after)/);
});
