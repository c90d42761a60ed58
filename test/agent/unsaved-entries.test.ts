import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import * as fsPromises from "node:fs/promises";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { Agent } from "../../src/agent/agent.js";
import { agentSpec } from "../../src/agent/agent-spec.js";
import { KnownWindows } from "../../src/agent/context-windows.js";
import { createBuiltinTools } from "../../src/agent/tools/registry.js";
import { hostedCatalog } from "../../src/ai/catalog/hosted-catalog.js";
import { parseConfigValue } from "../../src/config/load.js";
import { parseJson5 } from "../../src/config/parse-json5.js";
import { resolveModels } from "../../src/models/resolve.js";
import { JsonlSessionStore, type SessionFiles } from "../../src/sessions/jsonl-session-store.js";
import { HearthError } from "../../src/shared/errors.js";
import { startFakeServer, type FakeServer } from "../fakes/fake-server.js";
import { startLlamaCpp } from "../fakes/llamacpp-server.js";
import { tempDir } from "../helpers/run-cli.js";
import { testRouting } from "../helpers/routing.js";
import { scriptedModel, type Step, type Turn } from "../helpers/scripted-model.js";

/**
 * The session files' layer with a full disk on demand: a write whose bytes `full` picks writes half
 * of them, then fails with ENOSPC (as a disk that fills mid-write does).
 */
function fillingFiles(full: (bytes: string) => boolean): SessionFiles {
  const open = async (...args: Parameters<typeof fsPromises.open>): Promise<fsPromises.FileHandle> => {
    const handle = await fsPromises.open(...args);
    return new Proxy(handle, {
      get(target, property) {
        if (property === "write") {
          return async (buffer: Buffer, offset: number, length: number) => {
            if (!full(buffer.subarray(offset, offset + length).toString())) return target.write(buffer, offset, length);
            await target.write(buffer, offset, Math.floor(length / 2));
            throw Object.assign(new Error("ENOSPC: no space left on device, write"), { code: "ENOSPC" });
          };
        }
        const value: unknown = Reflect.get(target, property, target);
        return typeof value === "function" ? (value as (...args: unknown[]) => unknown).bind(target) : value;
      },
    });
  };
  return { open, stat: fsPromises.stat, readdir: fsPromises.readdir, unlink: fsPromises.unlink } as SessionFiles;
}

function agentFor(server: FakeServer, stateDir: string, files: SessionFiles, window = 32768, id = "m") {
  const text = `{ agents: { defaults: { model: "local/${id}", tools: { allow: ["time"] } } },
    models: { mode: "replace", providers: { local: { baseUrl: "${server.baseUrl}", api: "openai-completions", models: [{ id: "${id}", contextWindow: ${window}, maxTokens: 256 }] } } } }`;
  const source = { file: "hearth.json5", text };
  const { config } = parseConfigValue(parseJson5(text, source.file), source, {});
  const resolved = resolveModels(config, { env: {}, catalog: hostedCatalog, source });
  const routing = testRouting();
  const store = new JsonlSessionStore(stateDir, { files });
  const agent = new Agent(agentSpec(config, resolved), { router: routing.router, store, tools: createBuiltinTools(), catalog: resolved.catalog, stateDir, windows: new KnownWindows(routing.loadState) });
  return { agent, store, close: routing.close };
}

/** Every line of the session file, parsed: a torn line fails the test. */
function lines(stateDir: string, key: string): { type: string; text?: string }[] {
  const text = readFileSync(join(stateDir, "sessions", `${key}.jsonl`), "utf8");
  assert.ok(text === "" || text.endsWith("\n"), "the file ends with a whole line");
  return text
    .split("\n")
    .filter((line) => line !== "")
    .map((line) => JSON.parse(line) as { type: string; text?: string });
}

