// `hearth chat` whose agent an edit took out of the config keeps a message typed meanwhile in its session — under
// the session's lock, as a turn is. While another process holds that lock the chat waits; Ctrl+C ends the wait as
// it ends a turn (it did nothing: the chat sat in the wait until the lock's own limit), says the message was not
// kept, and reads the next line. Real processes: the built CLI on a pseudo-terminal, another holding the lock.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { after, test } from "node:test";
import { startFakeServer } from "../fakes/fake-server.js";
import { completionsStream } from "../fakes/openai-completions-stream.js";
import { ptyMissing, runInPty } from "../helpers/pty.js";
import { repoRoot, tempDir } from "../helpers/run-cli.js";

const temp = tempDir();
after(() => temp.cleanup());

test("Ctrl+C while a message typed with the chat's agent gone waits for the session: the wait ends, the message is said not kept, the chat reads on", { skip: ptyMissing, timeout: 60_000 }, async (t) => {
  const home = await startFakeServer((request) => (request.method === "GET" ? { kind: "json", body: { object: "list", data: [{ id: "m", object: "model" }] } } : { kind: "sse", frames: completionsStream({ model: "m", text: "Home heard it" }) }));
  t.after(() => home.close());
  const withAgents = (list: string): string =>
    `{ agents: { defaults: { model: { primary: "home/m" } }, list: ${list} }, models: { mode: "replace", providers: {
      home: { baseUrl: "${home.baseUrl}", api: "openai-completions", models: [{ id: "m", contextWindow: 32768, maxTokens: 256 }] } } } }`;
  const file = temp.write("agents.json5", withAgents(`[{ id: "helper" }]`));
  const stateDir = join(temp.dir, "state");
  const chat = runInPty(["--config", file, "chat", "--agent", "helper", "-s", "S"], { env: { HEARTH_STATE_DIR: stateDir, HEARTH_LMSTUDIO_URL: "http://127.0.0.1:1/v1" } });
  t.after(() => chat.kill("SIGKILL"));
  await chat.waitFor(/you › /);
  chat.send("first\r");
  await chat.waitFor(/Home heard it/);

  // Another process holds session S (as a turn of `hearth agent` would), and the agent leaves the config.
  const locker = spawn(process.execPath, ["--import", "tsx", join(repoRoot, "test/helpers/session-lock-process.ts"), stateDir], { cwd: repoRoot, stdio: ["pipe", "pipe", "inherit"] });
  t.after(() => locker.kill("SIGKILL"));
  const said = createInterface({ input: locker.stdout })[Symbol.asyncIterator]();
  assert.match(String((await said.next()).value), /^held /);
  writeFileSync(file, withAgents("[]"));

  const from = chat.output.length;
  chat.send("typed while it is gone\r");
  await chat.waitFor(/busy with a turn in another hearth process/, from);
  chat.send("\x03");
  await chat.waitFor(/no answer: the config no longer has agent "helper" \(agents: main\); your message was not kept \(cancelled while it waited for the session\)/, from);
  // Still reading: a command gets its answer (not run: the agent is gone), then Ctrl+D ends the chat.
  const later = chat.output.length;
  chat.send("/status\r");
  await chat.waitFor(/\/status was not run/, later);
  chat.send("\x04");
  assert.equal(await chat.exited, 0, "a terminal chat ends as the user ends it (a pipe's exits 1 for a message not answered)");
  locker.stdin.end();
});
