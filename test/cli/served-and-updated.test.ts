import assert from "node:assert/strict";
import { mkdirSync, utimesSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { startFakeServer, type FakeServer } from "../fakes/fake-server.js";
import { completionsStream } from "../fakes/openai-completions-stream.js";
import { runCli, tempDir } from "../helpers/run-cli.js";
import { scriptedModel } from "../helpers/scripted-model.js";

/** Trial t5, item 9: what the server said it served, and a session's own last time. */
describe("what the server served, and when a session was last used", () => {
  const temp = tempDir();
  const servers: FakeServer[] = [];
  after(async () => {
    await Promise.all(servers.map((server) => server.close()));
    temp.cleanup();
  });

  test("a server restarted with another model: the reply keeps its name, /status and usage say it", async () => {
    // The real llama-server answers every request with its own model's name (--alias), whatever id was asked.
    const server = await startFakeServer(scriptedModel("openai-completions", () => ({ reply: { kind: "sse", frames: completionsStream({ text: "once upon a time", model: "stories-v2" }) } })));
    servers.push(server);
    const state = join(temp.dir, "served");
    const file = temp.write("served.json5", `{ agents: { defaults: { model: "llama/stories260k" } }, models: { mode: "replace", providers: { llama: { baseUrl: "${server.baseUrl}", api: "openai-completions", models: [{ id: "stories260k", contextWindow: 2048, maxTokens: 256 }] } } } }`);
    const env = { HEARTH_STATE_DIR: state };
    const answer = await runCli(["--config", file, "agent", "-m", "tell me a story"], { env });
    assert.equal(answer.code, 0, answer.stderr);
    const shown = await runCli(["--config", file, "sessions", "show", "main", "--json"], { env });
    const parsed = JSON.parse(shown.stdout) as unknown;
    const entries = (Array.isArray(parsed) ? parsed : (parsed as { entries: unknown[] }).entries) as { type: string; message?: { model: string; served?: string } }[];
    const reply = entries.find((entry) => entry.type === "assistant")?.message;
    assert.deepEqual({ model: reply?.model, served: reply?.served }, { model: "llama/stories260k", served: "stories-v2" });
    const status = await runCli(["--config", file, "agent", "-m", "/status"], { env });
    assert.match(status.stdout, /^model: llama\/stories260k · local · its server last answered as stories-v2$/m, status.stdout);
    const usage = await runCli(["--config", file, "usage"], { env });
    assert.match(usage.stdout, /^llama\/stories260k \(served as stories-v2\)\s+1\s/m, usage.stdout);
  });

  test("sessions list: UPDATED is the last entry's time, not the file's (a copied state dir)", async () => {
    const state = join(temp.dir, "copied");
    mkdirSync(join(state, "sessions"), { recursive: true });
    const write = (key: string, at: string) => {
      const path = join(state, "sessions", `${key}.jsonl`);
      const lines = [
        { type: "session", version: 1, at: "2026-11-01T08:00:00.000Z", agent: "main" },
        { type: "user", id: "u1", at: "2026-11-01T08:00:01.000Z", text: `hello from ${key}` },
        { type: "turn-failed", id: "f1", at, error: "down", attempts: [], cause: "transient" },
      ];
      writeFileSync(path, lines.map((line) => JSON.stringify(line)).join("\n") + "\n");
      // Copied just now: every file has the same fresh mtime.
      utimesSync(path, new Date(), new Date());
    };
    write("older", "2026-11-01T09:00:00.000Z");
    write("newer", "2026-11-02T10:30:00.000Z");
    const list = await runCli(["sessions", "list", "--json"], { env: { HEARTH_STATE_DIR: state } });
    assert.equal(list.code, 0, list.stderr);
    const sessions = (JSON.parse(list.stdout) as { sessions: { key: string; updated: string }[] }).sessions;
    assert.deepEqual(sessions.map((session) => [session.key, session.updated]), [["newer", "2026-11-02T10:30:00.000Z"], ["older", "2026-11-01T09:00:00.000Z"]]);
  });
});
