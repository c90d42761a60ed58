import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { completionsStream } from "../fakes/openai-completions-stream.js";
import { startFakeServer, type FakeServer } from "../fakes/fake-server.js";
import { hearthBin, runCli, tempDir } from "../helpers/run-cli.js";
import { conversationOf } from "../helpers/scripted-model.js";
import { JsonlSessionStore } from "../../src/sessions/jsonl-session-store.js";

function config(baseUrl: string): string {
  return `{ agents: { defaults: { model: { primary: "local/m" } } },
    models: { mode: "replace", providers: { local: { baseUrl: "${baseUrl}", api: "openai-completions", models: [{ id: "m", contextWindow: 32768, maxTokens: 1024 }] } } } }`;
}

/** The roles of a session file's conversation entries, in order. */
function roles(file: string): string[] {
  return readFileSync(file, "utf8")
    .split("\n")
    .filter(Boolean)
    .map((line) => (JSON.parse(line) as { type: string }).type)
    .filter((type) => type === "user" || type === "assistant");
}

describe("turns of one session are serialised across processes", () => {
  const temp = tempDir();
  const servers: FakeServer[] = [];
  after(async () => {
    temp.cleanup();
    await Promise.all(servers.map((server) => server.close()));
  });

  test("four `hearth agent --session S` at once against a slow server: strict alternation on disk and in every request", async () => {
    // Each answer streams slowly (about half a second), far longer than the processes take to start.
    const server = await startFakeServer((request) => {
      if (request.method !== "POST") return { kind: "json", status: 404, body: {} };
      const said = conversationOf("openai-completions", request.body as Record<string, unknown>).filter((turn) => turn.role === "user");
      return { kind: "sse", frames: completionsStream({ text: `answer to ${said[said.length - 1]?.text ?? "?"}`, chunkSize: 4 }), frameDelayMs: 60 };
    });
    servers.push(server);
    const file = temp.write("slow.json5", config(server.baseUrl));
    const state = join(temp.dir, "together");
    const results = await Promise.all([1, 2, 3, 4].map((n) => runCli(["agent", "--config", file, "--session", "S", "-m", `message ${n}`], { env: { HEARTH_STATE_DIR: state } })));
    for (const [index, result] of results.entries()) {
      assert.equal(result.code, 0, result.stderr);
      assert.equal(result.stdout, `answer to message ${index + 1}\n`);
    }
    assert.ok(results.some((result) => /session "S" is busy with a turn in another hearth process; waiting/.test(result.stderr)), "a waiting process says why");

    assert.deepEqual(roles(join(state, "sessions/S.jsonl")), ["user", "assistant", "user", "assistant", "user", "assistant", "user", "assistant"]);
    const bodies = server.requests.filter((request) => request.method === "POST").map((request) => conversationOf("openai-completions", request.body as Record<string, unknown>).filter((turn) => turn.role !== "system"));
    assert.equal(bodies.length, 4);
    bodies.forEach((conversation, index) => {
      assert.equal(conversation.length, 2 * index + 1, "each request carries every earlier turn, answered");
      conversation.forEach((turn, position) => assert.equal(turn.role, position % 2 === 0 ? "user" : "assistant", `request ${index + 1}: roles alternate`));
    });
    assert.equal(existsSync(join(state, "sessions/S.jsonl.lock")), false, "the lock is gone after the last turn");
  });

  test("a lock left by a SIGKILLed process is taken at once (its owner record names a process that is gone): the next turn goes ahead without waiting", async () => {
    let arrived: (() => void) | undefined;
    const first = new Promise<void>((resolve) => (arrived = resolve));
    const server = await startFakeServer((request) => {
      if (request.method !== "POST") return { kind: "json", status: 404, body: {} };
      arrived?.();
      return { kind: "hang-before-headers" };
    });
    servers.push(server);
    const file = temp.write("stale.json5", config(server.baseUrl));
    const state = join(temp.dir, "stale");
    const child = spawn(process.execPath, [hearthBin, "agent", "--config", file, "--session", "S", "-m", "never answered"], {
      env: { PATH: process.env.PATH, HOME: "/nonexistent", HEARTH_STATE_DIR: state },
      stdio: "ignore",
    });
    await first;
    assert.ok(existsSync(join(state, "sessions/S.jsonl.lock")), "the turn holds the lock while it waits for the model");
    child.kill("SIGKILL");
    await new Promise((resolve) => child.once("exit", resolve));
    assert.ok(existsSync(join(state, "sessions/S.jsonl.lock")), "a killed process leaves its lock behind");
    assert.equal(JSON.parse(readFileSync(join(state, "sessions/S.jsonl.lock/owner.json"), "utf8")).pid, child.pid, "signed by its holder");

    server.setHandler((request) => (request.method === "POST" ? { kind: "sse", frames: completionsStream({ text: "after the crash" }) } : { kind: "json", status: 404, body: {} }));
    const next = await runCli(["agent", "--config", file, "--session", "S", "-m", "still there?"], { env: { HEARTH_STATE_DIR: state } });
    assert.equal(next.code, 0, next.stderr);
    assert.equal(next.stdout, "after the crash\n");
    assert.doesNotMatch(next.stderr, /busy/, "the dead holder's lock is not waited for (it would be 10 s stale first)");
    assert.equal(existsSync(join(state, "sessions/S.jsonl.lock")), false);
  });

  test("the CLI waits for a lock held through the store API (as the gateway will hold it), then answers", async () => {
    const server = await startFakeServer((request) => (request.method === "POST" ? { kind: "sse", frames: completionsStream({ text: "my turn now" }) } : { kind: "json", status: 404, body: {} }));
    servers.push(server);
    const file = temp.write("held.json5", config(server.baseUrl));
    const state = join(temp.dir, "held");
    const store = new JsonlSessionStore(state);
    const lock = await store.lock("S");
    const child = spawn(process.execPath, [hearthBin, "agent", "--config", file, "--session", "S", "-m", "waiting"], {
      env: { PATH: process.env.PATH, HOME: "/nonexistent", NO_COLOR: "1", HEARTH_STATE_DIR: state },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += String(chunk)));
    const waiting = new Promise<void>((resolve) =>
      child.stderr.on("data", (chunk: Buffer) => {
        stderr += String(chunk);
        if (/session "S" is busy/.test(stderr)) resolve();
      }),
    );
    const exited = new Promise<number | null>((resolve) => child.once("exit", resolve));
    await waiting;
    assert.equal(server.requests.length, 0, "no model call while another holds the session");
    await lock.release();
    assert.equal(await exited, 0, stderr);
    assert.equal(stdout, "my turn now\n");
    assert.equal(server.requests.filter((request) => request.method === "POST").length, 1);
  });
});
