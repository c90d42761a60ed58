import assert from "node:assert/strict";
import { execFileSync, spawn, spawnSync } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { startFakeServer, type FakeServer } from "../fakes/fake-server.js";
import { hearthBin, runCli, tempDir } from "../helpers/run-cli.js";
import { conversationOf, scriptedModel } from "../helpers/scripted-model.js";
import { isRoot, mountTmpfs, remountReadOnly, runHearth } from "../helpers/state-faults.js";

function config(baseUrl: string): string {
  return `{ agents: { defaults: { model: { primary: "local/m" } } },
    models: { mode: "replace", providers: { local: { baseUrl: "${baseUrl}", api: "openai-completions", models: [{ id: "m", contextWindow: 32768, maxTokens: 1024 }] } } } }`;
}

/** A failure the user can act on: exit 1, the path named, no crash text, and no claim that the message was kept. */
function assertClearFault(result: { code: number; stderr: string; timedOut?: boolean }, path: string, what: RegExp): void {
  assert.equal(result.timedOut ?? false, false, "the command must not hang");
  assert.equal(result.code, 1, result.stderr);
  assert.ok(result.stderr.includes(path), `names ${path}: ${result.stderr}`);
  assert.match(result.stderr, what);
  assert.match(result.stderr, /move .* aside|HEARTH_STATE_DIR|free some space|remount/, "says the fix");
  assert.doesNotMatch(result.stderr, /unexpected error|please report|at .*\.js:\d+/);
  assert.doesNotMatch(result.stderr, /message is saved/);
}

