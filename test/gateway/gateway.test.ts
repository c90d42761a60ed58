import assert from "node:assert/strict";
import { constants, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import * as fsPromises from "node:fs/promises";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { createRuntime } from "../../src/cli/runtime.js";
import { JsonlSessionStore } from "../../src/sessions/jsonl-session-store.js";
import { startFakeServer, type FakeServer } from "../fakes/fake-server.js";
import { tempDir } from "../helpers/run-cli.js";
import { lastUser } from "../helpers/scripted-model.js";
import { strictModel, userTexts } from "../helpers/strict-model.js";

const temp = tempDir();
const closers: (() => unknown)[] = [];
after(async () => {
  for (const close of closers) await close();
  temp.cleanup();
});

function configText(server: FakeServer, alias = "Local"): string {
  return `{ agents: { defaults: { model: "local/m", models: { "local/m": { alias: "${alias}" } } } },
    models: { mode: "replace", providers: { local: { baseUrl: "${server.baseUrl}", api: "openai-completions", models: [{ id: "m", contextWindow: 32768, maxTokens: 512 }] } } } }`;
}

async function runtimeFor(server: FakeServer, name: string, store?: JsonlSessionStore) {
  const dir = join(temp.dir, name);
  mkdirSync(dir, { recursive: true });
  const file = join(dir, "hearth.json5");
  writeFileSync(file, configText(server));
  const runtime = await createRuntime({ env: { HEARTH_STATE_DIR: join(dir, "state") }, cwd: dir, config: file, store });
  closers.push(() => runtime.close());
  return { runtime, file, dir };
}


describe("Gateway.handle", () => {
  test("two messages to one session run one after the other: the second request carries the first turn whole", async () => {
    const problems: string[] = [];
    const server = await startFakeServer(() => ({ kind: "hang-before-headers" }));
    closers.push(() => server.close());
    let hold!: () => void;
    const held = new Promise<void>((resolve) => (hold = resolve));
    const inner = strictModel((turns) => ({ text: `seen: ${turns.filter((turn) => turn.role === "user").map((turn) => turn.text).join(" | ")}` }), problems);
    server.setHandler(async (request) => {
      if (userTexts(request).at(-1) === "first") await held;
      return inner(request);
    });
    const { runtime } = await runtimeFor(server, "order");
    const first = runtime.gateway.handle({ channel: "http", session: "s", text: "first" });
    const second = runtime.gateway.handle({ channel: "http", session: "s", text: "second" });
    // Only the first request reaches the server while it is held.
    while (!server.requests.some((request) => request.method === "POST")) await new Promise((resolve) => setImmediate(resolve));
    hold();
    const [a, b] = await Promise.all([first, second]);
    assert.equal(a.kind === "turn" && a.result.ok && a.result.text, "seen: first");
    assert.equal(b.kind === "turn" && b.result.ok && b.result.text, "seen: first | second");
    assert.deepEqual(server.requests.filter((request) => request.method === "POST").map((request) => userTexts(request)), [["first"], ["first", "second"]]);
    assert.deepEqual(problems, [], "roles alternate strictly in every request");
  });

  test("a message is called accepted only once it is on disk (the web chat's 202 waits for it)", async () => {
    const server = await startFakeServer(strictModel(() => ({ text: "ok" }), []));
    closers.push(() => server.close());
    const { runtime, dir } = await runtimeFor(server, "accepted");
    const seen: string[] = [];
    await runtime.gateway.handle({
      channel: "webchat",
      session: "acc",
      text: "keep me safe",
      keepWhenStopped: true,
      onAccepted: () => seen.push(readFileSync(join(dir, "state", "inbox", `${process.pid}.jsonl`), "utf8")),
    });
    assert.equal(seen.length, 1, "called once");
    assert.match(seen[0] ?? "", /"keep me safe"/);
  });

  test("a message and then a command, sent at once, keep their order: the command runs after the message's turn", async () => {
    const server = await startFakeServer(strictModel((turns) => ({ text: `seen: ${turns.filter((turn) => turn.role === "user").map((turn) => turn.text).join(" | ")}` }), []));
    closers.push(() => server.close());
    const { runtime } = await runtimeFor(server, "order-command");
    const order: string[] = [];
    const unsubscribe = runtime.gateway.subscribe((event) => {
      if (event.type === "turn-end") order.push("turn-end");
      if (event.type === "command-result") order.push("command-result");
    });
    const message = runtime.gateway.handle({ channel: "http", session: "oc", text: "remember the milk" });
    const command = runtime.gateway.handle({ channel: "http", session: "oc", text: "/new" });
    await Promise.all([message, command]);
    unsubscribe();
    assert.deepEqual(order, ["turn-end", "command-result"]);
    assert.deepEqual(await runtime.gateway.sessions().transcript("oc"), [], "/new came after the turn: the fresh conversation is empty");
  });

  test("different sessions run in parallel: one session's held turn does not stop another's", async () => {
    const problems: string[] = [];
    const inner = strictModel((turns) => ({ text: `seen: ${lastUser(turns)}` }), problems);
    let otherArrived!: () => void;
    const other = new Promise<void>((resolve) => (otherArrived = resolve));
    const server = await startFakeServer(async (request) => {
      // Session A's request is answered only once session B's request has reached the server.
      if (userTexts(request).at(-1) === "from A") await other;
      else otherArrived();
      return inner(request);
    });
    closers.push(() => server.close());
    const { runtime } = await runtimeFor(server, "parallel");
    const results = await Promise.all([runtime.gateway.handle({ channel: "http", session: "A", text: "from A" }), runtime.gateway.handle({ channel: "http", session: "B", text: "from B" })]);
    assert.deepEqual(results.map((result) => result.kind === "turn" && result.result.ok), [true, true]);
  });

  test("turn-start and turn-end are told once what they say is saved: a history read begun on either has it", async () => {
    const server = await startFakeServer(strictModel(() => ({ text: "a saved answer" }), []));
    closers.push(() => server.close());
    const { runtime } = await runtimeFor(server, "told-when-saved");
    const reads: Promise<string[]>[] = [];
    runtime.gateway.subscribe((event) => {
      if ((event.type === "turn-start" || event.type === "turn-end") && event.session === "told") {
        reads.push(runtime.gateway.sessions().transcript("told").then((items) => items.map((item) => `${item.role}: ${item.text}`)));
      }
    });
    await runtime.gateway.handle({ channel: "webchat", session: "told", text: "is it saved?" });
    const [atStart, atEnd] = await Promise.all(reads);
    assert.equal(reads.length, 2);
    assert.deepEqual(atStart, ["user: is it saved?"]);
    assert.deepEqual(atEnd, ["user: is it saved?", "assistant: a saved answer"]);
  });

  test("a cancel through the signal stops the turn; the message stays, marked unanswered, with a notice", async () => {
    let arrived!: () => void;
    const reached = new Promise<void>((resolve) => (arrived = resolve));
    const server = await startFakeServer(() => {
      arrived();
      return { kind: "hang-before-headers" };
    });
    closers.push(() => server.close());
    const { runtime } = await runtimeFor(server, "cancel");
    const controller = new AbortController();
    const events: string[] = [];
    runtime.gateway.subscribe((event) => events.push(event.type));
    const pending = runtime.gateway.handle({ channel: "webchat", session: "c", text: "a slow question", signal: controller.signal });
    await reached;
    controller.abort();
    const handled = await pending;
    assert.equal(handled.kind, "turn");
    assert.equal(handled.kind === "turn" && !handled.result.ok && handled.result.cause, "cancelled");
    const transcript = await runtime.gateway.sessions().transcript("c");
    assert.deepEqual(transcript.map((item) => [item.role, item.unanswered ?? false]), [["user", true], ["notice", false]]);
    assert.match(transcript[1]?.text ?? "", /cancelled/);
    assert.deepEqual([events[0], events.at(-1)], ["turn-start", "turn-end"]);
  });

  test("a client's own resend (repeated) of the message that got no answer resends it; any other text, or after an answer, is a new message", async () => {
    let down = true;
    const server = await startFakeServer((request) => (down && request.method === "POST" ? { kind: "json", status: 500, body: { error: { message: "down" } } } : inner(request)));
    const inner = strictModel((turns) => ({ text: `seen: ${turns.filter((turn) => turn.role === "user").map((turn) => turn.text).join(" | ")}` }), []);
    closers.push(() => server.close());
    const { runtime } = await runtimeFor(server, "repeated");
    const said = async (text: string): Promise<string> => {
      const handled = await runtime.gateway.handle({ channel: "http", session: "r", text, repeated: true });
      return handled.kind === "turn" && handled.result.ok ? handled.result.text : "no answer";
    };
    assert.equal(await said("hello"), "no answer");
    down = false;
    assert.equal(await said("other words"), "seen: other words", "not the unanswered message's text: a new message");
    assert.equal(await said("other words"), "seen: other words | other words", "answered before: said again, a new message");
    down = true;
    assert.equal(await said("again"), "no answer");
    down = false;
    assert.equal(await said("again"), "seen: other words | other words | again", "the unanswered message, once");
    const users = (await runtime.store.read("r")).entries.filter((entry) => entry.type === "user");
    assert.deepEqual(users.map((entry) => `${entry.text}${entry.retryOf ? " (resent)" : ""}`), ["hello", "other words", "other words", "again", "again (resent)"]);
  });

  test("in-chat commands are answered without a model", async () => {
    const server = await startFakeServer(() => ({ kind: "hang-before-headers" }));
    closers.push(() => server.close());
    const { runtime } = await runtimeFor(server, "commands");
    assert.deepEqual(await runtime.gateway.sessions().settings("k"), { reasoning: false, model: undefined }, "reasoning is off by default");
    for (const text of ["/help", "/model", "/model list", "/reasoning on", "/new", "/retry"]) {
      const handled = await runtime.gateway.handle({ channel: "http", session: "k", text });
      assert.equal(handled.kind, "command", text);
      if (text === "/reasoning on") assert.deepEqual(await runtime.gateway.sessions().settings("k"), { reasoning: true, model: undefined }, "the session's setting, as the web chat reads it");
    }
    assert.equal(server.requests.filter((request) => request.method === "POST").length, 0);
    await assert.rejects(runtime.gateway.handle({ channel: "http", session: "k", agent: "nobody", text: "hi" }), /no agent "nobody"/);
    await assert.rejects(runtime.gateway.handle({ channel: "http", session: "k", model: "nope/none", text: "hi" }), /nope\/none/);
    await assert.rejects(runtime.gateway.handle({ channel: "http", session: "../k", text: "hi" }), /not a valid session key/);
    assert.equal(server.requests.filter((request) => request.method === "POST").length, 0, "a refused message reaches no model");
  });

  test("/reasoning on answers in the words of how the channel shows reasoning: dimmed in the terminal, a collapsed block on the page (t5 #9)", async () => {
    const server = await startFakeServer(() => ({ kind: "hang-before-headers" }));
    closers.push(() => server.close());
    const { runtime } = await runtimeFor(server, "reasoning-words");
    const said = async (channel: "cli" | "webchat" | "whatsapp" | "http"): Promise<string> => {
      const handled = await runtime.gateway.handle({ channel, session: `w-${channel}`, text: "/reasoning on" });
      assert.equal(handled.kind, "command");
      return handled.kind === "command" ? handled.text : "";
    };
    assert.equal(await said("cli"), "Reasoning will be shown (dimmed).");
    assert.equal(await said("webchat"), "Reasoning will be shown: a collapsed “Reasoning” block above each answer that has some — click it to open.");
    assert.match(await said("whatsapp"), /^Reasoning is on for this session, but this channel gets only the final answer/);
    assert.match(await said("http"), /the API sends it only to a request that asks for it\.$/);
    for (const channel of ["webchat", "whatsapp", "http"] as const) assert.doesNotMatch(await said(channel), /dimmed/);
  });
});

describe("the cached JSONL store under the gateway", () => {
  test("a 1,000-turn session file is read once across many turns", async () => {
    const problems: string[] = [];
    const server = await startFakeServer(strictModel((turns) => ({ text: `ok ${turns.length}` }), problems));
    closers.push(() => server.close());
    const dir = join(temp.dir, "long");
    const at = "2026-01-01T00:00:00.000Z";
    const lines = [JSON.stringify({ type: "session", version: 1, at, agent: "main" })];
    for (let turn = 0; turn < 1_000; turn++) {
      lines.push(JSON.stringify({ type: "user", id: `u${turn}`, at, text: `question ${turn}` }));
      lines.push(JSON.stringify({ type: "reset", id: `r${turn}`, at }));
    }
    mkdirSync(join(dir, "state", "sessions"), { recursive: true });
    writeFileSync(join(dir, "state", "sessions", "long.jsonl"), `${lines.join("\n")}\n`);
    let reads = 0;
    const files = {
      ...fsPromises,
      open: (async (path: string, flags: number, mode?: number) => {
        if (String(path).endsWith("long.jsonl") && (flags & (constants.O_WRONLY | constants.O_RDWR)) === 0) reads++;
        return fsPromises.open(path, flags, mode);
      }) as typeof fsPromises.open,
    };
    const store = new JsonlSessionStore(join(dir, "state"), { files });
    const { runtime } = await runtimeFor(server, "long", store);
    for (let turn = 0; turn < 5; turn++) {
      const handled = await runtime.gateway.handle({ channel: "http", session: "long", text: `new ${turn}` });
      assert.equal(handled.kind === "turn" && handled.result.ok, true);
    }
    await runtime.gateway.sessions().transcript("long");
    assert.equal(reads, 1, "the file was read once; every later turn used the session in memory");
    assert.deepEqual(problems, []);
  });
});

describe("createRuntime.reload", () => {
  test("a good edit serves the new config; a bad edit keeps the old one and says what is wrong", async () => {
    const server = await startFakeServer(strictModel(() => ({ text: "hi" }), []));
    closers.push(() => server.close());
    const { runtime, file } = await runtimeFor(server, "reload");
    assert.equal(runtime.gateway.catalogue().models.find((model) => model.ref === "local/m")?.alias, "Local");
    writeFileSync(file, configText(server, "Renamed"));
    const good = await runtime.reload();
    assert.equal(good.ok, true);
    assert.equal(runtime.gateway.catalogue().models.find((model) => model.ref === "local/m")?.alias, "Renamed");
    writeFileSync(file, "{ agents: { defaults: { model: 42 } } }");
    const bad = await runtime.reload();
    assert.equal(bad.ok, false);
    assert.match(bad.ok ? "" : bad.problems.join("\n"), /model/);
    assert.equal(runtime.gateway.catalogue().models.find((model) => model.ref === "local/m")?.alias, "Renamed", "the old config keeps serving");
    const handled = await runtime.gateway.handle({ channel: "http", session: "r", text: "still there?" });
    assert.equal(handled.kind === "turn" && handled.result.ok && handled.result.text, "hi");
  });
});

test("the catalogue lists the config's own models first: the chain in order, then aliased, then local; the hosted catalog after", async () => {
  const dir = join(temp.dir, "catalogue-order");
  mkdirSync(dir, { recursive: true });
  const file = join(dir, "hearth.json5");
  writeFileSync(
    file,
    `{ agents: { defaults: { model: { primary: "local/m", fallbacks: ["anthropic/claude-opus-4-5"] }, models: { "openai/gpt-5": { alias: "Five" } } } },
      models: { providers: { local: { baseUrl: "http://127.0.0.1:9/v1", api: "openai-completions", models: [{ id: "m", contextWindow: 32768, maxTokens: 512 }, { id: "spare", contextWindow: 32768, maxTokens: 512 }] } } } }`,
  );
  const runtime = await createRuntime({ env: { HEARTH_STATE_DIR: join(dir, "state") }, cwd: dir, config: file });
  closers.push(() => runtime.close());
  const refs = runtime.gateway.catalogue().models.map((model) => model.ref);
  assert.ok(refs.length > 20, "the hosted catalog is there too");
  assert.deepEqual(refs.slice(0, 4), ["local/m", "anthropic/claude-opus-4-5", "openai/gpt-5", "local/spare"]);
});