describe("a full disk in the middle of a turn: nothing torn, the answer shown, the error true", () => {
  const temp = tempDir();
  const closers: (() => unknown)[] = [];
  after(async () => {
    for (const close of closers) await close();
    temp.cleanup();
  });
  let disk: "room" | "full" = "room";
  let fullFor = "";
  const full = (bytes: string): boolean => disk === "full" && bytes.includes(fullFor);
  const setup = async (decide: (turns: Turn[]) => Step, window?: number) => {
    const server = await startFakeServer(scriptedModel("openai-completions", decide));
    const state = join(temp.dir, `state-${closers.length}`);
    const made = agentFor(server, state, fillingFiles(full), window);
    closers.push(made.close, () => server.close());
    const posts = () => server.requests.filter((request) => request.method === "POST").length;
    return { ...made, state, posts };
  };

  test("the user's message: no model is called, and a new session leaves no file", async () => {
    const { agent, store, state, posts } = await setup(() => ({ text: "fine" }));
    disk = "full";
    fullFor = '"type":"user"';
    await assert.rejects(agent.turn("fresh", "hello"), (error: unknown) => error instanceof HearthError && /the disk is full \(ENOSPC\); nothing was written/.test(error.message));
    assert.equal(posts(), 0, "no model is called for a message that could not be saved");
    assert.equal(existsSync(join(state, "sessions", "fresh.jsonl")), false, "no empty session file");
    assert.deepEqual((await store.list()).sessions, []);

    disk = "room";
    assert.equal((await agent.turn("s", "first")).ok, true);
    const before = readFileSync(join(state, "sessions", "s.jsonl"), "utf8");
    disk = "full";
    await assert.rejects(agent.turn("s", "second"), /nothing was written/);
    assert.equal(readFileSync(join(state, "sessions", "s.jsonl"), "utf8"), before, "the half-written message is taken back");
    assert.equal(posts(), 1);
    disk = "room";
  });

  test("the answer: shown with the error, the session keeps the message, whole lines only, attempts true", async () => {
    const { agent, store, state, posts } = await setup(() => ({ text: "the answer that does not fit" }));
    assert.equal((await agent.turn("s", "first")).ok, true);
    disk = "full";
    fullFor = '"type":"assistant"';
    const result = await agent.turn("s", "second");
    disk = "room";
    assert.equal(result.ok, false);
    if (result.ok) return;
    assert.equal(result.unsavedAnswer, "the answer that does not fit");
    assert.match(result.error, /the disk is full \(ENOSPC\); nothing was written/);
    assert.match(result.error, /the session keeps your message, not the answer, shown here but not saved/);
    assert.match(result.error, /free some space/);
    assert.deepEqual(result.attempts.map((attempt) => [attempt.model, attempt.outcome]), [["local/m", "ok"]], "the call is on the record");
    assert.ok(result.usage.output > 0, "what the call used is counted");
    assert.equal(posts(), 2);
    assert.deepEqual(lines(state, "s").map((entry) => entry.type), ["session", "user", "assistant", "user"], "no torn line");
    assert.deepEqual((await store.read("s")).damaged, []);
    assert.equal((await agent.retryable("s"))?.text, "second", "the message is there for /retry");
  });

  test("a tool's result: the turn stops there, no model asked again", async () => {
    const { agent, state, posts } = await setup((turns) => (turns.some((turn) => turn.role === "tool") ? { text: "done" } : { tool: "time", arguments: {} }));
    disk = "full";
    fullFor = '"type":"tool-result"';
    const result = await agent.turn("s", "what time is it");
    disk = "room";
    assert.equal(result.ok, false);
    if (result.ok) return;
    assert.match(result.error, /the session keeps your message and the turn's 1 entry after it, not the result of time \(the tool ran\)/);
    assert.equal(posts(), 1, "the model is not asked to answer a result the session could not keep");
    assert.deepEqual(lines(state, "s").map((entry) => entry.type), ["session", "user", "assistant"]);
  });

  test("a summary after the server's context overflowed (saved only with the answer it was written for): neither kept, the answer shown, the calls on the record", async () => {
    const server = await startLlamaCpp({ nCtx: 2048, completions: scriptedModel("openai-completions", (turns) => ({ text: turns.some((turn) => /summar/i.test(turn.text)) ? "a short summary" : "ok" })) });
    const state = join(temp.dir, "overflow");
    const { agent, close } = agentFor(server, state, fillingFiles(full), 32768, "stories260k");
    closers.push(close, () => server.close());
    const posts = () => server.requests.filter((request) => request.method === "POST" && request.path === "/v1/chat/completions").length;
    disk = "full";
    fullFor = '"type":"compaction"';
    let result = await agent.turn("s", "turn 0");
    let calls = 0;
    for (let turn = 1; turn < 8 && result.ok; turn++) {
      calls = posts();
      result = await agent.turn("s", `turn ${turn}: ${"many words here ".repeat(120)}`);
    }
    disk = "room";
    assert.equal(result.ok, false);
    if (result.ok) return;
    assert.match(result.error, /not the summary of the earlier turns nor the answer written with it, shown here but not saved/);
    assert.doesNotMatch(result.error, /no model was called after it/);
    assert.ok((result.unsavedAnswer ?? "") !== "", "the answer is shown");
    assert.deepEqual(result.attempts.map((attempt) => attempt.outcome), ["context-overflow", "ok"], "the overflow and the answer are on the record");
    const after = server.requests.filter((request) => request.method === "POST" && request.path === "/v1/chat/completions").slice(calls);
    const summaries = after.slice(1, -1).filter((request) => JSON.stringify(request.body).includes("Write the updated summary"));
    assert.ok(after.length >= 3 && summaries.length === after.length - 2, "the call that overflowed, the summary's calls, then the answer");
    const types = lines(state, "s").map((entry) => entry.type);
    assert.equal(types.at(-1), "user", types.join(","));
  });

  test("a compaction's summary (saved only with the answer it was written for): not replaced by a trim; neither kept, the answer shown", async () => {
    const { agent, state, posts } = await setup((turns) => (turns.some((turn) => /summar/i.test(turn.text)) && turns.length <= 2 ? { text: "a short summary" } : { text: "ok" }), 4096);
    // The disk is full for a summary only: each turn is saved until the first one that needs a compaction.
    disk = "full";
    fullFor = '"type":"compaction"';
    let result = await agent.turn("s", "turn 0");
    let calls = 0;
    for (let turn = 1; turn < 12 && result.ok; turn++) {
      calls = posts();
      result = await agent.turn("s", `turn ${turn} ${"word ".repeat(600)}`);
    }
    disk = "room";
    assert.equal(result.ok, false);
    if (result.ok) return;
    assert.match(result.error, /not the summary of the earlier turns nor the answer written with it, shown here but not saved/);
    assert.equal(result.unsavedAnswer, "ok");
    assert.equal(posts(), calls + 2, "the summary's call, then the answer's");
    const types = lines(state, "s").map((entry) => entry.type);
    assert.equal(types.at(-1), "user");
    assert.ok(!types.includes("trim") && !types.includes("compaction"), types.join(","));
  });
});
