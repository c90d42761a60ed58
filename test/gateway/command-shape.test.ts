// What is a command and what is a message, on the one path every channel takes (Gateway.handle): a
// slash word that names no command is answered without a model and kept out of the history; a path,
// a fraction, a URL or `/` alone is a message; `//word` sends `/word`. And a session's /model choice
// that the config no longer has is said, not silently replaced.
import assert from "node:assert/strict";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import type { AgentEvent } from "../../src/agent/agent-events.js";
import { commandWord, literalText } from "../../src/agent/command-shape.js";
import { COMMANDS, readCommand } from "../../src/agent/commands.js";
import { createRuntime } from "../../src/cli/runtime.js";
import { applyAgentEvent, applyTurnResult, newLiveTurn } from "../../src/channels/webchat/page/live-turn.js";
import { completionsStream } from "../fakes/openai-completions-stream.js";
import { startFakeServer, type FakeServer } from "../fakes/fake-server.js";
import { tempDir } from "../helpers/run-cli.js";
import { lastUser } from "../helpers/scripted-model.js";
import { strictModel } from "../helpers/strict-model.js";

const temp = tempDir();
const closers: (() => unknown)[] = [];
after(async () => {
  for (const close of closers) await close();
  temp.cleanup();
});

function configText(local: FakeServer, spare?: FakeServer): string {
  const spareAlias = spare ? `, "spare/fb": { alias: "Spare" }` : "";
  const spareProvider = spare ? `spare: { baseUrl: "${spare.baseUrl}", api: "openai-completions", apiKey: "sk-spare", models: [{ id: "fb", contextWindow: 32768, maxTokens: 512 }] },` : "";
  return `{ agents: { defaults: { model: "local/m", models: { "local/m": { alias: "Local" }${spareAlias} } } },
    models: { mode: "replace", providers: { local: { baseUrl: "${local.baseUrl}", api: "openai-completions", models: [{ id: "m", contextWindow: 32768, maxTokens: 512 }] }, ${spareProvider} } } }`;
}

async function echoServer(name: string): Promise<FakeServer> {
  const server = await startFakeServer(strictModel((turns) => ({ text: `${name} got: ${lastUser(turns)}` })));
  closers.push(() => server.close());
  return server;
}

async function runtimeFor(name: string, config: string) {
  const dir = join(temp.dir, name);
  mkdirSync(dir, { recursive: true });
  const file = join(dir, "hearth.json5");
  writeFileSync(file, config);
  const runtime = await createRuntime({ env: { HEARTH_STATE_DIR: join(dir, "state") }, cwd: dir, config: file });
  closers.push(() => runtime.close());
  return { runtime, file };
}

const posts = (server: FakeServer): number => server.requests.filter((request) => request.method === "POST").length;

