import assert from "node:assert/strict";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { startFakeServer, type FakeServer } from "../fakes/fake-server.js";
import { ptyMissing, runInPty } from "../helpers/pty.js";
import { runCli, tempDir } from "../helpers/run-cli.js";
import { conversationOf, lastUser, scriptedModel } from "../helpers/scripted-model.js";

const PROMPT = "you › ";
/** readline's cursor placement (ESC [ n G), which may follow a prompt. */
const CURSOR = `(${String.fromCharCode(27)}\\[\\d+G)?`;
/** The prompt at the end of what the terminal shows. */
const AT_PROMPT = new RegExp(`you › ${CURSOR}$`);
/** What follows the last prompt when hearth leaves: a line end. */
const FRESH_LINE = new RegExp(`^${CURSOR}\\r?\\n`);
const PASTE_START = "\x1b[200~";
const PASTE_END = "\x1b[201~";

/** The next model request waits: `received` when it arrives, until `release`. */
interface Hold {
  received: Promise<void>;
  release: () => void;
}

describe("hearth chat on a terminal and in a pipe: what the user types", () => {
  const temp = tempDir();
  const servers: FakeServer[] = [];
  after(async () => {
    temp.cleanup();
    await Promise.all(servers.map((server) => server.close()));
  });

  /** A model that answers `got: <the message, newlines as ⏎>`; `hold` keeps it from answering until released. */
  async function setup(name: string): Promise<{ file: string; env: NodeJS.ProcessEnv; server: FakeServer; said: () => string[]; hold: () => Hold }> {
    let gate: Promise<void> | undefined;
    let arrived = (): void => undefined;
    const answer = scriptedModel("openai-completions", (turns) => ({ text: `got: ${lastUser(turns).replace(/\n/g, "⏎")}` }));
    const server = await startFakeServer(async (request) => {
      if (request.method === "POST" && gate) {
        arrived();
        await gate;
      }
      return answer(request);
    });
    servers.push(server);
    const file = temp.write(
      `${name}.json5`,
      `{ agents: { defaults: { model: { primary: "local/m" } } },
         models: { mode: "replace", providers: { local: { baseUrl: "${server.baseUrl}", api: "openai-completions", models: [{ id: "m", contextWindow: 32768, maxTokens: 1024 }] } } } }`,
    );
    const said = (): string[] =>
      server.requests.filter((request) => request.method === "POST").map((request) => lastUser(conversationOf("openai-completions", request.body as Record<string, unknown>)));
    const hold = (): Hold => {
      let open = (): void => undefined;
      gate = new Promise((resolve) => (open = resolve));
      const received = new Promise<void>((resolve) => (arrived = resolve));
      return {
        received,
        release: () => {
          gate = undefined;
          open();
        },
      };
    };
    return { file, env: { HEARTH_STATE_DIR: join(temp.dir, name) }, server, said, hold };
  }

  test("a bracketed paste of several lines is one message, sent with Enter; Ctrl+D leaves on a fresh line", { timeout: 60_000, skip: ptyMissing }, async () => {
    const { file, env, said } = await setup("paste");
    const chat = runInPty(["chat", "--config", file], { env });
    await chat.waitFor(AT_PROMPT);
    chat.send(`${PASTE_START}first line\rsecond line\r${PASTE_END}`);
    chat.send("\r");
    await chat.waitFor(/got: first line⏎second line/);
    await chat.waitFor(AT_PROMPT, chat.output.lastIndexOf("got: "));
    chat.send("\x04");
    assert.equal(await chat.exited, 0, chat.output);
    assert.deepEqual(said(), ["first line\nsecond line"], "one turn, both lines");
    const afterLastPrompt = chat.output.slice(chat.output.lastIndexOf(PROMPT) + PROMPT.length);
    assert.match(afterLastPrompt, FRESH_LINE, "the shell's prompt starts on a line of its own");
  });

  test("a paste whose first line is blank and whose next is /new is a message, not a command: the conversation is not reset", { timeout: 60_000, skip: ptyMissing }, async () => {
    const { file, env, server, said } = await setup("paste-new");
    const chat = runInPty(["chat", "--config", file], { env });
    await chat.waitFor(AT_PROMPT);
    chat.send("remember the garden\r");
    await chat.waitFor(/got: remember the garden/);
    await chat.waitFor(AT_PROMPT, chat.output.lastIndexOf("got: "));
    chat.send(`${PASTE_START}\r/new\r${PASTE_END}`);
    chat.send("\r");
    // Either outcome ends the wait (a reset is answered, not sent): the assertions below tell them apart.
    const from = chat.output.lastIndexOf("got: remember the garden") + 1;
    await chat.waitFor(/(got: ⏎\/new|Started a fresh conversation)[^]*you › /, from);
    chat.send("\x04");
    assert.equal(await chat.exited, 0, chat.output);
    assert.doesNotMatch(chat.output, /Started a fresh conversation/, "the session was not reset");
    assert.deepEqual(said(), ["remember the garden", "\n/new"], "the pasted text reached the model as typed");
    const last = server.requests.filter((request) => request.method === "POST").at(-1);
    assert.match(JSON.stringify(last?.body), /remember the garden/, "the conversation before it was sent with it: nothing was reset");
  });

  test("Ctrl+C at an idle prompt leaves on a fresh line, and clears a half-written line first", { timeout: 60_000, skip: ptyMissing }, async () => {
    const { file, env, said } = await setup("ctrl-c");
    const chat = runInPty(["chat", "--config", file], { env });
    await chat.waitFor(AT_PROMPT);
    chat.send("never sent");
    await chat.waitFor(/never sent/);
    chat.send("\x03");
    await chat.waitFor(new RegExp(`\\^C\\r?\\n[^]*you › ${CURSOR}$`), chat.output.lastIndexOf("never sent"));
    chat.send("\x03");
    assert.equal(await chat.exited, 0, chat.output);
    assert.deepEqual(said(), [], "nothing reached the model");
    assert.match(chat.output.slice(chat.output.lastIndexOf(PROMPT) + PROMPT.length), FRESH_LINE);
  });

  test("text typed while a turn runs is not drawn over the spinner; it waits for the next prompt", { timeout: 60_000, skip: ptyMissing }, async () => {
    const { file, env, said, hold } = await setup("typeahead");
    const held = hold();
    const chat = runInPty(["chat", "--config", file], { env });
    await chat.waitFor(AT_PROMPT);
    chat.send("hello\r");
    await held.received;
    const mark = chat.output.length;
    chat.send("QZQ next\r");
    // The spinner redraws several times after the keys went in: hearth has read them by then.
    await chat.waitFor(/(thinking…[^]*){4}/, mark);
    const duringTurn = chat.output.slice(mark);
    held.release();
    await chat.waitFor(/got: QZQ next/);
    chat.send("\x04");
    assert.equal(await chat.exited, 0, chat.output);
    assert.doesNotMatch(duringTurn, /Q/, "nothing typed was drawn while the turn ran");
    assert.deepEqual(said(), ["hello", "QZQ next"]);
    assert.match(chat.output, /got: hello\r?\nyou › QZQ next\r?\n/, "the typed-ahead message is shown at its own prompt");
  });

  test("Ctrl+C during a turn cancels it: the next request does not carry the cancelled message, and no probe is suggested", { timeout: 60_000, skip: ptyMissing }, async () => {
    const { file, env, server, said, hold } = await setup("cancel-turn");
    const held = hold();
    const chat = runInPty(["chat", "--config", file], { env });
    await chat.waitFor(AT_PROMPT);
    chat.send("CANCELLED-WORDS please\r");
    await held.received;
    const mark = chat.output.length;
    chat.send("\x03");
    await chat.waitFor(AT_PROMPT, mark);
    const cancelled = chat.output.slice(mark);
    held.release();
    chat.send("the next message\r");
    await chat.waitFor(/got: the next message/);
    chat.send("\x04");
    assert.equal(await chat.exited, 0, chat.output);
    assert.deepEqual(said(), ["CANCELLED-WORDS please", "the next message"]);
    const next = JSON.stringify(server.requests.filter((request) => request.method === "POST").at(-1)?.body);
    assert.doesNotMatch(next, /CANCELLED-WORDS/, "the cancelled turn is left out of what the model is sent next");
    assert.doesNotMatch(chat.output, /got: CANCELLED-WORDS/, "the cancelled turn's late answer is never shown");
    assert.match(cancelled, /cancel/i);
    assert.doesNotMatch(cancelled, /models status|--probe/, "a cancel is not a server problem");
  });

  test("Ctrl+C after words of the answer were shown: they stay as the answer, marked stopped, and the model is sent them next", { timeout: 60_000, skip: ptyMissing }, async () => {
    const chunk = (delta: Record<string, unknown>, finish: string | null = null) => ({ data: JSON.stringify({ id: "c1", object: "chat.completion.chunk", created: 0, model: "m", choices: [{ index: 0, delta, finish_reason: finish }] }) });
    const server = await startFakeServer((request) => {
      const message = lastUser(conversationOf("openai-completions", request.body as Record<string, unknown>));
      if (message.endsWith("story")) return { kind: "sse", frames: [chunk({ role: "assistant", content: "Once upon " }), chunk({ content: "a time" })], after: "hang" };
      return { kind: "sse", frames: [chunk({ role: "assistant", content: `got: ${message.replace(/\n/g, "⏎")}` }), chunk({}, "stop"), { data: "[DONE]" }] };
    });
    servers.push(server);
    const file = temp.write(
      "stop-words.json5",
      `{ agents: { defaults: { model: { primary: "local/m" } } },
         models: { mode: "replace", providers: { local: { baseUrl: "${server.baseUrl}", api: "openai-completions", models: [{ id: "m", contextWindow: 32768, maxTokens: 1024 }] } } } }`,
    );
    const chat = runInPty(["chat", "--config", file], { env: { HEARTH_STATE_DIR: join(temp.dir, "stop-words") } });
    await chat.waitFor(AT_PROMPT);
    chat.send("tell me a story\r");
    await chat.waitFor(/Once upon a time/);
    const mark = chat.output.length;
    chat.send("\x03");
    await chat.waitFor(AT_PROMPT, mark);
    const stopped = chat.output.slice(mark);
    assert.match(stopped, /stopped by the user: the answer so far is kept/, stopped);
    assert.doesNotMatch(stopped, /no answer/, stopped);
    chat.send("go on\r");
    await chat.waitFor(/got: \[The user stopped your previous answer there, before it was finished\.\]⏎⏎go on/);
    chat.send("\x04");
    assert.equal(await chat.exited, 0, chat.output);
    const sent = (server.requests.at(-1)?.body as { messages: { role: string; content: string }[] }).messages.filter((message) => message.role !== "system");
    assert.deepEqual(sent.map((message) => [message.role, message.content]).slice(0, 2), [["user", "tell me a story"], ["assistant", "Once upon a time"]]);
  });

  test("a server that says nothing: the spinner line says what it waits for and what comes next", { timeout: 60_000, skip: ptyMissing }, async () => {
    const silent = await startFakeServer(() => ({ kind: "hang-before-headers" }));
    servers.push(silent);
    const file = temp.write(
      "silent.json5",
      `{ agents: { defaults: { model: { primary: "local/m" } } },
         models: { mode: "replace", providers: { local: { baseUrl: "${silent.baseUrl}", api: "openai-completions", timeoutSeconds: 8, models: [{ id: "m", contextWindow: 32768, maxTokens: 1024 }] } } } }`,
    );
    const chat = runInPty(["chat", "--config", file], { env: { HEARTH_STATE_DIR: join(temp.dir, "silent") } });
    await chat.waitFor(AT_PROMPT);
    chat.send("hello?\r");
    await chat.waitFor(/no reply from local\/m for 5 s \(prompt \d+ tokens\) — giving up if none by 8 s \(its first-token limit\)/);
    chat.send("\x03");
    await chat.waitFor(AT_PROMPT, chat.output.lastIndexOf("no reply from"));
    chat.send("\x04");
    assert.equal(await chat.exited, 0, chat.output);
  });

  test("in a pipe: a line ending in \\ continues, a \"\"\" block is one message, other lines one each", async () => {
    const { file, env, said } = await setup("pipe");
    const input = ["one", "two \\", "and three", '"""', "block line 1", "", "block line 2", '"""', '"""single"""', "last"].join("\n");
    const result = await runCli(["chat", "--config", file], { env, input: `${input}\n` });
    assert.equal(result.code, 0, result.stderr);
    assert.deepEqual(said(), ["one", "two \nand three", "block line 1\n\nblock line 2", "single", "last"]);
    assert.equal(result.stdout, "got: one\ngot: two ⏎and three\ngot: block line 1⏎⏎block line 2\ngot: single\ngot: last\n");
  });
});