describe("a state dir hearth cannot use: a clear error, exit 1, nothing claimed saved", () => {
  const temp = tempDir();
  const servers: FakeServer[] = [];
  const unmounts: (() => void)[] = [];
  after(async () => {
    for (const unmount of unmounts) unmount();
    temp.cleanup();
    await Promise.all(servers.map((server) => server.close()));
  });
  const answering = async (): Promise<{ server: FakeServer; file: string }> => {
    const server = await startFakeServer(scriptedModel("openai-completions", () => ({ text: "fine" })));
    servers.push(server);
    return { server, file: temp.write(`config-${servers.length}.json5`, config(server.baseUrl)) };
  };
  const posts = (server: FakeServer) => server.requests.filter((request) => request.method === "POST").length;

  test("the state dir is a file", async () => {
    const { server, file } = await answering();
    const state = temp.write("state-is-a-file", "not a directory");
    const result = await runHearth(["agent", "--config", file, "-m", "hello"], { env: { HEARTH_STATE_DIR: state } });
    assertClearFault(result, state, /is a file where a directory should be/);
    assert.equal(posts(server), 0, "no model is called when the message cannot be kept");
  });

  test("sessions/ is a file: agent and sessions list both fail loudly", async () => {
    const { file } = await answering();
    const state = join(temp.dir, "sessions-is-a-file");
    mkdirSync(state);
    writeFileSync(join(state, "sessions"), "");
    const result = await runHearth(["agent", "--config", file, "-m", "hello"], { env: { HEARTH_STATE_DIR: state } });
    assertClearFault(result, join(state, "sessions"), /is a file where a directory should be/);
    const list = await runHearth(["sessions", "list"], { env: { HEARTH_STATE_DIR: state } });
    assertClearFault(list, join(state, "sessions"), /cannot list the sessions/);
    assert.doesNotMatch(list.stdout, /No sessions yet/);
  });

  test("a session file that is a directory", async () => {
    const { file } = await answering();
    const state = join(temp.dir, "session-is-a-dir");
    mkdirSync(join(state, "sessions/main.jsonl"), { recursive: true });
    const result = await runHearth(["agent", "--config", file, "-m", "hello"], { env: { HEARTH_STATE_DIR: state } });
    assertClearFault(result, join(state, "sessions/main.jsonl"), /it is a directory, not a regular file/);
  });

  for (const [name, make, kind] of [
    ["a symlink to /dev/zero", (path: string) => symlinkSync("/dev/zero", path), /a character device/],
    ["a FIFO", (path: string) => execFileSync("mkfifo", [path]), /a named pipe \(FIFO\)/],
  ] as const) {
    test(`a session file that is ${name} is refused, not read or written (and nothing hangs)`, async () => {
      const { server, file } = await answering();
      const state = join(temp.dir, `special-${name.replace(/\W+/g, "-")}`);
      mkdirSync(join(state, "sessions"), { recursive: true });
      make(join(state, "sessions/main.jsonl"));
      writeFileSync(join(state, "sessions/other.jsonl"), `${JSON.stringify({ type: "session", version: 1, at: "2026-01-01T00:00:00.000Z", agent: "main" })}\n${JSON.stringify({ type: "user", id: "u1", at: "2026-01-01T00:00:00.000Z", text: "kept" })}\n`);
      const result = await runHearth(["agent", "--config", file, "-m", "hello"], { env: { HEARTH_STATE_DIR: state }, timeoutMs: 15_000 });
      assertClearFault(result, join(state, "sessions/main.jsonl"), kind);
      assert.equal(posts(server), 0);
      const list = await runHearth(["sessions", "list"], { env: { HEARTH_STATE_DIR: state }, timeoutMs: 15_000 });
      assertClearFault(list, join(state, "sessions/main.jsonl"), kind);
      assert.match(list.stdout, /^other .* kept$/m, "the readable sessions are still listed");
      const show = await runHearth(["sessions", "show", "main"], { env: { HEARTH_STATE_DIR: state }, timeoutMs: 15_000 });
      assertClearFault(show, join(state, "sessions/main.jsonl"), kind);
      // It can be cleared: deleting never opens it.
      const deleted = await runHearth(["sessions", "delete", "main", "--yes"], { env: { HEARTH_STATE_DIR: state }, timeoutMs: 15_000 });
      assert.equal(deleted.code, 0, deleted.stderr);
      assert.equal(deleted.stdout, 'Deleted session "main".\n');
      assert.equal(existsSync(join(state, "sessions/main.jsonl")), false);
      const after = await runHearth(["sessions", "list"], { env: { HEARTH_STATE_DIR: state }, timeoutMs: 15_000 });
      assert.equal(after.code, 0, after.stderr);
      assert.match(after.stdout, /^other .* kept$/m);
    });
  }

  test("a read-only file system (EROFS), real tmpfs", async (t) => {
    const state = join(temp.dir, "readonly");
    const unmount = mountTmpfs(state, { sizeKb: 64 });
    if (!unmount) return t.skip("mount is not permitted here");
    unmounts.push(unmount);
    const { server, file } = await answering();
    // A state dir that was writable once: a session exists, then the disk went read-only.
    mkdirSync(join(state, "sessions"));
    writeFileSync(join(state, "sessions/main.jsonl"), `${JSON.stringify({ type: "session", version: 1, at: "2026-01-01T00:00:00.000Z", agent: "main" })}\n`);
    remountReadOnly(state);
    const result = await runHearth(["agent", "--config", file, "-m", "hello"], { env: { HEARTH_STATE_DIR: state } });
    assertClearFault(result, state, /read-only \(EROFS\)/);
    assert.equal(posts(server), 0);
    const fresh = await runHearth(["agent", "--config", file, "-s", "new", "-m", "hello"], { env: { HEARTH_STATE_DIR: join(state, "deeper") } });
    assertClearFault(fresh, join(state, "deeper"), /read-only \(EROFS\)/);
  });

  test("a full disk (ENOSPC), real 64 KiB tmpfs", async (t) => {
    const state = join(temp.dir, "full");
    const unmount = mountTmpfs(state, { sizeKb: 64 });
    if (!unmount) return t.skip("mount is not permitted here");
    unmounts.push(unmount);
    const { server, file } = await answering();
    mkdirSync(join(state, "sessions"));
    try {
      writeFileSync(join(state, "filler"), Buffer.alloc(256 * 1024));
    } catch {
      // Full: what the test wants.
    }
    const result = await runHearth(["agent", "--config", file, "-m", "x".repeat(20_000)], { env: { HEARTH_STATE_DIR: state } });
    assertClearFault(result, join(state, "sessions/main.jsonl"), /the disk is full \(ENOSPC\); nothing was written/);
    assert.equal(posts(server), 0, "no model is called for a message that could not be kept");
  });

  test("a chat-history that is a FIFO does not hang `hearth chat` on a terminal", async (t) => {
    if (spawnSync("script", ["--version"]).status !== 0) return t.skip("no `script` here to give chat a terminal");
    const { file } = await answering();
    const state = join(temp.dir, "history-fifo");
    mkdirSync(state);
    execFileSync("mkfifo", [join(state, "chat-history")]);
    const child = spawn("script", ["-qefc", `${process.execPath} ${hearthBin} chat --config ${file}`, "/dev/null"], {
      env: { PATH: process.env.PATH, HOME: "/nonexistent-home", NO_COLOR: "1", TERM: "dumb", HEARTH_STATE_DIR: state },
      stdio: ["pipe", "pipe", "pipe"],
    });
    const killer = setTimeout(() => child.kill("SIGKILL"), 20_000);
    let output = "";
    const answered = new Promise<void>((resolve) =>
      child.stdout.on("data", (chunk: Buffer) => {
        output += String(chunk);
        if (output.includes("fine")) resolve();
      }),
    );
    const exited = new Promise<number | null>((resolve) => child.once("exit", resolve));
    child.stdin.write("hello\n");
    await Promise.race([answered, exited]);
    child.stdin.end("/exit\n");
    const code = await exited;
    clearTimeout(killer);
    assert.equal(code, 0, output);
    assert.match(output, /fine/);
  });

  test("an unwritable state dir (EACCES), as an unprivileged user", async (t) => {
    if (!isRoot() || spawnSync(process.execPath, ["-e", "0"], { uid: 65534, gid: 65534 }).status !== 0) return t.skip("cannot run a command as another user here");
    const root = join(temp.dir, "eacces");
    mkdirSync(join(root, "state"), { recursive: true });
    // The temp dirs are 0700: let the other user reach the config and the state dir (which it may not write).
    for (const dir of [temp.dir, root, join(root, "state")]) chmodSync(dir, 0o755);
    const { server } = await answering();
    const file = join(root, "config.json5");
    writeFileSync(file, config(server.baseUrl), { mode: 0o644 });
    const result = await runHearth(["agent", "--config", file, "-m", "hello"], { env: { HEARTH_STATE_DIR: join(root, "state") }, uid: 65534 });
    assertClearFault(result, join(root, "state"), /permission denied \(EACCES\)/);
    assert.equal(posts(server), 0);
  });

  // `hearth chat` meets the same faults as `hearth agent` (an attack run in session 3 checked them by
  // hand; no test held them): the first message ends the chat with the clear error, exit 1.
  for (const [name, make, path, what] of [
    ["sessions/ is a file", (state: string) => (mkdirSync(state), writeFileSync(join(state, "sessions"), "")), "sessions", /is a file where a directory should be/],
    ["the session file is a FIFO", (state: string) => (mkdirSync(join(state, "sessions"), { recursive: true }), execFileSync("mkfifo", [join(state, "sessions/main.jsonl")])), "sessions/main.jsonl", /a named pipe \(FIFO\)/],
  ] as const) {
    test(`hearth chat when ${name}: a clear error, exit 1, no model called`, async () => {
      const { server, file } = await answering();
      const state = join(temp.dir, `chat-${name.replace(/\W+/g, "-")}`);
      make(state);
      const result = await runCli(["chat", "--config", file], { env: { HEARTH_STATE_DIR: state }, input: "hello\n/exit\n" });
      assertClearFault(result, join(state, path), what);
      assert.equal(posts(server), 0);
    });
  }
});