describe("a slash word that names no command", () => {
  test("is answered 'unknown command', with the nearest command, without a model, and is not kept as a turn", async () => {
    const server = await echoServer("local");
    const { runtime } = await runtimeFor("unknown", configText(server));
    const answers: string[] = [];
    for (const text of ["/modle Spare", "/bogus", "  /Stat", "/retry now"]) {
      const handled = await runtime.gateway.handle({ channel: "webchat", session: "u", text });
      assert.equal(handled.kind, "command", text);
      answers.push(handled.kind === "command" ? handled.text : "");
    }
    assert.deepEqual(answers, [
      "unknown command /modle — did you mean /model? (/help lists them)",
      "unknown command /bogus (/help lists them; to send it as a message, start it with //: //bogus)",
      "unknown command /Stat — did you mean /status? (/help lists them)",
      "/retry sends again the latest message that got no answer and takes only a number after it (/retry 2: the one before it), so nothing was done: send /retry alone or with a number.",
    ]);
    assert.equal(posts(server), 0, "no model was asked");
    assert.deepEqual(await runtime.gateway.sessions().transcript("u"), [], "nothing was kept as a turn");
    assert.equal((await runtime.gateway.handle({ channel: "cli", session: "u", text: "/retry" })).kind, "command", "nor is there a message for /retry to send again");
  });

  test("a path, a fraction, a URL, `/` alone reach the model as they are; `//word` reaches it as `/word`", async () => {
    const server = await echoServer("local");
    const { runtime } = await runtimeFor("messages", configText(server));
    const sent = ["/etc/hosts is where names are pinned?", "/usr/bin/env", "/", "/ 2", "/2 of them", "1/2 + 1/3", "https://example.org/a", "/etc, /usr and /var", "//shrug", "  //model is a slash command"];
    const got: string[] = [];
    for (const text of sent) {
      const handled = await runtime.gateway.handle({ channel: "whatsapp", session: "m", text });
      assert.equal(handled.kind, "turn", text);
      got.push(handled.kind === "turn" && handled.result.ok ? handled.result.text : "");
    }
    const expected = [...sent.slice(0, -2), "/shrug", "  /model is a slash command"].map((text) => `local got: ${text}`);
    assert.deepEqual(got, expected);
    const users = (await runtime.gateway.sessions().transcript("m")).filter((item) => item.role === "user").map((item) => item.text);
    assert.deepEqual(users.slice(-2), ["/shrug", "  /model is a slash command"], "the transcript keeps the message as the model got it");
  });

  test("a slash word below a blank first line is the user's words, not a command: '\\n/new' does not reset the session, and the model gets it as sent", async () => {
    const server = await echoServer("local");
    const { runtime } = await runtimeFor("blank-first-line", configText(server));
    await runtime.gateway.handle({ channel: "webchat", session: "b", text: "remember the garden" });
    const sent = ["\n/new", "\r\n/new", "\n\n/retry", "\n/model Spare\nthen more", "\n//shrug"];
    const got: string[] = [];
    for (const text of sent) {
      const handled = await runtime.gateway.handle({ channel: "whatsapp", session: "b", text });
      assert.equal(handled.kind, "turn", JSON.stringify(text));
      got.push(handled.kind === "turn" && handled.result.ok ? handled.result.text : "");
    }
    assert.deepEqual(got, sent.map((text) => `local got: ${text}`));
    const users = (await runtime.gateway.sessions().transcript("b")).filter((item) => item.role === "user").map((item) => item.text);
    assert.deepEqual(users, ["remember the garden", ...sent], "no fresh conversation was started and every message was kept");
    const spaced = await runtime.gateway.handle({ channel: "webchat", session: "b", text: " \t/new" });
    assert.equal(spaced.kind === "command" && spaced.text, "Started a fresh conversation.", "spaces or tabs before the word on its own line are a slip, still the command");
  });

  test("the shape, word by word", () => {
    assert.deepEqual(["/model", "/modle x", "/bogus", " /Help", "/new\nnext"].map(commandWord), ["/model", "/modle", "/bogus", "/help", "/new"]);
    assert.deepEqual(["/etc/hosts", "/", "/ 2", "/2", "1/2", "//shrug", "/model,", "https://a.b/c", "/über", "\n/new", "\r\n/help", " \n /status"].map(commandWord), Array(12).fill(undefined));
    assert.deepEqual(["//shrug", "//shrug it off", "//etc/hosts", "///x", "/shrug", "text //shrug"].map(literalText), ["/shrug", "/shrug it off", "//etc/hosts", "///x", "/shrug", "text //shrug"]);
  });
});

describe("a command with more text after it: a command is its message's first line", () => {
  test("a mistyped command with lines after it is answered for its word alone; a command that reads nothing, or its own line, refuses the rest and does nothing; none reaches the model", async () => {
    const server = await echoServer("local");
    const { runtime } = await runtimeFor("trailing", configText(server, await echoServer("spare")));
    const first = await runtime.gateway.handle({ channel: "webchat", session: "t", text: "remember the garden" });
    assert.equal(first.kind === "turn" && first.result.ok && first.result.text, "local got: remember the garden");
    const before = posts(server);
    const answers: string[] = [];
    const sent = ["/modle\nsecond line of the message", "/model Spare\nand now tell me a joke", "/reasoning on\nthanks", "/new\nlet us talk about the kitchen", "/NEW please", "/help\nwhat can you do?", "/status now", "/retry\nwith more words"];
    for (const text of sent) {
      const handled = await runtime.gateway.handle({ channel: "webchat", session: "t", text });
      assert.equal(handled.kind, "command", text);
      answers.push(handled.kind === "command" ? handled.text : "");
    }
    assert.deepEqual(answers, [
      "unknown command /modle — did you mean /model? (/help lists them)",
      '/model reads its own line only, so nothing was done: send "/model Spare" alone, then the lines after it as a message of their own.',
      '/reasoning reads its own line only, so nothing was done: send "/reasoning on" alone, then the lines after it as a message of their own.',
      "/new starts a fresh conversation and takes nothing after it, so nothing was done: send /new alone, then the lines after it as a message of their own.",
      "/new starts a fresh conversation and takes nothing after it, so nothing was done: send /new alone.",
      "/help lists the commands and takes nothing after it, so nothing was done: send /help alone, then the lines after it as a message of their own.",
      "/status shows the model, the context used, tokens and cost and takes nothing after it, so nothing was done: send /status alone.",
      "/retry sends again the latest message that got no answer and takes only a number after it (/retry 2: the one before it), so nothing was done: send /retry alone or with a number, then the lines after it as a message of their own.",
    ]);
    assert.equal(posts(server), before, "no model was asked");
    const model = await runtime.gateway.handle({ channel: "webchat", session: "t", text: "/model" });
    assert.match(model.kind === "command" ? model.text : "", /^Local \(local\/m\)/, "the session's model did not change");
    assert.deepEqual(await runtime.gateway.sessions().settings("t"), { reasoning: false, model: undefined }, "reasoning was not turned on");
    const users = (await runtime.gateway.sessions().transcript("t")).filter((item) => item.role === "user").map((item) => item.text);
    assert.deepEqual(users, ["remember the garden"], "/new did not start a fresh conversation, and no refused text was kept");
  });

  test("every command /help lists is one the rule reads", () => {
    const words = [...new Set(COMMANDS.map(([command]) => command.split(" ")[0] ?? ""))];
    assert.deepEqual(words.map((word) => readCommand(word).ok), words.map(() => true), words.join(" "));
  });

  test("/compact reads free text: its focus goes on past the first line", async () => {
    const server = await echoServer("local");
    const { runtime } = await runtimeFor("compact-focus", configText(server));
    for (const text of ["one thing about the garden", "another about the kitchen", "a third about the roof"]) await runtime.gateway.handle({ channel: "webchat", session: "c", text });
    const handled = await runtime.gateway.handle({ channel: "webchat", session: "c", text: "/compact the garden plans\nand the list of seeds" });
    assert.equal(handled.kind, "command");
    assert.match(handled.kind === "command" ? handled.text : "", /^Compacted/, "the command ran");
    const summary = server.requests.filter((request) => request.method === "POST").at(-1);
    assert.match(JSON.stringify(summary?.body), /Focus especially on: the garden plans\\nand the list of seeds/, "both lines are the focus");
  });
});