describe("files hearth wrote itself are checked on read; a damaged one never stops a turn", () => {
  const temp = tempDir();
  const servers: FakeServer[] = [];
  after(async () => {
    temp.cleanup();
    await Promise.all(servers.map((server) => server.close()));
  });

  // A damaged entry is skipped and the file kept (a newer hearth's entry must not cost the others); a file that is
  // no cooldowns object at all is set aside.
  const damaged: [string, string, "entry" | "file"][] = [
    ["a null entry", '{"local/m": null}', "entry"],
    ["an absurd until", '{"local/m": {"failures": 1, "until": 1e300, "kind": "timeout"}}', "entry"],
    ["an until past any date", '{"local/m": {"failures": 1, "until": 8640000000000001, "kind": "timeout"}}', "entry"],
    ["an unknown kind", '{"local/m": {"failures": 1, "until": 1, "kind": "gone"}}', "entry"],
    ["an array", "[1, 2]", "file"],
    ["not JSON", "{ not json", "file"],
  ];
  for (const [name, text, damage] of damaged) {
    test(`cooldowns.json with ${name}: ${damage === "entry" ? "the entry skipped" : "set aside"} with a warning; the turn and models status go on`, async () => {
      const server = await startFakeServer(scriptedModel("openai-completions", () => ({ text: "answered" })));
      servers.push(server);
      const file = temp.write(`cooldowns-${servers.length}.json5`, config(server.baseUrl));
      const state = join(temp.dir, `cooldowns-${servers.length}`);
      mkdirSync(state);
      writeFileSync(join(state, "cooldowns.json"), text);
      const turn = await runHearth(["agent", "--config", file, "-m", "hello"], { env: { HEARTH_STATE_DIR: state } });
      assert.equal(turn.code, 0, turn.stderr);
      assert.equal(turn.stdout, "answered\n");
      const aside = readdirSync(state).filter((name) => name.startsWith("cooldowns.json.bad-"));
      if (damage === "entry") {
        assert.match(turn.stderr, /warning: .*cooldowns\.json: local\/m\S*: .+; that entry is skipped \(a newer hearth's, or hand-edited\), the others are read/);
        assert.equal(aside.length, 0, "the file is kept: only its entry is skipped");
      } else {
        assert.match(turn.stderr, /warning: .*cooldowns\.json is not a valid cooldowns file \(.+\); moved it to .*cooldowns\.json\.bad-\S+ and started with no cooldowns/);
        assert.equal(aside.length, 1);
        assert.equal(readFileSync(join(state, aside[0] ?? ""), "utf8"), text, "the damaged file is kept for a look");
      }

      writeFileSync(join(state, "cooldowns.json"), text);
      const status = await runHearth(["models", "status", "--config", file], { env: { HEARTH_STATE_DIR: state } });
      assert.equal(status.code, 0, status.stderr);
      assert.match(status.stdout, /primary: local\/m/);
      assert.doesNotMatch(status.stderr, /unexpected error|Cannot read properties|Invalid time value/);
    });
  }

  test("session lines that are not valid entries are skipped with a warning, never sent, never a crash", async () => {
    const server = await startFakeServer(scriptedModel("openai-completions", () => ({ text: "answered" })));
    servers.push(server);
    const file = temp.write("lines.json5", config(server.baseUrl));
    const state = join(temp.dir, "lines");
    mkdirSync(join(state, "sessions"), { recursive: true });
    const at = "2026-01-01T00:00:00.000Z";
    const usage = { input: 1, output: 1, cacheRead: 0, cacheWrite: 0, reasoning: 0, estimated: false };
    const lines = [
      { type: "session", version: 1, at, agent: "main" },
      { type: "user", id: "u1", at, text: "first question" },
      { type: "assistant", id: "a1", at, attempts: [], message: { role: "assistant", content: [{ type: "text", text: "first answer" }], model: "local/m", api: "openai-completions", stopReason: "stop", usage, cost: 0 } },
      { type: "user", id: "u2", at, text: null },
      { type: "assistant", id: "a2", at, attempts: [], message: { role: "assistant", content: null, model: "local/m" } },
      { type: "mystery", id: "x", at },
      null,
      [1, 2],
    ];
    writeFileSync(join(state, "sessions/main.jsonl"), `${lines.map((line) => JSON.stringify(line)).join("\n")}\n`);
    const turn = await runHearth(["agent", "--config", file, "-m", "second question"], { env: { HEARTH_STATE_DIR: state } });
    assert.equal(turn.code, 0, turn.stderr);
    assert.equal(turn.stdout, "answered\n");
    for (const line of [4, 5, 6, 7, 8]) assert.match(turn.stderr, new RegExp(`warning: session "main": skipped line ${line} of \\S+main\\.jsonl \\(`));
    assert.match(turn.stderr, /line 4 .*\(text: /);
    assert.match(turn.stderr, /unknown entry type "mystery"/);
    const body = server.requests.find((request) => request.method === "POST")?.body as Record<string, unknown>;
    assert.deepEqual(
      conversationOf("openai-completions", body).filter((turn) => turn.role !== "system"),
      [
        { role: "user", text: "first question" },
        { role: "assistant", text: "first answer" },
        { role: "user", text: "second question" },
      ],
    );
    const show = await runHearth(["sessions", "show", "main"], { env: { HEARTH_STATE_DIR: state } });
    assert.equal(show.code, 0, show.stderr);
    assert.match(show.stdout, /second question/);
    const list = await runHearth(["sessions", "list"], { env: { HEARTH_STATE_DIR: state } });
    assert.equal(list.code, 0, list.stderr);
    assert.ok(existsSync(join(state, "sessions/main.jsonl")));
  });
});