describe("a /model choice the config no longer has", () => {
  test("the next turn says so and who answers instead; /model and /status say it too", async () => {
    const local = await echoServer("local");
    const spare = await echoServer("spare");
    const { runtime, file } = await runtimeFor("lost", configText(local, spare));
    const chosen = await runtime.gateway.handle({ channel: "webchat", session: "l", text: "/model Spare" });
    assert.equal(chosen.kind === "command" && chosen.text, "This session now uses Spare (spare/fb).");
    const first = await runtime.gateway.handle({ channel: "webchat", session: "l", text: "one" });
    assert.equal(first.kind === "turn" && first.result.ok && first.result.text, "spare got: one");
    writeFileSync(file, configText(local));
    assert.equal((await runtime.reload()).ok, true);
    const notices: string[] = [];
    const onEvent = (event: AgentEvent): void => {
      if (event.type === "notice") notices.push(event.text);
    };
    const second = await runtime.gateway.handle({ channel: "webchat", session: "l", text: "two", onEvent });
    assert.equal(second.kind === "turn" && second.result.ok && second.result.text, "local got: two");
    const lost = "the model this conversation was set to, spare/fb, is no longer in the config: answering with Local (local/m); /model <alias> picks another, /model reset clears the choice";
    assert.deepEqual(notices, [lost]);
    const model = await runtime.gateway.handle({ channel: "webchat", session: "l", text: "/model" });
    assert.equal(model.kind === "command" && model.text, `Local (local/m); then no fallbacks\n${lost}`);
    const status = await runtime.gateway.handle({ channel: "webchat", session: "l", text: "/status" });
    assert.equal(status.kind === "command" && status.text.split("\n").at(-1), lost);
    await runtime.gateway.handle({ channel: "webchat", session: "l", text: "/model reset" });
    notices.length = 0;
    await runtime.gateway.handle({ channel: "webchat", session: "l", text: "three", onEvent });
    assert.deepEqual(notices, [], "after /model reset there is nothing to say");
  });
});

describe("a reply cut off at its limit", () => {
  test("the web page shows one note, the one that names the limit", async () => {
    const server = await startFakeServer(() => ({ kind: "sse", frames: completionsStream({ text: "a long answer that", finishReason: "length", usage: { input: 10, output: 512 } }) }));
    closers.push(() => server.close());
    const { runtime } = await runtimeFor("cut", configText(server));
    const turn = newLiveTurn();
    const unsubscribe = runtime.gateway.subscribe((event) => {
      if (event.type === "turn-event") applyAgentEvent(turn, event.event);
      if (event.type === "turn-end") applyTurnResult(turn, event.result);
    });
    await runtime.gateway.handle({ channel: "webchat", session: "c", text: "tell me everything" });
    unsubscribe();
    assert.deepEqual(turn.notes, [{ kind: "truncated", text: "the answer was cut off at the reply limit (512 tokens: local/m's maxTokens in the config); ask to continue, or raise maxTokens there" }]);
    const late = newLiveTurn();
    applyTurnResult(late, { ok: true, text: "x", model: "local/m", session: "c", attempts: [], usage: { input: 0, output: 0, cacheRead: 0, cacheWrite: 0, reasoning: 0, estimated: false }, cost: 0, notice: undefined, truncated: true, compaction: undefined });
    assert.deepEqual(late.notes.map((note) => note.kind), ["truncated"], "a page that came in after the notice still hears of it, once");
  });
});
